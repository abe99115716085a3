/**
 * The runner's view of the needles module (src/scenarios/needles/, written separately; interface in
 * its needle.ts and match.ts). Loaded on first use so that scenarios without screen steps run without it.
 */
import {SpiceError} from '../client/errors.js';

export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}
export interface NeedleArea {
  x: number;
  y: number;
  width: number;
  height: number;
  type: 'match' | 'exclude';
  match?: number;
  margin?: number;
}
export interface Needle {
  name: string;
  file: string;
  image: Rgba;
  areas: NeedleArea[];
  click?: {x: number; y: number};
  tags: string[];
}
export interface MatchResult {
  found: boolean;
  score: number;
  needle: string;
  areas: Array<{area: NeedleArea; found: boolean; score: number; x: number; y: number}>;
  dx: number;
  dy: number;
  click?: {x: number; y: number};
}
export interface MatchOptions {
  threshold?: number;
  tolerance?: number;
  margin?: number;
}

interface NeedlesModule {
  loadNeedle(jsonPath: string): Promise<Needle>;
  matchNeedle(screen: Rgba, needle: Needle, opts?: MatchOptions): MatchResult;
}

let mod: Promise<NeedlesModule> | undefined;

async function load(): Promise<NeedlesModule> {
  // Paths held in variables: the modules are another part's work and may land later.
  const needlePath = './needles/needle.js';
  const matchPath = './needles/match.js';
  try {
    const [n, m] = await Promise.all([import(needlePath), import(matchPath)]);
    return {loadNeedle: n.loadNeedle, matchNeedle: m.matchNeedle} as NeedlesModule;
  } catch (e) {
    throw new SpiceError('usage', `needle matching is not available yet in this build (src/scenarios/needles): ${(e as Error).message}`);
  }
}

export function needles(): Promise<NeedlesModule> {
  mod ??= load();
  return mod;
}

const cache = new Map<string, Promise<Needle>>();
export async function loadNeedleCached(path: string): Promise<Needle> {
  let p = cache.get(path);
  if (!p) {
    p = needles().then((m) => m.loadNeedle(path));
    cache.set(path, p);
  }
  return p;
}
