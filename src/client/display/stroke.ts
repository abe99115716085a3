/**
 * DRAW_STROKE as spice-gtk draws it (canvas_draw_stroke + lines.c): the path becomes integer polylines
 * (28.4 points rounded by fix_to_int, Béziers flattened by spice-common's recursive subdivision in 64-bit
 * integer math), and each polyline is drawn as a zero-width X11 line (miZeroLine: Bresenham with X's
 * octant bias, clipped to the surface by miZeroClipLine, endpoints excluded as win32 cosmetic pens,
 * CapNotLast), its pixels painted with the brush (solid value or tile) and the rop of fore_mode, inside
 * the box and clip. spice-gtk has no line width (LineAttr has none).
 *
 * STYLED lines are drawn as spice-gtk draws them, with X's wide-line dasher at width 1 (dash.ts).
 * back_mode is unused, as in spice-gtk.
 */
import {LineFlags, PathFlags} from '../wire/enums.js';
import {clipRegion} from './clip.js';
import {applyRop, type Rop, ropdToRop, ropMasks} from './rop.js';
import {getRaw, type Img, setRaw} from './pixel-format.js';
import type {Region} from './region.js';
import {dashedPolyline} from './dash.js';
import {sourceImg} from './source.js';
import type {Surface} from './surface.js';
import type {Brush, Point, Rect} from './types.js';

/** A path as the wire carries it: segments of 28.4 fixed-point points. */
export interface Path {
  segments: ReadonlyArray<{flags: number; points: readonly Point[]}>;
}

/** LineAttr as the wire carries it: flags, and with STYLED the 28.4 dash lengths. */
export interface LineAttr {
  flags: number;
  style?: readonly number[] | null;
}

/** fix_to_int: 28.4 to int, rounding half down. */
export const fixToInt = (f: number) => (f >> 4) + ((f & 0xf) > 8 ? 1 : 0);

// ---------------------------------------------------------------- Bézier flattening
const i64 = (v: bigint) => BigInt.asIntN(64, v);
const dot = (x1: bigint, y1: bigint, x2: bigint, y2: bigint) => i64(x1 * x2 + y1 * y2) >> 4n;
const dot2 = (x: bigint, y: bigint) => i64(x * x + y * y) >> 4n;
/** C's int division (truncation toward zero) of a 32-bit sum by 2. */
const half = (a: number, b: number) => Math.trunc(((a + b) | 0) / 2);

/** Most points a path may flatten to (spice-common has no limit; absurd coordinates would never end). */
const MAX_POINTS = 1 << 18;

function subdivide(out: Point[], p0: Point, p1: Point, p2: Point, p3: Point, depth = 0): void {
  const B = (v: number) => BigInt(v | 0);
  const A2 = dot2(B(p1.x - p0.x), B(p1.y - p0.y));
  const B2 = dot2(B(p3.x - p0.x), B(p3.y - p0.y));
  const C2 = dot2(B(p2.x - p3.x), B(p2.y - p3.y));
  const AB = dot(B(p1.x - p0.x), B(p1.y - p0.y), B(p3.x - p0.x), B(p3.y - p0.y));
  const CB = dot(B(p2.x - p3.x), B(p2.y - p3.y), B(p0.x - p3.x), B(p0.y - p3.y));
  const h1 = i64(i64(A2 * B2) - i64(AB * AB)) >> 3n;
  const h2 = i64(i64(C2 * B2) - i64(CB * CB)) >> 3n;
  // The depth and point limits only guard against absurd input; spice-common recurses without them.
  if ((h1 < B2 && h2 < B2) || depth > 40 || out.length >= MAX_POINTS) {
    out.push({x: fixToInt(p3.x), y: fixToInt(p3.y)});
    return;
  }
  const p01 = {x: half(p0.x, p1.x), y: half(p0.y, p1.y)};
  const p12 = {x: half(p1.x, p2.x), y: half(p1.y, p2.y)};
  const p23 = {x: half(p2.x, p3.x), y: half(p2.y, p3.y)};
  const p012 = {x: half(p01.x, p12.x), y: half(p01.y, p12.y)};
  const p123 = {x: half(p12.x, p23.x), y: half(p12.y, p23.y)};
  const p0123 = {x: half(p012.x, p123.x), y: half(p012.y, p123.y)};
  subdivide(out, p0, p01, p012, p0123, depth + 1);
  subdivide(out, p0123, p123, p23, p3, depth + 1);
}

