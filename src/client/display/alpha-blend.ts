/**
 * DRAW_ALPHA_BLEND (spice-gtk's canvas_draw_alpha_blend + blend_image / blend_scale_image): the source,
 * in its own format (an image's alpha kept; a 32_xRGB surface read as ARGB with SRC_SURFACE_HAS_ALPHA),
 * is composited OVER the destination with a constant mask of `alpha` (none when 255), scaled NEAREST when
 * the box and source area differ. With DEST_HAS_ALPHA a 32_xRGB destination is treated as ARGB. On a
 * 32_xRGB destination without DEST_HAS_ALPHA, spice-gtk then clears the alpha byte of the whole box when
 * its top-left pixel came out with alpha 255 (clear_dest_alpha), and so does this.
 */
import {AlphaFlags} from '../wire/enums.js';
import {clipRegion} from './clip.js';
import {fillBoxes} from './paint.js';
import type {Img} from './pixel-format.js';
import {composite, Op} from './pixman-composite.js';
import {Rop} from './rop.js';
import {Filter, type PictureState, Repeat, type SourcePicture} from './sample.js';
import {originalImg} from './source.js';
import {isSurface, type Surface} from './surface.js';
import type {Rect, Source} from './types.js';

const asArgb = (img: Img): Img => (img.fmt === 'x8r8g8b8' ? {...img, fmt: 'a8r8g8b8'} : img);

/** clear_dest_alpha: ANDs the box with 0x00ffffff when its first pixel (clamped to the surface) is opaque. */
export function clearDestAlpha(dst: Surface, x: number, y: number, width: number, height: number): void {
  if (x + width <= 0 || x >= dst.width || y + height <= 0 || y >= dst.height || width === 0 || height === 0) return;
  if (x < 0) {
    width += x;
    x = 0;
  }
  if (x + width > dst.width) width = dst.width - x;
  if (y < 0) {
    height += y;
    y = 0;
  }
  if (y + height > dst.height) height = dst.height - y;
  if (dst.data[y * dst.stride + x]! >>> 24 === 0xff) fillBoxes(dst, [{x1: x, y1: y, x2: x + width, y2: y + height}], 0x00ffffff, Rop.AND);
}

export function alphaBlend(dst: Surface, box: Rect, clip: readonly Rect[] | null, src: Source, srcArea: Rect, alpha: number, flags: number): Rect[] {
  const region = clipRegion(dst, box, clip);
  if ((alpha & 0xff) === 0 || region.isEmpty) return [];
  const destHasAlpha = (flags & AlphaFlags.DEST_HAS_ALPHA) !== 0;
  let img = originalImg(src, dst);
  // The surface's own pixman image (not an ARGB view of it) keeps the transform and filter earlier draws
  // left on it; blend_image sets only repeat NONE.
  let state: PictureState | null = null;
  if (isSurface(src)) {
    if (flags & AlphaFlags.SRC_SURFACE_HAS_ALPHA && img.fmt === 'x8r8g8b8') img = asArgb(img);
    else state = src.picture;
  }
  const target: Img = destHasAlpha ? asArgb(dst) : dst;
  const dw = box.right - box.left;
  const dh = box.bottom - box.top;
  const sw = srcArea.right - srcArea.left;
  const sh = srcArea.bottom - srcArea.top;
  const scaled = dw !== sw || dh !== sh;
  const pic: SourcePicture = scaled
    ? {
        img,
        transform: [Math.floor((sw * 65536) / dw) | 0, 0, (srcArea.left * 65536) | 0, 0, Math.floor((sh * 65536) / dh) | 0, (srcArea.top * 65536) | 0],
        filter: Filter.NEAREST,
        repeat: Repeat.NONE,
      }
    : {img, transform: state?.transform ?? null, filter: state?.filter ?? Filter.NEAREST, repeat: Repeat.NONE};
  if (state) {
    state.repeat = Repeat.NONE;
    if (scaled) {
      state.transform = null;
      state.filter = Filter.NEAREST;
    }
  }
  composite({
    op: Op.OVER,
    src: pic,
    mask: (alpha & 0xff) === 0xff ? null : {img, transform: null, filter: Filter.NEAREST, repeat: Repeat.NONE, solid: ((alpha & 0xff) << 24) >>> 0},
    componentAlpha: false,
    dst: target,
    region,
    srcDx: scaled ? -box.left : srcArea.left - box.left,
    srcDy: scaled ? -box.top : srcArea.top - box.top,
    maskDx: 0,
    maskDy: 0,
  });
  if (dst.fmt === 'x8r8g8b8' && !destHasAlpha) clearDestAlpha(dst, box.left, box.top, dw, dh);
  return region.rects();
}
