/**
 * The runner's access to needles (src/client/actions/needles/): the modules are loaded on first use, so that
 * scenarios without screen steps start without them, and each needle file is read once per run.
 */
export type {Needle, NeedleArea, Rgba} from '../client/actions/needles/needle.js';
export type {MatchOptions, MatchResult} from '../client/actions/needles/match.js';
import type {Needle} from '../client/actions/needles/needle.js';

type NeedlesModule = Pick<typeof import('../client/actions/needles/needle.js'), 'loadNeedle'> & Pick<typeof import('../client/actions/needles/match.js'), 'matchNeedle'>;

let mod: Promise<NeedlesModule> | undefined;

export function needles(): Promise<NeedlesModule> {
  mod ??= Promise.all([import('../client/actions/needles/needle.js'), import('../client/actions/needles/match.js')]).then(([n, m]) => ({loadNeedle: n.loadNeedle, matchNeedle: m.matchNeedle}));
  return mod;
}

const cache = new Map<string, Promise<Needle>>();
export function loadNeedleCached(path: string): Promise<Needle> {
  let p = cache.get(path);
  if (!p) {
    p = needles().then((m) => m.loadNeedle(path));
    cache.set(path, p);
  }
  return p;
}
