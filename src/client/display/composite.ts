/**
 * DRAW_COMPOSITE (Render through the Xorg qxl driver) as spice-gtk's canvas_draw_composite runs it: the
 * box's destination pixels are copied out, composited over their whole box with pixman (operator, source
 * and mask transforms, filters, repeats, component alpha from the flags), and the result is copied back
 * inside the clip. Image sources and masks are first brought to the canvas format like every image (so an
 * A8 image mask on a 32-bit surface becomes opaque, as in spice-gtk); surfaces are used as they are, a
 * 32_ARGB source surface read as xRGB with SOURCE_OPAQUE. DEST_OPAQUE and MASK_OPAQUE change nothing in
 * spice-gtk and are ignored here too.
 */
import {CompositeFlags, CompositeField} from '../wire/enums.js';
import {clipRegion} from './clip.js';
import {blitRegion} from './paint.js';
import {allocImg, type Img} from './pixel-format.js';
import {composite as pixmanComposite} from './pixman-composite.js';
import {optimizeOperator, pictureOpacity} from './pixman-flags.js';
import {needsDivision} from './pixman-float.js';
import {Region} from './region.js';
import {Rop} from './rop.js';
import {Filter, type PictureState, Repeat, setTransform, type SourcePicture, type Transform} from './sample.js';
import {imageForTarget} from './source.js';
import {isSurface, type Surface} from './surface.js';
import type {Point, Rect, Source} from './types.js';

/** A COMPOSITE transform as on the wire: 16.16 fixed-point numbers (u32 on the wire, read as signed). */
export interface WireTransform {
  t00: number;
  t01: number;
  t02: number;
  t10: number;
  t11: number;
  t12: number;
}

export interface CompositeInput {
  /** The wire's flags: operator, filters, repeats, COMPONENT_ALPHA, HAS_*, *_OPAQUE. */
  flags: number;
  src: Source;
  mask: Source | null;
  srcTransform: WireTransform | null;
  maskTransform: WireTransform | null;
  srcOrigin: Point;
  maskOrigin: Point;
}

const field = (flags: number, f: {shift: number; mask: number}) => (flags >>> f.shift) & f.mask;

function transformOf(t: WireTransform | null): Transform | null {
  return t ? [t.t00 | 0, t.t01 | 0, t.t02 | 0, t.t10 | 0, t.t11 | 0, t.t12 | 0] : null;
}

/**
 * The pixman image a source or mask is read through, and the settings object that a draw's transform,
 * filter and repeat go to: a fresh one for images and opaque views, the surface's own persistent one
 * otherwise (so a surface used as both source and mask ends with the mask's settings, as in spice-gtk).
 */
function picture(src: Source, dst: Surface, forceOpaque: boolean): {img: Img; state: PictureState} {
  const fresh = (): PictureState => ({transform: null, filter: Filter.NEAREST, repeat: Repeat.NONE});
  if (!isSurface(src)) return {img: imageForTarget(src, dst), state: fresh()};
  if (forceOpaque && src.fmt === 'a8r8g8b8')
    return {img: {fmt: 'x8r8g8b8', width: src.width, height: src.height, data: src.data, stride: src.stride}, state: fresh()};
  return {img: src, state: src.picture};
}

export function composite(dst: Surface, box: Rect, clip: readonly Rect[] | null, c: CompositeInput): Rect[] {
  const region = clipRegion(dst, box, clip);
  const f = c.flags >>> 0;

  // Settings are applied in spice-gtk's order: source, then mask; a source without HAS_SRC_TRANSFORM keeps
  // whatever transform its pixman image had.
  const s = picture(c.src, dst, (f & CompositeFlags.SOURCE_OPAQUE) !== 0);
  if (f & CompositeFlags.HAS_SRC_TRANSFORM) setTransform(s.state, transformOf(c.srcTransform));
  s.state.filter = field(f, CompositeField.SRC_FILTER);
  s.state.repeat = field(f, CompositeField.SRC_REPEAT);
  let m: {img: Img; state: PictureState} | null = null;
  if (f & CompositeFlags.HAS_MASK && c.mask) {
    m = picture(c.mask, dst, false);
    if (f & CompositeFlags.HAS_MASK_TRANSFORM) setTransform(m.state, transformOf(c.maskTransform));
    m.state.repeat = field(f, CompositeField.MASK_REPEAT);
    m.state.filter = field(f, CompositeField.MASK_FILTER);
  }
  const src: SourcePicture = {img: s.img, ...s.state};
  const mask: SourcePicture | null = m ? {img: m.img, ...m.state} : null;
  const componentAlpha = (f & CompositeFlags.COMPONENT_ALPHA) !== 0;

  // pixman's decisions over the whole box: composite at all, and with which operator.
  const bw = box.right - box.left;
  const bh = box.bottom - box.top;
  const srcOpaque = pictureOpacity(src, {x1: c.srcOrigin.x, y1: c.srcOrigin.y, x2: c.srcOrigin.x + bw, y2: c.srcOrigin.y + bh}, componentAlpha && !!m && s.state === m.state);
  const maskOpaque = mask ? pictureOpacity(mask, {x1: c.maskOrigin.x, y1: c.maskOrigin.y, x2: c.maskOrigin.x + bw, y2: c.maskOrigin.y + bh}, componentAlpha) : true;
  if (srcOpaque === null || maskOpaque === null || bw <= 0 || bh <= 0) return region.rects();
  const op = optimizeOperator(field(f, CompositeField.OP), srcOpaque && maskOpaque);

  // spice-gtk composites onto a copy of the whole box (even when the clip leaves nothing to draw: the
  // settings above stick anyway); every pixel depends only on its own position, so only the part of the
  // box the region covers is computed here (x0, y0: its offset in the box).
  let ext = region.extents();
  if (!ext) return [];
  // In pixman's floating-point path with a mask, a pixel's result can depend on where its row starts and
  // on the rows above it (skipped fetches keep older values): compute the whole box then, as spice-gtk.
  if (needsDivision(op) && mask && bw * bh <= 1 << 24) ext = {x1: box.left, y1: box.top, x2: box.right, y2: box.bottom};
  const x0 = ext.x1 - box.left;
  const y0 = ext.y1 - box.top;
  const width = ext.x2 - ext.x1;
  const height = ext.y2 - ext.y1;
  const d = allocImg(dst.fmt, width, height);
  blitRegion(d, Region.rect(0, 0, width, height), dst, -ext.x1, -ext.y1, Rop.COPY);
  pixmanComposite({
    op,
    src,
    mask,
    componentAlpha,
    dst: d,
    region: Region.rect(0, 0, width, height),
    srcDx: c.srcOrigin.x + x0,
    srcDy: c.srcOrigin.y + y0,
    maskDx: c.maskOrigin.x + x0,
    maskDy: c.maskOrigin.y + y0,
  });
  blitRegion(dst, region, d, ext.x1, ext.y1, Rop.COPY);
  return region.rects();
}
