/**
 * SpiceImage BITMAP: raw pixels, bottom-up unless BITMAP_FLAGS_TOP_DOWN, with a palette for the indexed
 * formats. Results follow spice-gtk's canvas: 32BIT is copied as is (xRGB), RGBA keeps its alpha (pixman
 * a8r8g8b8), 24BIT becomes xRGB with a zero top byte, 16BIT (x555) expands each 5-bit channel to 8 bits by
 * bit replication (pixman's conversion of x1r5g5b5), indexed formats look their colours up in the palette
 * (ents are used as 32-bit xRGB values), 8BIT_A keeps only alpha.
 */
import {BitmapFlags, BitmapFmt} from '../wire/enums.js';
import {allocPixels, corrupt, type PixelFormat, type Pixels} from './pixels.js';

export interface BitmapInput {
  format: number;
  flags: number;
  width: number;
  height: number;
  stride: number;
  data: Uint8Array;
  /** Palette entries for 1/4/8-bit formats. */
  palette?: Uint32Array | null;
}

const bitsPerPixel: Record<number, number> = {
  [BitmapFmt['1BIT_LE']]: 1,
  [BitmapFmt['1BIT_BE']]: 1,
  [BitmapFmt['4BIT_LE']]: 4,
  [BitmapFmt['4BIT_BE']]: 4,
  [BitmapFmt['8BIT']]: 8,
  [BitmapFmt['16BIT']]: 16,
  [BitmapFmt['24BIT']]: 24,
  [BitmapFmt['32BIT']]: 32,
  [BitmapFmt.RGBA]: 32,
  [BitmapFmt['8BIT_A']]: 8,
};

/** pixman's 5 → 8 bit expansion: the top bits replicated into the low ones. */
const expand5 = (v: number) => (v << 3) | (v >> 2);

export function decodeBitmap(b: BitmapInput): Pixels {
  const bpp = bitsPerPixel[b.format];
  if (bpp === undefined) throw corrupt('BITMAP', `unknown bitmap format ${b.format}`);
  const format: PixelFormat = b.format === BitmapFmt.RGBA ? 'argb' : b.format === BitmapFmt['8BIT_A'] ? 'a8' : 'xrgb';
  const out = allocPixels(b.width, b.height, format, 'BITMAP');
  const {width, height, stride, data} = b;
  if (stride < Math.ceil((width * bpp) / 8)) throw corrupt('BITMAP', `stride ${stride} is too small for ${width} pixels of ${bpp} bits`);
  if (data.length < stride * height) throw corrupt('BITMAP', `${data.length} bytes of pixels, ${stride * height} needed`);
  const palette = b.palette;
  if (bpp <= 8 && b.format !== BitmapFmt['8BIT_A'] && !palette) throw corrupt('BITMAP', 'indexed bitmap without a palette');
  const pal = (i: number) => (palette && i < palette.length ? palette[i]! >>> 0 : 0);
  const topDown = (b.flags & BitmapFlags.TOP_DOWN) !== 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const px = out.data;
  for (let y = 0; y < height; y++) {
    const src = (topDown ? y : height - 1 - y) * stride;
    const dst = y * width;
    switch (b.format) {
      case BitmapFmt['32BIT']:
      case BitmapFmt.RGBA:
        for (let x = 0; x < width; x++) px[dst + x] = view.getUint32(src + x * 4, true);
        break;
      case BitmapFmt['24BIT']:
        for (let x = 0; x < width; x++) {
          const i = src + x * 3;
          px[dst + x] = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16);
        }
        break;
      case BitmapFmt['16BIT']:
        for (let x = 0; x < width; x++) {
          const v = view.getUint16(src + x * 2, true);
          px[dst + x] = (expand5((v >> 10) & 31) << 16) | (expand5((v >> 5) & 31) << 8) | expand5(v & 31);
        }
        break;
      case BitmapFmt['8BIT']:
        for (let x = 0; x < width; x++) px[dst + x] = pal(data[src + x]!);
        break;
      case BitmapFmt['8BIT_A']:
        for (let x = 0; x < width; x++) px[dst + x] = (data[src + x]! << 24) >>> 0;
        break;
      case BitmapFmt['4BIT_BE']:
      case BitmapFmt['4BIT_LE']: {
        const be = b.format === BitmapFmt['4BIT_BE'];
        for (let x = 0; x < width; x++) {
          const byte = data[src + (x >> 1)]!;
          const first = (x & 1) === 0;
          px[dst + x] = pal(be === first ? byte >> 4 : byte & 15);
        }
        break;
      }
      case BitmapFmt['1BIT_BE']:
      case BitmapFmt['1BIT_LE']: {
        const be = b.format === BitmapFmt['1BIT_BE'];
        for (let x = 0; x < width; x++) {
          const byte = data[src + (x >> 3)]!;
          const bit = be ? (byte >> (7 - (x & 7))) & 1 : (byte >> (x & 7)) & 1;
          px[dst + x] = pal(bit);
        }
        break;
      }
    }
  }
  return out;
}
