/**
 * Canvas ops on small surfaces, with expectations worked out by hand from spice-common's and pixman's C
 * semantics (the arithmetic is in the comments), not from this code.
 */
import {describe, expect, it} from 'vitest';
import type {Pixels} from '../../src/client/codecs/pixels.js';
import * as canvas from '../../src/client/display/canvas.js';
import {Rop, ropdToRop} from '../../src/client/display/rop.js';
import {ternary} from '../../src/client/display/rop3.js';
import {fixToInt} from '../../src/client/display/stroke.js';
import type {Surface} from '../../src/client/display/surface.js';
import type {Rect} from '../../src/client/display/types.js';
import {Ropd, SurfaceFmt} from '../../src/client/wire/enums.js';

const R = (left: number, top: number, right: number, bottom: number): Rect => ({left, top, right, bottom});
const xrgb = (width: number, height: number, values: number[]): Pixels => ({width, height, format: 'xrgb', data: Uint32Array.from(values)});
const argb = (width: number, height: number, values: number[]): Pixels => ({width, height, format: 'argb', data: Uint32Array.from(values)});

function surface(width: number, height: number, values?: number[], format: number = SurfaceFmt['32_xRGB']): Surface {
  const s = canvas.createSurface(0, width, height, format);
  if (values) s.data.set(values);
  return s;
}
const px = (s: Surface) => Array.from(s.data);
const hex = (s: Surface) => Array.from(s.data, (v) => (v >>> 0).toString(16));

describe('surfaces', () => {
  it('stores each format natively and checks sizes and formats', () => {
    expect(surface(3, 2).data).toBeInstanceOf(Uint32Array);
    expect(surface(3, 2, undefined, SurfaceFmt['16_565']).data).toBeInstanceOf(Uint16Array);
    expect(surface(3, 2, undefined, SurfaceFmt['8_A']).data).toBeInstanceOf(Uint8Array);
    const a1 = surface(40, 2, undefined, SurfaceFmt['1_A']);
    expect([a1.stride, a1.data.length]).toEqual([2, 4]);
    expect(() => canvas.createSurface(1, 0, 5, 32)).toThrow(/invalid image size/);
    expect(() => canvas.createSurface(1, 20000, 5, 32)).toThrow(/over the limit/);
    expect(() => canvas.createSurface(1, 5, 5, 33)).toThrow(/unknown surface format/);
  });

  it('exports RGBA: xRGB opaque, 565 and 555 expanded by bit replication, A8 as grey', () => {
    expect(Array.from(canvas.surfaceToRgba(surface(1, 1, [0x12345678])).data)).toEqual([0x34, 0x56, 0x78, 255]);
    expect(Array.from(canvas.surfaceToRgba(surface(1, 1, [0x12345678], SurfaceFmt['32_ARGB'])).data)).toEqual([0x34, 0x56, 0x78, 0x12]);
    // 565 0xF81F: r = 31 -> 255, g = 0, b = 31 -> 255; 0x0400: g6 = 0b100000 -> (32 << 2) | (32 >> 4) = 130.
    expect(Array.from(canvas.surfaceToRgba(surface(2, 1, [0xf81f, 0x0400], SurfaceFmt['16_565'])).data)).toEqual([255, 0, 255, 255, 0, 130, 0, 255]);
    // 555 0x4210: r = g = b = 16 -> (16 << 3) | (16 >> 2) = 132.
    expect(Array.from(canvas.surfaceToRgba(surface(1, 1, [0x4210], SurfaceFmt['16_555'])).data)).toEqual([132, 132, 132, 255]);
    expect(Array.from(canvas.surfaceToRgba(surface(1, 1, [0x80], SurfaceFmt['8_A'])).data)).toEqual([128, 128, 128, 255]);
    // A region is clamped to the surface.
    const r = canvas.surfaceToRgba(surface(3, 3, [1, 2, 3, 4, 5, 6, 7, 8, 9]), R(1, 1, 10, 10));
    expect([r.width, r.height, r.data[2], r.data[6]]).toEqual([2, 2, 5, 6]);
  });
});