/** The integer polylines of a path, in drawing order (canvas_draw_stroke's segment walk). */
export function pathPolylines(path: Path): Point[][] {
  const lines: Point[][] = [];
  let cur: Point[] = [];
  const flush = () => {
    if (cur.length) lines.push(cur);
    cur = [];
  };
  for (const seg of path.segments) {
    let i = 0;
    const pts = seg.points;
    if (seg.flags & PathFlags.BEGIN) {
      flush();
      if (pts.length) cur.push({x: fixToInt(pts[0]!.x), y: fixToInt(pts[0]!.y)});
      i = 1;
    }
    if (seg.flags & PathFlags.BEZIER) {
      // spice-gtk gives up on the rest of the stroke when the count is not a multiple of 3.
      if ((pts.length - i) % 3 !== 0) return lines;
      for (; i + 2 < pts.length; i += 3) {
        const last = cur[cur.length - 1] ?? {x: 0, y: 0};
        subdivide(cur, {x: last.x << 4, y: last.y << 4}, pts[i]!, pts[i + 1]!, pts[i + 2]!);
      }
    } else {
      for (; i < pts.length; i++) cur.push({x: fixToInt(pts[i]!.x), y: fixToInt(pts[i]!.y)});
    }
    if (seg.flags & PathFlags.END) {
      if (seg.flags & PathFlags.CLOSE && cur.length) cur.push({...cur[0]!});
      flush();
    }
  }
  flush();
  return lines;
}

// ---------------------------------------------------------------- miZeroLine
const XDECREASING = 4;
const YDECREASING = 2;
const YMAJOR = 1;
/** DEFAULTZEROLINEBIAS: octants 2, 3, 4 and 5 prefer the axial step on a zero error term. */
const BIAS = (1 << (YDECREASING | YMAJOR)) | (1 << (XDECREASING | YDECREASING | YMAJOR)) | (1 << (XDECREASING | YDECREASING)) | (1 << XDECREASING);

const OUT_LEFT = 8;
const OUT_RIGHT = 4;
const OUT_ABOVE = 2;
const OUT_BELOW = 1;

function outcode(x: number, y: number, xmin: number, ymin: number, xmax: number, ymax: number): number {
  let o = 0;
  if (x < xmin) o |= OUT_LEFT;
  if (x > xmax) o |= OUT_RIGHT;
  if (y < ymin) o |= OUT_ABOVE;
  if (y > ymax) o |= OUT_BELOW;
  return o;
}

// miZeroClipLine's equation terms.
const T_2NDX = 1;
const T_DXNOTY = 2;
const T_SUBDXORY = 4;
const T_BIASSUBONE = 8;
const T_DIV2DX = 16;
const T_ADDONE = 32;
const EQN1 = T_DXNOTY | T_DIV2DX;
const EQN1B = EQN1;
const EQN2 = T_DXNOTY | T_BIASSUBONE | T_DIV2DX;
const EQN2B = EQN2;
const EQN3 = T_SUBDXORY | T_BIASSUBONE | T_DIV2DX | T_ADDONE;
const EQN3B = T_BIASSUBONE | T_DIV2DX;
const EQN4 = T_SUBDXORY | T_DIV2DX | T_ADDONE;
const EQN4B = T_DIV2DX;
const EQN5 = T_2NDX | T_DXNOTY | T_SUBDXORY | T_BIASSUBONE | T_ADDONE;
const EQN5B = T_2NDX | T_DXNOTY | T_BIASSUBONE;
const EQN6 = T_2NDX | T_DXNOTY | T_SUBDXORY | T_ADDONE;
const EQN6B = T_2NDX | T_DXNOTY;
const EQN7 = T_2NDX;
const EQN7B = EQN7;
const EQN8 = T_2NDX | T_BIASSUBONE;
const EQN8B = EQN8;

interface Clipped {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  clip1: number;
  clip2: number;
}

