/**
 * SPICE LZ (SpiceImage LZ_RGB and LZ_PLT, and the alpha plane of JPEG_ALPHA): a pixel-oriented
 * FastLZ/LZ77 variant. Written from the format facts of spice-common's lz.c / lz_decompress_tmpl.c and
 * canvas_base.c (no code taken from them).
 *
 * Stream: a header of seven big-endian u32 (magic "  LZ", version 1.1, type, width, height, stride,
 * top_down), then the compressed pixels. Each control byte is either a literal run (ctrl < 32: ctrl+1
 * pixels follow) or a back-reference: length in the top 3 bits (7 = more length bytes follow, each 255
 * continues), a 13-bit distance from the low 5 bits and the next byte, and a 16-bit far distance
 * (+8191) when those 13 bits are all ones. Lengths are biased by the pixel kind: +0 for 24/32-bit
 * pixels, +1 for 16-bit, +2 for one-byte units (palette bytes, A8, alpha). Palette types work on bytes
 * (1, 2 or 8 pixels each) and are expanded through the palette afterwards. RGBA is an RGB pass followed
 * by an alpha pass over the same pixels; XXXA is the alpha pass alone.
 *
 * The decoded stream is in memory order: for bottom-up images (top_down = 0) its first row is the
 * bottom row; the Pixels we return are top-down. Results match spice-gtk's canvas: RGB types give
 * xRGB with a zero top byte, RGBA keeps its alpha (format 'argb'), RGB16 is widened by bit
 * replication, palette entries are used as xRGB (their top byte cleared), A8 and XXXA give 'a8'.
 * As in lz.c, the stream must be used up exactly: trailing bytes are an error.
 */
import {
  copyMatch32,
  copyMatch8,
  flipRows,
  isPaletteType,
  checkLzFamilyStart,
  LzType,
  MAX_UNITS_PER_BYTE,
  PLT_PIXELS_PER_BYTE,
  readU32BE,
  RGB_BYTES_PER_PIXEL,
  rgb555Table,
} from './lz-common.js';
import {checkDimensions, corrupt, type PixelFormat, type Pixels} from './pixels.js';

export {LzType} from './lz-common.js';

const LZ = 'LZ';
const HEADER_SIZE = 28;
/** Far distances start after the 13-bit ones (lz.c's MAX_DISTANCE). */
const MAX_DISTANCE = 8191;

export interface LzHeader {
  type: number;
  width: number;
  height: number;
  stride: number;
  topDown: boolean;
}

/** Parses and checks an LZ header (sizes, type, stride); throws a protocol error when it is bad. */
export function readLzHeader(data: Uint8Array): LzHeader {
  checkLzFamilyStart(data, HEADER_SIZE, LZ);
  const type = readU32BE(data, 8, LZ);
  if (type < LzType.PLT1_LE || type > LzType.A8) throw corrupt(LZ, `unknown image type ${type}`);
  const width = readU32BE(data, 12, LZ);
  const height = readU32BE(data, 16, LZ);
  const stride = readU32BE(data, 20, LZ);
  const topDown = readU32BE(data, 24, LZ) !== 0;
  checkDimensions(width, height, LZ);
  if (isPaletteType(type)) {
    // lz.c accepts at most one partial byte per row; the canvas needs a whole row: together, exactly ceil.
    const ppb = PLT_PIXELS_PER_BYTE[type]!;
    if (stride !== Math.ceil(width / ppb)) throw corrupt(LZ, `stride ${stride} does not fit ${width} pixels of type ${type}`);
  } else if (stride !== width * RGB_BYTES_PER_PIXEL[type]!) {
    throw corrupt(LZ, `stride ${stride} is not width ${width} × ${RGB_BYTES_PER_PIXEL[type]!} bytes (type ${type})`);
  }
  return {type, width, height, stride, topDown};
}

