/**
 * The pixmap cache the server manages for us (protocol map §4.3): images stored by descriptor id on
 * CACHE_ME, replaced by a lossless version on CACHE_REPLACE_ME, fetched by FROM_CACHE(_LOSSLESS), evicted
 * only by INVAL_LIST / INVAL_ALL_PIXMAPS. One cache is shared by every display channel of a session, so a
 * lookup may arrive before another channel has stored the image: it waits (with a timeout).
 */
import {SpiceError} from '../errors.js';
import type {Pixels} from '../codecs/pixels.js';

/** The pixmap cache this client announces (display INIT, in 4-byte pixels): spice-gtk's 80 MB. */
export const PIXMAP_CACHE_BYTES = 80 * 1024 * 1024;

interface Entry {
  pixels: Pixels;
  lossy: boolean;
}
interface Waiter {
  lossless: boolean;
  resolve: (p: Pixels) => void;
}

export class ImageCache {
  private entries = new Map<bigint, Entry>();
  private waiters = new Map<bigint, Waiter[]>();

  constructor(private readonly timeoutMs = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  put(id: bigint, pixels: Pixels, lossy: boolean): void {
    this.entries.set(id, {pixels, lossy});
    const waiting = this.waiters.get(id);
    if (!waiting) return;
    const still = waiting.filter((w) => w.lossless && lossy);
    for (const w of waiting) if (!(w.lossless && lossy)) w.resolve(pixels);
    if (still.length) this.waiters.set(id, still);
    else this.waiters.delete(id);
  }

  /** FROM_CACHE (any entry) or FROM_CACHE_LOSSLESS (only a lossless one; a lossy one is waited past). */
  get(id: bigint, lossless: boolean): Promise<Pixels> {
    const e = this.entries.get(id);
    if (e && (!lossless || !e.lossy)) return Promise.resolve(e.pixels);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(id)?.filter((w) => w !== waiter) ?? [];
        if (list.length) this.waiters.set(id, list);
        else this.waiters.delete(id);
        reject(new SpiceError('protocol', `the server referred to image ${id} ${lossless ? '(lossless) ' : ''}that is not in the pixmap cache`));
      }, this.timeoutMs);
      const waiter: Waiter = {
        lossless,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      const list = this.waiters.get(id) ?? [];
      list.push(waiter);
      this.waiters.set(id, list);
    });
  }

  remove(id: bigint): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Palettes by Palette.unique: PAL_CACHE_ME stores, PAL_FROM_CACHE fetches, INVAL_PALETTE / INVAL_ALL_PALETTES / RESET clear. */
export class PaletteCache {
  private entries = new Map<bigint, Uint32Array>();
  put(id: bigint, ents: Uint32Array): void {
    this.entries.set(id, ents);
  }
  get(id: bigint): Uint32Array {
    const p = this.entries.get(id);
    if (!p) throw new SpiceError('protocol', `the server referred to palette ${id}, which is not in the palette cache`);
    return p;
  }
  remove(id: bigint): void {
    this.entries.delete(id);
  }
  clear(): void {
    this.entries.clear();
  }
}
