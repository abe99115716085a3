/** Random scenario pieces for the reference comparison (scenario.ts). */
import {BitmapFlags, BitmapFmt, SurfaceFmt} from '../../../src/client/wire/enums.js';
import type {Rect} from '../../../src/client/display/types.js';
import type {BitmapDef, BrushDef, Cmd, MaskDef} from './scenario.js';
import {Rng} from './scenario.js';

export const W = 37;
export const H = 29;

export function pixelValue(rng: Rng, fmt: number): number {
  switch (fmt) {
    case SurfaceFmt['8_A']:
      return rng.u32() & 0xff;
    case SurfaceFmt['16_555']:
      return rng.u32() & 0x7fff;
    case SurfaceFmt['16_565']:
      return rng.u32() & 0xffff;
    case SurfaceFmt['1_A']:
      return rng.u32() & 1;
    default:
      return rng.u32();
  }
}

export function surfaceCmd(rng: Rng, id: number, fmt: number, w = W, h = H): Cmd {
  const values: number[] = [];
  // Runs of equal pixels now and then, so that colour keys and blends meet flat areas too.
  let v = pixelValue(rng, fmt);
  for (let i = 0; i < w * h; i++) {
    if (!rng.chance(0.3)) v = pixelValue(rng, fmt);
    values.push(v);
  }
  return {c: 'surface', id, w, h, fmt, values};
}

/** A bitmap of 32BIT, RGBA (premultiplied, as a server sends) or 8BIT_A pixels. */
export function bitmap(rng: Rng, format: number, w: number, h: number): BitmapDef {
  const bpp = format === BitmapFmt['8BIT_A'] ? 1 : 4;
  const stride = w * bpp + rng.int(0, 1) * 4;
  const bytes: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (bpp === 1) bytes.push(rng.chance(0.2) ? rng.pick([0, 255]) : rng.int(0, 255));
      else {
        const a = format === BitmapFmt.RGBA ? (rng.chance(0.3) ? rng.pick([0, 255]) : rng.int(0, 255)) : rng.int(0, 255);
        const c = () => (format === BitmapFmt.RGBA ? rng.int(0, a) : rng.int(0, 255));
        bytes.push(c(), c(), c(), a);
      }
    }
    for (let i = w * bpp; i < stride; i++) bytes.push(rng.int(0, 255));
  }
  return {kind: 'bitmap', format, flags: rng.chance(0.5) ? BitmapFlags.TOP_DOWN : 0, width: w, height: h, stride, bytes};
}

export function maskBitmap(rng: Rng, w: number, h: number): BitmapDef {
  const stride = ((w + 7) >> 3) + rng.int(0, 3);
  const bytes: number[] = [];
  for (let i = 0; i < stride * h; i++) bytes.push(rng.chance(0.3) ? rng.pick([0, 255]) : rng.int(0, 255));
  return {kind: 'bitmap', format: rng.pick([BitmapFmt['1BIT_LE'], BitmapFmt['1BIT_BE']]), flags: rng.chance(0.5) ? BitmapFlags.TOP_DOWN : 0, width: w, height: h, stride, bytes};
}

export function rect(rng: Rng, w: number, h: number, inside = false): Rect {
  const m = inside ? 0 : 4;
  const left = rng.int(-m, w - 1);
  const top = rng.int(-m, h - 1);
  const right = rng.int(left + 1, inside ? w : w + m);
  const bottom = rng.int(top + 1, inside ? h : h + m);
  return {left, top, right, bottom};
}

export function clip(rng: Rng, w = W, h = H): Rect[] | null {
  if (rng.chance(0.4)) return null;
  const n = rng.int(0, 4);
  return Array.from({length: n}, () => rect(rng, w, h));
}

export function color(rng: Rng, fmt: number): number {
  return pixelValue(rng, fmt);
}

/** Appends image definitions as needed; returns the brush. */
export function brush(rng: Rng, cmds: Cmd[], slot: number, fmt: number, allowNone = true): BrushDef {
  const t = rng.int(allowNone ? 0 : 1, 2);
  if (t === 0) return {type: 0};
  if (t === 1) return {type: 1, color: color(rng, fmt)};
  cmds.push({c: 'image', slot, def: bitmap(rng, rng.pick([BitmapFmt['32BIT'], BitmapFmt.RGBA]), rng.int(1, 9), rng.int(1, 9))});
  return {type: 2, img: slot, x: rng.int(-20, 20), y: rng.int(-20, 20)};
}

export function mask(rng: Rng, cmds: Cmd[], slot: number): MaskDef {
  if (rng.chance(0.5)) return {flags: 0, x: 0, y: 0, img: -1};
  cmds.push({c: 'image', slot, def: maskBitmap(rng, rng.int(1, 45), rng.int(1, 35))});
  return {flags: rng.int(0, 1), x: rng.int(-5, 5), y: rng.int(-5, 5), img: slot};
}

export const ROPDS = [8, 16, 32, 64, 128, 256, 512, 8 | 1, 8 | 1024, 16 | 1 | 4, 32 | 2 | 1024, 64 | 4, 64 | 1 | 1024, 0, 16 | 2 | 4 | 1024, 32 | 4];

export function ropd(rng: Rng): number {
  return rng.chance(0.5) ? rng.pick(ROPDS) : rng.int(0, 2047);
}

export const FORMATS = [SurfaceFmt['32_xRGB'], SurfaceFmt['32_ARGB'], SurfaceFmt['16_555'], SurfaceFmt['16_565'], SurfaceFmt['8_A']];
