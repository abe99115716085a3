/**
 * The runner's access to needles (src/client/actions/needles/): the module is loaded on first use, so that
 * scenarios without screen steps start without it, and each needle file is read once per run.
 */
export type {Needle, NeedleArea, Rgba} from '../client/actions/needles/needle.js';
export type {MatchOptions, MatchResult} from '../client/actions/needles/match.js';
import type {Needle} from '../client/actions/needles/needle.js';

const cache = new Map<string, Promise<Needle>>();
export function loadNeedleCached(path: string): Promise<Needle> {
  let p = cache.get(path);
  if (!p) {
    p = import('../client/actions/needles/needle.js').then((m) => m.loadNeedle(path));
    cache.set(path, p);
  }
  return p;
}