const cutShort = () => corrupt(LZ, 'data ends in the middle of the image');
const badRef = (op: number, ofs: number) => corrupt(LZ, `reference ${ofs} pixels back from pixel ${op}, before the image start`);
const overrun = (op: number, n: number, limit: number) => corrupt(LZ, `${n} pixels at pixel ${op} run past the end of the image (${limit} pixels)`);

/**
 * One pass over one-byte units (palette bytes, A8, alpha), filling out[0 .. out.length). Returns the
 * input position after the pass.
 */
function bytePass(src: Uint8Array, ip: number, out: Uint8Array): number {
  const end = src.length;
  const limit = out.length;
  let op = 0;
  while (op < limit) {
    if (ip >= end) throw cutShort();
    const ctrl = src[ip++]!;
    if (ctrl >= 32) {
      let len = ctrl >>> 5;
      let ofs = (ctrl & 31) << 8;
      if (len === 7) {
        let code;
        do {
          if (ip >= end) throw cutShort();
          code = src[ip++]!;
          len += code;
        } while (code === 255);
      }
      if (ip >= end) throw cutShort();
      const code = src[ip++]!;
      ofs += code;
      if (code === 255 && ofs === (31 << 8) + 255) {
        if (ip + 2 > end) throw cutShort();
        ofs = ((src[ip]! << 8) | src[ip + 1]!) + MAX_DISTANCE;
        ip += 2;
      }
      ofs += 1;
      len += 2;
      const ref = op - ofs;
      if (ref < 0) throw badRef(op, ofs);
      if (op + len > limit) throw overrun(op, len, limit);
      copyMatch8(out, op, ref, len);
      op += len;
    } else {
      const n = ctrl + 1;
      if (op + n > limit) throw overrun(op, n, limit);
      if (ip + n > end) throw cutShort();
      if (n < 16) {
        for (const stop = ip + n; ip < stop; ) out[op++] = src[ip++]!;
      } else {
        out.set(src.subarray(ip, ip + n), op);
        ip += n;
        op += n;
      }
    }
  }
  return ip;
}

/**
 * The alpha pass (RGBA's second pass, XXXA): one-byte units like bytePass, written into the top byte of
 * each 32-bit pixel (out8 views the pixels; pixel i's alpha is byte 4i + 3, little-endian).
 */
function alphaPass(src: Uint8Array, ip: number, out8: Uint8Array): number {
  const end = src.length;
  const limit = out8.length >> 2;
  let op = 0;
  while (op < limit) {
    if (ip >= end) throw cutShort();
    const ctrl = src[ip++]!;
    if (ctrl >= 32) {
      let len = ctrl >>> 5;
      let ofs = (ctrl & 31) << 8;
      if (len === 7) {
        let code;
        do {
          if (ip >= end) throw cutShort();
          code = src[ip++]!;
          len += code;
        } while (code === 255);
      }
      if (ip >= end) throw cutShort();
      const code = src[ip++]!;
      ofs += code;
      if (code === 255 && ofs === (31 << 8) + 255) {
        if (ip + 2 > end) throw cutShort();
        ofs = ((src[ip]! << 8) | src[ip + 1]!) + MAX_DISTANCE;
        ip += 2;
      }
      ofs += 1;
      len += 2;
      const ref = op - ofs;
      if (ref < 0) throw badRef(op, ofs);
      if (op + len > limit) throw overrun(op, len, limit);
      let d = (op << 2) | 3;
      const stop = d + (len << 2);
      if (ofs === 1) {
        const a = out8[d - 4]!;
        for (; d < stop; d += 4) out8[d] = a;
      } else {
        for (let s = (ref << 2) | 3; d < stop; d += 4, s += 4) out8[d] = out8[s]!;
      }
      op += len;
    } else {
      const n = ctrl + 1;
      if (op + n > limit) throw overrun(op, n, limit);
      if (ip + n > end) throw cutShort();
      let d = (op << 2) | 3;
      for (const stop = ip + n; ip < stop; d += 4) out8[d] = src[ip++]!;
      op += n;
    }
  }
  return ip;
}

