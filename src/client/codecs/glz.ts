/**
 * SPICE GLZ (SpiceImage GLZ_RGB, and the payload of ZLIB_GLZ_RGB): LZ whose back-references may point
 * into earlier images of the session's dictionary window (glz-window.ts). Written from the format facts
 * of spice-gtk's decode-glz.c / decode-glz-tmpl.c and spice-server's GLZ encoder (no code taken).
 *
 * Header (big-endian): u32 magic "  LZ", u32 version 1.1, u8 (type in the low nibble, top_down in the
 * high one), u32 width, u32 height, u32 stride, u64 image id, u32 win_head_dist. Then control bytes:
 * ctrl < 32 is a run of ctrl+1 literal pixels (B, G, R for 24/32-bit types; two bytes, high first, of
 * x555 for RGB16; one alpha byte in the alpha pass). Otherwise a match:
 *   len = ctrl >> 5 (7: add bytes while they are 255), pixel_flag = bit 4, offset = ctrl & 15;
 *   offset += next byte << 4; then a byte c: image_flag = c >> 6 (0–3 more bytes of image distance);
 *   - pixel_flag 0: distance = c & 63, + image_flag bytes, the i-th shifted by 6 + 8i;
 *   - pixel_flag 1: offset += (c & 31) << 12, distance = image_flag bytes (LE), and if bit 5 of c is set
 *     one more byte << 17 of offset.
 *   Length bias: +0 for 24/32-bit pixels, +1 for RGB16, +2 for the alpha pass. Distance 0: a reference
 *   into this image, offset + 1 pixels back. Otherwise: pixel `offset` of image (id - distance).
 * RGBA is an RGB pass followed by an alpha pass; references copy whole 32-bit pixels in the RGB pass
 * and only alpha bytes in the alpha pass. Decoded images are kept (as 32-bit pixels, stream order) in
 * the window; the returned Pixels are top-down: xRGB (RGB16/24/32) or ARGB (RGBA).
 *
 * spice-gtk decodes GLZ without a palette, so palette types fail there; they are protocol errors here.
 * Stricter than spice-gtk, which trusts the stream: every read is bounds-checked, a reference must stay
 * inside its image, and it may not reach further back than win_head_dist (the server's encoder never
 * does), so a damaged stream fails at once instead of waiting for an image that will not come.
 */
import {checkLzFamilyStart, copyMatch32, LzType, MAX_UNITS_PER_BYTE, readU32BE, rgb555Table} from './lz-common.js';
import type {GlzWindow} from './glz-window.js';
import {checkDimensions, corrupt, type Pixels} from './pixels.js';

export {GlzWindow} from './glz-window.js';

const GLZ = 'GLZ';
export const GLZ_HEADER_SIZE = 33;

export interface GlzHeader {
  type: number;
  topDown: boolean;
  width: number;
  height: number;
  stride: number;
  id: bigint;
  winHeadDist: number;
}

/** Reads the GLZ header fields (no validation beyond its length and magic/version). */
export function readGlzHeader(data: Uint8Array): GlzHeader {
  checkLzFamilyStart(data, GLZ_HEADER_SIZE, GLZ);
  const tb = data[8]!;
  return {
    type: tb & 0x0f,
    topDown: tb >> 4 !== 0,
    width: readU32BE(data, 9, GLZ),
    height: readU32BE(data, 13, GLZ),
    stride: readU32BE(data, 17, GLZ),
    id: (BigInt(readU32BE(data, 21, GLZ)) << 32n) | BigInt(readU32BE(data, 25, GLZ)),
    winHeadDist: readU32BE(data, 29, GLZ),
  };
}

function checkHeader(h: GlzHeader, size: number): void {
  switch (h.type) {
    case LzType.RGB16:
    case LzType.RGB24:
    case LzType.RGB32:
    case LzType.RGBA:
      break;
    case LzType.PLT1_LE:
    case LzType.PLT1_BE:
    case LzType.PLT4_LE:
    case LzType.PLT4_BE:
    case LzType.PLT8:
      throw corrupt(GLZ, `palette image type ${h.type} (GLZ images carry no palette)`);
    default:
      throw corrupt(GLZ, `unsupported image type ${h.type}`);
  }
  checkDimensions(h.width, h.height, GLZ);
  if (h.width * h.height > (size - GLZ_HEADER_SIZE) * MAX_UNITS_PER_BYTE) {
    throw corrupt(GLZ, `${size} bytes cannot hold a ${h.width}x${h.height} image`);
  }
}

const cutShort = () => corrupt(GLZ, 'data ends in the middle of the image');

/** Decoding state: input position and output pixel, both at the start of the next instruction. */
interface State {
  ip: number;
  op: number;
}

