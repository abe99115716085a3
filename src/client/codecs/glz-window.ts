/**
 * The GLZ dictionary window of a session: the images earlier GLZ streams decoded to, by GLZ image id, for
 * later streams to copy pixels from. One per session, shared by every display channel (spice-gtk's
 * display INIT announces dictionary id 1 on all of them), so an image may reference one that another
 * channel has not decoded yet: the lookup then waits for it, with a timeout that is a protocol error.
 *
 * Bookkeeping follows spice-gtk's decode-glz.c (facts only): ids are u64 and arrive roughly in order;
 * `tailGap` is the lowest id not yet added (ids start at 0 each session). After each add, the newest
 * image of the gap-free run (the one at tailGap - 1) tells, by its win_head_dist, the oldest image any
 * later stream can still reference; everything before it is released. Images past a gap are kept until
 * the gap closes, since the missing image may reference further back. A reference to a released id is a
 * protocol error.
 *
 * Memory: what the server can still reference is at most its window (the size this client announced),
 * so beyond what the release rule keeps we never hold more than `maxPixels` (default 2 × the window):
 * past that, the oldest images go (a stream that never closes its id gaps cannot make us grow). Decodes
 * in progress keep their own references to the images they copy from.
 */
import {SpiceError} from '../errors.js';

/** The GLZ window this client announces (display INIT, in 4-byte pixels): spice-gtk's size, within its 12–64 MB. */
export const GLZ_WINDOW_BYTES = 16 * 1024 * 1024;

const U64 = (v: bigint) => BigInt.asUintN(64, v);
/** id a is before id b in u64 order modulo 2^64 (as the C subtraction does). */
const before = (a: bigint, b: bigint) => {
  const d = U64(b - a);
  return d !== 0n && d < 1n << 63n;
};

export interface GlzWindowOptions {
  /** How long a lookup waits for an image another channel has not decoded yet (default 10 s). */
  timeoutMs?: number;
  /** Hard cap on the pixels kept (default 2 × the window size). */
  maxPixels?: number;
}

interface Entry {
  data: Uint32Array;
  winHeadDist: number;
}

interface Waiter {
  resolve: (data: Uint32Array) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** At most this many failed ids are remembered (so later lookups of them fail at once). */
const MAX_FAILED = 256;

export class GlzWindow {
  /** The window size in pixels announced in display INIT (glz_dictionary_window_size). */
  readonly size: number;
  readonly timeoutMs: number;
  readonly maxPixels: number;
  private images = new Map<bigint, Entry>();
  private waiters = new Map<bigint, Waiter[]>();
  private failed = new Map<bigint, string>();
  private tailGap = 0n;
  private oldest = 0n;
  private pixels = 0;

  constructor(windowPixels: number, opts: GlzWindowOptions = {}) {
    if (!Number.isInteger(windowPixels) || windowPixels <= 0) throw new RangeError(`GLZ window size must be a positive integer, not ${windowPixels}`);
    this.size = windowPixels;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxPixels = opts.maxPixels ?? 2 * windowPixels;
  }

  /** Number of images held and their pixels (for tests and diagnostics). */
  get stats(): {images: number; pixels: number; oldest: bigint; tailGap: bigint; waiting: number} {
    let waiting = 0;
    for (const w of this.waiters.values()) waiting += w.length;
    return {images: this.images.size, pixels: this.pixels, oldest: this.oldest, tailGap: this.tailGap, waiting};
  }

  has(id: bigint): boolean {
    return this.images.has(id);
  }

  /**
   * The pixels (in stream order, as decoded) of image `id`, or undefined if it has not arrived yet.
   * Throws a protocol error if it was released or failed to decode.
   */
  lookup(id: bigint): Uint32Array | undefined {
    const e = this.images.get(id);
    if (e) return e.data;
    this.checkReachable(id);
    return undefined;
  }

  private checkReachable(id: bigint): void {
    const why = this.failed.get(id);
    if (why !== undefined) throw new SpiceError('protocol', `GLZ: referenced image ${id} failed to decode (${why})`);
    if (before(id, this.oldest)) {
      throw new SpiceError('protocol', `GLZ: reference to image ${id}, already released from the window (oldest kept: ${this.oldest})`);
    }
  }