/**
 * alphaPass for pixels whose top byte is still 0 (after RGBA's RGB pass, or in a fresh buffer): alpha
 * is ORed in with 32-bit operations, and runs of alpha 0 cost nothing.
 */
function alphaPassOr(src: Uint8Array, ip: number, out: Uint32Array): number {
  const end = src.length;
  const limit = out.length;
  let op = 0;
  while (op < limit) {
    if (ip >= end) throw cutShort();
    const ctrl = src[ip++]!;
    if (ctrl >= 32) {
      let len = ctrl >>> 5;
      let ofs = (ctrl & 31) << 8;
      if (len === 7) {
        let code;
        do {
          if (ip >= end) throw cutShort();
          code = src[ip++]!;
          len += code;
        } while (code === 255);
      }
      if (ip >= end) throw cutShort();
      const code = src[ip++]!;
      ofs += code;
      if (code === 255 && ofs === (31 << 8) + 255) {
        if (ip + 2 > end) throw cutShort();
        ofs = ((src[ip]! << 8) | src[ip + 1]!) + MAX_DISTANCE;
        ip += 2;
      }
      ofs += 1;
      len += 2;
      let ref = op - ofs;
      if (ref < 0) throw badRef(op, ofs);
      if (op + len > limit) throw overrun(op, len, limit);
      const stop = op + len;
      if (ofs === 1) {
        const a = out[ref]! & 0xff000000;
        if (a !== 0) for (; op < stop; op++) out[op] = out[op]! | a;
        op = stop;
      } else {
        for (; op < stop; op++, ref++) out[op] = out[op]! | (out[ref]! & 0xff000000);
      }
    } else {
      const n = ctrl + 1;
      if (op + n > limit) throw overrun(op, n, limit);
      if (ip + n > end) throw cutShort();
      for (const stop = ip + n; ip < stop; op++) out[op] = out[op]! | (src[ip++]! << 24);
    }
  }
  return ip;
}

/** The RGB pass of RGB24, RGB32 and RGBA: 3-byte literals (B, G, R), xRGB with a zero top byte. */
function rgb32Pass(src: Uint8Array, ip: number, out: Uint32Array): number {
  const end = src.length;
  const limit = out.length;
  let op = 0;
  while (op < limit) {
    if (ip >= end) throw cutShort();
    const ctrl = src[ip++]!;
    if (ctrl >= 32) {
      let len = ctrl >>> 5;
      let ofs = (ctrl & 31) << 8;
      if (len === 7) {
        let code;
        do {
          if (ip >= end) throw cutShort();
          code = src[ip++]!;
          len += code;
        } while (code === 255);
      }
      if (ip >= end) throw cutShort();
      const code = src[ip++]!;
      ofs += code;
      if (code === 255 && ofs === (31 << 8) + 255) {
        if (ip + 2 > end) throw cutShort();
        ofs = ((src[ip]! << 8) | src[ip + 1]!) + MAX_DISTANCE;
        ip += 2;
      }
      ofs += 1;
      const ref = op - ofs;
      if (ref < 0) throw badRef(op, ofs);
      if (op + len > limit) throw overrun(op, len, limit);
      copyMatch32(out, op, ref, len);
      op += len;
    } else {
      const n = ctrl + 1;
      if (op + n > limit) throw overrun(op, n, limit);
      if (ip + 3 * n > end) throw cutShort();
      for (const stop = op + n; op < stop; ip += 3) out[op++] = src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16);
    }
  }
  return ip;
}

