/**
 * GLZ and the session's GlzWindow.
 * - Reference vectors: 91 images (RGB16/24/32/RGBA, both row orders, image distances up to 70, very long
 *   pixel offsets, window releases) encoded by spice-server's GLZ encoder with one dictionary and decoded
 *   by spice-gtk's decode-glz.c for the expected pixels.
 * - Real Xspice traffic: every GLZ image of a recording decodes in order through one window; each equals
 *   the uncompressed BITMAP (xspice-off) or LZ/LZ4 image the server sent for the same image (same
 *   descriptor id) in the other recordings of the same desktop; and where nothing drew over a GLZ image
 *   afterwards, it equals the X framebuffer at the end of the session.
 * - Cross-channel waits, timeouts, failures and release bookkeeping of the window.
 */
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import sharp from 'sharp';
import {describe, expect, it} from 'vitest';
import {RECORDINGS_DIR, recordedDraws, recordedImages, type RecordedImage} from '../../src/bench/codec-lz.js';
import {decodeGlz, readGlzHeader} from '../../src/client/codecs/glz.js';
import {GlzWindow} from '../../src/client/codecs/glz-window.js';
import {decodeLz} from '../../src/client/codecs/lz.js';
import {decodeLz4} from '../../src/client/codecs/lz4.js';
import type {Pixels} from '../../src/client/codecs/pixels.js';
import {decodeZlibGlz} from '../../src/client/codecs/zlib-glz.js';
import {SpiceError} from '../../src/client/errors.js';
import {BitmapFlags, ImageType} from '../../src/client/wire/enums.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'codecs', 'glz');
const sha = (u: Uint32Array) => createHash('sha256').update(new Uint8Array(u.buffer, u.byteOffset, u.byteLength)).digest('hex');
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {
  windowPixels: number;
  images: Array<{file: string; type: number; topDown: boolean; width: number; height: number; sha256: string}>;
};
const vector = (i: number) => new Uint8Array(readFileSync(join(FIXTURES, manifest.images[i]!.file)));

const isProtocolError = (err: unknown) => err instanceof SpiceError && err.kind === 'protocol';

describe('GLZ reference vectors (spice-server encoder, spice-gtk decoder)', () => {
  it('decode in order through one window to spice-gtk\'s pixels, releasing what the stream allows', async () => {
    const window = new GlzWindow(manifest.windowPixels);
    const kinds = new Set<string>();
    for (const [i, v] of manifest.images.entries()) {
      const px = await decodeGlz(vector(i), window);
      expect([px.width, px.height, px.format]).toEqual([v.width, v.height, v.type === 9 ? 'argb' : 'xrgb']);
      expect(sha(px.data), v.file).toBe(v.sha256);
      kinds.add(`${v.type}/${v.topDown}`);
      // never more than the window (the server keeps each image's window within it) plus the newest image
      expect(window.stats.pixels).toBeLessThanOrEqual(manifest.windowPixels + v.width * v.height);
    }
    expect(kinds.size).toBe(8);
    expect(window.stats.oldest).toBeGreaterThan(0n);
  });
});

// ---------------------------------------------------------------- recordings

type Session = Array<{r: RecordedImage; px: Pixels}>;

/** Decodes every GLZ / ZLIB_GLZ image of a recording in order through one window (one session). */
async function decodeSession(mode: string): Promise<Session> {
  const window = new GlzWindow((16 * 1024 * 1024) / 4);
  const out: Session = [];
  for (const r of recordedImages(mode)) {
    const d = r.image.descriptor;
    let px: Pixels;
    if (d.type === ImageType.GLZ_RGB) px = await decodeGlz(r.image.lz_rgb!.data, window);
    else if (d.type === ImageType.ZLIB_GLZ_RGB) px = await decodeZlibGlz(r.image.zlib_glz!.data, r.image.zlib_glz!.glz_data_size, window);
    else continue;
    expect([px.width, px.height]).toEqual([d.width, d.height]);
    out.push({r, px});
  }
  expect(window.stats.waiting).toBe(0);
  return out;
}

const isFullScreen = (r: RecordedImage) => r.surfaceId === 0 && r.box.left === 0 && r.box.top === 0 && r.box.right === 1024 && r.box.bottom === 768;