  /** Resolves with image `id`'s pixels once it is added; rejects (protocol error) after the timeout. */
  waitFor(id: bigint, timeoutMs = this.timeoutMs): Promise<Uint32Array> {
    let have: Uint32Array | undefined;
    try {
      have = this.lookup(id);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (have) return Promise.resolve(have);
    return new Promise<Uint32Array>((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const l = this.waiters.get(id);
          if (l) {
            const i = l.indexOf(w);
            if (i >= 0) l.splice(i, 1);
            if (l.length === 0) this.waiters.delete(id);
          }
          reject(new SpiceError('protocol', `GLZ: referenced image ${id} did not arrive within ${timeoutMs} ms (no display channel decoded it)`));
        }, timeoutMs),
      };
      list.push(w);
      this.waiters.set(id, list);
    });
  }

  /** Adds a decoded image (its pixels in stream order) and releases what no later image can reference. */
  add(id: bigint, data: Uint32Array, winHeadDist: number): void {
    const waiting = this.waiters.get(id);
    if (waiting) {
      this.waiters.delete(id);
      for (const w of waiting) {
        clearTimeout(w.timer);
        w.resolve(data);
      }
    }
    this.failed.delete(id);
    // Below the released region: only the waiters above could still want it.
    if (before(id, this.oldest)) return;
    const old = this.images.get(id);
    if (old) this.pixels -= old.data.length;
    this.images.set(id, {data, winHeadDist});
    this.pixels += data.length;

    // Close the gap (as spice-gtk: only up to the image just added).
    while (!before(id, this.tailGap) && this.images.has(this.tailGap)) this.tailGap = U64(this.tailGap + 1n);
    const tail = this.images.get(U64(this.tailGap - 1n));
    if (tail && this.tailGap !== 0n) {
      const tailId = U64(this.tailGap - 1n);
      const head = BigInt(tail.winHeadDist) > tailId ? 0n : tailId - BigInt(tail.winHeadDist);
      if (before(this.oldest, head)) this.releaseBefore(head);
    }
    if (this.pixels > this.maxPixels) this.shrink(id);
  }

  /** Marks `id` as failed: waiters for it get a protocol error now instead of a timeout. */
  fail(id: bigint, why: string): void {
    if (this.images.has(id)) return;
    this.failed.set(id, why);
    if (this.failed.size > MAX_FAILED) this.failed.delete(this.failed.keys().next().value!);
    const waiting = this.waiters.get(id);
    if (!waiting) return;
    this.waiters.delete(id);
    for (const w of waiting) {
      clearTimeout(w.timer);
      w.reject(new SpiceError('protocol', `GLZ: referenced image ${id} failed to decode (${why})`));
    }
  }

  /** Empties the window (new session); pending lookups fail. */
  clear(): void {
    for (const [id, list] of this.waiters) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(new SpiceError('protocol', `GLZ: window cleared while waiting for image ${id}`));
      }
    }
    this.waiters.clear();
    this.images.clear();
    this.failed.clear();
    this.tailGap = 0n;
    this.oldest = 0n;
    this.pixels = 0;
  }

  private drop(id: bigint): void {
    const e = this.images.get(id);
    if (!e) return;
    this.pixels -= e.data.length;
    this.images.delete(id);
  }

  /** Releases every image before `head` and makes `head` the oldest id kept. */
  private releaseBefore(head: bigint): void {
    const span = U64(head - this.oldest);
    if (span <= BigInt(this.images.size)) {
      for (let id = this.oldest; id !== head; id = U64(id + 1n)) this.drop(id);
    } else {
      for (const id of [...this.images.keys()]) if (before(id, head)) this.drop(id);
    }
    this.oldest = head;
  }

  /** Over the memory cap: drops the oldest images (never `keep`, the one just added). */
  private shrink(keep: bigint): void {
    const ids = [...this.images.keys()].filter((id) => id !== keep);
    ids.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    for (const id of ids) {
      if (this.pixels <= this.maxPixels) break;
      this.drop(id);
      this.oldest = U64(id + 1n);
    }
    if (before(this.tailGap, this.oldest)) this.tailGap = this.oldest;
  }
}
