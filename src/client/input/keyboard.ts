/**
 * Paced keystrokes over the inputs channel, or any KeySink (an emulated USB keyboard takes the same strokes).
 * A real guest's keyboard is a device with a small queue
 * (QEMU's PS/2 keyboard drops bytes sent in a burst), so every key event is scheduled: modifiers down a
 * short gap apart, the key held for the hold time, modifiers up, and the next keystroke no sooner than
 * 1/rate after this one started. The schedule is absolute (no drift), every wait can be aborted, and
 * whatever happens every key play() pressed is released before it returns or throws. Keys held before
 * (`spice-cli key --down shift` inside `do`) stay held: a modifier of a stroke that is already down is
 * neither pressed nor released, so typing `a` while Shift is held gives `A`.
 */
import {performance} from 'node:perf_hooks';
import {SpiceError} from '../errors.js';
import type {Stroke} from './layout.js';
import {PAUSE_BREAK_CODE, scancodeBytes, SC, type Scancode} from '../wire/scancodes.js';

/**
 * Keystrokes per second by default. Measured with 200-character lines (test/input, scratch runs): Xspice
 * took every rate tried (≥ 450/s, limited by our timers); QEMU 7.2's PS/2 keyboard in a TCG guest lost
 * keys at 500/s idle, at 200/s with two busy cores and at 150/s with four; 100/s never lost any. 50/s
 * keeps a 3× margin below the first loss seen under load.
 */
export const DEFAULT_RATE = 50;
export const MAX_RATE = 1000;

export interface Pacing {
  /** Keystrokes (key press + release, its modifiers included) per second. */
  rate: number;
  /** How long the key is held down, in ms. */
  holdMs: number;
  /** Gap between a modifier and the next event of the same keystroke, in ms. */
  gapMs: number;
}

/** The pacing for a rate, with an optional hold time: the hold defaults to 40% of a keystroke's period (≤ 50 ms). */
export function pacingFor(rate: number = DEFAULT_RATE, holdMs?: number): Pacing {
  if (!(rate > 0) || rate > MAX_RATE) throw new SpiceError('usage', `invalid rate ${rate}: expected 0 < keys per second ≤ ${MAX_RATE}`);
  if (holdMs !== undefined && !(holdMs >= 0 && holdMs <= 60_000)) throw new SpiceError('usage', `invalid hold time ${holdMs} ms: expected 0 to 60000`);
  const period = 1000 / rate;
  return {
    rate,
    holdMs: holdMs ?? Math.min(50, Math.max(1, period * 0.4)),
    gapMs: Math.min(10, Math.max(0.5, period / 8)),
  };
}

export interface PlayReport {
  /** Keystrokes sent (dead keys and Caps Lock toggles included). */
  keystrokes: number;
  /** KEY_DOWN / KEY_UP / KEY_SCANCODE messages sent. */
  events: number;
  /** From the first event to the last, in ms. */
  ms: number;
}

/** Thrown when the signal aborts play() (Ctrl-C); every key is released by then. */
export class Interrupted extends Error {
  constructor(readonly done: number, readonly total: number) {
    super(`interrupted after ${done} of ${total} keystrokes; every key was released`);
    this.name = 'Interrupted';
  }
}

/** What Keyboard plays keystrokes into: the inputs channel, or an emulated USB keyboard (usb/hid/keyboard.ts). */
export interface KeySink {
  /** Keys held down now, in press order. */
  readonly heldKeys: readonly Scancode[];
  readonly isClosed: boolean;
  /** Key events sent so far (the report counts the difference). */
  readonly keyEventsSent: number;
  /** Whether scancodes() takes raw set-1 byte sequences (Pause's press and release in one message). */
  readonly hasKeyScancode: boolean;
  keyDown(sc: Scancode): void;
  keyUp(sc: Scancode): void;
  scancodes(bytes: readonly number[]): void;
}

/** Releases the keys held now that were not held in `before`, the last pressed first. */
export function releaseExcept(ch: KeySink, before: ReadonlySet<Scancode>): void {
  if (ch.isClosed) return;
  for (const sc of [...ch.heldKeys].reverse()) {
    if (before.has(sc)) continue;
    try {
      ch.keyUp(sc);
    } catch {
      return; // the channel is gone: the server releases what it held
    }
  }
}

export class Keyboard {
  constructor(
    readonly channel: KeySink,
    private readonly signal?: AbortSignal,
  ) {}

  /** Sends the strokes with the pacing; resolves once the last key is released. */
  async play(strokes: readonly Stroke[], pacing: Pacing): Promise<PlayReport> {
    const ch = this.channel;
    const period = 1000 / pacing.rate;
    const events0 = ch.keyEventsSent;
    const t0 = performance.now();
    let next = t0;
    let done = 0;
    const before = new Set(ch.heldKeys);
    try {
      for (const s of strokes) {
        const start = next;
        let at = start;
        const hold = s.hold.filter((m) => !before.has(m));
        for (const m of hold) {
          await this.until(at, done, strokes.length);
          ch.keyDown(m);
          at += pacing.gapMs;
        }
        await this.until(at, done, strokes.length);
        if (s.scancode === SC.PAUSE && ch.hasKeyScancode) {
          // Press and release in one message: see scancodes.ts on Pause.
          ch.scancodes([...scancodeBytes(PAUSE_BREAK_CODE, false), ...scancodeBytes(PAUSE_BREAK_CODE, true)]);
        } else {
          ch.keyDown(s.scancode);
          at += pacing.holdMs;
          await this.until(at, done, strokes.length);
          ch.keyUp(s.scancode);
        }
        for (const m of [...hold].reverse()) {
          at += pacing.gapMs;
          await this.until(at, done, strokes.length);
          ch.keyUp(m);
        }
        done++;
        next = Math.max(start + period, at + pacing.gapMs);
      }
    } catch (e) {
      if (e instanceof SpiceError && e.kind === 'connection-lost') {
        throw new SpiceError('connection-lost', `the connection to the server was lost after ${done} of ${strokes.length} keystrokes (${e.message})`, {cause: e});
      }
      throw e;
    } finally {
      // On an error or an abort, nothing this call pressed stays pressed.
      releaseExcept(ch, before);
    }
    return {keystrokes: done, events: ch.keyEventsSent - events0, ms: Math.round((performance.now() - t0) * 10) / 10};
  }

  private until(at: number, done: number, total: number): Promise<void> {
    if (this.signal?.aborted) return Promise.reject(new Interrupted(done, total));
    if (this.channel.isClosed) return Promise.reject(new SpiceError('connection-lost', 'the keyboard is gone (its inputs channel closed, or its USB device was detached)'));
    const wait = at - performance.now();
    if (wait < 0.5) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Interrupted(done, total));
      };
      const timer = setTimeout(() => {
        this.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      this.signal?.addEventListener('abort', onAbort, {once: true});
    });
  }
}
