/**
 * Bringing a draw's source to the destination's pixel format, as spice-gtk's canvas_get_image does for
 * images (canvas_get_target_format: 32-bit destinations keep an image's alpha as a8r8g8b8 and take every
 * other image as x8r8g8b8, raw; 16-bit and alpha-only destinations convert to their own format) and as
 * its blits do for surfaces (read in place, native format).
 */
import type {Pixels} from '../codecs/pixels.js';
import {bppOf, convertImg, cropImg, type Img, type PixFmt, pixelsImg} from './pixel-format.js';
import {isSurface, type Surface} from './surface.js';
import type {Source} from './types.js';

/** canvas_get_target_format(). */
export function targetFormat(dst: Img, sourceHasAlpha: boolean): PixFmt {
  if (dst.fmt === 'x8r8g8b8' || dst.fmt === 'a8r8g8b8') return sourceHasAlpha ? 'a8r8g8b8' : 'x8r8g8b8';
  return dst.fmt;
}

/** A decoded image in the destination's format (shares the pixel data when no conversion is needed). */
export function imageForTarget(p: Pixels, dst: Img): Img {
  const img = pixelsImg(p);
  return convertImg(img, targetFormat(dst, img.fmt === 'a8r8g8b8'));
}

/**
 * A view of `src` to read with raw blits into `dst`: images converted as above, surfaces as they are
 * (converted when the pixel sizes differ, where spice-gtk would assert). A surface drawn onto itself is
 * read in place, as spice-gtk does: overlapping areas see pixels already written by the same draw, rows
 * going top-down (see README).
 */
export function sourceImg(src: Source, dst: Surface): Img {
  if (isSurface(src)) {
    let img: Img = src;
    if (bppOf(img.fmt) !== bppOf(dst.fmt)) img = convertImg(img, targetFormat(dst, img.fmt === 'a8r8g8b8'));
    return img;
  }
  return imageForTarget(src, dst);
}

/** The original format of a source (for ops that interpret alpha: ALPHA_BLEND with want_original). */
export function originalImg(src: Source, dst: Surface): Img {
  if (isSurface(src)) return src === dst ? cropImg(src, 0, 0, src.width, src.height) : src;
  return pixelsImg(src);
}

/**
 * What a spice-gtk scaling draw leaves on a surface's pixman image after reading it (scale_image,
 * canvas_scale_surface, colorkey and blend scaling): no transform, repeat NONE, the filter it used.
 */
export function leaveScaled(src: Source, filter: number): void {
  if (!isSurface(src)) return;
  src.picture.transform = null;
  src.picture.repeat = 0;
  src.picture.filter = filter;
}
