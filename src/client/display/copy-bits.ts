/**
 * COPY_BITS: a blit inside one surface (scrolling), source and destination possibly overlapping. As in
 * spice-gtk (canvas_copy_bits + sw_canvas copy_region): the region is clipped to where the source lies
 * inside the surface, its rectangles are copied in an order that never reads an already written pixel of
 * another rectangle (bottom-up when moving down, right-to-left within a band when moving right), and each
 * rectangle's rows go bottom-up when moving down, top-down when moving up, memmove on the same rows.
 */
import {clipRegion} from './clip.js';
import {getRaw, setRaw} from './pixel-format.js';
import type {Box} from './region.js';
import type {Surface} from './surface.js';
import type {Point, Rect} from './types.js';

function copyRect(s: Surface, b: Box, dx: number, dy: number): void {
  const w = b.x2 - b.x1;
  const h = b.y2 - b.y1;
  const sx = b.x1 - dx;
  const sy = b.y1 - dy;
  if (s.fmt === 'a1') {
    // Whole rows at a time, through a row copy (memmove semantics).
    const rows = dy > 0 ? [...Array(h).keys()].reverse() : [...Array(h).keys()];
    const tmp = new Uint8Array(w);
    for (const r of rows) {
      for (let x = 0; x < w; x++) tmp[x] = getRaw(s, sx + x, sy + r);
      for (let x = 0; x < w; x++) setRaw(s, b.x1 + x, b.y1 + r, tmp[x]!);
    }
    return;
  }
  const d = s.data;
  const stride = s.stride;
  if (dy > 0) {
    for (let r = h - 1; r >= 0; r--) d.copyWithin((b.y1 + r) * stride + b.x1, (sy + r) * stride + sx, (sy + r) * stride + sx + w);
  } else {
    for (let r = 0; r < h; r++) d.copyWithin((b.y1 + r) * stride + b.x1, (sy + r) * stride + sx, (sy + r) * stride + sx + w);
  }
}

/** Copies the surface's pixels at box - (box.left - srcPos.x, box.top - srcPos.y) onto box. Returns the rectangles drawn. */
export function copyBits(dst: Surface, box: Rect, clip: readonly Rect[] | null, srcPos: Point): Rect[] {
  const dx = box.left - srcPos.x;
  const dy = box.top - srcPos.y;
  let region = clipRegion(dst, box, clip);
  if (dx === 0 && dy === 0) return [];
  region = region.intersectRect(dx, dy, dx + dst.width, dy + dst.height);
  const rects = region.boxes();
  const n = rects.length;
  if (dy > 0) {
    if (dx >= 0) {
      for (let i = n - 1; i >= 0; i--) copyRect(dst, rects[i]!, dx, dy);
    } else {
      // Bands bottom-up, rectangles of a band left to right.
      let i = n - 1;
      while (i >= 0) {
        let start = i;
        while (start - 1 >= 0 && rects[start - 1]!.y1 === rects[i]!.y1) start--;
        for (let j = start; j <= i; j++) copyRect(dst, rects[j]!, dx, dy);
        i = start - 1;
      }
    }
  } else if (dx > 0) {
    // Bands top-down, rectangles of a band right to left.
    let i = 0;
    while (i < n) {
      let end = i;
      while (end < n && rects[end]!.y1 === rects[i]!.y1) end++;
      for (let j = end - 1; j >= i; j--) copyRect(dst, rects[j]!, dx, dy);
      i = end;
    }
  } else {
    for (let i = 0; i < n; i++) copyRect(dst, rects[i]!, dx, dy);
  }
  return region.rects();
}
