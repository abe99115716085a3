/**
 * LZ (LZ_RGB, LZ_PLT, JPEG_ALPHA's alpha plane).
 * - Reference vectors for all 11 types, top-down and bottom-up: streams from spice-common's own LZ
 *   encoder, expected pixels from its decoder as spice-gtk's canvas lays them out
 *  .
 * - Real Xspice traffic: the first full-screen image equals the X framebuffer at connect time; every
 *   recorded image equals the raw BITMAP the server sent for the same image (same descriptor id) when
 *   compression was off; every JPEG_ALPHA alpha plane equals that BITMAP's alpha.
 */
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import sharp from 'sharp';
import {describe, expect, it} from 'vitest';
import {RECORDINGS_DIR, recordedImages, type RecordedImage} from '../../src/bench/codec-lz.js';
import {decodeLz, decodeLzAlphaInto, LzType, readLzHeader} from '../../src/client/codecs/lz.js';
import type {Pixels} from '../../src/client/codecs/pixels.js';
import {SpiceError} from '../../src/client/errors.js';
import {BitmapFlags, BitmapFmt, ImageType, JpegAlphaFlags} from '../../src/client/wire/enums.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'codecs', 'lz');
const sha = (u: Uint32Array) => createHash('sha256').update(new Uint8Array(u.buffer, u.byteOffset, u.byteLength)).digest('hex');

interface Vector {
  file: string;
  width: number;
  height: number;
  palette?: number[];
  sha256: string;
}
const vectors = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Vector[];

const formatOf: Record<number, Pixels['format']> = {
  [LzType.RGBA]: 'argb',
  [LzType.XXXA]: 'a8',
  [LzType.A8]: 'a8',
};

describe('LZ reference vectors (spice-common lz.c)', () => {
  it('covers every type in both row orders', () => {
    const seen = new Set(vectors.map((v) => {
      const h = readLzHeader(new Uint8Array(readFileSync(join(FIXTURES, v.file))));
      return `${h.type}/${h.topDown}`;
    }));
    expect(seen.size).toBe(22);
  });

  it.each(vectors)('$file decodes to the reference pixels', (v) => {
    const data = new Uint8Array(readFileSync(join(FIXTURES, v.file)));
    const h = readLzHeader(data);
    const px = decodeLz(data, {palette: v.palette ? Uint32Array.from(v.palette) : undefined});
    expect([px.width, px.height]).toEqual([v.width, v.height]);
    expect(px.format).toBe(formatOf[h.type] ?? 'xrgb');
    expect(sha(px.data)).toBe(v.sha256);
  });
});

/** Raw BITMAP pixels of xspice-off (32BIT or RGBA) by descriptor id: the codec-free oracle. */
function bitmapOracle(): Map<string, Uint32Array> {
  const out = new Map<string, Uint32Array>();
  for (const r of recordedImages('off')) {
    const d = r.image.descriptor;
    const b = r.image.bitmap;
    if (d.type !== ImageType.BITMAP || !b || isFullScreen(r)) continue;
    expect([BitmapFmt['32BIT'], BitmapFmt.RGBA]).toContain(b.format);
    const px = new Uint32Array(d.width * d.height);
    const view = new DataView(b.data.buffer, b.data.byteOffset, b.data.byteLength);
    for (let y = 0; y < d.height; y++) {
      const sy = b.flags & BitmapFlags.TOP_DOWN ? y : d.height - 1 - y;
      for (let x = 0; x < d.width; x++) px[y * d.width + x] = view.getUint32(sy * b.stride + x * 4, true);
    }
    out.set(`${d.id}:${d.width}x${d.height}`, px);
  }
  return out;
}

// The full-screen image's id is not a content hash (the screen differs a little between sessions).
const isFullScreen = (r: RecordedImage) => r.surfaceId === 0 && r.box.left === 0 && r.box.top === 0 && r.box.right === 1024 && r.box.bottom === 768;

async function framebuffer(mode: string): Promise<Buffer> {
  const {data, info} = await sharp(join(RECORDINGS_DIR, `xspice-${mode}.connect.png`)).raw().toBuffer({resolveWithObject: true});
  expect([info.width, info.height, info.channels]).toEqual([1024, 768, 3]);
  return data;
}

/** Pixels whose RGB differs from an RGB framebuffer. */
function rgbDiff(px: Pixels, rgb: Buffer): number {
  let diff = 0;
  for (let i = 0; i < px.width * px.height; i++) {
    const v = px.data[i]!;
    if (((v >> 16) & 255) !== rgb[i * 3] || ((v >> 8) & 255) !== rgb[i * 3 + 1] || (v & 255) !== rgb[i * 3 + 2]) diff++;
  }
  return diff;
}

