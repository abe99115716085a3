/**
 * Screen checks: watch a monitor (re-looking after every draw, at most every 50 ms) until needles match, a
 * region changes, or the display is still. The scenario steps (wait_screen, assert_screen, check_screen,
 * click_needle, if, repeat ... until, measure, wait_change) and the commands wait-screen, assert-screen,
 * wait-change and wait-still call the same functions.
 *
 * Low level: watchScreen() (a check on every new screen), waitForNeedles() (the best candidate of a list of
 * needles, found or not: undefined at the timeout). Command level, returning the report `--json` prints or
 * throwing a SpiceError: waitScreen(), assertScreen(), waitChange(), waitStillScreen().
 */
import {formatMs, interruptedError, SpiceError} from '../errors.js';
import type {SpiceSession} from '../session.js';
import {grabScreen, type Region} from './capture.js';
import {displayOf, waitStill} from './display.js';
import type {Rgba} from './needles/image.js';
import {matchNeedle, type MatchResult} from './needles/match.js';
import type {Needle} from './needles/needle.js';

/** How often, at most, the screen is looked at again after a draw. */
export const POLL_MS = 50;

/** A needle and its match on one screen (found or not). */
export interface NeedleCandidate {
  needle: Needle;
  result: MatchResult;
}

export interface WatchOptions {
  timeoutMs: number;
  /** Monitor index (default 0). */
  monitor?: number;
  /** X, Y, WIDTH, HEIGHT on the monitor; default the whole monitor. */
  region?: readonly number[];
  signal?: AbortSignal;
}

/**
 * Calls `check` on the monitor's picture (or a region of it) now and after every change, until it returns a
 * value (resolved) or `timeoutMs` passes (undefined). While the guest switches mode the monitor may point at a
 * surface not created yet: that screen is looked at again later. A lost session rejects with its error; an
 * abort with 'interrupted'.
 */
export async function watchScreen<T>(session: SpiceSession, check: (s: Rgba) => T | undefined, o: WatchOptions): Promise<T | undefined> {
  const display = session.display;
  if (!display) throw new Error('internal error: watchScreen needs a session opened with render: true');
  const monitor = o.monitor ?? 0;
  const deadline = performance.now() + o.timeoutMs;
  let lost: SpiceError | undefined = session.isClosed ? new SpiceError('connection-lost', 'the session was closed') : undefined;
  let wake = () => {};
  const onLost = (e?: SpiceError | null) => {
    lost ??= e ?? new SpiceError('connection-lost', 'the session was closed');
    wake();
  };
  let dirty = true;
  const onDamage = () => (dirty = true);
  const onAbort = () => wake();
  const tryGrab = (): Rgba | undefined => {
    try {
      return grabScreen(session, monitor, o.region);
    } catch (e) {
      const switching = e instanceof SpiceError && (e.kind === 'protocol' || (e.kind === 'usage' && display.monitors().length === 0));
      if (switching && !lost) return undefined;
      throw e;
    }
  };
  session.on('failed', onLost);
  session.on('closed', onLost);
  display.on('damage', onDamage);
  o.signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (lost) throw lost;
      if (o.signal?.aborted) throw interruptedError('interrupted');
      if (dirty) {
        dirty = false;
        const s = tryGrab();
        if (!s) dirty = true;
        else {
          const r = check(s);
          if (r !== undefined) return r;
        }
      }
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, POLL_MS));
        function done() {
          clearTimeout(t);
          wake = () => {};
          resolve();
        }
        wake = done;
      });
    }
  } finally {
    session.off('failed', onLost);
    session.off('closed', onLost);
    display.off('damage', onDamage);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** The best of `needles` on `screen`: a found one before any not found, then the highest score (the first on ties). */
export function bestCandidate(screen: Rgba, needles: readonly Needle[], match?: number): NeedleCandidate | undefined {
  let best: NeedleCandidate | undefined;
  for (const needle of needles) {
    const result = matchNeedle(screen, needle, match !== undefined ? {match} : {});
    if (!best || (result.found && !best.result.found) || (result.found === best.result.found && result.score > best.result.score)) best = {needle, result};
  }
  return best;
}

export interface NeedleWaitOptions extends Omit<WatchOptions, 'region'> {
  /** Percentage of pixels that must match, for areas without their own. */
  match?: number;
  /** The best candidate of every look (found or not). */
  onScore?: (best: NeedleCandidate) => void;
  /** Every screen looked at. */
  onScreen?: (screen: Rgba) => void;
}

/** Looks for any of `needles` now and after every change; the found candidate, or undefined at the timeout. */
export function waitForNeedles(session: SpiceSession, needles: readonly Needle[], o: NeedleWaitOptions): Promise<NeedleCandidate | undefined> {
  return watchScreen(
    session,
    (screen) => {
      o.onScreen?.(screen);
      const best = bestCandidate(screen, needles, o.match);
      if (best) o.onScore?.(best);
      return best?.result.found ? best : undefined;
    },
    {timeoutMs: o.timeoutMs, monitor: o.monitor, signal: o.signal},
  );
}

/** Where a click on the needle goes: its click point moved with the match, else the centre of its first area. */
export function clickPoint(needle: Needle, r: MatchResult): {x: number; y: number} {
  if (r.click) return r.click;
  const area = needle.areas.find((x) => x.type === 'match') ?? needle.areas[0];
  if (!area) return {x: Math.round(needle.image.width / 2), y: Math.round(needle.image.height / 2)};
  return {x: area.x + r.dx + Math.floor(area.width / 2), y: area.y + r.dy + Math.floor(area.height / 2)};
}

/** A duration for messages (errors.ts formatMs). */
export const fmtMs = formatMs;

/** "the needle X did not match within 2 s (best: X at 97.5%)" / "none of the needles X, Y matched ...". */
export function needlesNotFound(kind: 'timeout' | 'expectation', names: readonly string[], best: NeedleCandidate | undefined, when: string, details?: Record<string, unknown>): SpiceError {
  const b = best ? ` (best: ${best.needle.name} at ${best.result.score.toFixed(1)}%)` : '';
  const list = names.join(', ');
  const what = names.length > 1 ? `none of the needles ${list} matched` : `the needle ${list} did not match`;
  return new SpiceError(kind, `${what} ${when}${b}`, details ? {details} : undefined);
}

export function sameImage(a: Rgba, b: Rgba): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.length).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.length));
}