/** Images of the same desktop sent without GLZ, by descriptor id (a content hash for Xspice's images). */
let sameImages: Map<string, Uint32Array> | undefined;
function otherEncodings(): Map<string, Uint32Array> {
  if (sameImages) return sameImages;
  const out = new Map<string, Uint32Array>();
  for (const mode of ['off', 'lz', 'auto_lz', 'lz4']) {
    for (const r of recordedImages(mode)) {
      const d = r.image.descriptor;
      if (isFullScreen(r)) continue;
      let data: Uint32Array;
      if (d.type === ImageType.BITMAP) {
        const b = r.image.bitmap!;
        data = new Uint32Array(d.width * d.height);
        const view = new DataView(b.data.buffer, b.data.byteOffset, b.data.byteLength);
        for (let y = 0; y < d.height; y++) {
          const sy = b.flags & BitmapFlags.TOP_DOWN ? y : d.height - 1 - y;
          for (let x = 0; x < d.width; x++) data[y * d.width + x] = view.getUint32(sy * b.stride + x * 4, true);
        }
      } else if (d.type === ImageType.LZ_RGB) data = decodeLz(r.image.lz_rgb!.data).data;
      else if (d.type === ImageType.LZ4) data = decodeLz4(r.image.lz4!.data, d.width, d.height).data;
      else continue;
      const key = `${d.id}:${d.width}x${d.height}`;
      // The encodings agree with each other (this also checks LZ and LZ4 against the raw bitmaps).
      const had = out.get(key);
      if (had) expect(sha(data), `${mode} ${key}`).toBe(sha(had));
      else out.set(key, data);
    }
  }
  return (sameImages = out);
}

/** Compares GLZ images drawn 1:1 at a spot no later draw covered with the end-of-session framebuffer. */
async function checkAgainstRoot(mode: string, session: Session): Promise<{images: number; pixels: number}> {
  const W = 1024;
  const H = 768;
  // Every draw on surface 0, with an image or not, covers its box (clips only shrink what it paints):
  // the last draw whose box holds a pixel is the only one that can have set it.
  const lastDraw = new Int32Array(W * H).fill(-1);
  for (const d of recordedDraws(mode)) {
    if (d.surfaceId !== 0) continue;
    const b = d.box;
    for (let y = Math.max(0, b.top); y < Math.min(H, b.bottom); y++) lastDraw.fill(d.draw, y * W + Math.max(0, b.left), y * W + Math.min(W, b.right));
  }
  const {data: root} = await sharp(join(RECORDINGS_DIR, `xspice-${mode}.root.png`)).raw().toBuffer({resolveWithObject: true});
  let images = 0;
  let pixels = 0;
  for (const {r, px} of session) {
    const a = r.srcArea!;
    const oneToOne = r.surfaceId === 0 && r.clipType === 0 && r.rop === 8 && a.left === 0 && a.top === 0 && a.right === px.width && a.bottom === px.height;
    if (!oneToOne || r.box.right - r.box.left !== px.width || r.box.bottom - r.box.top !== px.height) continue;
    let n = 0;
    for (let y = 0; y < px.height; y++) {
      for (let x = 0; x < px.width; x++) {
        const o = (r.box.top + y) * W + r.box.left + x;
        if (lastDraw[o] !== r.draw) continue;
        const v = px.data[y * px.width + x]!;
        if (((v >> 16) & 255) !== root[o * 3] || ((v >> 8) & 255) !== root[o * 3 + 1] || (v & 255) !== root[o * 3 + 2]) {
          throw new Error(`${mode} draw ${r.draw}: pixel ${r.box.left + x},${r.box.top + y} is ${(v & 0xffffff).toString(16)}, the framebuffer has ${root.subarray(o * 3, o * 3 + 3).toString('hex')}`);
        }
        n++;
      }
    }
    if (n) images++;
    pixels += n;
  }
  return {images, pixels};
}

describe('GLZ on recorded Xspice traffic', () => {
  it.each(['glz', 'auto_glz', 'zlib_glz', 'desktop'])('xspice-%s: every GLZ image decodes in order through one window', async (mode) => {
    const session = await decodeSession(mode);
    expect(session.length).toBeGreaterThan(35);
    const others = otherEncodings();
    let same = 0;
    for (const {r, px} of session) {
      const d = r.image.descriptor;
      const want = others.get(`${d.id}:${d.width}x${d.height}`);
      if (!want) continue;
      expect(sha(px.data), `${mode} image ${d.id}`).toBe(sha(want));
      same++;
    }
    // xspice-desktop is another desktop: its images have no counterparts.
    if (mode !== 'desktop') expect(same).toBe(session.length);
    if (mode !== 'desktop') {
      const seen = await checkAgainstRoot(mode, session);
      expect(seen.pixels).toBeGreaterThan(4000);
    }
  });
});

// ---------------------------------------------------------------- the window