/** Per-image context: the image's id and window head, and the images it referenced so far. */
class Refs {
  private cache = new Map<number, Uint32Array>();
  private bytes = new Map<number, Uint8Array>();
  constructor(
    readonly id: bigint,
    readonly winHeadDist: number,
    readonly window: GlzWindow,
  ) {}

  /** Image (id - dist), or undefined if it is not in the window yet. */
  get(dist: number): Uint32Array | undefined {
    let r = this.cache.get(dist);
    if (r) return r;
    if (dist > this.winHeadDist) {
      throw corrupt(GLZ, `image ${this.id} references ${dist} images back, its window reaches back ${this.winHeadDist}`);
    }
    r = this.window.lookup(this.refId(dist));
    if (r) this.cache.set(dist, r);
    return r;
  }

  getBytes(dist: number): Uint8Array | undefined {
    let b = this.bytes.get(dist);
    if (b) return b;
    const r = this.get(dist);
    if (!r) return undefined;
    b = new Uint8Array(r.buffer, r.byteOffset, r.length * 4);
    this.bytes.set(dist, b);
    return b;
  }

  set(dist: number, data: Uint32Array): void {
    this.cache.set(dist, data);
  }

  refId(dist: number): bigint {
    return BigInt.asUintN(64, this.id - BigInt(dist));
  }
}

// The fields of the last parsed match (module scope: no allocation per match).
let mLen = 0;
let mOfs = 0;
let mDist = 0;

/** Parses the rest of a match whose control byte is `ctrl`; returns the input position after it. */
function parseMatch(src: Uint8Array, ip: number, ctrl: number): number {
  const end = src.length;
  let len = ctrl >>> 5;
  const pixelFlag = ctrl & 0x10;
  let ofs = ctrl & 0x0f;
  if (len === 7) {
    let code;
    do {
      if (ip >= end) throw cutShort();
      code = src[ip++]!;
      len += code;
    } while (code === 255);
  }
  if (ip + 2 > end) throw cutShort();
  ofs += src[ip++]! << 4;
  const c = src[ip++]!;
  const imageFlag = c >> 6;
  let dist: number;
  if (!pixelFlag) {
    dist = c & 0x3f;
    if (ip + imageFlag > end) throw cutShort();
    for (let i = 0; i < imageFlag; i++) dist += src[ip++]! << (6 + 8 * i);
  } else {
    const far = (c >> 5) & 1;
    ofs += (c & 0x1f) << 12;
    dist = 0;
    if (ip + imageFlag + far > end) throw cutShort();
    for (let i = 0; i < imageFlag; i++) dist += src[ip++]! << (8 * i);
    if (far) ofs += src[ip++]! << 17;
  }
  mLen = len;
  mOfs = ofs;
  mDist = dist;
  return ip;
}

const badRef = (op: number, ofs: number) => corrupt(GLZ, `reference ${ofs} pixels back from pixel ${op}, before the image start`);
const overrun = (op: number, n: number, limit: number) => corrupt(GLZ, `${n} pixels at pixel ${op} run past the end of the image (${limit} pixels)`);
const outside = (dist: number, ofs: number, len: number, size: number) =>
  corrupt(GLZ, `${len} pixels at pixel ${ofs} of the image ${dist} back run past its end (${size} pixels)`);

/**
 * The RGB pass (bpp 3: RGB24/RGB32/RGBA, bpp 2: RGB16 widened to xRGB). Returns 0 when the image is
 * full, or the image distance it needs and does not have yet (state left at that instruction).
 */
function rgbPass(src: Uint8Array, st: State, out: Uint32Array, refs: Refs, bpp: 2 | 3): number {
  const table = bpp === 2 ? rgb555Table() : undefined;
  const bias = bpp === 2 ? 1 : 0;
  const end = src.length;
  const limit = out.length;
  let ip = st.ip;
  let op = st.op;
  let lastDist = -1;
  let lastRef: Uint32Array | undefined;
  while (op < limit) {
    if (ip >= end) throw cutShort();
    const start = ip;
    const ctrl = src[ip++]!;
    if (ctrl >= 32) {
      ip = parseMatch(src, ip, ctrl);
      const len = mLen + bias;
      if (op + len > limit) throw overrun(op, len, limit);
      if (mDist === 0) {
        const ofs = mOfs + 1;
        const ref = op - ofs;
        if (ref < 0) throw badRef(op, ofs);
        copyMatch32(out, op, ref, len);
        op += len;
      } else {
        if (mDist !== lastDist) {
          const r = refs.get(mDist);
          if (!r) {
            st.ip = start;
            st.op = op;
            return mDist;
          }
          lastDist = mDist;
          lastRef = r;
        }
        const r = lastRef!;
        let ref = mOfs;
        if (ref + len > r.length) throw outside(mDist, ref, len, r.length);
        if (len < 16) {
          for (const stop = op + len; op < stop; ) out[op++] = r[ref++]!;
        } else {
          out.set(r.subarray(ref, ref + len), op);
          op += len;
        }
      }
    } else {
      const n = ctrl + 1;
      if (op + n > limit) throw overrun(op, n, limit);
      if (ip + bpp * n > end) throw cutShort();
      if (table) {
        for (const stop = op + n; op < stop; ip += 2) out[op++] = table[((src[ip]! << 8) | src[ip + 1]!) & 0x7fff]!;
      } else {
        for (const stop = op + n; op < stop; ip += 3) out[op++] = src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16);
      }
    }
  }
  st.ip = ip;
  st.op = op;
  return 0;
}

