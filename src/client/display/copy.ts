/**
 * DRAW_COPY (and DRAW_BLEND, the same in spice-gtk), DRAW_OPAQUE and DRAW_TRANSPARENT.
 *
 * COPY with OP_PUT is a raw copy of native pixel values: an RGBA (a8r8g8b8) image lands on a 32_xRGB
 * surface with its alpha byte as is, which the xRGB surface ignores (Xspice's alpha-0 glyph images show
 * opaque, as in spice-gtk). Equal box and source-area sizes blit; different sizes scale (scale.ts).
 */
import {drawBrush} from './brush.js';
import {drawRegion} from './clip.js';
import {blitRegion, colorkeyRegion} from './paint.js';
import type {Region} from './region.js';
import {Rop, ropdToRop} from './rop.js';
import {scalePicture, scaleRegion, compositeSrcRegion} from './scale.js';
import {allocImg, type Img} from './pixel-format.js';
import {leaveScaled, sourceImg} from './source.js';
import type {Surface} from './surface.js';
import type {Brush, Mask, Rect, Source} from './types.js';
import {Filter} from './sample.js';

const sameSize = (a: Rect, b: Rect) => a.right - a.left === b.right - b.left && a.bottom - a.top === b.bottom - b.top;

/** Puts src's area onto the box within `region`, 1:1 or scaled, with a binary rop. */
function putSource(dst: Surface, region: Region, box: Rect, source: Source, srcArea: Rect, scaleMode: number, rop: Rop): void {
  const src = sourceImg(source, dst);
  if (sameSize(box, srcArea)) {
    blitRegion(dst, region, src, box.left - srcArea.left, box.top - srcArea.top, rop);
    return;
  }
  const g = {
    srcX: srcArea.left,
    srcY: srcArea.top,
    srcW: srcArea.right - srcArea.left,
    srcH: srcArea.bottom - srcArea.top,
    dstX: box.left,
    dstY: box.top,
    dstW: box.right - box.left,
    dstH: box.bottom - box.top,
  };
  if (g.dstW <= 0 || g.dstH <= 0) return;
  scaleRegion(dst, region, src, g, scaleMode, rop);
  leaveScaled(source, scaleMode === 1 ? Filter.NEAREST : Filter.GOOD);
}

/** COPY / BLEND: the source with the rop of `ropd` (INVERS_SRC, INVERS_DEST). Returns the rectangles drawn. */
export function copy(
  dst: Surface,
  box: Rect,
  clip: readonly Rect[] | null,
  src: Source,
  srcArea: Rect,
  ropd: number,
  scaleMode: number,
  mask: Mask | null,
): Rect[] {
  const region = drawRegion(dst, box, clip, mask);
  const rop = ropdToRop(ropd, 'src', 'dest');
  if (rop === Rop.NOOP || region.isEmpty) return [];
  putSource(dst, region, box, src, srcArea, scaleMode, rop);
  return region.rects();
}

export const blend = copy;

/**
 * OPAQUE: the source is put (plain copy), then the brush is applied over it with the rop of `ropd` where
 * the brush plays the source and the copied source the destination (INVERS_BRUSH, INVERS_SRC).
 */
export function opaque(
  dst: Surface,
  box: Rect,
  clip: readonly Rect[] | null,
  src: Source,
  srcArea: Rect,
  brush: Brush,
  ropd: number,
  scaleMode: number,
  mask: Mask | null,
): Rect[] {
  const region = drawRegion(dst, box, clip, mask);
  const rop = ropdToRop(ropd, 'brush', 'src');
  if (rop === Rop.NOOP || region.isEmpty) return [];
  putSource(dst, region, box, src, srcArea, scaleMode, Rop.COPY);
  drawBrush(dst, region, brush, rop);
  return region.rects();
}

/** The colour key of TRANSPARENT in the destination's format: spice-gtk keys on true_color, not src_color. */
function colorKey(dst: Surface, trueColor: number): number {
  const c = trueColor >>> 0;
  switch (dst.fmt) {
    case 'x8r8g8b8':
    case 'a8r8g8b8':
      return c;
    case 'x1r5g5b5':
      return ((c >>> 3) & 0x1f) | ((c >>> 6) & 0x3e0) | ((c >>> 9) & 0x7c00);
    case 'r5g6b5':
      return ((c >>> 3) & 0x1f) | ((c >>> 5) & 0x7e0) | ((c >>> 8) & 0xf800);
    default:
      return 0;
  }
}

/**
 * TRANSPARENT: source pixels equal to the key are skipped (on 32-bit surfaces only the RGB bits are
 * compared). The key is `trueColor` (converted to 16 bits on 16-bit surfaces); `srcColor` is ignored, as
 * in spice-gtk. Scaling is NEAREST.
 */
export function transparent(
  dst: Surface,
  box: Rect,
  clip: readonly Rect[] | null,
  src: Source,
  srcArea: Rect,
  _srcColor: number,
  trueColor: number,
): Rect[] {
  const region = drawRegion(dst, box, clip, null);
  if (region.isEmpty) return [];
  const key = colorKey(dst, trueColor);
  const img = sourceImg(src, dst);
  if (sameSize(box, srcArea)) {
    colorkeyRegion(dst, region, img, box.left - srcArea.left, box.top - srcArea.top, key);
  } else {
    const g = {
      srcX: srcArea.left,
      srcY: srcArea.top,
      srcW: srcArea.right - srcArea.left,
      srcH: srcArea.bottom - srcArea.top,
      dstX: box.left,
      dstY: box.top,
      dstW: box.right - box.left,
      dstH: box.bottom - box.top,
    };
    if (g.dstW <= 0 || g.dstH <= 0) return [];
    const pic = {...scalePicture(img, g, 1, img.fmt), filter: Filter.NEAREST};
    const ext = region.extents()!;
    const scaled = allocImg(img.fmt, ext.x2 - ext.x1, ext.y2 - ext.y1);
    compositeSrcRegion(scaled, region.translate(-ext.x1, -ext.y1), pic, g.dstX - ext.x1, g.dstY - ext.y1);
    colorkeyRegion(dst, region, scaled, ext.x1, ext.y1, key);
    leaveScaled(src, Filter.NEAREST);
  }
  return region.rects();
}