/** RGB16 (x555, two bytes high first per literal) widened to xRGB; lengths biased by one. */
function rgb16Pass(src: Uint8Array, ip: number, out: Uint32Array): number {
  const table = rgb555Table();
  const end = src.length;
  const limit = out.length;
  let op = 0;
  while (op < limit) {
    if (ip >= end) throw cutShort();
    const ctrl = src[ip++]!;
    if (ctrl >= 32) {
      let len = ctrl >>> 5;
      let ofs = (ctrl & 31) << 8;
      if (len === 7) {
        let code;
        do {
          if (ip >= end) throw cutShort();
          code = src[ip++]!;
          len += code;
        } while (code === 255);
      }
      if (ip >= end) throw cutShort();
      const code = src[ip++]!;
      ofs += code;
      if (code === 255 && ofs === (31 << 8) + 255) {
        if (ip + 2 > end) throw cutShort();
        ofs = ((src[ip]! << 8) | src[ip + 1]!) + MAX_DISTANCE;
        ip += 2;
      }
      ofs += 1;
      len += 1;
      const ref = op - ofs;
      if (ref < 0) throw badRef(op, ofs);
      if (op + len > limit) throw overrun(op, len, limit);
      copyMatch32(out, op, ref, len);
      op += len;
    } else {
      const n = ctrl + 1;
      if (op + n > limit) throw overrun(op, n, limit);
      if (ip + 2 * n > end) throw cutShort();
      for (const stop = op + n; op < stop; ip += 2) out[op++] = table[((src[ip]! << 8) | src[ip + 1]!) & 0x7fff]!;
    }
  }
  return ip;
}

const checkEnd = (ip: number, data: Uint8Array) => {
  if (ip !== data.length) throw corrupt(LZ, `${data.length - ip} bytes left over after the image`);
};

/** Sets the top byte of each pixel from a stream-order alpha plane, flipping rows when bottom-up. */
function mergeAlpha(dst: Uint32Array, alpha: Uint8Array, width: number, height: number, topDown: boolean): void {
  for (let y = 0; y < height; y++) {
    const d = (topDown ? y : height - 1 - y) * width;
    const s = y * width;
    for (let x = 0; x < width; x++) dst[d + x] = (dst[d + x]! & 0xffffff) | (alpha[s + x]! << 24);
  }
}

/** Expands palette bytes (stride bytes per row, in stream order) to top-down xRGB pixels. */
function expandPalette(bytes: Uint8Array, h: LzHeader, palette: Uint32Array, out: Uint32Array): void {
  const {type, width, height, stride, topDown} = h;
  const n = palette.length;
  // Entries as xRGB (top byte cleared); indexes past the palette read as black (lz.c reads past the array).
  const ents = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let e: number;
    if (type === LzType.PLT4_LE || type === LzType.PLT4_BE) e = i < 16 ? palette[i % n]! : 0; // lz.c takes nibble % num_ents
    else e = i < n ? palette[i]! : 0;
    ents[i] = e & 0xffffff;
  }
  for (let y = 0; y < height; y++) {
    const s = y * stride;
    const d = (topDown ? y : height - 1 - y) * width;
    switch (type) {
      case LzType.PLT8:
        for (let x = 0; x < width; x++) out[d + x] = ents[bytes[s + x]!]!;
        break;
      case LzType.PLT4_LE:
      case LzType.PLT4_BE: {
        const lowFirst = type === LzType.PLT4_LE;
        for (let x = 0; x < width; x++) {
          const b = bytes[s + (x >> 1)]!;
          const nib = (x & 1) === 0 === lowFirst ? b & 15 : b >> 4;
          out[d + x] = ents[nib]!;
        }
        break;
      }
      default: {
        // PLT1: bit set → entry 1, clear → entry 0; LE takes bit 0 first, BE bit 7 first.
        const le = type === LzType.PLT1_LE;
        const fore = ents[1]!;
        const back = ents[0]!;
        for (let x = 0; x < width; x++) {
          const b = bytes[s + (x >> 3)]!;
          const bit = le ? (b >> (x & 7)) & 1 : (b >> (7 - (x & 7))) & 1;
          out[d + x] = bit ? fore : back;
        }
      }
    }
  }
}

export interface LzOptions {
  /** Palette entries (u32 xRGB) for the PLT types: the SpiceImage's palette or the cached one. */
  palette?: Uint32Array;
}

