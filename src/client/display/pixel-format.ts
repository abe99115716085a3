/**
 * The pixman formats a canvas works in, a view type over any pixel buffer (`Img`), and pixman's
 * conversions between formats: every pixel widens to a8r8g8b8 (bit replication) and narrows back by
 * truncation, exactly as pixman's fetchers and storers do.
 */
import type {Pixels} from '../codecs/pixels.js';

export type PixFmt = 'a8r8g8b8' | 'x8r8g8b8' | 'r5g6b5' | 'x1r5g5b5' | 'a8' | 'a1';

/**
 * A pixman-like image view. `stride` counts elements of `data`: pixels for 32/16/8-bit formats, 32-bit
 * words for a1 (pixel x of a row is bit x & 31 of word x >> 5, least significant bit first, as pixman's a1
 * on a little-endian machine).
 */
export interface Img {
  fmt: PixFmt;
  width: number;
  height: number;
  data: Uint32Array | Uint16Array | Uint8Array;
  stride: number;
}

/** Bits per pixel of a format (what spice_pixman_image_get_bpp reports). */
export function bppOf(fmt: PixFmt): 32 | 16 | 8 | 1 {
  switch (fmt) {
    case 'a8r8g8b8':
    case 'x8r8g8b8':
      return 32;
    case 'r5g6b5':
    case 'x1r5g5b5':
      return 16;
    case 'a8':
      return 8;
    case 'a1':
      return 1;
  }
}

export function allocImg(fmt: PixFmt, width: number, height: number): Img {
  switch (bppOf(fmt)) {
    case 32:
      return {fmt, width, height, data: new Uint32Array(width * height), stride: width};
    case 16:
      return {fmt, width, height, data: new Uint16Array(width * height), stride: width};
    case 8:
      return {fmt, width, height, data: new Uint8Array(width * height), stride: width};
    case 1: {
      const stride = (width + 31) >> 5;
      return {fmt, width, height, data: new Uint32Array(stride * height), stride};
    }
  }
}

const expand5 = (v: number) => (v << 3) | (v >> 2);
const expand6 = (v: number) => (v << 2) | (v >> 4);

/** One native pixel value to a8r8g8b8 (pixman's fetch). */
export function toArgb(fmt: PixFmt, v: number): number {
  switch (fmt) {
    case 'a8r8g8b8':
      return v >>> 0;
    case 'x8r8g8b8':
      return (v | 0xff000000) >>> 0;
    case 'r5g6b5':
      return (0xff000000 | (expand5((v >> 11) & 31) << 16) | (expand6((v >> 5) & 63) << 8) | expand5(v & 31)) >>> 0;
    case 'x1r5g5b5':
      return (0xff000000 | (expand5((v >> 10) & 31) << 16) | (expand5((v >> 5) & 31) << 8) | expand5(v & 31)) >>> 0;
    case 'a8':
      return ((v & 0xff) << 24) >>> 0;
    case 'a1':
      return v & 1 ? 0xff000000 : 0;
  }
}

/**
 * An a8r8g8b8 value to a native pixel (pixman's store). For x8r8g8b8 the top byte is kept as computed,
 * as pixman's SIMD paths write it (pixman leaves that byte unspecified; it never shows in an RGB export).
 */
export function fromArgb(fmt: PixFmt, v: number): number {
  switch (fmt) {
    case 'a8r8g8b8':
    case 'x8r8g8b8':
      return v >>> 0;
    case 'r5g6b5':
      return (((v >>> 19) & 31) << 11) | (((v >>> 10) & 63) << 5) | ((v >>> 3) & 31);
    case 'x1r5g5b5':
      return (((v >>> 19) & 31) << 10) | (((v >>> 11) & 31) << 5) | ((v >>> 3) & 31);
    case 'a8':
      return v >>> 24;
    case 'a1':
      return v >>> 31;
  }
}

/** Raw native value at (x, y) (a1: 0 or 1). No bounds check. */
export function getRaw(img: Img, x: number, y: number): number {
  if (img.fmt === 'a1') return (img.data[y * img.stride + (x >> 5)]! >>> (x & 31)) & 1;
  return img.data[y * img.stride + x]!;
}

export function setRaw(img: Img, x: number, y: number, v: number): void {
  if (img.fmt === 'a1') {
    const i = y * img.stride + (x >> 5);
    const bit = 1 << (x & 31);
    img.data[i] = v & 1 ? img.data[i]! | bit : img.data[i]! & ~bit;
    return;
  }
  img.data[y * img.stride + x] = v;
}

/** Pixel (x, y) as a8r8g8b8. No bounds check. */
export function fetchArgb(img: Img, x: number, y: number): number {
  return toArgb(img.fmt, getRaw(img, x, y));
}

/** A decoded image as a view: xrgb and argb share the pixel data; a8 becomes a byte per pixel. */
export function pixelsImg(p: Pixels): Img {
  if (p.format === 'a8') {
    const out = allocImg('a8', p.width, p.height);
    const src = p.data;
    const dst = out.data;
    for (let i = 0; i < src.length; i++) dst[i] = src[i]! >>> 24;
    return out;
  }
  return {fmt: p.format === 'argb' ? 'a8r8g8b8' : 'x8r8g8b8', width: p.width, height: p.height, data: p.data, stride: p.width};
}

/** Copies an image into another format through a8r8g8b8 (pixman_image_composite SRC to a new image). */
export function convertImg(img: Img, fmt: PixFmt): Img {
  if (img.fmt === fmt) return img;
  const out = allocImg(fmt, img.width, img.height);
  const raw32 = bppOf(img.fmt) === 32 && bppOf(fmt) === 32;
  for (let y = 0; y < img.height; y++) {
    if (raw32) {
      // x8r8g8b8 <-> a8r8g8b8: the colour bits are the same; pixman sets the alpha of an x source to 0xff.
      const si = y * img.stride;
      const di = y * out.stride;
      for (let x = 0; x < img.width; x++) {
        const v = img.data[si + x]!;
        out.data[di + x] = img.fmt === 'x8r8g8b8' ? (v | 0xff000000) >>> 0 : v;
      }
      continue;
    }
    // pixman's generic store writes 0 into the x byte of x8r8g8b8.
    const keep = fmt === 'x8r8g8b8' ? 0xffffff : -1;
    for (let x = 0; x < img.width; x++) setRaw(out, x, y, fromArgb(fmt, fetchArgb(img, x, y) & keep));
  }
  return out;
}

/** A copy of an image's rectangle (clamped to the image), in the same format. */
export function cropImg(img: Img, x: number, y: number, w: number, h: number): Img {
  const out = allocImg(img.fmt, w, h);
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(img.width, x + w);
  const y1 = Math.min(img.height, y + h);
  if (x0 >= x1 || y0 >= y1) return out;
  if (img.fmt === 'a1') {
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) setRaw(out, xx - x, yy - y, getRaw(img, xx, yy));
    return out;
  }
  for (let yy = y0; yy < y1; yy++) {
    const si = yy * img.stride;
    out.data.set(img.data.subarray(si + x0, si + x1), (yy - y) * out.stride + (x0 - x));
  }
  return out;
}
