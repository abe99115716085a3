/**
 * QMask bitmaps: 1BIT_LE / 1BIT_BE images without a palette (canvas_get_bitmap_mask). They decode to
 * 'a8' Pixels, 0xff000000 where the bit is set, 0 elsewhere; rows bottom-up unless TOP_DOWN.
 */
import {allocPixels, corrupt, type Pixels} from '../codecs/pixels.js';
import {BitmapFlags, BitmapFmt} from '../wire/enums.js';

export interface MaskBitmap {
  format: number;
  flags: number;
  width: number;
  height: number;
  stride: number;
  data: Uint8Array;
}

/** Decodes a 1-bit mask bitmap. 1BIT_LE takes pixel x from bit x & 7 of byte x >> 3 (LSB first), 1BIT_BE from bit 7 - (x & 7). */
export function decodeMaskBitmap(b: MaskBitmap): Pixels {
  if (b.format !== BitmapFmt['1BIT_LE'] && b.format !== BitmapFmt['1BIT_BE']) throw corrupt('mask', `bitmap format ${b.format} is not a 1-bit mask`);
  const out = allocPixels(b.width, b.height, 'a8', 'mask');
  if (b.stride < (b.width + 7) >> 3) throw corrupt('mask', `stride ${b.stride} is too small for ${b.width} pixels`);
  if (b.data.length < b.stride * b.height) throw corrupt('mask', `${b.data.length} bytes of bits, ${b.stride * b.height} needed`);
  const be = b.format === BitmapFmt['1BIT_BE'];
  const topDown = (b.flags & BitmapFlags.TOP_DOWN) !== 0;
  for (let y = 0; y < b.height; y++) {
    const row = (topDown ? y : b.height - 1 - y) * b.stride;
    for (let x = 0; x < b.width; x++) {
      const byte = b.data[row + (x >> 3)]!;
      const bit = be ? (byte >> (7 - (x & 7))) & 1 : (byte >> (x & 7)) & 1;
      out.data[y * b.width + x] = bit ? 0xff000000 : 0;
    }
  }
  return out;
}
