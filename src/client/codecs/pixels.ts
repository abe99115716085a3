/**
 * The one pixel representation every decoder returns and the canvas consumes: 32 bits per pixel,
 * 0xAARRGGBB in a little-endian Uint32 (bytes B, G, R, A in memory, as pixman's x8r8g8b8/a8r8g8b8 and the
 * server's 32-bit surfaces), rows top-down, no padding (stride = width).
 */
import {SpiceError} from '../errors.js';

export type PixelFormat =
  /** Alpha byte meaningless (xRGB): RGB24, RGB32, RGB16 after expansion, JPEG, palettes. */
  | 'xrgb'
  /** Alpha byte meaningful, premultiplied as pixman's a8r8g8b8 (RGBA bitmaps, QUIC/LZ RGBA). */
  | 'argb'
  /** Only the alpha byte is meaningful (A8 and 1-bit masks, LZ XXXA). */
  | 'a8';

export interface Pixels {
  width: number;
  height: number;
  format: PixelFormat;
  data: Uint32Array;
}

/** Largest image a server may ask us to decode: 16384 px a side, 64 Mpx (256 MB) in all. */
export const MAX_IMAGE_SIDE = 16384;
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;

/** Checks server-declared dimensions before anything is allocated; a bad size is a protocol error. */
export function checkDimensions(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new SpiceError('protocol', `${what}: invalid image size ${width}x${height}`);
  }
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    throw new SpiceError('protocol', `${what}: image size ${width}x${height} is over the limit (${MAX_IMAGE_SIDE} a side, ${MAX_IMAGE_PIXELS} pixels)`);
  }
}

export function allocPixels(width: number, height: number, format: PixelFormat, what: string): Pixels {
  checkDimensions(width, height, what);
  return {width, height, format, data: new Uint32Array(width * height)};
}

/** A decoder's error on bad input: always a protocol error naming the codec, never a RangeError. */
export function corrupt(codec: string, why: string): SpiceError {
  return new SpiceError('protocol', `${codec}: corrupt image data: ${why}`);
}
