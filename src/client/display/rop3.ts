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

/**
 * canvas_scale_surface: the source area scaled to width × height with a double-precision factor; only the
 * part [ox, ox + w) × [oy, oy + h) of that image is made.
 */
function scaleSource(src: Img, area: Rect, width: number, height: number, scaleMode: number, ox: number, oy: number, w: number, h: number): Img {
  const sx = (area.right - area.left) / width;
  const sy = (area.bottom - area.top) / height;
  const pic: SourcePicture = {
    img: src,
    transform: [Math.trunc(sx * 65536) | 0, 0, 0, 0, Math.trunc(sy * 65536) | 0, 0],
    filter: scaleMode === ImageScaleMode.NEAREST ? Filter.NEAREST : Filter.BILINEAR,
    repeat: Repeat.NONE,
    raw: src.fmt === 'x8r8g8b8',
  };
  const out = allocImg(src.fmt, Math.max(0, w), Math.max(0, h));
  const rx = Math.floor(area.left / sx + 0.5);
  const ry = Math.floor(area.top / sy + 0.5);
  compositeSrcRegion(out, Region.rect(0, 0, w, h), pic, -(rx + ox), -(ry + oy));
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
  // spice-gtk works on a copy of the whole box; the op is per pixel, so only the part the region covers
  // is computed here: box pixels [ox, ox + w) × [oy, oy + h).
  const ext = region.extents() ?? {x1: box.left, y1: box.top, x2: box.left, y2: box.top};
  const ox = ext.x1 - box.left;
  const oy = ext.y1 - box.top;
  const w = ext.x2 - ext.x1;
  const h = ext.y2 - ext.y1;

  let s = sourceImg(src, dst);
  let sx0 = srcArea.left;
  let sy0 = srcArea.top;
  let scaled = false;
  if (srcArea.right - srcArea.left !== width || srcArea.bottom - srcArea.top !== height) {
    // canvas_scale_surface makes a box-sized image; only the needed part is sampled.
    s = scaleSource(s, srcArea, width, height, scaleMode, ox, oy, w, h);
    leaveScaled(src, scaleMode === ImageScaleMode.NEAREST ? Filter.NEAREST : Filter.GOOD);
    sx0 = -ox;
    sy0 = -oy;
    scaled = true;
  }
  // spice-gtk gives up (spice_critical) when the source does not cover the box.
  if (!scaled && (s.width - sx0 < width || s.height - sy0 < height)) return [];
  if (w <= 0 || h <= 0) return [];

  const d = allocImg(dst.fmt, w, h);
  blitRegion(d, Region.rect(0, 0, w, h), dst, -ext.x1, -ext.y1, Rop.COPY);
  const mask32 = bppOf(dst.fmt) === 32 ? -1 : bppOf(dst.fmt) === 16 ? 0xffff : 0xff;
  const out = d.data;
  const sd = s.data;
  /** Source value for box pixel (bx, by). */
  const sAt = (bx: number, by: number) => {
    const x = sx0 + bx;
    const y = sy0 + by;
    return x >= 0 && y >= 0 && x < s.width && y < s.height ? sd[y * s.stride + x]! : 0;
  };
  if (brush.type === 'pattern') {
    const p = sourceImg(brush.pixels, dst);
    const px0 = (box.left - brush.pos.x) % p.width;
    const py0 = (box.top - brush.pos.y) % p.height;
    // rop3.c steps the offsets by one, modulo the size: negative starts count up to 0 first.
    const walk = (start: number, i: number, size: number) => (start + i < 0 ? start + i : (start + i) % size);
    for (let y = 0; y < h; y++) {
      const py = walk(py0, oy + y, p.height);
      for (let x = 0; x < w; x++) {
        const i = y * d.stride + x;
        out[i] = ternary(rop, patternValue(p, walk(px0, ox + x, p.width), py), sAt(ox + x, oy + y), out[i]!) & mask32;
      }
    }
  } else {
    const c = brush.type === 'solid' ? brush.color & mask32 : 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * d.stride + x;
        out[i] = ternary(rop, c, sAt(ox + x, oy + y), out[i]!) & mask32;
      }
    }
  }
  blitRegion(dst, region, d, ext.x1, ext.y1, Rop.COPY);
  return region.rects();
}
