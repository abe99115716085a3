/** DRAW_FILL, DRAW_BLACKNESS, DRAW_WHITENESS and DRAW_INVERS (canvas_draw_fill and friends). */
import {drawBrush} from './brush.js';
import {drawRegion} from './clip.js';
import {fillRegion} from './paint.js';
import {Rop, ropdToRop} from './rop.js';
import type {Surface} from './surface.js';
import type {Brush, Mask, Rect} from './types.js';

/** FILL: the brush with the rop of `ropd` (brush as source). Returns the rectangles drawn. */
export function fill(dst: Surface, box: Rect, clip: readonly Rect[] | null, brush: Brush, ropd: number, mask: Mask | null): Rect[] {
  const region = drawRegion(dst, box, clip, mask);
  const rop = ropdToRop(ropd, 'brush', 'dest');
  if (rop === Rop.NOOP || region.isEmpty) return [];
  drawBrush(dst, region, brush, rop);
  return region.rects();
}

/** BLACKNESS: every bit of the pixels cleared (0x00000000, alpha too). */
export function blackness(dst: Surface, box: Rect, clip: readonly Rect[] | null, mask: Mask | null): Rect[] {
  const region = drawRegion(dst, box, clip, mask);
  fillRegion(dst, region, 0, Rop.COPY);
  return region.rects();
}

/** WHITENESS: every bit set (0xffffffff on 32-bit surfaces). */
export function whiteness(dst: Surface, box: Rect, clip: readonly Rect[] | null, mask: Mask | null): Rect[] {
  const region = drawRegion(dst, box, clip, mask);
  fillRegion(dst, region, 0xffffffff, Rop.COPY);
  return region.rects();
}

/** INVERS: every bit of the pixels inverted. */
export function invers(dst: Surface, box: Rect, clip: readonly Rect[] | null, mask: Mask | null): Rect[] {
  const region = drawRegion(dst, box, clip, mask);
  fillRegion(dst, region, 0, Rop.INVERT);
  return region.rects();
}
