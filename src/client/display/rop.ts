/**
 * The 16 binary raster operations of spice-common (SpiceROP, the X11 GX order) and the mapping of a draw's
 * rop descriptor (ropd) to one of them (ropd_descriptor_to_rop). Operations work on whole native pixel
 * values, alpha or padding bits included, as spice-common's pixman_utils does.
 */
import {Ropd} from '../wire/enums.js';

export const Rop = {
  CLEAR: 0,
  AND: 1,
  AND_REVERSE: 2,
  COPY: 3,
  AND_INVERTED: 4,
  NOOP: 5,
  XOR: 6,
  OR: 7,
  NOR: 8,
  EQUIV: 9,
  INVERT: 10,
  OR_REVERSE: 11,
  COPY_INVERTED: 12,
  OR_INVERTED: 13,
  NAND: 14,
  SET: 15,
} as const;
export type Rop = (typeof Rop)[keyof typeof Rop];

/** Which operand a ropd's INVERS_SRC / INVERS_BRUSH / INVERS_DEST bit applies to, per draw. */
export type RopInput = 'src' | 'brush' | 'dest';

const invertBit: Record<RopInput, number> = {src: Ropd.INVERS_SRC, brush: Ropd.INVERS_BRUSH, dest: Ropd.INVERS_DEST};

/**
 * The binary rop for `ropd` where `srcInput` plays "src" and `destInput` plays "dest" (FILL: brush, dest;
 * COPY: src, dest; OPAQUE: brush, src). The first of PUT, OR, AND, XOR, BLACKNESS, WHITENESS, INVERS set
 * picks the operation; none set means COPY.
 */
export function ropdToRop(ropd: number, srcInput: RopInput, destInput: RopInput): Rop {
  const invS = (ropd & invertBit[srcInput]) !== 0;
  const invD = (ropd & invertBit[destInput]) !== 0;
  const invR = (ropd & Ropd.INVERS_RES) !== 0;
  if (ropd & Ropd.OP_PUT) return invS !== invR ? Rop.COPY_INVERTED : Rop.COPY;
  if (ropd & Ropd.OP_OR) {
    // !(a | b) = !a & !b
    if (invR) return invS ? (invD ? Rop.AND : Rop.AND_REVERSE) : invD ? Rop.AND_INVERTED : Rop.NOR;
    return invS ? (invD ? Rop.NAND : Rop.OR_INVERTED) : invD ? Rop.OR_REVERSE : Rop.OR;
  }
  if (ropd & Ropd.OP_AND) {
    if (invR) return invS ? (invD ? Rop.OR : Rop.OR_REVERSE) : invD ? Rop.OR_INVERTED : Rop.NAND;
    return invS ? (invD ? Rop.NOR : Rop.AND_INVERTED) : invD ? Rop.AND_REVERSE : Rop.AND;
  }
  if (ropd & Ropd.OP_XOR) return invS !== invD !== invR ? Rop.EQUIV : Rop.XOR;
  if (ropd & Ropd.OP_BLACKNESS) return Rop.CLEAR;
  if (ropd & Ropd.OP_WHITENESS) return Rop.SET;
  if (ropd & Ropd.OP_INVERS) return Rop.INVERT;
  return Rop.COPY;
}

/**
 * Truth tables: bit 3 = f(s=1, d=1), bit 2 = f(1, 0), bit 1 = f(0, 1), bit 0 = f(0, 0). Applied bitwise
 * to whole pixel values.
 */
const truth: Record<Rop, number> = {
  [Rop.CLEAR]: 0b0000,
  [Rop.AND]: 0b1000,
  [Rop.AND_REVERSE]: 0b0100,
  [Rop.COPY]: 0b1100,
  [Rop.AND_INVERTED]: 0b0010,
  [Rop.NOOP]: 0b1010,
  [Rop.XOR]: 0b0110,
  [Rop.OR]: 0b1110,
  [Rop.NOR]: 0b0001,
  [Rop.EQUIV]: 0b1001,
  [Rop.INVERT]: 0b0101,
  [Rop.OR_REVERSE]: 0b1101,
  [Rop.COPY_INVERTED]: 0b0011,
  [Rop.OR_INVERTED]: 0b1011,
  [Rop.NAND]: 0b0111,
  [Rop.SET]: 0b1111,
};

/** The four all-ones-or-zero masks of a rop's truth table. */
export interface RopMasks {
  m11: number;
  m10: number;
  m01: number;
  m00: number;
}

export function ropMasks(rop: Rop): RopMasks {
  const t = truth[rop];
  return {m11: t & 8 ? -1 : 0, m10: t & 4 ? -1 : 0, m01: t & 2 ? -1 : 0, m00: t & 1 ? -1 : 0};
}

/** rop(s, d) on 32-bit values (callers truncate to their pixel width). */
export function applyRop(m: RopMasks, s: number, d: number): number {
  return (s & d & m.m11) | (s & ~d & m.m10) | (~s & d & m.m01) | (~s & ~d & m.m00);
}

/** dst[di + i] = rop(value, dst[di + i]) for i < len. */
export function ropSolidRow(m: RopMasks, dst: Uint32Array | Uint16Array | Uint8Array, di: number, len: number, s: number): void {
  const {m11, m10, m01, m00} = m;
  const a = s & m11;
  const b = s & m10;
  const c = ~s & m01;
  const e = ~s & m00;
  for (let i = di, end = di + len; i < end; i++) {
    const d = dst[i]!;
    dst[i] = (a & d) | (b & ~d) | (c & d) | (e & ~d);
  }
}

/** dst[di + i] = rop(src[si + i], dst[di + i]) for i < len. */
export function ropCopyRow(
  m: RopMasks,
  dst: Uint32Array | Uint16Array | Uint8Array,
  di: number,
  src: Uint32Array | Uint16Array | Uint8Array,
  si: number,
  len: number,
): void {
  const {m11, m10, m01, m00} = m;
  for (let i = 0; i < len; i++) {
    const s = src[si + i]!;
    const d = dst[di + i]!;
    dst[di + i] = (s & d & m11) | (s & ~d & m10) | (~s & d & m01) | (~s & ~d & m00);
  }
}
