/**
 * What pixman_image_composite32 decides before compositing: whether it composites at all (analyze_extent:
 * source/mask coordinates must fit pixman's 16-bit and 16.16 ranges), whether source and mask are opaque
 * over the composited area (no-alpha formats that are repeated or whose samples all fall inside the
 * image), and the operator that then replaces the requested one (optimize_operator). The replacement
 * matters: for example SATURATE with an opaque source runs as OVER_REVERSE in 8-bit arithmetic instead of
 * the floating-point path.
 */
import {Filter, Repeat, type SourcePicture} from './sample.js';

export interface Extents {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

const is16 = (v: number) => v >= -32768 && v <= 32767;
const is1616 = (v: number) => v >= -(2 ** 31) && v <= 2 ** 31 - 1;

/** pixman_transform_point for affine matrices, on a 16.16 point. */
function transformPoint(t: readonly number[], x: number, y: number): [number, number] {
  const ix = Math.floor(x / 65536);
  const fx = x - ix * 65536;
  const iy = Math.floor(y / 65536);
  const fy = y - iy * 65536;
  const px = t[0]! * ix + t[1]! * iy + t[2]! + Math.floor((t[0]! * fx + t[1]! * fy + 0x8000) / 65536);
  const py = t[3]! * ix + t[4]! * iy + t[5]! + Math.floor((t[3]! * fx + t[4]! * fy + 0x8000) / 65536);
  return [px, py];
}

function transformedExtents(t: readonly number[] | null, e: Extents): Extents | null {
  const x1 = e.x1 * 65536 + 0x8000;
  const y1 = e.y1 * 65536 + 0x8000;
  const x2 = e.x2 * 65536 - 0x8000;
  const y2 = e.y2 * 65536 - 0x8000;
  if (!t) return {x1, y1, x2, y2};
  const out = {x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity};
  for (let i = 0; i < 4; i++) {
    const [tx, ty] = transformPoint(t, i & 1 ? x1 : x2, i & 2 ? y1 : y2);
    // pixman_transform_point fails when the result leaves 32 bits
    if (!is1616(tx) || !is1616(ty)) return null;
    out.x1 = Math.min(out.x1, tx);
    out.y1 = Math.min(out.y1, ty);
    out.x2 = Math.max(out.x2, tx);
    out.y2 = Math.max(out.y2, ty);
  }
  return out;
}

const fixedToInt = (v: number) => Math.floor(v / 65536);

/** Whether the filter also counts as NEAREST for this transform (pixman's BILINEAR -> NEAREST reduction). */
function bilinearIsNearest(t: readonly number[] | null): boolean {
  if (!t) return true;
  if (((t[0]! | t[1]! | t[2]! | t[3]! | t[4]! | t[5]!) & 0xffff) !== 0) return false;
  if ((((t[0]! + t[1]!) & (t[3]! + t[4]!)) >> 16) % 2 !== 1) return false;
  const limit = 30000 * 65536;
  return Math.abs(t[2]!) <= limit && Math.abs(t[5]!) <= limit;
}

/**
 * analyze_extent + the opacity flags of one picture over the composite extents (in its own coordinates).
 * Returns null when pixman would not composite at all.
 */
export function pictureOpacity(p: SourcePicture, e: Extents, componentAlpha: boolean): boolean | null {
  if (!is16(e.x1 - 1) || !is16(e.y1 - 1) || !is16(e.x2 + 1) || !is16(e.y2 + 1)) return null;
  if (p.solid !== undefined) return p.solid >>> 24 === 0xff;
  const img = p.img;
  if (img.width >= 0x7fff || img.height >= 0x7fff) return null;
  const samplesOpaque = img.fmt === 'x8r8g8b8' || img.fmt === 'r5g6b5' || img.fmt === 'x1r5g5b5';
  const convolution = p.filter === Filter.CONVOLUTION || p.filter === Filter.SEPARABLE_CONVOLUTION;
  let opaque = samplesOpaque && p.repeat !== Repeat.NONE;
  const t = p.transform;
  let coverNearest = false;
  let coverBilinear = false;
  if (!t && e.x1 >= 0 && e.y1 >= 0 && e.x2 <= img.width && e.y2 <= img.height) {
    coverNearest = true;
  } else {
    let xo: number;
    let w: number;
    switch (p.filter) {
      case Filter.GOOD:
      case Filter.BEST:
      case Filter.BILINEAR:
        xo = -0x8000;
        w = 0x10000;
        break;
      case Filter.FAST:
      case Filter.NEAREST:
        xo = -1;
        w = 0;
        break;
      default:
        return null; // convolution without parameters: pixman refuses
    }
    const te = transformedExtents(t, e);
    if (!te) return null;
    if (fixedToInt(te.x1 - 1) >= 0 && fixedToInt(te.y1 - 1) >= 0 && fixedToInt(te.x2 - 1) < img.width && fixedToInt(te.y2 - 1) < img.height) coverNearest = true;
    if (fixedToInt(te.x1 - 0x8000) >= 0 && fixedToInt(te.y1 - 0x8000) >= 0 && fixedToInt(te.x2 + 0x8000) < img.width && fixedToInt(te.y2 + 0x8000) < img.height)
      coverBilinear = true;
    const ee = transformedExtents(t, {x1: e.x1 - 1, y1: e.y1 - 1, x2: e.x2 + 1, y2: e.y2 + 1});
    if (!ee) return null;
    if (!is1616(ee.x1 + xo - 8) || !is1616(ee.y1 + xo - 8) || !is1616(ee.x2 + xo + 8 + w) || !is1616(ee.y2 + xo + 8 + w)) return null;
  }
  const nearestFilter = p.filter === Filter.NEAREST || p.filter === Filter.FAST || (!convolution && bilinearIsNearest(t));
  const bilinearFilter = p.filter === Filter.GOOD || p.filter === Filter.BEST || p.filter === Filter.BILINEAR;
  if (samplesOpaque && ((nearestFilter && coverNearest) || (bilinearFilter && coverBilinear))) opaque = true;
  if (componentAlpha || convolution) opaque = false;
  return opaque;
}

/** optimize_operator with a destination that is never opaque (spice-gtk composites onto a fresh image). */
export function optimizeOperator(op: number, sourceOpaque: boolean): number {
  if ((op >= 0x10 && op <= 0x12) || (op >= 0x20 && op <= 0x22)) return op & 0x0f; // CLEAR, SRC, DST
  if (!sourceOpaque) return op;
  switch (op) {
    case 3:
      return 1; // OVER -> SRC
    case 6:
      return 2; // IN_REVERSE -> DST
    case 8:
      return 0; // OUT_REVERSE -> CLEAR
    case 9:
      return 5; // ATOP -> IN
    case 10:
      return 4; // ATOP_REVERSE -> OVER_REVERSE
    case 11:
      return 7; // XOR -> OUT
    case 13:
      return 4; // SATURATE -> OVER_REVERSE
    default:
      return op;
  }
}
