/**
 * DRAW_ROP3: a Windows ternary raster operation of pattern (P), source (S) and destination (D), as
 * spice-gtk's canvas_draw_rop3 + rop3.c run it: the op works on a copy of the box's destination pixels,
 * with the source (scaled first when the box and source area differ, canvas_scale_surface's own rounding)
 * and the brush (a solid value or a pattern tile), on whole native pixel values; the copy is then blitted
 * back inside the clipped, masked region.
 *
 * Every one of the 256 ops is evaluated from its truth table (bit p*4 + s*2 + d of the index: P = 0xF0,
 * S = 0xCC, D = 0xAA). spice-common implements 219 of them and aborts on the other 37 (those that reduce
 * to fewer operands); here those give the mathematically defined result.
 */
import {ImageScaleMode} from '../wire/enums.js';
import {drawRegion} from './clip.js';
import {blitRegion} from './paint.js';
import {allocImg, bppOf, type Img} from './pixel-format.js';
import {Rop} from './rop.js';
import {compositeSrcRegion} from './scale.js';
import {Filter, Repeat, type SourcePicture} from './sample.js';
import {Region} from './region.js';
import {leaveScaled, sourceImg} from './source.js';
import type {Surface} from './surface.js';
import type {Brush, Mask, Rect, Source} from './types.js';

/** The ternary rop on 32-bit values. */
export function ternary(rop3: number, p: number, s: number, d: number): number {
  let r = 0;
  for (let k = 0; k < 8; k++) {
    if (!((rop3 >> k) & 1)) continue;
    r |= (k & 4 ? p : ~p) & (k & 2 ? s : ~s) & (k & 1 ? d : ~d);
  }
  return r;
}

/** pixman's row stride in pixels for an image it allocates (rows padded to 32 bits). */
const pixmanStride = (img: Img) => {
  const bpp = bppOf(img.fmt);
  return bpp >= 32 ? img.width : Math.ceil((img.width * bpp) / 32) * (32 / bpp);
};

/**
 * rop3.c walks the pattern from a start offset computed with C's remainder, which is negative when the
 * pattern origin lies right of or below the box: it then reads the pixels before the row (the previous
 * row's tail in pixman's layout, nothing before the first row). Emulated through linear indices.
 */
function patternValue(p: Img, x: number, y: number): number {
  const stride = pixmanStride(p);
  const lin = y * stride + x;
  if (lin < 0) return 0;
  const row = Math.floor(lin / stride);
  const col = lin - row * stride;
  if (row >= p.height || col >= p.width) return 0;
  return p.data[row * p.stride + col]!;
}

/** canvas_scale_surface: the source area scaled to width × height with a double-precision factor. */
function scaleSource(src: Img, area: Rect, width: number, height: number, scaleMode: number): Img {
  const sx = (area.right - area.left) / width;
  const sy = (area.bottom - area.top) / height;
  const pic: SourcePicture = {
    img: src,
    transform: [Math.trunc(sx * 65536) | 0, 0, 0, 0, Math.trunc(sy * 65536) | 0, 0],
    filter: scaleMode === ImageScaleMode.NEAREST ? Filter.NEAREST : Filter.BILINEAR,
    repeat: Repeat.NONE,
    raw: src.fmt === 'x8r8g8b8',
  };
  const out = allocImg(src.fmt, width, height);
  const ox = Math.floor(area.left / sx + 0.5);
  const oy = Math.floor(area.top / sy + 0.5);
  compositeSrcRegion(out, Region.rect(0, 0, width, height), pic, -ox, -oy);
  return out;
}

export function rop3(
  dst: Surface,
  box: Rect,
  clip: readonly Rect[] | null,
  src: Source,
  srcArea: Rect,
  brush: Brush,
  rop: number,
  scaleMode: number,
  mask: Mask | null,
): Rect[] {
  const region = drawRegion(dst, box, clip, mask);
  const width = box.right - box.left;
  const height = box.bottom - box.top;
  if (width <= 0 || height <= 0) return [];
  // The box's destination pixels (outside the surface: zero).
  const d = allocImg(dst.fmt, width, height);
  blitRegion(d, Region.rect(0, 0, width, height), dst, -box.left, -box.top, Rop.COPY);

  let s = sourceImg(src, dst);
  let sx0 = srcArea.left;
  let sy0 = srcArea.top;
  if (srcArea.right - srcArea.left !== width || srcArea.bottom - srcArea.top !== height) {
    s = scaleSource(s, srcArea, width, height, scaleMode);
    leaveScaled(src, scaleMode === ImageScaleMode.NEAREST ? Filter.NEAREST : Filter.GOOD);
    sx0 = 0;
    sy0 = 0;
  }
  // spice-gtk gives up (spice_critical) when the source does not cover the box.
  if (s.width - sx0 < width || s.height - sy0 < height) return [];

  const mask32 = bppOf(dst.fmt) === 32 ? -1 : bppOf(dst.fmt) === 16 ? 0xffff : 0xff;
  const out = d.data;
  const sd = s.data;
  if (brush.type === 'pattern') {
    const p = sourceImg(brush.pixels, dst);
    const px0 = (box.left - brush.pos.x) % p.width;
    let py = (box.top - brush.pos.y) % p.height;
    for (let y = 0; y < height; y++) {
      let px = px0;
      for (let x = 0; x < width; x++) {
        const sv = sy0 + y >= 0 && sx0 + x >= 0 ? sd[(sy0 + y) * s.stride + sx0 + x]! : 0;
        const i = y * d.stride + x;
        out[i] = ternary(rop, patternValue(p, px, py), sv, out[i]!) & mask32;
        px = (px + 1) % p.width;
      }
      py = (py + 1) % p.height;
    }
  } else {
    const c = brush.type === 'solid' ? brush.color & mask32 : 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sv = sy0 + y >= 0 && sx0 + x >= 0 ? sd[(sy0 + y) * s.stride + sx0 + x]! : 0;
        const i = y * d.stride + x;
        out[i] = ternary(rop, c, sv, out[i]!) & mask32;
      }
    }
  }
  blitRegion(dst, region, d, box.left, box.top, Rop.COPY);
  return region.rects();
}
