/**
 * SpiceImage LZ4: linked LZ4 blocks.
 * - Reference vectors for the four bitmap formats in both row orders: compressed with
 *   LZ4_compress_fast_continue in row chunks as spice-server does, expected pixels from liblz4's streaming
 *   decoder and pixman's conversion, as spice-gtk's canvas.
 * - xspice-lz4: the first full-screen image (LZ4 too in this mode) is the X framebuffer; every image equals
 *   the uncompressed BITMAP of the same image (glz.test.ts compares the other encodings as well).
 */
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import sharp from 'sharp';
import {describe, expect, it} from 'vitest';
import {RECORDINGS_DIR, recordedImages} from '../../src/bench/codec-lz.js';
import {decodeLz4, lz4Block} from '../../src/client/codecs/lz4.js';
import {SpiceError} from '../../src/client/errors.js';
import {BitmapFlags, BitmapFmt, ImageType} from '../../src/client/wire/enums.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'codecs', 'lz4');
const sha = (u: Uint32Array) => createHash('sha256').update(new Uint8Array(u.buffer, u.byteOffset, u.byteLength)).digest('hex');
const vectors = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Array<{file: string; width: number; height: number; sha256: string}>;

const protocolError = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SpiceError);
    expect((err as SpiceError).kind).toBe('protocol');
    return (err as Error).message;
  }
  throw new Error('expected a protocol error');
};

describe('LZ4 reference vectors (liblz4 + pixman)', () => {
  it.each(vectors)('$file', (v) => {
    const data = new Uint8Array(readFileSync(join(FIXTURES, v.file)));
    const px = decodeLz4(data, v.width, v.height);
    expect(px.format).toBe(data[1] === BitmapFmt.RGBA ? 'argb' : 'xrgb');
    expect(sha(px.data)).toBe(v.sha256);
  });
});

describe('LZ4 on recorded Xspice traffic', () => {
  const images = recordedImages('lz4').filter((r) => r.image.descriptor.type === ImageType.LZ4);

  it('the first full-screen image is LZ4 (32BIT) and equals the X framebuffer', async () => {
    const first = images[0]!;
    expect([first.box.right, first.box.bottom, first.surfaceId]).toEqual([1024, 768, 0]);
    const data = first.image.lz4!.data;
    expect([data[0], data[1]]).toEqual([1, BitmapFmt['32BIT']]);
    const px = decodeLz4(data, 1024, 768);
    const {data: fb} = await sharp(join(RECORDINGS_DIR, 'xspice-lz4.connect.png')).raw().toBuffer({resolveWithObject: true});
    let diff = 0;
    for (let i = 0; i < 1024 * 768; i++) {
      const v = px.data[i]!;
      if (((v >> 16) & 255) !== fb[i * 3] || ((v >> 8) & 255) !== fb[i * 3 + 1] || (v & 255) !== fb[i * 3 + 2]) diff++;
    }
    expect(diff).toBe(0);
  });

  it('every image decodes and equals the BITMAP the server sent for it uncompressed', () => {
    const raw = new Map<string, Uint32Array>();
    for (const r of recordedImages('off')) {
      const d = r.image.descriptor;
      const b = r.image.bitmap;
      if (!b || (r.box.right === 1024 && r.box.bottom === 768)) continue;
      const u = new Uint32Array(d.width * d.height);
      const view = new DataView(b.data.buffer, b.data.byteOffset, b.data.byteLength);
      for (let y = 0; y < d.height; y++) {
        const sy = b.flags & BitmapFlags.TOP_DOWN ? y : d.height - 1 - y;
        for (let x = 0; x < d.width; x++) u[y * d.width + x] = view.getUint32(sy * b.stride + x * 4, true);
      }
      raw.set(`${d.id}`, u);
    }
    let compared = 0;
    for (const r of images) {
      const d = r.image.descriptor;
      const px = decodeLz4(r.image.lz4!.data, d.width, d.height);
      const want = raw.get(`${d.id}`);
      if (!want || r === images[0]) continue;
      expect(sha(px.data), `image ${d.id}`).toBe(sha(want));
      compared++;
    }
    expect(images.length).toBe(62);
    expect(compared).toBeGreaterThan(50);
  });
});

describe('LZ4 block decoding', () => {
  // "abcabcabcabcX": 3 literals, a match of 9 at offset 3 (overlapping), then a final literal.
  const block = [0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x58];
  const payload = (blocks: number[][], fmt: number = BitmapFmt['24BIT'], topDown = 1) => {
    const parts: number[] = [topDown, fmt];
    for (const b of blocks) parts.push((b.length >>> 24) & 255, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255, ...b);
    return new Uint8Array(parts);
  };

  it('decodes overlapping matches, and matches into earlier blocks', () => {
    const out = new Uint8Array(13);
    expect(lz4Block(new Uint8Array(block), 0, block.length, out, 0)).toBe(13);
    expect(Buffer.from(out).toString()).toBe('abcabcabcabcX');
    // 24-bit 5x1 = 15 bytes: the block's 13, then a second block of two literals.
    const px = decodeLz4(payload([block, [0x20, 0x59, 0x5a]]), 5, 1);
    expect([...px.data]).toEqual([0x636261, 0x636261, 0x636261, 0x636261, 0x5a5958]);
    // 6x1 = 18 bytes: a second block whose match copies 4 bytes from 13 back, inside the first block.
    const linked = decodeLz4(payload([block, [0x00, 0x0d, 0x00, 0x10, 0x59]]), 6, 1);
    expect([...linked.data]).toEqual([0x636261, 0x636261, 0x636261, 0x636261, 0x626158, 0x596163]);
  });

  it('rejects what the format does not allow', () => {
    expect(protocolError(() => decodeLz4(new Uint8Array([1]), 2, 2))).toMatch(/header/);
    expect(protocolError(() => decodeLz4(payload([block], 42), 5, 1))).toMatch(/format 42/);
    expect(protocolError(() => decodeLz4(payload([]), 5, 1))).toMatch(/cut short/);
    expect(protocolError(() => decodeLz4(payload([[0x00]]), 5, 1))).toMatch(/nothing/);
    expect(protocolError(() => decodeLz4(payload([block]), 5, 1))).toMatch(/decoded 13 bytes/);
    expect(protocolError(() => decodeLz4(payload([block, block]), 5, 1))).toMatch(/past the end/);
    expect(protocolError(() => decodeLz4(payload([[0x30, 1, 2]]), 5, 1))).toMatch(/literals, only/);
    expect(protocolError(() => decodeLz4(payload([[0x10, 1, 0x05, 0x00, 0x00]]), 5, 1))).toMatch(/reaches before the start/);
    expect(protocolError(() => decodeLz4(payload([[0x10, 1, 0x01, 0x00]]), 5, 1))).toMatch(/last sequence must be literals/);
    expect(protocolError(() => decodeLz4(payload([[0x10, 1, 0x01]]), 5, 1))).toMatch(/match offset/);
    const withTail = payload([block]);
    expect(protocolError(() => decodeLz4(new Uint8Array([...withTail, 0, 0]), 5, 1))).toMatch(/cut short/);
    expect(protocolError(() => decodeLz4(payload([block]), 0, 1))).toMatch(/invalid image size/);
  });
});
