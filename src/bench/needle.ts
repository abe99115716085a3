/**
 * Needle matching benchmark: time of matchNeedle() for a 200x60 area with a 50-pixel margin on the recorded
 * 1024x768 Xspice desktop (recordings/xspice-off.png), found at its own place, found shifted (content moved by
 * +13,+7 and by -40,+35), and not found (the recorded screen at connect time, whose xterm lines differ), with the
 * default match percentage (100 %) and at 96 %, where each wrong offset may run much longer before it is given up; and
 * a larger area (366x134) not found at 96 %, to show how the cost grows with the mismatch budget.
 *
 * `node dist/bench/needle.js [--runs N]` prints the JSON; `benchNeedle()` is what `npm run bench` calls.
 */
import {performance} from 'node:perf_hooks';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {readPngRgba, type Rgba} from '../client/actions/needles/image.js';
import {matchNeedle, type MatchOptions} from '../client/actions/needles/match.js';
import {needleFromJson, type Needle} from '../client/actions/needles/needle.js';

const RECORDINGS = fileURLToPath(new URL('../../recordings/', import.meta.url));

export interface NeedleBenchCase {
  case: string;
  found: boolean;
  score: number;
  dx: number;
  dy: number;
  runs: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

/** The picture moved by dx, dy (black comes in), same size. */
function shifted(img: Rgba, dx: number, dy: number): Rgba {
  const out = new Uint8Array(img.data.length);
  for (let y = 0; y < img.height; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= img.height) continue;
    for (let x = 0; x < img.width; x++) {
      const sx = x - dx;
      if (sx < 0 || sx >= img.width) continue;
      const s = (sy * img.width + sx) * 4;
      out.set(img.data.subarray(s, s + 4), (y * img.width + x) * 4);
    }
  }
  return {width: img.width, height: img.height, data: out};
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function time(name: string, screen: Rgba, needle: Needle, runs: number, opts?: MatchOptions): NeedleBenchCase {
  const r = matchNeedle(screen, needle, opts);
  for (let i = 0; i < 5; i++) matchNeedle(screen, needle, opts);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    matchNeedle(screen, needle, opts);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const mid = samples.length >> 1;
  const median = samples.length % 2 ? samples[mid]! : (samples[mid - 1]! + samples[mid]!) / 2;
  return {case: name, found: r.found, score: r.score, dx: r.dx, dy: r.dy, runs, medianMs: round(median), p99Ms: round(percentile(samples, 99)), maxMs: round(samples[samples.length - 1]!)};
}

export async function benchNeedle(opts: {runs?: number} = {}) {
  const runs = opts.runs ?? 200;
  const shot = await readPngRgba(`${RECORDINGS}xspice-off.png`);
  const atConnect = await readPngRgba(`${RECORDINGS}xspice-off.connect.png`);
  // 200x60 areas: directory listing text in the big xterm, and lines of the scrolling xterm.
  const listing = needleFromJson({areas: [{x: 60, y: 120, width: 200, height: 60, margin: 50}]}, 'listing.json', shot);
  const scroller = needleFromJson({areas: [{x: 100, y: 480, width: 200, height: 60, margin: 50}]}, 'scroller.json', shot);
  const wholeScroller = needleFromJson({areas: [{x: 100, y: 451, width: 366, height: 134, margin: 50}]}, 'whole-scroller.json', shot);
  const cases = [
    time('found at its own place', shot, listing, runs),
    time('found at offset +13,+7', shifted(shot, 13, 7), listing, runs),
    time('found at offset -40,+35', shifted(shot, -40, 35), listing, runs),
    time('not found (changed lines), match 100', atConnect, scroller, runs),
    time('not found (changed lines), match 96', atConnect, scroller, runs, {match: 96}),
    time('not found (blank screen), match 100', {width: 1024, height: 768, data: new Uint8Array(1024 * 768 * 4)}, listing, runs),
    // A larger area (the whole scrolling xterm, 366x134): the budget at 96 % is 1962 pixels per offset.
    time('large area 366x134 not found (changed lines), match 96', atConnect, wholeScroller, Math.max(3, Math.floor(runs / 10)), {match: 96}),
  ];
  return {
    frame: `${shot.width}x${shot.height}`,
    area: '200x60 (but the last case)',
    margin: 50,
    offsetsSearched: 101 * 101,
    cases,
    notes: ['ms per matchNeedle() call (one area), in-process, after 5 warm-up calls; p99 by nearest rank', 'not-found cases search every offset of the margin: each is given up once its mismatches exceed the budget (0 pixels at 100 %, 480 of 12000 at 96 %)'],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : undefined;
  process.stdout.write(JSON.stringify(await benchNeedle({runs}), null, 2) + '\n');
}
