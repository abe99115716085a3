/**
 * Cursor shapes from hand-made bytes, laid out as protocol map §7 describes each type, decoded to RGBA as
 * spice-gtk shows them; and compositing over an RGB picture.
 */
import {describe, expect, it} from 'vitest';
import {compositeCursor} from '../../src/client/display/cursor-composite.js';
import {cursorDataSize, decodeCursor, type CursorHeaderValue} from '../../src/client/codecs/cursor.js';
import {CursorType} from '../../src/client/wire/enums.js';

const hdr = (type: number, width: number, height: number, hx = 0, hy = 0): CursorHeaderValue => ({unique: 7n, type, width, height, hot_spot_x: hx, hot_spot_y: hy});
const px = (rgba: Uint8Array, w: number, x: number, y: number) => [...rgba.subarray((y * w + x) * 4, (y * w + x) * 4 + 4)];
const u32 = (...v: number[]) => {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((n, i) => b.writeUInt32LE(n >>> 0, i * 4));
  return b;
};
/** A 1-bpp mask with stride ceil(w/8), from rows of '0'/'1'. */
const mask = (rows: string[]) => {
  const stride = Math.ceil(rows[0]!.length / 8);
  const b = Buffer.alloc(stride * rows.length);
  rows.forEach((r, y) => [...r].forEach((c, x) => c === '1' && (b[y * stride + (x >> 3)]! |= 0x80 >> (x & 7))));
  return b;
};
const CHECK_DARK = [0x30, 0x30, 0x30, 0xc0];
const CHECK_LIGHT = [0x50, 0x50, 0x50, 0x30];