/** Decodes an LZ stream (LZ_RGB or LZ_PLT payload) to top-down pixels. */
export function decodeLz(data: Uint8Array, opts: LzOptions = {}): Pixels {
  const h = readLzHeader(data);
  const {type, width, height, topDown} = h;
  const npix = width * height;
  const units = isPaletteType(type) ? h.stride * height : npix;
  if (units > (data.length - HEADER_SIZE) * MAX_UNITS_PER_BYTE) {
    throw corrupt(LZ, `${data.length} bytes cannot hold a ${width}x${height} image of type ${type}`);
  }
  let format: PixelFormat = 'xrgb';
  let out: Uint32Array;
  let ip = HEADER_SIZE;
  switch (type) {
    case LzType.RGB24:
    case LzType.RGB32:
      out = new Uint32Array(npix);
      ip = rgb32Pass(data, ip, out);
      checkEnd(ip, data);
      if (!topDown) flipRows(out, width, height);
      break;
    case LzType.RGBA: {
      out = new Uint32Array(npix);
      ip = rgb32Pass(data, ip, out);
      ip = alphaPassOr(data, ip, out);
      checkEnd(ip, data);
      if (!topDown) flipRows(out, width, height);
      format = 'argb';
      break;
    }
    case LzType.RGB16:
      out = new Uint32Array(npix);
      ip = rgb16Pass(data, ip, out);
      checkEnd(ip, data);
      if (!topDown) flipRows(out, width, height);
      break;
    case LzType.XXXA:
    case LzType.A8: {
      out = new Uint32Array(npix);
      ip = alphaPassOr(data, ip, out);
      checkEnd(ip, data);
      if (!topDown) flipRows(out, width, height);
      format = 'a8';
      break;
    }
    default: {
      const palette = opts.palette;
      if (!palette) throw corrupt(LZ, `palette image (type ${type}) without a palette`);
      if (palette.length === 0 && (type === LzType.PLT4_LE || type === LzType.PLT4_BE)) throw corrupt(LZ, 'empty palette for a 4-bit image');
      const bytes = new Uint8Array(h.stride * height);
      ip = bytePass(data, ip, bytes);
      checkEnd(ip, data);
      out = new Uint32Array(npix);
      expandPalette(bytes, h, palette, out);
    }
  }
  return {width, height, format, data: out};
}

/**
 * JPEG_ALPHA: decodes the LZ XXXA stream that follows the JPEG and writes its values into the alpha
 * byte of `pixels` (the decoded JPEG), which becomes 'argb'. The stream's size must be the image's,
 * and its row order the one the JPEG_ALPHA flags announce (`topDown`, when given), as spice-gtk checks.
 */
export function decodeLzAlphaInto(data: Uint8Array, pixels: Pixels, topDown?: boolean): void {
  const h = readLzHeader(data);
  if (h.type !== LzType.XXXA) throw corrupt(LZ, `alpha plane of type ${h.type}, expected XXXA (${LzType.XXXA})`);
  if (h.width !== pixels.width || h.height !== pixels.height) {
    throw corrupt(LZ, `alpha plane is ${h.width}x${h.height}, the image ${pixels.width}x${pixels.height}`);
  }
  if (topDown !== undefined && topDown !== h.topDown) {
    throw corrupt(LZ, `alpha plane is ${h.topDown ? 'top-down' : 'bottom-up'}, the image flags say ${topDown ? 'top-down' : 'bottom-up'}`);
  }
  if (pixels.data.length < h.width * h.height) throw corrupt(LZ, 'target pixel buffer is smaller than the image');
  const px = pixels.data;
  if (h.topDown) {
    // Stream order is the image's: only the alpha bytes are written, straight into the pixels.
    checkEnd(alphaPass(data, HEADER_SIZE, new Uint8Array(px.buffer, px.byteOffset, h.width * h.height * 4)), data);
  } else {
    const alpha = new Uint8Array(h.width * h.height);
    checkEnd(bytePass(data, HEADER_SIZE, alpha), data);
    mergeAlpha(px, alpha, h.width, h.height, false);
  }
  pixels.format = 'argb';
}
