/**
 * Cursor shapes (protocol map §7) decoded to straight-alpha RGBA, rows top-down, as spice-gtk shows them:
 *
 * - ALPHA: B,G,R,A bytes per pixel.
 * - MONO: an AND mask then an XOR mask, 1 bpp each, MSB first, stride ceil(w/8). and=0 → black (xor 0) or
 *   white (xor 1); and=1 xor=0 → transparent; and=1 xor=1 ("invert the screen") → opaque white, and when the
 *   AND mask is all ones, transparent pixels next to a set XOR pixel become opaque black (an edge around the
 *   inverted part, spice-gtk's approximation since it cannot invert).
 * - COLOR4/8/16/24/32: the pixels (4 bpp with a 16-entry u32 palette after them, 8 bpp with a 256-entry palette,
 *   x555, B,G,R, B,G,R,x), then a 1-bpp AND mask. AND=0 → opaque; AND=1 → transparent, except AND=1 over a
 *   white pixel (invert), which becomes spice-gtk's grey checker (0x303030 at alpha 0xc0 / 0x505050 at 0x30).
 *
 * Rows of the packed formats (4 bpp pixels, masks) are padded to whole bytes. spice-gtk indexes the colour
 * types' masks and 4-bpp pixels linearly (no row padding); the two agree for widths that are multiples of 8.
 */
import {SpiceError} from '../errors.js';
import {CursorType, nameOf} from '../wire/enums.js';

export interface CursorShape {
  /** The server's id of this shape (CursorHeader.unique). */
  unique: bigint;
  /** CursorType. */
  type: number;
  typeName: string;
  width: number;
  height: number;
  /** Hot spot inside the shape (clamped to width/height, as spice-gtk). */
  hotX: number;
  hotY: number;
  /** width × height × 4 bytes: R, G, B, A (straight alpha). */
  rgba: Uint8Array;
}

export interface CursorHeaderValue {
  unique: bigint;
  type: number;
  width: number;
  height: number;
  hot_spot_x: number;
  hot_spot_y: number;
}

/** Largest cursor side accepted (spice-server caps cursors far below this). */
export const MAX_CURSOR_SIDE = 1024;

function fail(what: string): never {
  throw new SpiceError('protocol', `cursor: ${what}`);
}

/** Bytes of pixel data before the AND mask, and the extra palette, for each type. */
function layoutOf(type: number, w: number, h: number): {pixels: number; palette: number} {
  switch (type) {
    case CursorType.ALPHA:
      return {pixels: w * h * 4, palette: 0};
    case CursorType.MONO:
      return {pixels: 0, palette: 0};
    case CursorType.COLOR4:
      return {pixels: Math.ceil(w / 2) * h, palette: 16};
    case CursorType.COLOR8:
      return {pixels: w * h, palette: 256};
    case CursorType.COLOR16:
      return {pixels: w * h * 2, palette: 0};
    case CursorType.COLOR24:
      return {pixels: w * h * 3, palette: 0};
    case CursorType.COLOR32:
      return {pixels: w * h * 4, palette: 0};
    default:
      return fail(`unknown cursor type ${type}`);
  }
}

/** The bytes a shape of this type and size needs after the header. */
export function cursorDataSize(type: number, w: number, h: number): number {
  const maskBytes = Math.ceil(w / 8) * h;
  if (type === CursorType.ALPHA) return w * h * 4;
  if (type === CursorType.MONO) return 2 * maskBytes;
  const {pixels, palette} = layoutOf(type, w, h);
  return pixels + palette * 4 + maskBytes;
}