describe('cursor shapes', () => {
  it('ALPHA: B,G,R,A bytes become R,G,B,A', () => {
    const data = Uint8Array.from([0x10, 0x20, 0x30, 0x40, 0xaa, 0xbb, 0xcc, 0xff]);
    const s = decodeCursor(hdr(CursorType.ALPHA, 2, 1, 1, 0), data);
    expect([...s.rgba]).toEqual([0x30, 0x20, 0x10, 0x40, 0xcc, 0xbb, 0xaa, 0xff]);
    expect([s.width, s.height, s.hotX, s.hotY, s.typeName]).toEqual([2, 1, 1, 0, 'ALPHA']);
  });

  it('MONO: AND then XOR, stride ceil(w/8); black, white, transparent, and the invert approximation', () => {
    // 10 wide (stride 2), 2 rows: and=0/xor=0 black, and=0/xor=1 white, and=1/xor=0 clear, and=1/xor=1 white.
    const and = mask(['0011000000', '1111111111']);
    const xor = mask(['0101000000', '0000000001']);
    const s = decodeCursor(hdr(CursorType.MONO, 10, 2), Buffer.concat([and, xor]));
    expect(px(s.rgba, 10, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(px(s.rgba, 10, 1, 0)).toEqual([255, 255, 255, 255]);
    expect(px(s.rgba, 10, 2, 0)).toEqual([0, 0, 0, 0]);
    expect(px(s.rgba, 10, 3, 0)).toEqual([255, 255, 255, 255]);
    expect(px(s.rgba, 10, 4, 0)).toEqual([0, 0, 0, 255]);
    expect(px(s.rgba, 10, 0, 1)).toEqual([0, 0, 0, 0]);
    expect(px(s.rgba, 10, 9, 1)).toEqual([255, 255, 255, 255]); // second byte of the row
  });

  it('MONO with an all-ones AND mask: invert pixels white with a black edge around them', () => {
    const and = mask(['11111111', '11111111', '11111111', '11111111', '11111111']);
    const xor = mask(['00000000', '00000000', '00100000', '00000000', '00000000']);
    const s = decodeCursor(hdr(CursorType.MONO, 8, 5), Buffer.concat([and, xor]));
    const alpha = [0, 1, 2, 3, 4].map((y) => [0, 1, 2, 3, 4].map((x) => (px(s.rgba, 8, x, y)[3] ? '1' : '0')).join(''));
    expect(alpha).toEqual(['00000', '01110', '01110', '01110', '00000']);
    expect(px(s.rgba, 8, 2, 2)).toEqual([255, 255, 255, 255]);
    expect(px(s.rgba, 8, 1, 1)).toEqual([0, 0, 0, 255]);
  });

  it('COLOR4: 4-bpp indexes (high nibble first), a 16-entry palette, then the AND mask', () => {
    const pixels = Uint8Array.from([0x12, 0x30]); // 3 wide, 1 row: indexes 1, 2, 3 (row padded to 2 bytes)
    const palette = u32(0, 0x00ff0000, 0x0000ff00, 0x00ffffff, ...new Array(12).fill(0));
    const s = decodeCursor(hdr(CursorType.COLOR4, 3, 1), Buffer.concat([pixels, palette, mask(['011'])]));
    expect(px(s.rgba, 3, 0, 0)).toEqual([255, 0, 0, 255]);
    expect(px(s.rgba, 3, 1, 0)).toEqual([0, 255, 0, 0]); // masked: transparent
    expect(px(s.rgba, 3, 2, 0)).toEqual(CHECK_LIGHT); // masked white = invert: (x^y)&1 = 0
  });

  it('COLOR8: 8-bpp indexes into a 256-entry palette, then the mask', () => {
    const palette = Buffer.alloc(256 * 4);
    palette.writeUInt32LE(0x00123456, 5 * 4);
    palette.writeUInt32LE(0x00ffffff, 9 * 4);
    const s = decodeCursor(hdr(CursorType.COLOR8, 2, 1), Buffer.concat([Uint8Array.from([5, 9]), palette, mask(['01'])]));
    expect(px(s.rgba, 2, 0, 0)).toEqual([0x12, 0x34, 0x56, 255]);
    expect(px(s.rgba, 2, 1, 0)).toEqual(CHECK_DARK);
  });

  it('COLOR16: x555 pixels, then the mask; 0x7fff under the mask is the invert checker', () => {
    const pix = Buffer.alloc(6);
    pix.writeUInt16LE(0x7c00, 0); // red
    pix.writeUInt16LE((0x10 << 5) | 0x1f, 2); // green 16, blue 31
    pix.writeUInt16LE(0x7fff, 4);
    const s = decodeCursor(hdr(CursorType.COLOR16, 3, 1), Buffer.concat([pix, mask(['001'])]));
    expect(px(s.rgba, 3, 0, 0)).toEqual([0xf8, 0, 0, 255]);
    expect(px(s.rgba, 3, 1, 0)).toEqual([0, 0x80, 0xf8, 255]);
    expect(px(s.rgba, 3, 2, 0)).toEqual(CHECK_LIGHT);
  });

  it('COLOR24: B,G,R pixels, then the mask', () => {
    const s = decodeCursor(hdr(CursorType.COLOR24, 2, 1), Buffer.concat([Uint8Array.from([1, 2, 3, 4, 5, 6]), mask(['01'])]));
    expect(px(s.rgba, 2, 0, 0)).toEqual([3, 2, 1, 255]);
    expect(px(s.rgba, 2, 1, 0)).toEqual([6, 5, 4, 0]);
  });

  it('COLOR32: B,G,R,x pixels, then the mask (rows of the mask padded to bytes)', () => {
    const pix = u32(0x00a0b0c0, 0x00ffffff, 0x00ffffff, 0x00010203);
    const s = decodeCursor(hdr(CursorType.COLOR32, 2, 2), Buffer.concat([pix, mask(['01', '10'])]));
    expect(px(s.rgba, 2, 0, 0)).toEqual([0xa0, 0xb0, 0xc0, 255]);
    expect(px(s.rgba, 2, 1, 0)).toEqual(CHECK_DARK); // masked white at (1,0)
    expect(px(s.rgba, 2, 0, 1)).toEqual(CHECK_DARK); // masked white at (0,1)
    expect(px(s.rgba, 2, 1, 1)).toEqual([1, 2, 3, 255]);
  });

  it('clamps the hot spot to the shape and rejects short data and unknown types', () => {
    expect(decodeCursor(hdr(CursorType.ALPHA, 1, 1, 5, 9), new Uint8Array(4))).toMatchObject({hotX: 1, hotY: 1});
    expect(() => decodeCursor(hdr(CursorType.ALPHA, 2, 2), new Uint8Array(15))).toThrow(/needs 16 bytes/);
    expect(() => decodeCursor(hdr(CursorType.MONO, 9, 2), new Uint8Array(7))).toThrow(/needs 8 bytes/);
    expect(() => decodeCursor(hdr(9, 1, 1), new Uint8Array(64))).toThrow(/unknown cursor type/);
    expect(cursorDataSize(CursorType.COLOR4, 3, 2)).toBe(4 + 64 + 2);
  });
});

describe('compositeCursor', () => {
  it('draws alpha over RGB at the given origin, clipped, and counts changed pixels', () => {
    const img = {width: 3, height: 2, rgb: new Uint8Array(3 * 2 * 3).fill(100)};
    // 2x2: opaque red, transparent, half-alpha white, opaque (same as the background).
    const rgba = Uint8Array.from([255, 0, 0, 255, 9, 9, 9, 0, 255, 255, 255, 128, 100, 100, 100, 255]);
    const shape = {unique: 1n, type: 0, typeName: 'ALPHA', width: 2, height: 2, hotX: 0, hotY: 0, rgba};
    expect(compositeCursor(img, shape, 2, 0)).toBe(2); // only column 0 of the shape lands (x=2): red and half white
    expect([...img.rgb.subarray(6, 9)]).toEqual([255, 0, 0]);
    expect([...img.rgb.subarray(15, 18)]).toEqual([178, 178, 178]);
    expect(compositeCursor(img, shape, -1, -1)).toBe(0); // only the bottom-right (same colour) lands at (0,0)
    expect([...img.rgb.subarray(0, 3)]).toEqual([100, 100, 100]);
  });
});
