/**
 * Latency hooks: InputLatency timestamps every input event the inputs channel sends ('input' events,
 * performance.now() right after the message was written) and, for each, the first display update that
 * follows it (the display layer's 'damage': a draw applied to a surface, with its rects). An update is
 * "the first that follows" an event when it is applied after the event was sent; it is not necessarily
 * caused by the event (a blinking text cursor or a clock would count too: measure on a still screen).
 *
 * measureKeyToPixel() presses one key, takes the first update after the press, then releases the key:
 * the key-to-pixel latency of the benchmarks (src/bench/key-latency.ts). Durations are for benchmarks.
 */
import {SpiceError, timeoutError} from '../errors.js';
import type {InputEvent, InputsChannel} from '../channels/inputs.js';
import type {DisplayLayer} from '../display/layer.js';
import type {DamageEvent} from '../display/renderer.js';
import type {SpiceSession} from '../session.js';
import type {Scancode} from '../wire/scancodes.js';

export interface LatencySample {
  /** Order of the event among those tracked, from 0. */
  index: number;
  event: InputEvent;
  /** performance.now() when the event was sent (= event.at). */
  sentAt: number;
  /** performance.now() when the first display update after it was applied; undefined while none came. */
  firstUpdateAt?: number;
  /** That update. */
  update?: DamageEvent;
}

export class InputLatency {
  readonly samples: LatencySample[] = [];
  private pending: LatencySample[] = [];
  private waiters: Array<() => void> = [];
  private stopped = false;
  private readonly onInput = (e: InputEvent) => {
    const s: LatencySample = {index: this.samples.length, event: e, sentAt: e.at};
    this.samples.push(s);
    this.pending.push(s);
  };
  private readonly onDamage = (d: DamageEvent) => {
    if (!this.pending.length) return;
    for (const s of this.pending) {
      s.firstUpdateAt = d.at;
      s.update = d;
    }
    this.pending = [];
    for (const w of this.waiters.splice(0)) w();
  };
  private readonly onEnded = () => {
    for (const w of this.waiters.splice(0)) w();
  };

  constructor(
    readonly inputs: InputsChannel,
    readonly display: DisplayLayer,
  ) {
    inputs.on('input', this.onInput);
    display.on('damage', this.onDamage);
    display.on('ended', this.onEnded);
  }

  /** Starts tracking a session's inputs and display (the session must be opened with render: true). */
  static async of(session: SpiceSession, timeoutMs: number): Promise<InputLatency> {
    if (!session.display) throw new SpiceError('usage', 'latency tracking needs the display: open the session with render: true');
    return new InputLatency(await session.inputs(timeoutMs), session.display);
  }

  /** Resolves with the sample once its first update has come; a SpiceError on timeout or when the session ends. */
  waitUpdate(sample: LatencySample, timeoutMs: number): Promise<Required<LatencySample>> {
    const ready = () => sample.firstUpdateAt !== undefined;
    if (ready()) return Promise.resolve(sample as Required<LatencySample>);
    if (this.stopped || this.inputs.isClosed) return Promise.reject(new SpiceError('connection-lost', 'the session ended before a display update'));
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) {
          clearTimeout(timer);
          resolve(sample as Required<LatencySample>);
        } else if (this.stopped || this.inputs.isClosed) {
          clearTimeout(timer);
          reject(new SpiceError('connection-lost', 'the session ended before a display update'));
        } else this.waiters.push(check);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(timeoutError(`a display update after input event ${sample.index} (${sample.event.kind})`, timeoutMs));
      }, timeoutMs);
      this.waiters.push(check);
    });
  }

  /** Stops listening; samples stay. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.inputs.off('input', this.onInput);
    this.display.off('damage', this.onDamage);
    this.display.off('ended', this.onEnded);
    for (const w of this.waiters.splice(0)) w();
  }
}

export interface KeyToPixel {
  sentAt: number;
  firstUpdateAt: number;
  /** firstUpdateAt - sentAt. */
  ms: number;
  update: DamageEvent;
}

/**
 * Presses `scancode`, waits for the first display update after the press (at most timeoutMs), and releases
 * the key (also on timeout). The caller makes sure the key changes the screen and the screen is still.
 */
export async function measureKeyToPixel(tracker: InputLatency, scancode: Scancode, timeoutMs: number): Promise<KeyToPixel> {
  const before = tracker.samples.length;
  tracker.inputs.keyDown(scancode);
  const sample = tracker.samples[before];
  try {
    if (!sample || sample.event.kind !== 'key-down') throw new Error('internal error: the key press was not tracked');
    const s = await tracker.waitUpdate(sample, timeoutMs);
    return {sentAt: s.sentAt, firstUpdateAt: s.firstUpdateAt, ms: s.firstUpdateAt - s.sentAt, update: s.update};
  } finally {
    if (!tracker.inputs.isClosed) tracker.inputs.keyUp(scancode);
  }
}
