/**
 * Needle matching by pixel positions (never histograms). Each match area of the needle is looked for on the
 * screen at offsets within its margin; a pixel matches when every channel (R, G, B; alpha is ignored) differs
 * by at most `tolerance`; pixels of the area covered by exclude areas are not compared. The area is found at
 * the first offset, spiralling out from its own position, where at least `match` percent of its pixels match;
 * the search then goes on only for strictly better offsets (fewer mismatching pixels), stopping at a perfect
 * one. Score = percentage of matching pixels at the reported location, 100 only when all of them match.
 *
 * Speed: pixels are compared as packed 32-bit words (R, G, B, A bytes in one load), in an order that makes
 * wrong offsets fail early (pixels not of the area's background colour first, three to one with background
 * ones, edges first within each, spread over the area), and each offset stops as soon as its mismatches exceed
 * the budget (the allowed ones, or the best offset's once found).
 *
 * For a needle that is not found the score is the better of its own position and of the offset that lasted
 * longest before its budget ran out, each counted in full: a cheap estimate of the best location, not the
 * exhaustive maximum over the whole margin.
 */
import {inside, NEEDLE_DEFAULTS, type Needle, type NeedleArea, type Rgba} from './needle.js';

export interface MatchOptions {
  /** Percentage of pixels that must match, for areas that do not set their own `match` (default 100). */
  match?: number;
  /** Largest per-channel difference (0..255) for a pixel to count as matching (default 0: exact). */
  tolerance?: number;
  /** Search margin in pixels for areas that do not set their own `margin` (default 50). */
  margin?: number;
}

export interface AreaMatch {
  /** Index of the area in needle.areas. */
  index: number;
  area: NeedleArea;
  found: boolean;
  /** 0..100: percentage of compared pixels within tolerance at (x, y). */
  score: number;
  /** Top-left of the best location on the screen. */
  x: number;
  y: number;
  /** Pixels compared (the area minus its excluded pixels) and how many of them did not match at (x, y). */
  pixels: number;
  mismatched: number;
}

