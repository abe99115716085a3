/**
 * Pieces shared by the LZ, GLZ and LZ4 decoders: the LZ image types of lz_common.h, row flipping and the
 * 16-bit colour expansion. Written from the facts of spice-common's lz_common.h and canvas code.
 */
import {corrupt} from './pixels.js';

/** LzImageType (lz_common.h); the same numbers appear in LZ and GLZ headers. */
export const LzType = {
  PLT1_LE: 1,
  PLT1_BE: 2,
  PLT4_LE: 3,
  PLT4_BE: 4,
  PLT8: 5,
  RGB16: 6,
  RGB24: 7,
  RGB32: 8,
  RGBA: 9,
  XXXA: 10,
  A8: 11,
} as const;

/** "  LZ" read as a big-endian u32. */
export const LZ_MAGIC = 0x20205a4c;
/** Version 1.1: major in the high half, minor in the low half. */
export const LZ_VERSION = 0x00010001;

/** Pixels per stream byte of the palette types (index = LzType). */
export const PLT_PIXELS_PER_BYTE: readonly number[] = [0, 8, 8, 2, 2, 1];
/** Bytes per pixel the header's stride must match for the non-palette types (index = LzType). */
export const RGB_BYTES_PER_PIXEL: readonly number[] = [0, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 1];

export const isPaletteType = (t: number): boolean => t >= LzType.PLT1_LE && t <= LzType.PLT8;

/** Reverses the row order of a width-wide image in place (bottom-up streams → top-down pixels). */
export function flipRows(data: Uint32Array, width: number, height: number): void {
  if (height < 2) return;
  const tmp = new Uint32Array(width);
  for (let top = 0, bottom = (height - 1) * width; top < bottom; top += width, bottom -= width) {
    tmp.set(data.subarray(top, top + width));
    data.copyWithin(top, bottom, bottom + width);
    data.set(tmp, bottom);
  }
}

/**
 * x1r5g5b5 → xRGB with each 5-bit channel widened by bit replication (what pixman does, and what
 * lz's RGB16→RGB32 path computes). Table over the 32768 colours, built on first use.
 */
let rgb555: Uint32Array | undefined;
export function rgb555Table(): Uint32Array {
  if (rgb555) return rgb555;
  const t = new Uint32Array(32768);
  for (let v = 0; v < 32768; v++) {
    const r = (v >> 10) & 31;
    const g = (v >> 5) & 31;
    const b = v & 31;
    t[v] = (((r << 3) | (r >> 2)) << 16) | (((g << 3) | (g >> 2)) << 8) | ((b << 3) | (b >> 2));
  }
  rgb555 = t;
  return t;
}

/** Big-endian u32 at `at`, bounds-checked. */
export function readU32BE(src: Uint8Array, at: number, codec: string): number {
  if (at + 4 > src.length) throw corrupt(codec, `header cut short at byte ${at} of ${src.length}`);
  return ((src[at]! << 24) | (src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!) >>> 0;
}

/** The start shared by LZ and GLZ headers: enough bytes for the header, then LZ_MAGIC and LZ_VERSION (big-endian). */
export function checkLzFamilyStart(data: Uint8Array, headerSize: number, codec: string): void {
  if (data.length < headerSize) throw corrupt(codec, `${data.length} bytes, shorter than the ${headerSize}-byte header`);
  const magic = readU32BE(data, 0, codec);
  if (magic !== LZ_MAGIC) throw corrupt(codec, `bad magic 0x${magic.toString(16)}`);
  const version = readU32BE(data, 4, codec);
  if (version !== LZ_VERSION) throw corrupt(codec, `unsupported version 0x${version.toString(16)}`);
}

/**
 * No LZ-family instruction yields more than 255 units (pixels, or bytes for palette images) per stream
 * byte: a match of n extra length bytes costs n + 2 bytes or more and covers at most 255·n + 8 units.
 * A stream that claims more than this for its size is corrupt: we say so before allocating anything.
 */
export const MAX_UNITS_PER_BYTE = 255;

/**
 * LZ77 back-reference copy: out[op + i] = out[ref + i] for i = 0 … len-1 in increasing order (ref < op),
 * so an overlapping match repeats its pattern. Long copies go by copyWithin, an overlapping one in
 * chunks that double (each chunk only reads what is already final).
 */
export function copyMatch32(out: Uint32Array, op: number, ref: number, len: number): void {
  if (len < 16) {
    for (let i = 0; i < len; i++) out[op + i] = out[ref + i]!;
    return;
  }
  const dist = op - ref;
  if (dist === 1) {
    out.fill(out[ref]!, op, op + len);
  } else if (dist >= len) {
    out.copyWithin(op, ref, ref + len);
  } else {
    for (const end = op + len; op < end; ) {
      const n = Math.min(op - ref, end - op);
      out.copyWithin(op, ref, ref + n);
      op += n;
    }
  }
}

/** copyMatch32 for byte units (palette bytes, A8, LZ4). */
export function copyMatch8(out: Uint8Array, op: number, ref: number, len: number): void {
  if (len < 32) {
    for (let i = 0; i < len; i++) out[op + i] = out[ref + i]!;
    return;
  }
  const dist = op - ref;
  if (dist === 1) {
    out.fill(out[ref]!, op, op + len);
  } else if (dist >= len) {
    out.copyWithin(op, ref, ref + len);
  } else {
    for (const end = op + len; op < end; ) {
      const n = Math.min(op - ref, end - op);
      out.copyWithin(op, ref, ref + n);
      op += n;
    }
  }
}