// ---- the commands' actions ----

export interface ScreenCheckOptions {
  timeoutMs: number;
  monitor?: number;
  /** Percentage of pixels that must match, for areas without their own. */
  match?: number;
  signal?: AbortSignal;
}

/** What wait-screen and assert-screen report: the needle that matched, or (in the error's details) the best one. */
export interface NeedleMatchReport {
  needle: string;
  file: string;
  found: boolean;
  score: number;
  offset: {dx: number; dy: number};
  click: {x: number; y: number};
  areas: Array<{index: number; x: number; y: number; width: number; height: number; found: boolean; score: number}>;
}

export interface ScreenMatchReport {
  matched: NeedleMatchReport;
  monitor: number;
  /** ms from the first complete frame to the match. */
  ms: number;
  /** Screens looked at. */
  looks: number;
}

export function matchReport(c: NeedleCandidate): NeedleMatchReport {
  const r = c.result;
  return {
    needle: c.needle.name,
    file: c.needle.file,
    found: r.found,
    score: r.score,
    offset: {dx: r.dx, dy: r.dy},
    click: clickPoint(c.needle, r),
    areas: r.areas.map((a) => ({index: a.index, x: a.x, y: a.y, width: a.area.width, height: a.area.height, found: a.found, score: a.score})),
  };
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

async function lookFor(session: SpiceSession, needles: readonly Needle[], kind: 'timeout' | 'expectation', watchMs: number, o: ScreenCheckOptions, t0: number, when: () => string): Promise<ScreenMatchReport> {
  let best: NeedleCandidate | undefined;
  let looks = 0;
  const m = await waitForNeedles(session, needles, {
    timeoutMs: watchMs,
    monitor: o.monitor,
    match: o.match,
    signal: o.signal,
    onScore: (b) => {
      looks++;
      if (!best || b.result.score > best.result.score || (b.result.found && !best.result.found)) best = b;
    },
  });
  const ms = round1(performance.now() - t0);
  if (m) return {matched: matchReport(m), monitor: o.monitor ?? 0, ms, looks};
  const names = needles.map((n) => n.name);
  throw needlesNotFound(kind, names, best, when(), {needles: names, ...(best ? {best: matchReport(best)} : {}), monitor: o.monitor ?? 0, ms, looks});
}

/** wait-screen: waits until one of `needles` matches (timeout: kind 'timeout', the best candidate in the message and details). */
export async function waitScreen(session: SpiceSession, needles: readonly Needle[], o: ScreenCheckOptions): Promise<ScreenMatchReport> {
  await displayOf(session, o.timeoutMs);
  const t0 = performance.now();
  return lookFor(session, needles, 'timeout', o.timeoutMs, o, t0, () => `within ${fmtMs(o.timeoutMs)}`);
}

export interface AssertScreenOptions extends ScreenCheckOptions {
  /** ms without a draw before the screen is looked at (default 300); not coming within the timeout, the screen is looked at as it is. */
  stillMs?: number;
}

/** assert-screen: once the first frame is drawn and the display still, one of `needles` matches, or an 'expectation' error. */
export async function assertScreen(session: SpiceSession, needles: readonly Needle[], o: AssertScreenOptions): Promise<ScreenMatchReport & {still: boolean}> {
  await displayOf(session, o.timeoutMs);
  const t0 = performance.now();
  let still = true;
  const stillMs = o.stillMs ?? 300;
  if (stillMs > 0) {
    await abortable(waitStill(session, stillMs, {timeoutMs: o.timeoutMs}), o.signal).catch((e: unknown) => {
      if (e instanceof SpiceError && e.kind === 'timeout') still = false;
      else throw e;
    });
  }
  const r = await lookFor(session, needles, 'expectation', 0, o, t0, () => (still ? `after ${fmtMs(stillMs)} without a draw` : `(the display was not still for ${fmtMs(stillMs)} within ${fmtMs(o.timeoutMs)})`));
  return {...r, still};
}

export interface WaitChangeOptions {
  timeoutMs: number;
  monitor?: number;
  region?: Region;
  signal?: AbortSignal;
}

export interface WaitChangeReport {
  monitor: number;
  region?: Region;
  /** ms from the reference picture to the first look that differed. */
  ms: number;
}

/** The region's text in messages: "region 16,16,500,100" or "screen". */
const regionText = (r?: readonly number[]) => (r ? `region ${r.join(',')}` : 'screen');

/**
 * Takes the monitor's picture (or a region's) as reference and waits until it differs (timeout: kind 'timeout').
 * `region` as numbers X, Y, WIDTH, HEIGHT also accepted (the scenario step's form).
 */
export async function waitChange(session: SpiceSession, o: Omit<WaitChangeOptions, 'region'> & {region?: Region | readonly number[]}): Promise<WaitChangeReport> {
  const display = await displayOf(session, o.timeoutMs);
  const monitor = o.monitor ?? 0;
  const r = o.region;
  const region = r === undefined ? undefined : 'width' in r ? [r.x, r.y, r.width, r.height] : [...r];
  if (region && r && 'width' in r) {
    const {monitor: m} = display.monitorSurface(monitor);
    if (r.x + r.width > m.width || r.y + r.height > m.height) {
      throw new SpiceError('usage', `--region ${region.join(',')} is outside monitor ${monitor} (${m.width}x${m.height})`);
    }
  }
  const ref = grabScreen(session, monitor, region);
  const t0 = performance.now();
  const changed = await watchScreen(session, (s) => (sameImage(s, ref) ? undefined : true), {timeoutMs: o.timeoutMs, monitor, region, signal: o.signal});
  if (!changed) throw new SpiceError('timeout', `the ${regionText(region)} did not change within ${fmtMs(o.timeoutMs)}`, {details: {monitor, ...(r ? {region: r} : {})}});
  const report: WaitChangeReport = {monitor, ms: round1(performance.now() - t0)};
  if (r && 'width' in r) report.region = r;
  return report;
}

export interface WaitStillReport {
  stillMs: number;
  /** ms from the first complete frame until the display had been still for stillMs. */
  ms: number;
}

/** wait-still: the first frame, then nothing drawn for `stillMs` (timeout: kind 'timeout'). */
export async function waitStillScreen(session: SpiceSession, o: {stillMs: number; timeoutMs: number; signal?: AbortSignal; hint?: string}): Promise<WaitStillReport> {
  await displayOf(session, o.timeoutMs);
  const t0 = performance.now();
  await abortable(waitStill(session, o.stillMs, {timeoutMs: o.timeoutMs, hint: o.hint}), o.signal);
  return {stillMs: o.stillMs, ms: round1(performance.now() - t0)};
}

/** `p`, or 'interrupted' as soon as `signal` aborts. */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(interruptedError('interrupted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interruptedError('interrupted'));
    signal.addEventListener('abort', onAbort, {once: true});
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