/** The alpha pass of RGBA: writes the top byte of each pixel (out8 views the image's pixels). */
function alphaPass(src: Uint8Array, st: State, out8: Uint8Array, refs: Refs): number {
  const end = src.length;
  const limit = out8.length >> 2;
  let ip = st.ip;
  let op = st.op;
  let lastDist = -1;
  let lastRef: Uint8Array | undefined;
  while (op < limit) {
    if (ip >= end) throw cutShort();
    const start = ip;
    const ctrl = src[ip++]!;
    if (ctrl >= 32) {
      ip = parseMatch(src, ip, ctrl);
      const len = mLen + 2;
      if (op + len > limit) throw overrun(op, len, limit);
      if (mDist === 0) {
        const ofs = mOfs + 1;
        const ref = op - ofs;
        if (ref < 0) throw badRef(op, ofs);
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
        if (mDist !== lastDist) {
          const r = refs.getBytes(mDist);
          if (!r) {
            st.ip = start;
            st.op = op;
            return mDist;
          }
          lastDist = mDist;
          lastRef = r;
        }
        const r = lastRef!;
        if (mOfs + len > r.length >> 2) throw outside(mDist, mOfs, len, r.length >> 2);
        let d = (op << 2) | 3;
        let s = (mOfs << 2) | 3;
        for (const stop = d + (len << 2); d < stop; d += 4, s += 4) out8[d] = r[s]!;
        op += len;
      }
    } else {
      const n = ctrl + 1;
      if (op + n > limit) throw overrun(op, n, limit);
      if (ip + n > end) throw cutShort();
      let d = (op << 2) | 3;
      for (const stop = ip + n; ip < stop; d += 4) out8[d] = src[ip++]!;
      op += n;
    }
  }
  st.ip = ip;
  st.op = op;
  return 0;
}

export interface GlzOptions {
  /** How long to wait for a referenced image no channel has decoded yet (default: the window's). */
  timeoutMs?: number;
}

/**
 * Decodes a GLZ stream with the session's window; adds the image to the window. Waits (up to the
 * timeout) when it references an image another display channel has not decoded yet.
 */
export async function decodeGlz(data: Uint8Array, window: GlzWindow, opts: GlzOptions = {}): Promise<Pixels> {
  const h = readGlzHeader(data);
  let out: Uint32Array;
  try {
    checkHeader(h, data.length);
    const {width, height} = h;
    out = new Uint32Array(width * height);
    const refs = new Refs(h.id, h.winHeadDist, window);
    const st: State = {ip: GLZ_HEADER_SIZE, op: 0};
    const bpp = h.type === LzType.RGB16 ? 2 : 3;
    for (let need; (need = rgbPass(data, st, out, refs, bpp)) !== 0; ) {
      refs.set(need, await window.waitFor(refs.refId(need), opts.timeoutMs));
    }
    if (h.type === LzType.RGBA) {
      st.op = 0;
      const out8 = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      for (let need; (need = alphaPass(data, st, out8, refs)) !== 0; ) {
        refs.set(need, await window.waitFor(refs.refId(need), opts.timeoutMs));
      }
    }
  } catch (err) {
    window.fail(h.id, err instanceof Error ? err.message : String(err));
    throw err;
  }
  window.add(h.id, out, h.winHeadDist);
  return toPixels(h, out);
}

/** Top-down copy of a decoded image (the window keeps the stream-order original). */
function toPixels(h: GlzHeader, out: Uint32Array): Pixels {
  const {width, height} = h;
  let data: Uint32Array;
  if (h.topDown) {
    data = out.slice();
  } else {
    data = new Uint32Array(out.length);
    for (let y = 0; y < height; y++) data.set(out.subarray(y * width, (y + 1) * width), (height - 1 - y) * width);
  }
  return {width, height, format: h.type === LzType.RGBA ? 'argb' : 'xrgb', data};
}