function bit(mask: Uint8Array, offset: number, stride: number, x: number, y: number): boolean {
  return (mask[offset + y * stride + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
}

function put(out: Uint8Array, i: number, r: number, g: number, b: number, a: number): void {
  out[i * 4] = r;
  out[i * 4 + 1] = g;
  out[i * 4 + 2] = b;
  out[i * 4 + 3] = a;
}

/** Decodes one shape; throws a protocol SpiceError on an unknown type or short data. */
export function decodeCursor(header: CursorHeaderValue, data: Uint8Array): CursorShape {
  const {type, width: w, height: h} = header;
  const typeName = nameOf(CursorType, type);
  if (w > MAX_CURSOR_SIDE || h > MAX_CURSOR_SIDE) fail(`${typeName} shape ${w}x${h} is larger than ${MAX_CURSOR_SIDE}x${MAX_CURSOR_SIDE}`);
  const need = cursorDataSize(type, w, h);
  if (data.length < need) fail(`${typeName} ${w}x${h} shape needs ${need} bytes, the message has ${data.length}`);
  const rgba = new Uint8Array(w * h * 4);
  const stride = Math.ceil(w / 8);
  if (type === CursorType.ALPHA) {
    for (let i = 0; i < w * h; i++) put(rgba, i, data[i * 4 + 2]!, data[i * 4 + 1]!, data[i * 4]!, data[i * 4 + 3]!);
  } else if (type === CursorType.MONO) {
    decodeMono(w, h, data, stride, rgba);
  } else {
    const {pixels, palette} = layoutOf(type, w, h);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const maskAt = pixels + palette * 4;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        // The pixel as 0xRRGGBB (the top byte of COLOR32's x byte kept, as spice-gtk compares all 32 bits).
        let pix: number;
        let white: boolean;
        switch (type) {
          case CursorType.COLOR4: {
            const byte = data[y * Math.ceil(w / 2) + (x >> 1)]!;
            pix = dv.getUint32(pixels + ((x & 1 ? byte & 0x0f : byte >> 4) * 4), true);
            white = pix === 0xffffff;
            break;
          }
          case CursorType.COLOR8:
            pix = dv.getUint32(pixels + data[i]! * 4, true);
            white = pix === 0xffffff;
            break;
          case CursorType.COLOR16: {
            const p = dv.getUint16(i * 2, true);
            pix = ((p & 0x7c00) << 9) | ((p & 0x3e0) << 6) | ((p & 0x1f) << 3);
            white = p === 0x7fff;
            break;
          }
          case CursorType.COLOR24:
            pix = (data[i * 3 + 2]! << 16) | (data[i * 3 + 1]! << 8) | data[i * 3]!;
            white = pix === 0xffffff;
            break;
          default: // COLOR32
            pix = dv.getUint32(i * 4, true);
            white = pix === 0xffffff;
        }
        const and = bit(data, maskAt, stride, x, y);
        if (and && white) {
          // spice-gtk's stand-in for "invert": a faint checker.
          if ((x ^ y) & 1) put(rgba, i, 0x30, 0x30, 0x30, 0xc0);
          else put(rgba, i, 0x50, 0x50, 0x50, 0x30);
        } else {
          put(rgba, i, (pix >>> 16) & 0xff, (pix >>> 8) & 0xff, pix & 0xff, and ? 0 : 0xff);
        }
      }
    }
  }
  return {
    unique: header.unique,
    type,
    typeName,
    width: w,
    height: h,
    hotX: Math.min(header.hot_spot_x, w),
    hotY: Math.min(header.hot_spot_y, h),
    rgba,
  };
}

function decodeMono(w: number, h: number, data: Uint8Array, stride: number, out: Uint8Array): void {
  const andAt = 0;
  const xorAt = stride * h;
  let andOnes = true;
  for (let i = 0; i < stride * h; i++) if (data[i] !== 0xff) andOnes = false;
  const xor = (x: number, y: number) => bit(data, xorAt, stride, x, y);
  const isEdge = (x: number, y: number): boolean => {
    if (x === 0 || x === w - 1 || y === 0 || y === h - 1) return false;
    if (xor(x, y)) return false;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if ((dx || dy) && xor(x + dx, y + dy)) return true;
    return false;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (andOnes && isEdge(x, y)) {
        put(out, i, 0, 0, 0, 0xff);
        continue;
      }
      const a = bit(data, andAt, stride, x, y);
      const v = xor(x, y);
      if (v) put(out, i, 0xff, 0xff, 0xff, 0xff);
      else if (a) put(out, i, 0, 0, 0, 0);
      else put(out, i, 0, 0, 0, 0xff);
    }
  }
}
