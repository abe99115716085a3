/**
 * A drawing surface in the server's native layout, as spice-gtk's canvas keeps it:
 *  - SURFACE_FMT_32_xRGB (32) and 32_ARGB (96): Uint32Array of 0xAARRGGBB (pixman x8r8g8b8 / a8r8g8b8);
 *  - 16_555 (16) and 16_565 (80): Uint16Array of the native 16-bit values (x1r5g5b5 / r5g6b5);
 *  - 8_A (8): Uint8Array of alpha values;
 *  - 1_A (1): Uint32Array of 32-pixel words, pixel x in bit x & 31 (pixman a1, LSB first).
 * Rows are top-down; `stride` counts elements of `data` (width, or (width + 31) >> 5 words for 1_A).
 * New surfaces are all zero, as spice-gtk's.
 */
import {checkDimensions} from '../codecs/pixels.js';
import {SpiceError} from '../errors.js';
import {SurfaceFmt} from '../wire/enums.js';
import {allocImg, fetchArgb, type Img, type PixFmt} from './pixel-format.js';
import type {PictureState} from './sample.js';
import type {Rect} from './types.js';

export type SurfaceFormat = 1 | 8 | 16 | 32 | 80 | 96;

const pixFmtOf: Record<SurfaceFormat, PixFmt> = {
  [SurfaceFmt['1_A']]: 'a1',
  [SurfaceFmt['8_A']]: 'a8',
  [SurfaceFmt['16_555']]: 'x1r5g5b5',
  [SurfaceFmt['32_xRGB']]: 'x8r8g8b8',
  [SurfaceFmt['16_565']]: 'r5g6b5',
  [SurfaceFmt['32_ARGB']]: 'a8r8g8b8',
};

export function isSurfaceFormat(f: number): f is SurfaceFormat {
  return f in pixFmtOf;
}

export class Surface implements Img {
  readonly fmt: PixFmt;
  readonly data: Uint32Array | Uint16Array | Uint8Array;
  readonly stride: number;
  /**
   * The transform, filter and repeat that spice-gtk last set on this surface's pixman image. They outlive
   * the draw that set them (spice-gtk never resets some of them), and later draws that read the surface
   * without setting them see them, as in spice-gtk.
   */
  readonly picture: PictureState = {transform: null, filter: 3, repeat: 0};

  constructor(
    readonly id: number,
    readonly width: number,
    readonly height: number,
    readonly format: SurfaceFormat,
  ) {
    this.fmt = pixFmtOf[format];
    const img = allocImg(this.fmt, width, height);
    this.data = img.data;
    this.stride = img.stride;
  }
}

/** SURFACE_CREATE: checks the size (a protocol error when absurd) and the format. */
export function createSurface(id: number, width: number, height: number, format: number): Surface {
  checkDimensions(width, height, `surface ${id}`);
  if (!isSurfaceFormat(format)) throw new SpiceError('protocol', `surface ${id}: unknown surface format ${format}`);
  return new Surface(id, width, height, format);
}

export function isSurface(x: unknown): x is Surface {
  return x instanceof Surface;
}

/** `region` (default: all of it) cut to the surface, with its size (0 when they do not meet). */
export function clampRegion(surface: Surface, region?: Rect): Rect & {width: number; height: number} {
  const left = Math.max(0, region?.left ?? 0);
  const top = Math.max(0, region?.top ?? 0);
  const right = Math.min(surface.width, region?.right ?? surface.width);
  const bottom = Math.min(surface.height, region?.bottom ?? surface.height);
  return {left, top, right, bottom, width: Math.max(0, right - left), height: Math.max(0, bottom - top)};
}

/**
 * RGBA bytes (R, G, B, A per pixel, rows top-down) of the whole surface or of `region` (clamped to it).
 * 32_xRGB and the 16-bit formats export alpha 255; 32_ARGB exports its (premultiplied) alpha as stored;
 * A8 and A1 export black with the alpha as colour-less coverage (R = G = B = alpha, A = 255) so that they
 * can be looked at.
 */
export function surfaceToRgba(surface: Surface, region?: Rect): {width: number; height: number; data: Uint8Array} {
  const {left, top, right, bottom, width, height} = clampRegion(surface, region);
  const out = new Uint8Array(width * height * 4);
  const keepAlpha = surface.fmt === 'a8r8g8b8';
  const coverage = surface.fmt === 'a8' || surface.fmt === 'a1';
  let o = 0;
  for (let y = top; y < bottom; y++) {
    if (surface.fmt === 'x8r8g8b8' || surface.fmt === 'a8r8g8b8') {
      const row = y * surface.stride;
      const d = surface.data;
      for (let x = left; x < right; x++) {
        const v = d[row + x]!;
        out[o++] = (v >>> 16) & 0xff;
        out[o++] = (v >>> 8) & 0xff;
        out[o++] = v & 0xff;
        out[o++] = keepAlpha ? v >>> 24 : 255;
      }
      continue;
    }
    for (let x = left; x < right; x++) {
      const v = fetchArgb(surface, x, y);
      if (coverage) {
        const a = v >>> 24;
        out[o++] = a;
        out[o++] = a;
        out[o++] = a;
        out[o++] = 255;
      } else {
        out[o++] = (v >>> 16) & 0xff;
        out[o++] = (v >>> 8) & 0xff;
        out[o++] = v & 0xff;
        out[o++] = 255;
      }
    }
  }
  return {width, height, data: out};
}