/** A GLZ RGB32 stream (header + body), top-down. */
function glzStream(id: number, winHeadDist: number, width: number, height: number, body: number[], type = 8): Uint8Array {
  const h = Buffer.alloc(33);
  h.writeUInt32BE(0x20205a4c, 0);
  h.writeUInt32BE(0x00010001, 4);
  h[8] = type | 0x10;
  h.writeUInt32BE(width, 9);
  h.writeUInt32BE(height, 13);
  h.writeUInt32BE(width * (type === 6 ? 2 : type === 7 ? 3 : 4), 17);
  h.writeUInt32BE(0, 21);
  h.writeUInt32BE(id, 25);
  h.writeUInt32BE(winHeadDist, 29);
  return new Uint8Array(Buffer.concat([h, Buffer.from(body)]));
}
/** n literal pixels with the values of `seed`: B,G,R bytes. */
const literals = (n: number, seed: number) => [n - 1, ...Array.from({length: n}, (_, i) => [seed + i, 0, 0]).flat()];
/** A match of `len` pixels (1..6) from pixel `ofs` (< 16) of the image `dist` (< 64) back. */
const crossRef = (len: number, ofs: number, dist: number) => [(len << 5) | ofs, 0, dist];
const tick = () => new Promise((r) => setTimeout(r, 20));

