/**
 * Two pictures compared pixel by pixel with the needle matcher: picture A is a needle with one match area
 * covering all of it (margin 0: no search), looked for on picture B. A pixel differs when one of R, G, B
 * differs by more than the tolerance (alpha is ignored, as for needles); the pictures are equal when at least
 * `match` percent of the pixels match (default 100: every one).
 */
import {SpiceError} from '../../errors.js';
import type {Rgba} from './image.js';
import {matchNeedle} from './match.js';
import type {Needle} from './needle.js';

export interface CompareOptions {
  /** Largest per-channel difference (0..255) of a matching pixel (default 0). */
  tolerance?: number;
  /** Percentage of pixels that must match (default 100). */
  match?: number;
}

export interface CompareReport {
  equal: boolean;
  width: number;
  height: number;
  pixels: number;
  /** Pixels that differ by more than the tolerance. */
  differing: number;
  /** 0..100: percentage of matching pixels (two decimals, rounded down; 100 only when none differs). */
  score: number;
  tolerance: number;
  /** The percentage of pixels that had to match. */
  match: number;
  /** Bounding box of the differing pixels. */
  box?: {x: number; y: number; width: number; height: number};
}

/** Compares `a` with `b`; pictures of different sizes are a failed expectation naming both sizes. */
export function compareImages(a: Rgba, b: Rgba, o: CompareOptions = {}, names: [string, string] = ['A', 'B']): CompareReport {
  if (a.width !== b.width || a.height !== b.height) {
    throw new SpiceError('expectation', `the pictures differ in size: ${names[0]} is ${a.width}x${a.height}, ${names[1]} is ${b.width}x${b.height}`, {
      details: {equal: false, sizes: [{file: names[0], width: a.width, height: a.height}, {file: names[1], width: b.width, height: b.height}]},
    });
  }
  const tolerance = Math.max(0, Math.min(255, Math.floor(o.tolerance ?? 0)));
  const match = o.match ?? 100;
  const needle: Needle = {
    name: names[0],
    file: names[0],
    image: a,
    areas: [{x: 0, y: 0, width: a.width, height: a.height, type: 'match', match, margin: 0}],
    tags: [],
    properties: [],
    format: 'spice-cli',
    ignoredOcrAreas: 0,
  };
  const r = matchNeedle(b, needle, {tolerance});
  const area = r.areas[0]!;
  const report: CompareReport = {equal: r.found, width: a.width, height: a.height, pixels: area.pixels, differing: area.mismatched, score: r.score, tolerance, match};
  const box = area.mismatched > 0 ? differingBox(a, b, tolerance) : undefined;
  if (box) report.box = box;
  return report;
}

const differs = (a: Uint8Array, b: Uint8Array, i: number, tolerance: number) =>
  Math.abs(a[i]! - b[i]!) > tolerance || Math.abs(a[i + 1]! - b[i + 1]!) > tolerance || Math.abs(a[i + 2]! - b[i + 2]!) > tolerance;

function differingBox(a: Rgba, b: Rgba, tolerance: number): CompareReport['box'] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (!differs(a.data, b.data, (y * a.width + x) * 4, tolerance)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? undefined : {x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1};
}

/** The diff picture: B faded to a third of its brightness in grey, every differing pixel pure red (255, 0, 0). */
export function diffImage(a: Rgba, b: Rgba, tolerance = 0): Rgba {
  const out = new Uint8Array(b.width * b.height * 4);
  for (let i = 0; i < out.length; i += 4) {
    if (differs(a.data, b.data, i, tolerance)) {
      out[i] = 255;
      out[i + 1] = 0;
      out[i + 2] = 0;
    } else {
      const grey = Math.round((b.data[i]! * 0.299 + b.data[i + 1]! * 0.587 + b.data[i + 2]! * 0.114) / 3);
      out[i] = out[i + 1] = out[i + 2] = grey;
    }
    out[i + 3] = 255;
  }
  return {width: b.width, height: b.height, data: out};
}
