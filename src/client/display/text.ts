/**
 * DRAW_TEXT as spice-gtk's sw_canvas draws it: the back area (when not empty) is filled with the back
 * brush, then the glyphs are gathered into one string mask (A1 glyphs into an a1 image, A4 and A8 into an
 * a8 image, each pixel the maximum of the glyphs covering it) and the fore brush is composited OVER through
 * it, inside the box and the clip. Glyph rows are bottom-up (spice-gtk ignores RASTER_TOP_DOWN); A1 rows
 * are MSB first; an A4 value v becomes v << 4; A8 rows are read one row late, as spice-gtk does. The fore/back modes are not used as rops: a back area with a
 * fore mode other than OP_PUT makes spice-gtk draw nothing at all, and so does this.
 */
import {Ropd, StringFlags} from '../wire/enums.js';
import {clearDestAlpha} from './alpha-blend.js';
import {drawBrush} from './brush.js';
import {clipRegion} from './clip.js';
import {allocImg, type Img} from './pixel-format.js';
import {composite, Op} from './pixman-composite.js';
import {Rop} from './rop.js';
import {Filter, Repeat, type SourcePicture} from './sample.js';
import {imageForTarget} from './source.js';
import {isSurface, type Surface} from './surface.js';
import type {Brush, Point, Rect} from './types.js';

/** One raster glyph as the wire carries it (RasterGlyphA1/A4/A8). */
export interface Glyph {
  render_pos: Point;
  glyph_origin: Point;
  width: number;
  height: number;
  data: Uint8Array;
}

/** A glyph string as the wire carries it (spice.proto `String`). */
export interface GlyphString {
  flags: number;
  /** Absent when no RASTER_A1/A4/A8 flag is set (spice.proto's switch has no case for it). */
  glyphs: readonly Glyph[] | undefined;
}

function glyphBox(g: Glyph): {left: number; top: number; right: number; bottom: number} {
  const top = g.render_pos.y + g.glyph_origin.y;
  const left = g.render_pos.x + g.glyph_origin.x;
  return {left, top, right: left + g.width, bottom: top + g.height};
}

/**
 * canvas_get_str_mask: the glyphs' coverage in their union box (x, y = its top-left). Only the part inside
 * `limit` is made (mx, my = that part's top-left); glyph pixels outside it are skipped.
 */
function stringMask(glyphs: readonly Glyph[], bpp: 1 | 4 | 8, limit: {x1: number; y1: number; x2: number; y2: number}): {mask: Img; x: number; y: number; mx: number; my: number} {
  const boxes = glyphs.map(glyphBox);
  const b = {...boxes[0]!};
  for (const g of boxes) {
    b.top = Math.min(b.top, g.top);
    b.left = Math.min(b.left, g.left);
    b.bottom = Math.max(b.bottom, g.bottom);
    b.right = Math.max(b.right, g.right);
  }
  const mx = Math.max(b.left, limit.x1);
  const my = Math.max(b.top, limit.y1);
  const mw = Math.max(0, Math.min(b.right, limit.x2) - mx);
  const mh = Math.max(0, Math.min(b.bottom, limit.y2) - my);
  const mask = allocImg(bpp === 1 ? 'a1' : 'a8', mw, mh);
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < mw && y < mh;
  glyphs.forEach((g, i) => {
    const gb = boxes[i]!;
    // Glyph pixel (gx, gy) lands on mask pixel (x0 + gx, y0 + gy).
    const x0 = gb.left - mx;
    const y0 = gb.top - my;
    const lines = g.height;
    const width = g.width;
    const d = g.data;
    if (x0 >= mw || y0 >= mh || x0 + width <= 0 || y0 + lines <= 0) return;
    if (bpp === 1) {
      const stride = (width + 7) >> 3;
      const words = mask.data as Uint32Array;
      for (let row = 0; row < lines; row++) {
        const src = (lines - 1 - row) * stride;
        const y = y0 + row;
        for (let x = 0; x < width; x++) {
          const mxp = x0 + x;
          if (inside(mxp, y) && (d[src + (x >> 3)]! >> (7 - (x & 7))) & 1) {
            const wi = y * mask.stride + (mxp >> 5);
            words[wi] = words[wi]! | (1 << (mxp & 31));
          }
        }
      }
    } else if (bpp === 4) {
      const stride = (width * 4 + 7) >> 3;
      const out = mask.data as Uint8Array;
      for (let row = 0; row < lines; row++) {
        const src = (lines - 1 - row) * stride;
        const y = y0 + row;
        for (let x = 0; x < width; x += 2) {
          const byte = d[src + (x >> 1)]!;
          if (inside(x0 + x, y)) {
            const o = y * mask.stride + x0 + x;
            out[o] = Math.max(out[o]!, byte & 0xf0);
          }
          // spice-gtk compares the int byte << 4 (up to 0xff0) and stores it truncated to 8 bits.
          if (x + 1 < width && inside(x0 + x + 1, y)) {
            const o = y * mask.stride + x0 + x + 1;
            out[o] = Math.max(out[o]!, byte << 4) & 0xff;
          }
        }
      }
    } else {
      // spice-gtk's A8 path ("untested") reads each row one row late: mask row r takes glyph row
      // lines - r, the top mask row the bytes after the glyph (taken as zero here).
      const out = mask.data as Uint8Array;
      for (let row = 0; row < lines; row++) {
        const src = (lines - row) * width;
        const y = y0 + row;
        for (let x = 0; x < width; x++) {
          if (!inside(x0 + x, y)) continue;
          const o = y * mask.stride + x0 + x;
          out[o] = Math.max(out[o]!, d[src + x] ?? 0);
        }
      }
    }
  });
  return {mask, x: b.left, y: b.top, mx, my};
}