export interface MatchResult {
  found: boolean;
  /** 0..100, the worst match area's score. */
  score: number;
  needle: string;
  /** One entry per match area, in needle order. */
  areas: AreaMatch[];
  /** Offset of the first match area's best location from its position in the needle. */
  dx: number;
  dy: number;
  /** The needle's click point on the screen (moved by the offset of the area that holds it). */
  click?: {x: number; y: number};
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** The R, G, B bytes of a packed RGBA pixel (alpha ignored). */
const RGB_MASK = LITTLE_ENDIAN ? 0x00ffffff : 0xffffff00;
const SHIFT = LITTLE_ENDIAN ? [0, 8, 16] : [24, 16, 8];

/** The pixels of one match area in comparison order, packed. */
interface PreparedArea {
  /** Packed needle pixels (RGB_MASK applied). */
  values: Uint32Array;
  rx: Int32Array;
  ry: Int32Array;
  /** rx + ry * width for the last screen width used. */
  rel?: {width: number; offsets: Int32Array};
}

const prepared = new WeakMap<Needle, Map<number, PreparedArea>>();

export function matchNeedle(screen: Rgba, needle: Needle, opts: MatchOptions = {}): MatchResult {
  const screen32 = pack(screen);
  const tolerance = Math.max(0, Math.min(255, Math.floor(opts.tolerance ?? 0)));
  const areas: AreaMatch[] = [];
  needle.areas.forEach((area, index) => {
    if (area.type !== 'match') return;
    const prep = prepareArea(needle, index);
    const match = area.match ?? opts.match ?? NEEDLE_DEFAULTS.match;
    const margin = area.margin ?? opts.margin ?? NEEDLE_DEFAULTS.margin;
    areas.push({index, area, ...searchArea(screen32, screen.width, screen.height, area, prep, match, margin, tolerance)});
  });
  const first = areas[0]!;
  const result: MatchResult = {
    found: areas.every((a) => a.found),
    score: Math.min(...areas.map((a) => a.score)),
    needle: needle.name,
    areas,
    dx: first.x - first.area.x,
    dy: first.y - first.area.y,
  };
  if (needle.click) {
    const holder = areas.find((a) => a.index === needle.clickArea) ?? areas[areas.length - 1]!;
    result.click = {x: needle.click.x + holder.x - holder.area.x, y: needle.click.y + holder.y - holder.area.y};
  }
  return result;
}

/** The best found needle (highest score, the first one on ties), or undefined when none is found. */
export function matchAny(screen: Rgba, needles: Needle[], opts?: MatchOptions): MatchResult | undefined {
  let best: MatchResult | undefined;
  for (const n of needles) {
    const r = matchNeedle(screen, n, opts);
    if (r.found && (!best || r.score > best.score)) best = r;
    if (best?.score === 100) break;
  }
  return best;
}

type Found = Omit<AreaMatch, 'index' | 'area'>;

function searchArea(
  screen: Uint32Array,
  width: number,
  height: number,
  area: NeedleArea,
  prep: PreparedArea,
  match: number,
  margin: number,
  tolerance: number,
): Found {
  const n = prep.values.length;
  const rel = relativeOffsets(prep, width);
  const budget = Math.floor((n * (100 - match)) / 100 + 1e-9);
  // Offsets keeping the area on the screen.
  const minDx = Math.max(-margin, -area.x);
  const maxDx = Math.min(margin, width - area.width - area.x);
  const minDy = Math.max(-margin, -area.y);
  const maxDy = Math.min(margin, height - area.height - area.y);
  const result = (dx: number, dy: number, m: number, found: boolean): Found => ({
    found,
    score: scoreOf(n, m),
    x: area.x + dx,
    y: area.y + dy,
    pixels: n,
    mismatched: m,
  });
  if (minDx > maxDx || minDy > maxDy) return {found: false, score: 0, x: area.x, y: area.y, pixels: n, mismatched: n};

  let best = {m: Infinity, dx: 0, dy: 0};
  let longest = {scanned: -1, dx: 0, dy: 0};
  const maxRing = Math.max(-minDx, maxDx, -minDy, maxDy);
  for (let r = 0; r <= maxRing; r++) {
    for (const [dx, dy] of ring(r)) {
      if (dx < minDx || dx > maxDx || dy < minDy || dy > maxDy) continue;
      const limit = best.m === Infinity ? budget : best.m - 1;
      const base = (area.y + dy) * width + area.x + dx;
      const m = mismatches(screen, base, rel, prep.values, tolerance, limit);
      if (m <= limit) {
        best = {m, dx, dy};
        if (m === 0) return result(dx, dy, 0, true);
      } else if (best.m === Infinity && scanned > longest.scanned) {
        longest = {scanned, dx, dy};
      }
    }
  }
  if (best.m !== Infinity) return result(best.dx, best.dy, best.m, true);
  // Not found: count in full at the area's own position (if on screen) and at the most promising offset.
  const candidates: Array<[number, number]> = [[longest.dx, longest.dy]];
  if (minDx <= 0 && maxDx >= 0 && minDy <= 0 && maxDy >= 0) candidates.unshift([0, 0]);
  for (const [dx, dy] of candidates) {
    const m = mismatches(screen, (area.y + dy) * width + area.x + dx, rel, prep.values, tolerance, n);
    if (m < best.m) best = {m, dx, dy};
  }
  return result(best.dx, best.dy, best.m, false);
}

/** Pixels compared by the last mismatches() call before it returned. */
let scanned = 0;

/** Mismatching pixels of the area placed at `base`, or limit + 1 as soon as there are more than `limit`. */
function mismatches(screen: Uint32Array, base: number, rel: Int32Array, values: Uint32Array, tolerance: number, limit: number): number {
  let m = 0;
  const n = values.length;
  if (tolerance === 0) {
    for (let i = 0; i < n; i++) {
      if (((screen[base + rel[i]!]! ^ values[i]!) & RGB_MASK) !== 0 && ++m > limit) {
        scanned = i + 1;
        return m;
      }
    }
  } else {
    const [s0, s1, s2] = SHIFT as [number, number, number];
    for (let i = 0; i < n; i++) {
      const a = screen[base + rel[i]!]!;
      const b = values[i]!;
      if (((a ^ b) & RGB_MASK) === 0) continue;
      if (
        Math.abs(((a >>> s0) & 0xff) - ((b >>> s0) & 0xff)) > tolerance ||
        Math.abs(((a >>> s1) & 0xff) - ((b >>> s1) & 0xff)) > tolerance ||
        Math.abs(((a >>> s2) & 0xff) - ((b >>> s2) & 0xff)) > tolerance
      ) {
        if (++m > limit) {
          scanned = i + 1;
          return m;
        }
      }
    }
  }
  scanned = n;
  return m;
}

/** Offsets at Chebyshev distance r from 0, 0 (the square ring), clockwise from the top-left. */
function* ring(r: number): Generator<[number, number]> {
  if (r === 0) {
    yield [0, 0];
    return;
  }
  for (let dx = -r; dx <= r; dx++) yield [dx, -r];
  for (let dy = -r + 1; dy <= r; dy++) yield [r, dy];
  for (let dx = r - 1; dx >= -r; dx--) yield [dx, r];
  for (let dy = r - 1; dy > -r; dy--) yield [-r, dy];
}

/** 100 only when nothing mismatches; two decimals, rounded down. */
function scoreOf(n: number, m: number): number {
  return Math.floor((10000 * (n - m)) / n) / 100;
}

function pack(img: Rgba): Uint32Array {
  if (img.data.length < img.width * img.height * 4) throw new RangeError(`screen data too short for ${img.width}x${img.height} RGBA`);
  if (img.data.byteOffset % 4 === 0) return new Uint32Array(img.data.buffer, img.data.byteOffset, img.width * img.height);
  return new Uint32Array(new Uint8Array(img.data.subarray(0, img.width * img.height * 4)).buffer);
}

function relativeOffsets(prep: PreparedArea, width: number): Int32Array {
  if (prep.rel?.width === width) return prep.rel.offsets;
  const offsets = new Int32Array(prep.rx.length);
  for (let i = 0; i < offsets.length; i++) offsets[i] = prep.ry[i]! * width + prep.rx[i]!;
  prep.rel = {width, offsets};
  return offsets;
}

/** The area's compared pixels (excluded ones left out) in comparison order. */
function prepareArea(needle: Needle, index: number): PreparedArea {
  let byArea = prepared.get(needle);
  if (!byArea) prepared.set(needle, (byArea = new Map()));
  const cached = byArea.get(index);
  if (cached) return cached;
  const area = needle.areas[index]!;
  const img = pack(needle.image);
  const w = needle.image.width;
  const excludes = needle.areas.filter((a) => a.type === 'exclude');
  // The area's most frequent colour (its background, usually): pixels of other colours tell wrong offsets
  // apart best, those on edges first.
  const counts = new Map<number, number>();
  for (let y = area.y; y < area.y + area.height; y++) {
    for (let x = area.x; x < area.x + area.width; x++) {
      const v = img[y * w + x]! & RGB_MASK;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }
  let background = 0;
  let most = -1;
  for (const [v, c] of counts) if (c > most) [background, most] = [v, c];
  const groups: number[][] = [[], [], [], []];
  for (let y = area.y; y < area.y + area.height; y++) {
    for (let x = area.x; x < area.x + area.width; x++) {
      if (excludes.some((e) => inside(e, x, y))) continue;
      const v = img[y * w + x]! & RGB_MASK;
      const differs =
        (x > area.x && (img[y * w + x - 1]! & RGB_MASK) !== v) ||
        (x + 1 < area.x + area.width && (img[y * w + x + 1]! & RGB_MASK) !== v) ||
        (y > area.y && (img[(y - 1) * w + x]! & RGB_MASK) !== v) ||
        (y + 1 < area.y + area.height && (img[(y + 1) * w + x]! & RGB_MASK) !== v);
      groups[(v === background ? 2 : 0) + (differs ? 0 : 1)]!.push((y - area.y) * area.width + (x - area.x));
    }
  }
  // Three of the other colours, then one of the background: a wrong offset on a screen of the background colour
  // and one on a screen of the other colours (a blank screen) both show their mismatches within a few pixels.
  const other = [...spread(groups[0]!), ...spread(groups[1]!)];
  const back = [...spread(groups[2]!), ...spread(groups[3]!)];
  const order: number[] = [];
  for (let i = 0, j = 0; i < other.length || j < back.length; ) {
    for (let k = 0; k < 3 && i < other.length; k++) order.push(other[i++]!);
    if (j < back.length) order.push(back[j++]!);
  }
  const values = new Uint32Array(order.length);
  const rx = new Int32Array(order.length);
  const ry = new Int32Array(order.length);
  order.forEach((p, i) => {
    rx[i] = p % area.width;
    ry[i] = Math.floor(p / area.width);
    values[i] = img[(area.y + ry[i]!) * w + area.x + rx[i]!]! & RGB_MASK;
  });
  const prep = {values, rx, ry};
  byArea.set(index, prep);
  return prep;
}

/** A fixed permutation that visits the list with a large stride coprime to its length (spreads neighbours apart). */
function spread(list: number[]): number[] {
  const n = list.length;
  if (n < 3) return list;
  let stride = Math.max(1, Math.floor(n * 0.618));
  while (gcd(stride, n) !== 1) stride++;
  const out = new Array<number>(n);
  for (let i = 0, j = 0; i < n; i++, j = (j + stride) % n) out[i] = list[j]!;
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
