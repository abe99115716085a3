/**
 * The runner's access to needles (src/scenarios/needles/): the modules are loaded on first use, so that
 * scenarios without screen steps start without them, and each needle file is read once per run.
 */
export type {Needle, NeedleArea, Rgba} from './needles/needle.js';
export type {MatchOptions, MatchResult} from './needles/match.js';
import type {Needle} from './needles/needle.js';

type NeedlesModule = Pick<typeof import('./needles/needle.js'), 'loadNeedle'> & Pick<typeof import('./needles/match.js'), 'matchNeedle'>;

let mod: Promise<NeedlesModule> | undefined;

export function needles(): Promise<NeedlesModule> {
  mod ??= Promise.all([import('./needles/needle.js'), import('./needles/match.js')]).then(([n, m]) => ({loadNeedle: n.loadNeedle, matchNeedle: m.matchNeedle}));
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