describe('rop descriptors and the 16 binary rops', () => {
  it('maps ropd bits as ropd_descriptor_to_rop does', () => {
    const {INVERS_SRC: IS, INVERS_BRUSH: IB, INVERS_DEST: ID, INVERS_RES: IR, OP_PUT, OP_OR, OP_AND, OP_XOR} = Ropd;
    expect(ropdToRop(OP_PUT, 'src', 'dest')).toBe(Rop.COPY);
    expect(ropdToRop(OP_PUT | IS, 'src', 'dest')).toBe(Rop.COPY_INVERTED);
    expect(ropdToRop(OP_PUT | IS | IR, 'src', 'dest')).toBe(Rop.COPY);
    // For FILL the brush bit counts, the source bit does not.
    expect(ropdToRop(OP_PUT | IS, 'brush', 'dest')).toBe(Rop.COPY);
    expect(ropdToRop(OP_PUT | IB, 'brush', 'dest')).toBe(Rop.COPY_INVERTED);
    expect(ropdToRop(OP_OR | IR, 'src', 'dest')).toBe(Rop.NOR); // !(s | d)
    expect(ropdToRop(OP_OR | IS, 'src', 'dest')).toBe(Rop.OR_INVERTED); // !s | d
    expect(ropdToRop(OP_OR | ID, 'src', 'dest')).toBe(Rop.OR_REVERSE); // s | !d
    expect(ropdToRop(OP_AND | IS | ID, 'src', 'dest')).toBe(Rop.NOR); // !s & !d
    expect(ropdToRop(OP_AND | IR, 'src', 'dest')).toBe(Rop.NAND);
    expect(ropdToRop(OP_AND | ID | IR, 'src', 'dest')).toBe(Rop.OR_INVERTED); // !(s & !d)
    expect(ropdToRop(OP_XOR | ID, 'src', 'dest')).toBe(Rop.EQUIV);
    expect(ropdToRop(OP_XOR | IS | ID, 'src', 'dest')).toBe(Rop.XOR);
    expect(ropdToRop(OP_XOR | IS | ID | IR, 'src', 'dest')).toBe(Rop.EQUIV);
    // OPAQUE: brush plays src, the copied source plays dest (its INVERS_SRC bit).
    expect(ropdToRop(OP_AND | IS, 'brush', 'src')).toBe(Rop.AND_REVERSE); // brush & !src
    expect(ropdToRop(Ropd.OP_BLACKNESS, 'src', 'dest')).toBe(Rop.CLEAR);
    expect(ropdToRop(Ropd.OP_WHITENESS, 'src', 'dest')).toBe(Rop.SET);
    expect(ropdToRop(Ropd.OP_INVERS, 'src', 'dest')).toBe(Rop.INVERT);
    expect(ropdToRop(0, 'src', 'dest')).toBe(Rop.COPY);
  });

  it('FILL with each binary rop applies it to every bit of the pixel, alpha included', () => {
    // brush 0xFF00FF00 (b), destination 0xF0F0F0F0 (d); pixman_utils' equations.
    const b = 0xff00ff00;
    const d = 0xf0f0f0f0;
    const ropds: Array<[number, number]> = [
      [Ropd.OP_PUT, b],
      [Ropd.OP_OR, (b | d) >>> 0], // 0xFFF0FFF0
      [Ropd.OP_AND, (b & d) >>> 0], // 0xF000F000
      [Ropd.OP_XOR, (b ^ d) >>> 0], // 0x0FF00FF0
      [Ropd.OP_PUT | Ropd.INVERS_BRUSH, 0x00ff00ff],
      [Ropd.OP_AND | Ropd.INVERS_DEST, 0x0f000f00], // b & !d
      [Ropd.OP_OR | Ropd.INVERS_RES, 0x000f000f], // !(b | d)
      [Ropd.OP_BLACKNESS, 0],
      [Ropd.OP_WHITENESS, 0xffffffff],
      [Ropd.OP_INVERS, 0x0f0f0f0f],
    ];
    for (const [ropd, want] of ropds) {
      const s = surface(1, 1, [d]);
      canvas.fill(s, R(0, 0, 1, 1), null, {type: 'solid', color: b}, ropd, null);
      expect((s.data[0]! >>> 0).toString(16), `ropd ${ropd}`).toBe(want.toString(16));
    }
  });
});