describe('LZ on recorded Xspice traffic', () => {
  it.each(['lz', 'auto_lz', 'glz', 'auto_glz', 'zlib_glz'])('xspice-%s: the first full-screen image (LZ_RGB) is the X framebuffer', async (mode) => {
    const first = recordedImages(mode).find((r) => r.message === 'DRAW_COPY' && isFullScreen(r))!;
    expect(first.image.descriptor.type).toBe(ImageType.LZ_RGB);
    const px = decodeLz(first.image.lz_rgb!.data);
    expect([px.width, px.height, px.format]).toEqual([1024, 768, 'xrgb']);
    expect(rgbDiff(px, await framebuffer(mode))).toBe(0);
  });

  it('every LZ_RGB image of every recording decodes, and equals the uncompressed BITMAP of the same image', () => {
    const oracle = bitmapOracle();
    let decoded = 0;
    let compared = 0;
    for (const mode of ['lz', 'auto_lz', 'glz', 'auto_glz', 'zlib_glz', 'lz4', 'jpeg', 'desktop', 'quic', 'off']) {
      for (const r of recordedImages(mode)) {
        const d = r.image.descriptor;
        if (d.type !== ImageType.LZ_RGB && d.type !== ImageType.LZ_PLT) continue;
        const px = decodeLz(d.type === ImageType.LZ_RGB ? r.image.lz_rgb!.data : r.image.lz_plt!.data);
        expect([px.width, px.height]).toEqual([d.width, d.height]);
        decoded++;
        const want = isFullScreen(r) ? undefined : oracle.get(`${d.id}:${d.width}x${d.height}`);
        if (!want) continue;
        expect(sha(px.data), `${mode} image ${d.id}`).toBe(sha(want));
        compared++;
      }
    }
    expect(decoded).toBeGreaterThan(110);
    expect(compared).toBeGreaterThan(90);
  });

  it('every JPEG_ALPHA alpha plane decodes into its image and equals the BITMAP alpha', () => {
    const oracle = bitmapOracle();
    let n = 0;
    let compared = 0;
    for (const r of recordedImages('jpeg')) {
      const d = r.image.descriptor;
      if (d.type !== ImageType.JPEG_ALPHA) continue;
      const j = r.image.jpeg_alpha!;
      // A stand-in for the decoded JPEG: the RGB must survive, only alpha is written.
      const px: Pixels = {width: d.width, height: d.height, format: 'xrgb', data: new Uint32Array(d.width * d.height).fill(0x00123456)};
      decodeLzAlphaInto(j.data.subarray(j.jpeg_size), px, (j.flags & JpegAlphaFlags.TOP_DOWN) !== 0);
      expect(px.format).toBe('argb');
      n++;
      const want = oracle.get(`${d.id}:${d.width}x${d.height}`);
      if (!want) continue;
      for (let i = 0; i < want.length; i++) {
        if (px.data[i]! >>> 24 !== want[i]! >>> 24 || (px.data[i]! & 0xffffff) !== 0x123456) throw new Error(`image ${d.id}: pixel ${i} is ${px.data[i]!.toString(16)}, alpha should be ${(want[i]! >>> 24).toString(16)}`);
      }
      compared++;
    }
    expect(n).toBe(44);
    expect(compared).toBeGreaterThan(35);
  });
});

// ---------------------------------------------------------------- hand-made streams

/** LZ header (big-endian) followed by the body bytes. */
function lzStream(type: number, width: number, height: number, topDown: boolean, body: number[], stride?: number): Uint8Array {
  const bpp = [0, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 1][type]!;
  const ppb = [0, 8, 8, 2, 2, 1][type] ?? 1;
  const s = stride ?? (type <= 5 ? Math.ceil(width / ppb) : width * bpp);
  const head = Buffer.alloc(28);
  [0x20205a4c, 0x00010001, type, width, height, s, topDown ? 1 : 0].forEach((v, i) => head.writeUInt32BE(v, i * 4));
  return new Uint8Array(Buffer.concat([head, Buffer.from(body)]));
}

const protocolError = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SpiceError);
    expect((err as SpiceError).kind).toBe('protocol');
    return (err as Error).message;
  }
  throw new Error('expected a protocol error');
};