/** canvas_get_pixman_brush: a solid colour through the canvas's colour shift/mask (5 bits a channel on 16-bit surfaces). */
function brushPicture(dst: Surface, brush: Brush): SourcePicture | null {
  if (brush.type === 'none') return null;
  if (brush.type === 'solid') {
    const sixteen = dst.fmt === 'r5g6b5' || dst.fmt === 'x1r5g5b5';
    const shift = sixteen ? 5 : 8;
    const m = sixteen ? 0x1f : 0xff;
    let c = brush.color >>> 0;
    const ch = () => {
      const v = Math.floor(((c & m) * 0xffff) / m) >> 8;
      c >>>= shift;
      return v;
    };
    const b = ch();
    const g = ch();
    const r = ch();
    return {img: dst, transform: null, filter: Filter.NEAREST, repeat: Repeat.NONE, solid: (0xff000000 | (r << 16) | (g << 8) | b) >>> 0};
  }
  // A pattern is read through its image, translated by -pos, repeat NORMAL (left so on a surface's image).
  const t = [0x10000, 0, (-brush.pos.x * 65536) | 0, 0, 0x10000, (-brush.pos.y * 65536) | 0] as const;
  if (isSurface(brush.pixels)) {
    const st = brush.pixels.picture;
    st.transform = brush.pos.x === 0 && brush.pos.y === 0 ? null : t;
    st.repeat = Repeat.NORMAL;
    return {img: brush.pixels, transform: st.transform, filter: st.filter, repeat: st.repeat};
  }
  return {img: imageForTarget(brush.pixels, dst), transform: t, filter: Filter.NEAREST, repeat: Repeat.NORMAL};
}

const fullWidth = (glyphs: readonly Glyph[]) => {
  const b = glyphs.map(glyphBox);
  return Math.max(...b.map((g) => g.right)) - Math.min(...b.map((g) => g.left));
};
const fullHeight = (glyphs: readonly Glyph[]) => {
  const b = glyphs.map(glyphBox);
  return Math.max(...b.map((g) => g.bottom)) - Math.min(...b.map((g) => g.top));
};

export function text(
  dst: Surface,
  box: Rect,
  clip: readonly Rect[] | null,
  str: GlyphString,
  backArea: Rect,
  foreBrush: Brush,
  backBrush: Brush,
  foreMode: number,
  _backMode: number,
): Rect[] {
  const region = clipRegion(dst, box, clip);
  if (region.isEmpty) return [];
  if (!(backArea.top === backArea.bottom || backArea.left === backArea.right)) {
    if (foreMode !== Ropd.OP_PUT) return [];
    const back = region.intersectRect(backArea.left, backArea.top, backArea.right, backArea.bottom);
    if (!back.isEmpty) {
      drawBrush(dst, back, backBrush, Rop.COPY);
    }
  }
  const bpp = str.flags & StringFlags.RASTER_A1 ? 1 : str.flags & StringFlags.RASTER_A4 ? 4 : str.flags & StringFlags.RASTER_A8 ? 8 : 0;
  const glyphs = str.glyphs;
  if (!bpp || !glyphs || glyphs.length === 0) return region.rects();
  const pic = brushPicture(dst, foreBrush);
  if (!pic) return region.rects();
  const {mask, x, y, mx, my} = stringMask(glyphs, bpp, region.extents()!);
  const area = region.intersectRect(mx, my, mx + mask.width, my + mask.height);
  composite({
    op: Op.OVER,
    src: pic,
    mask: {img: mask, transform: null, filter: Filter.NEAREST, repeat: Repeat.NONE},
    componentAlpha: false,
    dst,
    region: area,
    srcDx: -x,
    srcDy: -y,
    maskDx: -mx,
    maskDy: -my,
  });
  if (dst.fmt === 'x8r8g8b8') clearDestAlpha(dst, x, y, fullWidth(glyphs), fullHeight(glyphs));
  return region.rects();
}