describe('FILL', () => {
  it('fills the box, cut to the surface and to the union of the clip rectangles', () => {
    const s = surface(4, 3);
    const drawn = canvas.fill(s, R(-2, 0, 3, 9), [R(0, 0, 1, 3), R(0, 1, 3, 2)], {type: 'solid', color: 7}, Ropd.OP_PUT, null);
    expect(px(s)).toEqual([7, 0, 0, 0, 7, 7, 7, 0, 7, 0, 0, 0]);
    // pixman's bands: y 0-1 [0,1), y 1-2 [0,3), y 2-3 [0,1)
    expect(drawn).toEqual([R(0, 0, 1, 1), R(0, 1, 3, 2), R(0, 2, 1, 3)]);
    // An empty clip list draws nothing.
    expect(canvas.fill(s, R(0, 0, 4, 3), [], {type: 'solid', color: 9}, Ropd.OP_PUT, null)).toEqual([]);
  });

  it('truncates the colour to the pixel size of 16-bit and A8 surfaces', () => {
    const s16 = surface(2, 1, undefined, SurfaceFmt['16_565']);
    canvas.fill(s16, R(0, 0, 2, 1), null, {type: 'solid', color: 0x1234abcd}, Ropd.OP_PUT, null);
    expect(px(s16)).toEqual([0xabcd, 0xabcd]);
    const a8 = surface(1, 1, [0x0f], SurfaceFmt['8_A']);
    canvas.fill(a8, R(0, 0, 1, 1), null, {type: 'solid', color: 0xf0f0}, Ropd.OP_OR, null);
    expect(px(a8)).toEqual([0xff]);
  });

  it('tiles a pattern from its position, converted to the surface format', () => {
    // 2x1 tile [A, B] with its pixel (0,0) at x = 1: x = 0 takes B, 1 A, 2 B, 3 A.
    const s = surface(4, 1);
    canvas.fill(s, R(0, 0, 4, 1), null, {type: 'pattern', pixels: xrgb(2, 1, [0xa, 0xb]), pos: {x: 1, y: 0}}, Ropd.OP_PUT, null);
    expect(px(s)).toEqual([0xb, 0xa, 0xb, 0xa]);
    // On 565, a 32-bit tile pixel 0x00FF8040 becomes (31 << 11) | (32 << 5) | 8.
    const s16 = surface(1, 1, undefined, SurfaceFmt['16_565']);
    canvas.fill(s16, R(0, 0, 1, 1), null, {type: 'pattern', pixels: xrgb(1, 1, [0x00ff8040]), pos: {x: 0, y: 0}}, Ropd.OP_PUT, null);
    expect(px(s16)).toEqual([(31 << 11) | (32 << 5) | 8]);
  });

  it('a brush of type none still runs the rop (0 as the source)', () => {
    const s = surface(1, 1, [0x12345678]);
    canvas.fill(s, R(0, 0, 1, 1), null, {type: 'none'}, Ropd.OP_INVERS, null);
    expect(hex(s)).toEqual(['edcba987']);
  });

  it('masks: set bits only, inside the mask image; invert flips them there only', () => {
    // 1BIT_LE, top-down, 3x2: row 0 bits 0b101 (x = 0 and 2), row 1 0b010.
    const mask = canvas.decodeMaskBitmap({format: 1, flags: 4, width: 3, height: 2, stride: 1, data: Uint8Array.of(0b101, 0b010)});
    const s = surface(4, 3);
    canvas.fill(s, R(0, 0, 4, 3), null, {type: 'solid', color: 1}, Ropd.OP_PUT, {pixels: mask, pos: {x: 0, y: 0}, invert: false});
    expect(px(s)).toEqual([1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    const t = surface(4, 3);
    canvas.fill(t, R(0, 0, 4, 3), null, {type: 'solid', color: 1}, Ropd.OP_PUT, {pixels: mask, pos: {x: 0, y: 0}, invert: true});
    expect(px(t)).toEqual([0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
    // pos shifts the mask: mask pixel (1, 0) lands on the box's top-left corner (box 1,1).
    const u = surface(4, 3);
    canvas.fill(u, R(1, 1, 4, 3), null, {type: 'solid', color: 1}, Ropd.OP_PUT, {pixels: mask, pos: {x: 1, y: 0}, invert: false});
    // mask (2,0) -> (2,1); mask (1,1) -> (1,2)
    expect(px(u)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
    // 1BIT_BE takes bit 7 first; bottom-up rows by default.
    const be = canvas.decodeMaskBitmap({format: 2, flags: 0, width: 2, height: 2, stride: 1, data: Uint8Array.of(0x80, 0x40)});
    expect(Array.from(be.data, (v) => v >>> 24)).toEqual([0, 255, 255, 0]);
  });
});

describe('COPY', () => {
  it('OP_PUT copies raw values: an RGBA image keeps its alpha byte on a 32_xRGB surface', () => {
    const s = surface(3, 1, [1, 2, 3]);
    // Xspice's glyph images: RGBA with alpha 0.
    const drawn = canvas.copy(s, R(1, 0, 3, 1), null, argb(2, 1, [0x00123456, 0x00abcdef]), R(0, 0, 2, 1), Ropd.OP_PUT, 0, null);
    expect(hex(s)).toEqual(['1', '123456', 'abcdef']);
    expect(drawn).toEqual([R(1, 0, 3, 1)]);
    expect(Array.from(canvas.surfaceToRgba(s).data.slice(4, 8))).toEqual([0x12, 0x34, 0x56, 255]);
  });

  it('reads the source area and applies the rop', () => {
    const src = xrgb(3, 2, [1, 2, 3, 4, 5, 6]);
    const s = surface(2, 1, [0xf0, 0xf0]);
    canvas.copy(s, R(0, 0, 2, 1), null, src, R(1, 1, 3, 2), Ropd.OP_XOR, 0, null);
    expect(px(s)).toEqual([0xf5, 0xf6]);
    canvas.copy(s, R(0, 0, 2, 1), null, src, R(0, 0, 2, 1), Ropd.OP_PUT | Ropd.INVERS_SRC, 0, null);
    expect(hex(s)).toEqual(['fffffffe', 'fffffffd']);
  });

  it('converts 32-bit images to a 16-bit surface by truncation', () => {
    const s = surface(1, 1, undefined, SurfaceFmt['16_555']);
    canvas.copy(s, R(0, 0, 1, 1), null, xrgb(1, 1, [0x00ff8844]), R(0, 0, 1, 1), Ropd.OP_PUT, 0, null);
    expect(px(s)).toEqual([(31 << 10) | (17 << 5) | 8]);
  });

  it('copies from another surface and from itself in place, rows top-down', () => {
    const other = surface(2, 1, [8, 9]);
    const s = surface(3, 1, [1, 2, 3]);
    canvas.copy(s, R(0, 0, 2, 1), null, other, R(0, 0, 2, 1), Ropd.OP_PUT, 0, null);
    expect(px(s)).toEqual([8, 9, 3]);
    // Moving down within one surface: row 1 is written from row 0, then row 2 from the new row 1.
    const v = surface(1, 3, [1, 2, 3]);
    canvas.copy(v, R(0, 1, 1, 3), null, v, R(0, 0, 1, 2), Ropd.OP_PUT, 0, null);
    expect(px(v)).toEqual([1, 1, 1]);
  });

  it('scales NEAREST: sample points at (i + 0.5) · src/dst, minus one 16.16 unit', () => {
    // 2x1 -> 4x1: factor 0.5, samples at 0.25, 0.75, 1.25, 1.75 -> pixels 0, 0, 1, 1.
    const s = surface(4, 1);
    canvas.copy(s, R(0, 0, 4, 1), null, xrgb(2, 1, [0xff000000, 0xffffffff]), R(0, 0, 2, 1), Ropd.OP_PUT, 1, null);
    expect(hex(s)).toEqual(['ff000000', 'ff000000', 'ffffffff', 'ffffffff']);
  });

  it('scales INTERPOLATE with pixman bilinear: 7-bit weights, outside the image transparent', () => {
    // Samples at x = 0.25 + 0.5 i; x - 0.5 gives the left pixel and the weight (in 1/128).
    //  i=0: left -1 (outside, 0), right 0 (black, alpha ff), weight 96/128: alpha 255·(192·256)>>16 = 191.
    //  i=1: pixels 0 and 1 (black, white), weight 32: colour 255·(64·256)>>16 = 63, alpha 255.
    //  i=2: weight 96: colour 191.  i=3: pixels 1 (white) and 2 (outside), weight 32: 255·(192·256)>>16 = 191.
    const s = surface(4, 1);
    canvas.copy(s, R(0, 0, 4, 1), null, xrgb(2, 1, [0xff000000, 0xffffffff]), R(0, 0, 2, 1), Ropd.OP_PUT, 0, null);
    expect(hex(s)).toEqual(['bf000000', 'ff3f3f3f', 'ffbfbfbf', 'bfbfbfbf']);
  });
});

describe('COPY_BITS', () => {
  const row = () => surface(6, 1, [1, 2, 3, 4, 5, 6]);
  it('moves right and left over itself without smearing', () => {
    const s = row();
    canvas.copyBits(s, R(1, 0, 6, 1), null, {x: 0, y: 0});
    expect(px(s)).toEqual([1, 1, 2, 3, 4, 5]);
    const t = row();
    canvas.copyBits(t, R(0, 0, 5, 1), null, {x: 1, y: 0});
    expect(px(t)).toEqual([2, 3, 4, 5, 6, 6]);
  });

  it('moves down and up over itself', () => {
    const s = surface(2, 4, [1, 1, 2, 2, 3, 3, 4, 4]);
    canvas.copyBits(s, R(0, 1, 2, 4), null, {x: 0, y: 0});
    expect(px(s)).toEqual([1, 1, 1, 1, 2, 2, 3, 3]);
    const t = surface(2, 4, [1, 1, 2, 2, 3, 3, 4, 4]);
    canvas.copyBits(t, R(0, 0, 2, 3), null, {x: 0, y: 1});
    expect(px(t)).toEqual([2, 2, 3, 3, 4, 4, 4, 4]);
  });

  it('with a clip of several rectangles in one band, copies them right to left when moving right', () => {
    // Clip [0,2) and [3,5) (a gap at x=2). Moving right by 1: rect [3,5) first reads 2,3 -> x3=3,x4=4... then [0,2).
    const s = row();
    canvas.copyBits(s, R(1, 0, 6, 1), [R(1, 0, 2, 1), R(3, 0, 5, 1)], {x: 0, y: 0});
    // x1 <- x0 (1); x3 <- x2 (3); x4 <- x3 (4): [1, 1, 3, 3, 4, 6]
    expect(px(s)).toEqual([1, 1, 3, 3, 4, 6]);
  });

  it('never reads outside the surface: the part whose source is outside is left alone', () => {
    const s = row();
    canvas.copyBits(s, R(0, 0, 3, 1), null, {x: -2, y: 0});
    // dx = 2: only x >= 2 has a source inside; x2 <- x0.
    expect(px(s)).toEqual([1, 2, 1, 4, 5, 6]);
  });
});

describe('OPAQUE, BLACKNESS, WHITENESS, INVERS, TRANSPARENT', () => {
  it('OPAQUE puts the source, then the brush with the rop against it', () => {
    const s = surface(1, 1, [0x55]);
    canvas.opaque(s, R(0, 0, 1, 1), null, xrgb(1, 1, [0x0f]), R(0, 0, 1, 1), {type: 'solid', color: 0x3c}, Ropd.OP_XOR, 0, null);
    expect(px(s)).toEqual([0x0f ^ 0x3c]);
  });

  it('BLACKNESS, WHITENESS and INVERS touch every bit', () => {
    const s = surface(3, 1, [0x12345678, 0x12345678, 0x12345678]);
    canvas.blackness(s, R(0, 0, 1, 1), null, null);
    canvas.whiteness(s, R(1, 0, 2, 1), null, null);
    canvas.invers(s, R(2, 0, 3, 1), null, null);
    expect(hex(s)).toEqual(['0', 'ffffffff', 'edcba987']);
  });

  it('TRANSPARENT skips source pixels whose RGB equals true_color; src_color is ignored', () => {
    const s = surface(3, 1, [7, 7, 7]);
    canvas.transparent(s, R(0, 0, 3, 1), null, xrgb(3, 1, [0xff00ff00, 0x0000ff00, 0x00000001]), R(0, 0, 3, 1), 0x00000001, 0x0000ff00);
    expect(hex(s)).toEqual(['7', '7', '1']);
  });
});

describe('ROP3', () => {
  it('evaluates ternary ops from their truth table (P = F0, S = CC, D = AA)', () => {
    expect(ternary(0xcc, 0xf0, 0xcc, 0xaa) & 0xff).toBe(0xcc); // SRCCOPY
    expect(ternary(0xf0, 0xf0, 0xcc, 0xaa) & 0xff).toBe(0xf0); // PATCOPY
    expect(ternary(0x5a, 0xf0, 0xcc, 0xaa) & 0xff).toBe(0xf0 ^ 0xaa); // PATINVERT
    expect(ternary(0x88, 0xf0, 0xcc, 0xaa) & 0xff).toBe(0xcc & 0xaa); // SRCAND
    expect(ternary(0xb8, 0xf0, 0xcc, 0xaa) & 0xff).toBe((((0xaa ^ 0xf0) & 0xcc) ^ 0xf0) & 0xff); // PSDPxax
    for (let op = 0; op < 256; op++) expect(ternary(op, 0xf0, 0xcc, 0xaa) & 0xff).toBe(op);
  });

  it('draws source, brush and destination through the op, inside the clip', () => {
    const s = surface(2, 1, [0x0000aaaa, 0x0000aaaa]);
    canvas.rop3(s, R(0, 0, 2, 1), [R(1, 0, 2, 1)], xrgb(2, 1, [0x0000cccc, 0x0000cccc]), R(0, 0, 2, 1), {type: 'solid', color: 0x0000f0f0}, 0xe2, 0, null);
    // 0xE2 = DSPDxax: ((D ^ P) & S) ^ D per bit; 0xAA^0xF0 = 0x5A, & 0xCC = 0x48, ^ 0xAA = 0xE2. High bytes: all 0 -> 0.
    expect(hex(s)).toEqual(['aaaa', 'e2e2']);
  });
});

describe('ALPHA_BLEND and COMPOSITE (pixman 8-bit arithmetic)', () => {
  it('ALPHA_BLEND: source times the constant alpha, OVER the destination', () => {
    // s = opaque green scaled by 128: MUL(255, 128) = (32768 + 128 + ((32768 + 128) >> 8)) >> 8 = 128.
    // OVER: red 255 · (255 - 128) / 255 = MUL(255, 127) = 127; green 128.
    const s = surface(1, 1, [0x00ff0000]);
    canvas.alphaBlend(s, R(0, 0, 1, 1), null, xrgb(1, 1, [0x0000ff00]), R(0, 0, 1, 1), 128, 0);
    expect((s.data[0]! & 0xffffff).toString(16)).toBe('7f8000');
    // Alpha 0 draws nothing.
    expect(canvas.alphaBlend(s, R(0, 0, 1, 1), null, xrgb(1, 1, [0]), R(0, 0, 1, 1), 0, 0)).toEqual([]);
  });

  it('COMPOSITE OVER a premultiplied source', () => {
    // 0x80800000 (alpha 128, red 128) OVER blue 0x0000FF: blue MUL(255, 127) = 127, red 128.
    const s = surface(1, 1, [0x000000ff]);
    canvas.composite(s, R(0, 0, 1, 1), null, {flags: 3, src: argb(1, 1, [0x80800000]), mask: null, srcTransform: null, maskTransform: null, srcOrigin: {x: 0, y: 0}, maskOrigin: {x: 0, y: 0}});
    expect((s.data[0]! & 0xffffff).toString(16)).toBe('80007f');
  });

  it('COMPOSITE IN through an A8 surface mask, with a source origin and repeat NORMAL', () => {
    // ARGB destination alpha 0x80: IN gives s · m · da. Source 2x1 [0x40404040, white] repeated, read from
    // x = 3 -> 1: white. Mask 0x80: white·128 = 0x80808080, then · 0x80: MUL(128, 128) = 64 -> 0x40.
    const s = surface(1, 1, [0x80000000], SurfaceFmt['32_ARGB']);
    const m = surface(1, 1, [0x80], SurfaceFmt['8_A']);
    const flags = 5 | (1 << 14) | (1 << 19); // IN, src repeat NORMAL, HAS_MASK
    canvas.composite(s, R(0, 0, 1, 1), null, {flags, src: argb(2, 1, [0x40404040, 0xffffffff]), mask: m, srcTransform: null, maskTransform: null, srcOrigin: {x: 3, y: 0}, maskOrigin: {x: 0, y: 0}});
    expect(hex(s)).toEqual(['40404040']);
  });

  it('COMPOSITE with component alpha multiplies each channel by its own mask channel', () => {
    // SRC, CA: s · m per channel. s = 0xFFFFFFFF, m = 0x80FF4000 -> 0x80FF4000.
    const s = surface(1, 1, [0], SurfaceFmt['32_ARGB']);
    const flags = 1 | (1 << 18) | (1 << 19);
    canvas.composite(s, R(0, 0, 1, 1), null, {flags, src: argb(1, 1, [0xffffffff]), mask: argb(1, 1, [0x80ff4000]), srcTransform: null, maskTransform: null, srcOrigin: {x: 0, y: 0}, maskOrigin: {x: 0, y: 0}});
    expect(hex(s)).toEqual(['80ff4000']);
  });
});

describe('TEXT and STROKE', () => {
  it('TEXT composites the fore brush through A1 glyphs (rows bottom-up, MSB first)', () => {
    // One 3x2 glyph at (1,0): bytes bottom row first: row 1 = 0b010xxxxx, row 0 = 0b101xxxxx.
    const s = surface(4, 2);
    const glyph = {render_pos: {x: 1, y: 0}, glyph_origin: {x: 0, y: 0}, width: 3, height: 2, data: Uint8Array.of(0b01000000, 0b10100000)};
    canvas.text(s, R(0, 0, 4, 2), null, {flags: 1, glyphs: [glyph]}, R(0, 0, 0, 0), {type: 'solid', color: 0x00abcdef}, {type: 'none'}, Ropd.OP_PUT, 0);
    expect(Array.from(s.data, (v) => (v & 0xffffff).toString(16))).toEqual(['0', 'abcdef', '0', 'abcdef', '0', '0', 'abcdef', '0']);
  });

  it('TEXT fills the back area with the back brush first', () => {
    const s = surface(2, 1);
    const glyph = {render_pos: {x: 0, y: 0}, glyph_origin: {x: 0, y: 0}, width: 1, height: 1, data: Uint8Array.of(0x80)};
    canvas.text(s, R(0, 0, 2, 1), null, {flags: 1, glyphs: [glyph]}, R(0, 0, 2, 1), {type: 'solid', color: 0x111111}, {type: 'solid', color: 0x222222}, Ropd.OP_PUT, 0);
    expect(Array.from(s.data, (v) => (v & 0xffffff).toString(16))).toEqual(['111111', '222222']);
  });

  it('STROKE draws zero-width lines without their last point (28.4 coordinates)', () => {
    const s = surface(6, 3);
    const path = {segments: [{flags: 1 | 2, points: [{x: 1 << 4, y: 1 << 4}, {x: 5 << 4, y: 1 << 4}]}]};
    canvas.stroke(s, R(0, 0, 6, 3), null, path, {flags: 0}, {type: 'solid', color: 9}, Ropd.OP_PUT, 0);
    expect(px(s)).toEqual([0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0]);
    // fix_to_int rounds .5 down and .5625 up: 0x18 (1.5) -> 1, 0x19 -> 2; -0x18 (-1.5) -> -2.
    expect([0x18, 0x19, -0x18].map(fixToInt)).toEqual([1, 2, -2]);
  });

  it('STROKE Bresenham: a 2:1 slope steps y at the X11 error terms', () => {
    // (0,0) -> (4,2), x major: e1 = 2·ady = 4, e2 = e1 - 2·adx = -4, e = e1 - adx = 0 (no bias in this
    // octant), then e -= e1 -> -4. Each step: e += 4; if e >= 0, y++ and e += e2 - e1 (-8).
    // x=0: e 0 -> y 1; x=1: e -4; x=2: e 0 -> y 2; x=3: e -4. Pixels (0,0) (1,1) (2,1) (3,2), not (4,2).
    const s = surface(5, 3);
    const path = {segments: [{flags: 3, points: [{x: 0, y: 0}, {x: 4 << 4, y: 2 << 4}]}]};
    canvas.stroke(s, R(0, 0, 5, 3), null, path, {flags: 0}, {type: 'solid', color: 1}, Ropd.OP_PUT, 0);
    expect(px(s)).toEqual([1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0]);
  });
});

describe('1-bit and alpha-only surfaces', () => {
  it('1_A surfaces take fills and copies bit by bit, and serve as masks', () => {
    const a1 = surface(40, 2, undefined, SurfaceFmt['1_A']);
    canvas.fill(a1, R(30, 0, 35, 1), null, {type: 'solid', color: 1}, Ropd.OP_PUT, null);
    // bits 30, 31 of word 0 and 0, 1, 2 of word 1
    expect([a1.data[0]! >>> 0, a1.data[1]]).toEqual([0xc0000000, 0b111]);
    // Used as a mask: only pixels whose bit is set are drawn (mask pixel (31,0) on box (0,0), pos 31).
    const s = surface(3, 1);
    canvas.fill(s, R(0, 0, 3, 1), null, {type: 'solid', color: 5}, Ropd.OP_PUT, {pixels: a1, pos: {x: 31, y: 0}, invert: false});
    expect(px(s)).toEqual([5, 5, 5]);
    canvas.fill(s, R(0, 0, 3, 1), null, {type: 'solid', color: 6}, Ropd.OP_PUT, {pixels: a1, pos: {x: 33, y: 0}, invert: false});
    // mask pixels 33, 34 set, 35 not
    expect(px(s)).toEqual([6, 6, 5]);
  });

  it('an A8 image used as a COMPOSITE mask on a 32-bit surface turns opaque, as spice-gtk converts it', () => {
    // canvas_get_image brings the a8 mask to the surface's x8r8g8b8: alpha becomes 0xff, so SRC copies the source.
    const s = surface(1, 1, [0], SurfaceFmt['32_xRGB']);
    const mask: Pixels = {width: 1, height: 1, format: 'a8', data: Uint32Array.of(0x10000000)};
    canvas.composite(s, R(0, 0, 1, 1), null, {flags: 1 | (1 << 19), src: xrgb(1, 1, [0x00abcdef]), mask, srcTransform: null, maskTransform: null, srcOrigin: {x: 0, y: 0}, maskOrigin: {x: 0, y: 0}});
    expect((s.data[0]! & 0xffffff).toString(16)).toBe('abcdef');
  });

  it('TRANSPARENT on 16_555 keys on true_color brought to 555 by truncation', () => {
    // 0x00FF8040 -> (31 << 10) | (16 << 5) | 8 = 0x7E08
    const s = surface(2, 1, [1, 1], SurfaceFmt['16_555']);
    canvas.transparent(s, R(0, 0, 2, 1), null, xrgb(2, 1, [0x00ff8040, 0x00000000]), R(0, 0, 2, 1), 0, 0x00ff8040);
    expect(px(s)).toEqual([1, 0]);
  });
});
