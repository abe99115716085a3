/**
 * The destination region of a draw, as spice-gtk computes it: the box, cut to the surface, to the clip
 * rectangles (their union) and to the QMask (canvas_clip_pixman + canvas_mask_pixman).
 */
import {isSurface, type Surface} from './surface.js';
import {Region} from './region.js';
import type {Mask, Rect} from './types.js';

/**
 * `clip` null is CLIP_TYPE_NONE; an array is CLIP_TYPE_RECTS (an empty array draws nothing, as pixman's
 * intersection with an empty region).
 */
export function clipRegion(dst: {width: number; height: number}, box: Rect, clip: readonly Rect[] | null): Region {
  let r = Region.rect(box.left, box.top, box.right, box.bottom).intersectRect(0, 0, dst.width, dst.height);
  if (clip && !r.isEmpty) {
    if (clip.length === 1) {
      const c = clip[0]!;
      r = r.intersectRect(c.left, c.top, c.right, c.bottom);
    } else {
      r = r.intersect(Region.union(clip.map((c) => ({x1: c.left, y1: c.top, x2: c.right, y2: c.bottom}))));
    }
  }
  return r;
}

/** Whether mask pixel (x, y) is set: a non-zero alpha byte, or the bit of an a1 view of a surface's bytes. */
function maskBitReader(mask: Mask): {width: number; height: number; isSet: (x: number, y: number) => boolean} {
  const src = mask.pixels;
  if (isSurface(src)) {
    // spice-gtk reads any surface used as a mask as pixman a1 over the surface's own bytes: bit x & 7 of
    // byte x >> 3 of the row (rows keep their layout; only A1 surfaces make sense here).
    const s = src as Surface;
    const bpe = s.data.BYTES_PER_ELEMENT;
    const bytes = new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    const rowBytes = s.stride * bpe;
    return {width: s.width, height: s.height, isSet: (x, y) => ((bytes[y * rowBytes + (x >> 3)]! >> (x & 7)) & 1) === 1};
  }
  const d = src.data;
  const w = src.width;
  return {width: src.width, height: src.height, isSet: (x, y) => d[y * w + x]! >>> 24 !== 0};
}

/** Cuts `region` (of a draw whose box starts at box.left/top) to the mask. */
export function maskRegion(region: Region, mask: Mask | null, box: Rect): Region {
  if (!mask || region.isEmpty) return region;
  const m = maskBitReader(mask);
  const ext = region.extents()!;
  // Destination pixel (x, y) is mask pixel (x - box.left + pos.x, y - box.top + pos.y).
  const dx = mask.pos.x - box.left;
  const dy = mask.pos.y - box.top;
  const x1 = Math.max(0, ext.x1 + dx);
  const y1 = Math.max(0, ext.y1 + dy);
  const x2 = Math.min(m.width, ext.x2 + dx);
  const y2 = Math.min(m.height, ext.y2 + dy);
  if (x1 >= x2 || y1 >= y2) return Region.empty();
  let mr = Region.fromBits(x2 - x1, y2 - y1, (x, y) => m.isSet(x + x1, y + y1));
  if (mask.invert) mr = Region.rect(0, 0, x2 - x1, y2 - y1).subtract(mr);
  return region.intersect(mr.translate(x1 - dx, y1 - dy));
}

export function drawRegion(dst: Surface, box: Rect, clip: readonly Rect[] | null, mask: Mask | null): Region {
  return maskRegion(clipRegion(dst, box, clip), mask, box);
}