/** miZeroClipLine: moves the out-of-bounds endpoints onto the bounds along the line's own pixels. */
function zeroClipLine(
  xmin: number,
  ymin: number,
  xmax: number,
  ymax: number,
  c: Clipped,
  adx: number,
  ady: number,
  octant: number,
  oc1: number,
  oc2: number,
): boolean {
  let swapped = false;
  let {x1, y1, x2, y2} = c;
  let x1o = x1;
  let y1o = y1;
  let x2o = x2;
  let y2o = y2;
  let clip1 = 0;
  let clip2 = 0;
  const xmajor = !(octant & YMAJOR);
  const bias = (BIAS >> octant) & 1;
  for (;;) {
    if (oc1 & oc2) return false;
    if ((oc1 | oc2) === 0) {
      if (swapped) {
        [x1, y1, x2, y2] = [x2, y2, x1, y1];
        [clip1, clip2] = [clip2, clip1];
      }
      Object.assign(c, {x1, y1, x2, y2, clip1, clip2});
      return true;
    }
    if (oc1 === 0) {
      [x1, y1, x2, y2] = [x2, y2, x1, y1];
      [x1o, y1o, x2o, y2o] = [x2o, y2o, x1o, y1o];
      [oc1, oc2] = [oc2, oc1];
      [clip1, clip2] = [clip2, clip1];
      swapped = !swapped;
    }
    clip1 |= oc1;
    let negslope = false;
    let utmp = 0;
    let eqn = 0;
    let anchor = 0;
    const near = (v: number) => (v >>> 0) <= 32767;
    if (oc1 & OUT_LEFT) {
      negslope = (octant & YDECREASING) !== 0;
      utmp = (xmin - x1o) >>> 0;
      if (near(utmp)) {
        eqn = xmajor ? (swapped ? EQN2 : EQN1) : swapped ? EQN4 : EQN3;
        anchor = y1o;
      } else {
        utmp = (x2o - xmin) >>> 0;
        eqn = xmajor ? (swapped ? EQN1B : EQN2B) : swapped ? EQN3B : EQN4B;
        anchor = y2o;
        negslope = !negslope;
      }
      x1 = xmin;
    } else if (oc1 & OUT_ABOVE) {
      negslope = (octant & XDECREASING) !== 0;
      utmp = (ymin - y1o) >>> 0;
      if (near(utmp)) {
        eqn = xmajor ? (swapped ? EQN6 : EQN5) : swapped ? EQN8 : EQN7;
        anchor = x1o;
      } else {
        utmp = (y2o - ymin) >>> 0;
        eqn = xmajor ? (swapped ? EQN5B : EQN6B) : swapped ? EQN7B : EQN8B;
        anchor = x2o;
        negslope = !negslope;
      }
      y1 = ymin;
    } else if (oc1 & OUT_RIGHT) {
      negslope = (octant & YDECREASING) !== 0;
      utmp = (x1o - xmax) >>> 0;
      if (near(utmp)) {
        eqn = xmajor ? (swapped ? EQN2 : EQN1) : swapped ? EQN4 : EQN3;
        anchor = y1o;
      } else {
        utmp = (xmax - x2o) >>> 0;
        eqn = xmajor ? (swapped ? EQN1B : EQN2B) : swapped ? EQN3B : EQN4B;
        anchor = y2o;
        negslope = !negslope;
      }
      x1 = xmax;
    } else if (oc1 & OUT_BELOW) {
      negslope = (octant & XDECREASING) !== 0;
      utmp = (y1o - ymax) >>> 0;
      if (near(utmp)) {
        eqn = xmajor ? (swapped ? EQN6 : EQN5) : swapped ? EQN8 : EQN7;
        anchor = x1o;
      } else {
        utmp = (ymax - y2o) >>> 0;
        eqn = xmajor ? (swapped ? EQN5B : EQN6B) : swapped ? EQN7B : EQN8B;
        anchor = x2o;
        negslope = !negslope;
      }
      y1 = ymax;
    }
    if (swapped) negslope = !negslope;
    // Unsigned 32-bit arithmetic, as the C code's CARD32.
    utmp = (utmp << 1) >>> 0;
    utmp = Math.imul(utmp, eqn & T_2NDX ? adx : ady) >>> 0;
    const d = eqn & T_DXNOTY ? adx : ady;
    utmp = (eqn & T_SUBDXORY ? utmp - d : utmp + d) >>> 0;
    utmp = (eqn & T_BIASSUBONE ? utmp + bias - 1 : utmp - bias) >>> 0;
    utmp = Math.floor(utmp / (((eqn & T_DIV2DX ? adx : ady) << 1) >>> 0)) >>> 0;
    if (eqn & T_ADDONE) utmp = (utmp + 1) >>> 0;
    if (negslope) utmp = -utmp >>> 0;
    if (eqn & T_2NDX) x1 = (anchor + utmp) | 0;
    else y1 = (anchor + utmp) | 0;
    oc1 = outcode(x1, y1, xmin, ymin, xmax, ymax);
  }
}

/**
 * miZeroLine over one polyline: calls `plot` for every pixel, segment by segment (each segment without
 * its last point), clipped to [0, width) × [0, height).
 */