describe('GlzWindow', () => {
  it('a reference to an image another channel has not decoded yet waits for it', async () => {
    const window = new GlzWindow(1000);
    await decodeGlz(glzStream(0, 0, 4, 1, literals(4, 10)), window);
    let done = false;
    const second = decodeGlz(glzStream(2, 2, 4, 1, crossRef(4, 0, 1)), window).then((px) => ((done = true), px));
    await tick();
    expect(done).toBe(false);
    expect(window.stats.waiting).toBe(1);
    await decodeGlz(glzStream(1, 1, 4, 1, [...crossRef(2, 0, 1), ...literals(2, 20)]), window);
    expect([...(await second).data]).toEqual([10, 11, 20, 21]);
    expect(window.stats.waiting).toBe(0);
  });

  it('real images: the next image decoded before the one it references waits, then equals the in-order result', async () => {
    // Find a recorded image that references its predecessor: with everything but the predecessor in the
    // window, its decode must wait (a short timeout shows it).
    const images = recordedImages('glz').filter((r) => r.image.descriptor.type === ImageType.GLZ_RGB).map((r) => r.image.lz_rgb!.data);
    const inOrder = new GlzWindow(1 << 22);
    const expected: Uint32Array[] = [];
    for (const d of images) expected.push((await decodeGlz(d, inOrder)).data);
    const windowWithout = async (k: number) => {
      const w = new GlzWindow(1 << 22);
      for (let i = 0; i < k - 1; i++) await decodeGlz(images[i]!, w);
      return w;
    };
    let k = 2;
    for (; k < images.length; k++) {
      const w = await windowWithout(k);
      if (await decodeGlz(images[k]!, w, {timeoutMs: 30}).then(() => false, (err: unknown) => isProtocolError(err))) break;
    }
    expect(k).toBeLessThan(images.length);
    const w = await windowWithout(k);
    let done = false;
    const later = decodeGlz(images[k]!, w).then((px) => ((done = true), px));
    await tick();
    expect(done).toBe(false);
    await decodeGlz(images[k - 1]!, w);
    expect(sha((await later).data)).toBe(sha(expected[k]!));

    // And without the image: a protocol error after the timeout, naming the missing id.
    const alone = await windowWithout(k);
    const err = await decodeGlz(images[k]!, alone, {timeoutMs: 50}).catch((e: unknown) => e);
    expect(isProtocolError(err)).toBe(true);
    expect((err as Error).message).toContain(`image ${readGlzHeader(images[k - 1]!).id}`);
    expect(alone.stats.waiting).toBe(0);
  });

  it('the wait times out with a protocol error (window default and per call)', async () => {
    const window = new GlzWindow(1000, {timeoutMs: 40});
    await decodeGlz(glzStream(0, 0, 2, 1, literals(2, 1)), window);
    const t0 = Date.now();
    const err = await decodeGlz(glzStream(2, 2, 2, 1, crossRef(2, 0, 1)), window).catch((e: unknown) => e);
    expect(isProtocolError(err)).toBe(true);
    expect((err as Error).message).toMatch(/did not arrive within 40 ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(window.stats.waiting).toBe(0);
  });

  it('a waiting decode fails at once when the image it waits for fails to decode', async () => {
    const window = new GlzWindow(1000);
    await decodeGlz(glzStream(0, 0, 2, 1, literals(2, 1)), window);
    const waiting = decodeGlz(glzStream(2, 2, 2, 1, crossRef(2, 0, 1)), window).catch((e: unknown) => e);
    await tick();
    const broken = glzStream(1, 1, 2, 1, literals(2, 5)).subarray(0, 36);
    await expect(decodeGlz(broken, window)).rejects.toThrow(/ends in the middle/);
    const err = await waiting;
    expect(isProtocolError(err)).toBe(true);
    expect((err as Error).message).toMatch(/image 1 failed to decode/);
  });

  it('references past win_head_dist, outside the referenced image or into released images are protocol errors at once', async () => {
    const window = new GlzWindow(1000);
    await decodeGlz(glzStream(0, 0, 2, 1, literals(2, 1)), window);
    await decodeGlz(glzStream(1, 1, 2, 1, literals(2, 3)), window);
    await expect(decodeGlz(glzStream(2, 1, 2, 1, crossRef(2, 0, 2)), window)).rejects.toThrow(/window reaches back 1/);
    await expect(decodeGlz(glzStream(3, 3, 2, 1, crossRef(2, 1, 2)), window)).rejects.toThrow(/run past its end/);
    // Image 2 failed above: what waits for it, or looks it up, fails at once rather than timing out.
    await expect(decodeGlz(glzStream(3, 3, 2, 1, crossRef(2, 0, 1)), window)).rejects.toThrow(/image 2 failed to decode/);
    // Image 4 says nothing before image 2 is needed: 0 and 1 go.
    await decodeGlz(glzStream(2, 2, 2, 1, literals(2, 5)), window);
    await decodeGlz(glzStream(3, 3, 2, 1, literals(2, 5)), window);
    expect(window.stats.oldest).toBe(0n);
    await decodeGlz(glzStream(4, 2, 2, 1, literals(2, 5)), window);
    expect(window.has(1n)).toBe(false);
    expect(window.stats.oldest).toBe(2n);
    await expect(decodeGlz(glzStream(5, 5, 2, 1, crossRef(2, 0, 4)), window)).rejects.toThrow(/already released/);
  });

  it('keeps images past a gap in the ids until it closes, as spice-gtk does', () => {
    const window = new GlzWindow(100);
    const img = () => new Uint32Array(10);
    window.add(0n, img(), 0);
    window.add(2n, img(), 0); // 1 is still on its way (another channel)
    window.add(3n, img(), 0);
    expect(window.stats).toMatchObject({images: 3, tailGap: 1n, oldest: 0n});
    // The gap closes up to the image just added (spice-gtk's rule): image 1 (whd 0) releases image 0.
    window.add(1n, img(), 0);
    expect(window.stats).toMatchObject({images: 3, tailGap: 2n, oldest: 1n});
    window.add(4n, img(), 0); // now the run reaches image 4, which needs nothing before itself
    expect(window.stats).toMatchObject({images: 1, tailGap: 5n, oldest: 4n});
  });

  it('never holds more than its cap, even when an id gap never closes', () => {
    const window = new GlzWindow(100, {maxPixels: 200});
    for (let id = 2n; id < 100n; id++) window.add(id, new Uint32Array(30), 50);
    expect(window.stats.pixels).toBeLessThanOrEqual(200);
    expect(window.has(99n)).toBe(true);
    expect(() => window.lookup(2n)).toThrow(/already released/);
  });

  it('clear() empties the window and fails pending waits', async () => {
    const window = new GlzWindow(100);
    window.add(0n, new Uint32Array(4), 0);
    const pending = window.waitFor(5n).catch((e: unknown) => e);
    window.clear();
    expect(isProtocolError(await pending)).toBe(true);
    expect(window.stats).toMatchObject({images: 0, pixels: 0, waiting: 0, tailGap: 0n});
  });

  it('rejects palette, alpha-only and unknown types, and damaged headers', async () => {
    const window = new GlzWindow(1000);
    await expect(decodeGlz(glzStream(0, 0, 2, 1, [1, 0, 0], 5), window)).rejects.toThrow(/palette/);
    await expect(decodeGlz(glzStream(0, 0, 2, 1, [1, 0, 0], 10), window)).rejects.toThrow(/unsupported image type 10/);
    await expect(decodeGlz(glzStream(0, 0, 0, 1, [1, 0, 0]), window)).rejects.toThrow(/invalid image size/);
    await expect(decodeGlz(glzStream(0, 0, 2, 1, []).subarray(0, 30), window)).rejects.toThrow(/header/);
    const bad = glzStream(0, 0, 2, 1, literals(2, 1));
    bad[0] = 0;
    await expect(decodeGlz(bad, window)).rejects.toThrow(/magic/);
    await expect(decodeGlz(glzStream(0, 0, 2, 1, [0x21, 0x00, 0x00]), window)).rejects.toThrow(/before the image start/);
  });

  it('RGB16 and bottom-up streams', async () => {
    const window = new GlzWindow(1000);
    // x555 0x7fff → white, 0x001f → blue; bottom-up: the first stream row is the bottom one.
    const s = glzStream(0, 0, 1, 2, [0x01, 0x7f, 0xff, 0x00, 0x1f], 6);
    s[8] = 6;
    expect([...(await decodeGlz(s, window)).data]).toEqual([0x0000ff, 0xffffff]);
  });
});