describe('LZ stream handling', () => {
  // 3x2 RGB32: literal run of 2 (B,G,R), then a run match (len 1 → 1 pixel... ctrl 0x20 = len 1, offset 0 → 1 back)
  const rgb = (topDown: boolean) =>
    lzStream(LzType.RGB32, 3, 2, topDown, [
      0x01, 0x01, 0x02, 0x03, 0x11, 0x12, 0x13, // 2 literals: 0x030201, 0x131211
      0x20, 0x00, // match: length 1, offset byte 0 (1 pixel back)
      0x02, 0x21, 0x22, 0x23, 0x31, 0x32, 0x33, 0x41, 0x42, 0x43, // 3 literals
    ]);

  it('decodes literals and matches; bottom-up streams are flipped', () => {
    expect([...decodeLz(rgb(true)).data]).toEqual([0x030201, 0x131211, 0x131211, 0x232221, 0x333231, 0x434241]);
    expect([...decodeLz(rgb(false)).data]).toEqual([0x232221, 0x333231, 0x434241, 0x030201, 0x131211, 0x131211]);
  });

  it('rejects damaged headers and streams with protocol errors', () => {
    const good = rgb(true);
    const bad = (patch: (b: Uint8Array) => void) => {
      const b = good.slice();
      patch(b);
      return b;
    };
    expect(protocolError(() => decodeLz(good.subarray(0, 20)))).toMatch(/header/);
    expect(protocolError(() => decodeLz(bad((b) => (b[0] = 0))))).toMatch(/magic/);
    expect(protocolError(() => decodeLz(bad((b) => (b[7] = 2))))).toMatch(/version/);
    expect(protocolError(() => decodeLz(bad((b) => (b[11] = 12))))).toMatch(/type/);
    expect(protocolError(() => decodeLz(bad((b) => (b[23] = 13))))).toMatch(/stride/);
    expect(protocolError(() => decodeLz(bad((b) => (b[15] = 0))))).toMatch(/size/);
    expect(protocolError(() => decodeLz(bad((b) => (b[13] = 0x7f))))).toMatch(/over the limit/);
    expect(protocolError(() => decodeLz(good.subarray(0, good.length - 1)))).toMatch(/ends/);
    expect(protocolError(() => decodeLz(new Uint8Array([...good, 0])))).toMatch(/left over/);
    expect(protocolError(() => decodeLz(bad((b) => (b[36] = 0x21))))).toMatch(/before the image start/);
    expect(protocolError(() => decodeLz(bad((b) => (b[35] = 0xa0))))).toMatch(/past the end/);
  });

  it('palette types need a palette; entries past it read as black, 4-bit indexes wrap like lz.c', () => {
    const plt8 = lzStream(LzType.PLT8, 3, 1, true, [0x02, 0x00, 0x01, 0x07]);
    expect(protocolError(() => decodeLz(plt8))).toMatch(/without a palette/);
    expect([...decodeLz(plt8, {palette: Uint32Array.from([0xff0000ff, 0x00ff00])}).data]).toEqual([0x0000ff, 0x00ff00, 0]);
    const plt4 = lzStream(LzType.PLT4_BE, 4, 1, true, [0x01, 0x12, 0x34]);
    expect([...decodeLz(plt4, {palette: Uint32Array.from([10, 11, 12])}).data]).toEqual([11, 12, 10, 11]);
    expect(protocolError(() => decodeLz(plt4, {palette: new Uint32Array(0)}))).toMatch(/empty palette/);
  });

  it('checks the alpha plane against the image it goes into', () => {
    const px = (w: number, h: number): Pixels => ({width: w, height: h, format: 'xrgb', data: new Uint32Array(w * h)});
    const xxxa = lzStream(LzType.XXXA, 2, 1, true, [0x01, 0x80, 0x81]);
    const target = px(2, 1);
    decodeLzAlphaInto(xxxa, target, true);
    expect([...target.data]).toEqual([0x80000000, 0x81000000]);
    expect(protocolError(() => decodeLzAlphaInto(xxxa, px(3, 1), true))).toMatch(/2x1/);
    expect(protocolError(() => decodeLzAlphaInto(xxxa, px(2, 1), false))).toMatch(/top-down/);
    expect(protocolError(() => decodeLzAlphaInto(lzStream(LzType.A8, 2, 1, true, [0x01, 1, 2]), px(2, 1)))).toMatch(/XXXA/);
    const bottomUp = px(1, 2);
    decodeLzAlphaInto(lzStream(LzType.XXXA, 1, 2, false, [0x01, 0x10, 0x20]), bottomUp, false);
    expect([...bottomUp.data]).toEqual([0x20000000, 0x10000000]);
  });
});

describe('codec benchmark', () => {
  it('benchLz runs and reports every LZ-family codec (and spice-html5 when installed)', async () => {
    const {benchLz} = await import('../../src/bench/codec-lz.js');
    const r = await benchLz({runs: 1});
    for (const c of ['LZ', 'GLZ', 'ZLIB_GLZ', 'LZ4'] as const) {
      expect(r.codecs[c]!.images).toBeGreaterThan(30);
      expect(r.codecs[c]!.mpps).toBeGreaterThan(0);
    }
    if (r.codecs.html5LZ) expect(r.lzVsHtml5).toBeGreaterThan(0);
  });
});