export function zeroLine(pts: readonly Point[], width: number, height: number, plot: (x: number, y: number, seg: number, along: number) => void): void {
  const xmax = width - 1;
  const ymax = height - 1;
  let x2 = pts[0]!.x;
  let y2 = pts[0]!.y;
  let oc2 = outcode(x2, y2, 0, 0, xmax, ymax);
  for (let k = 1; k < pts.length; k++) {
    const x1 = x2;
    const y1 = y2;
    const oc1 = oc2;
    x2 = pts[k]!.x;
    y2 = pts[k]!.y;
    oc2 = outcode(x2, y2, 0, 0, xmax, ymax);
    let octant = 0;
    let signdx = 1;
    let signdy = 1;
    let adx = x2 - x1;
    let ady = y2 - y1;
    if (adx < 0) {
      adx = -adx;
      signdx = -1;
      octant |= XDECREASING;
    }
    if (ady < 0) {
      ady = -ady;
      signdy = -1;
      octant |= YDECREASING;
    }
    const xmajor = adx > ady;
    const e1 = (xmajor ? ady : adx) << 1;
    const e2 = e1 - ((xmajor ? adx : ady) << 1);
    let e = e1 - (xmajor ? adx : ady);
    let length = xmajor ? adx : ady;
    if (!xmajor) octant |= YMAJOR;
    e -= (BIAS >> octant) & 1;
    const c: Clipped = {x1, y1, x2, y2, clip1: 0, clip2: 0};
    if (oc1 | oc2) {
      if (!zeroClipLine(0, 0, xmax, ymax, c, adx, ady, octant, oc1, oc2)) continue;
      length = Math.abs(xmajor ? c.x2 - c.x1 : c.y2 - c.y1);
      if (c.clip2) length++;
      if (c.clip1) {
        const cdx = Math.abs(c.x1 - x1);
        const cdy = Math.abs(c.y1 - y1);
        e += xmajor ? cdy * e2 + (cdx - cdy) * e1 : cdx * e2 + (cdy - cdx) * e1;
      }
    }
    let x = c.x1;
    let y = c.y1;
    const e3 = e2 - e1;
    e -= e1;
    while (length-- > 0) {
      plot(x, y, k - 1, xmajor ? Math.abs(x - x1) : Math.abs(y - y1));
      e += e1;
      if (e >= 0) {
        if (xmajor) y += signdy;
        else x += signdx;
        e += e3;
      }
      if (xmajor) x += signdx;
      else y += signdy;
    }
  }
}

export function stroke(
  dst: Surface,
  box: Rect,
  clip: readonly Rect[] | null,
  path: Path,
  attr: LineAttr,
  brush: Brush,
  foreMode: number,
  _backMode: number,
): Rect[] {
  const region: Region = clipRegion(dst, box, clip);
  if (region.isEmpty) return [];
  const rop: Rop = ropdToRop(foreMode, 'brush', 'dest');
  const m = ropMasks(rop);
  let tile: Img | null = null;
  let color = 0;
  if (brush.type === 'solid') color = brush.color >>> 0;
  else if (brush.type === 'pattern') tile = sourceImg(brush.pixels, dst);
  const tx = brush.type === 'pattern' ? brush.pos.x : 0;
  const ty = brush.type === 'pattern' ? brush.pos.y : 0;

  // Dash lengths as spice-gtk gives them to X: fix_to_int into unsigned char; START_WITH_GAP rotates the
  // list left... into the last slot, and starts one dash in.
  let dashes: number[] | null = null;
  let dashOffset = 0;
  if (attr.flags & LineFlags.STYLED && attr.style?.length) {
    dashes = attr.style.map((v) => fixToInt(v) & 0xff);
    if (attr.flags & LineFlags.START_WITH_GAP) {
      dashes = [...dashes.slice(1), dashes[0]!];
      dashOffset = dashes[0]!;
    }
    // An all-zero list would make X loop for ever; drawn solid here.
    if (!dashes.some((v) => v > 0)) dashes = null;
  }
  const careful = ((rop & 0xc) === 0x8 || (rop & 0x3) === 0x2);

  const plot = (x: number, y: number): void => {
    if (!region.contains(x, y)) return;
    let s = color;
    if (tile) {
      const px = (((x - tx) % tile.width) + tile.width) % tile.width;
      const py = (((y - ty) % tile.height) + tile.height) % tile.height;
      s = getRaw(tile, px, py);
    }
    setRaw(dst, x, y, applyRop(m, s, getRaw(dst, x, y)) & (dst.fmt === 'a1' ? 1 : -1));
  };
  for (const line of pathPolylines(path)) {
    if (!dashes) {
      if (line.length >= 2) zeroLine(line, dst.width, dst.height, plot);
      continue;
    }
    // The spans of all dashes and joins of the polyline, each pixel painted once.
    const rows = new Map<number, Array<[number, number]>>();
    for (const [y, x, w] of dashedPolyline(line, dashes, dashOffset, careful)) {
      if (y < 0 || y >= dst.height || w <= 0) continue;
      let r = rows.get(y);
      if (!r) rows.set(y, (r = []));
      r.push([x, x + w]);
    }
    for (const [y, spans] of rows) {
      spans.sort((a, b) => a[0] - b[0]);
      let end = -Infinity;
      for (const [a, b] of spans) {
        for (let x = Math.max(a, end, 0); x < Math.min(b, dst.width); x++) plot(x, y);
        end = Math.max(end, b);
      }
    }
  }
  return region.rects();
}
