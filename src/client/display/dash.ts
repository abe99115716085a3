/**
 * Dashed zero-width lines as spice-gtk draws them: X's wide-line dasher at line width 1 (lines.c
 * miZeroDashLine -> miWideDash), with spice-gtk's settings: on/off dashes, CapNotLast (no caps), miter
 * joins. Each "on" dash is a width-1 polygon around the segment, rasterised by X's integer edge walker
 * (miPolyBuildPoly / miFillPolyHelper); joins between segments are miter polygons (miLineJoin). The result
 * is the set of spans covered; the caller paints each pixel of their union once (for the rops X would
 * paint twice the union is what X's span groups produce, for the others painting twice changes nothing).
 */
import type {Point} from './types.js';

/** A horizontal run of pixels: y, x, width. */
export type Span = [number, number, number];

interface Edge {
  height: number;
  x: number;
  stepx: number;
  signdx: number;
  e: number;
  dy: number;
  dx: number;
}
interface Vertex {
  x: number;
  y: number;
}
interface Slope {
  dx: number;
  dy: number;
  k: number;
}
interface Face {
  xa: number;
  ya: number;
  dx: number;
  dy: number;
  x: number;
  y: number;
  k: number;
}

const V_TOP = 0;
const V_RIGHT = 1;
const V_BOTTOM = 2;
const V_LEFT = 3;
/** 1/sin²(11/2°): X's miter limit constant. */
const SQSECANT = 108.856472512142;

/** C's (int) of a double: truncation (to 32 bits). */
const cint = (v: number) => Math.trunc(v) | 0;
/** X's ICEIL. */
function iceil(x: number): number {
  const t = cint(x);
  return x === t || x < 0 ? t : t + 1;
}
/** C's int division. */
const idiv = (a: number, b: number) => Math.trunc(a / b) | 0;

function buildEdge(y0: number, k: number, dx: number, dy: number, xi: number, yi: number, left: number, edge: Edge): number {
  if (dy < 0) {
    dy = -dy;
    dx = -dx;
    k = -k;
  }
  const y = iceil(y0);
  const xady = (iceil(k) + y * dx) | 0;
  const x = xady <= 0 ? -idiv(-xady, dy) - 1 : idiv(xady - 1, dy);
  let e = xady - x * dy;
  if (dx >= 0) {
    edge.signdx = 1;
    edge.stepx = idiv(dx, dy);
    edge.dx = dx % dy;
  } else {
    edge.signdx = -1;
    edge.stepx = -idiv(-dx, dy);
    edge.dx = -dx % dy;
    e = dy - e + 1;
  }
  edge.dy = dy;
  edge.x = x + left + xi;
  edge.e = e - dy;
  return y + yi;
}

const stepAround = (v: number, incr: number, max: number) => (v + incr < 0 ? max - 1 : v + incr === max ? 0 : v + incr);
const newEdge = (): Edge => ({height: 0, x: 0, stepx: 0, signdx: 0, e: 0, dy: 0, dx: 0});

/** miPolyBuildPoly: the left and right edge lists of a convex polygon, and its top y and height. */
function buildPoly(vertices: Vertex[], slopes: Slope[], count: number, xi: number, yi: number): {left: Edge[]; right: Edge[]; y: number; h: number} {
  let top = 0;
  let bottom = 0;
  let miny = vertices[0]!.y;
  let maxy = vertices[0]!.y;
  for (let i = 1; i < count; i++) {
    if (vertices[i]!.y < miny) {
      top = i;
      miny = vertices[i]!.y;
    }
    if (vertices[i]!.y >= maxy) {
      bottom = i;
      maxy = vertices[i]!.y;
    }
  }
  let clockwise = 1;
  let slopeoff = 0;
  let i = top;
  let j = stepAround(top, -1, count);
  if (slopes[j]!.dy * slopes[i]!.dx > slopes[i]!.dy * slopes[j]!.dx) {
    clockwise = -1;
    slopeoff = -1;
  }
  const bottomy = iceil(maxy) + yi;
  const right: Edge[] = [];
  let lasty = 0;
  let topy = 0;
  let s = stepAround(top, slopeoff, count);
  i = top;
  while (i !== bottom) {
    if (slopes[s]!.dy !== 0) {
      const e = newEdge();
      const y = buildEdge(vertices[i]!.y, slopes[s]!.k, slopes[s]!.dx, slopes[s]!.dy, xi, yi, 0, e);
      if (right.length) right[right.length - 1]!.height = y - lasty;
      else topy = y;
      right.push(e);
      lasty = y;
    }
    i = stepAround(i, clockwise, count);
    s = stepAround(s, clockwise, count);
  }
  if (right.length) right[right.length - 1]!.height = bottomy - lasty;
  slopeoff = slopeoff === 0 ? -1 : 0;
  const left: Edge[] = [];
  s = stepAround(top, slopeoff, count);
  i = top;
  while (i !== bottom) {
    if (slopes[s]!.dy !== 0) {
      const e = newEdge();
      const y = buildEdge(vertices[i]!.y, slopes[s]!.k, slopes[s]!.dx, slopes[s]!.dy, xi, yi, 1, e);
      if (left.length) left[left.length - 1]!.height = y - lasty;
      left.push(e);
      lasty = y;
    }
    i = stepAround(i, -clockwise, count);
    s = stepAround(s, -clockwise, count);
  }
  if (left.length) left[left.length - 1]!.height = bottomy - lasty;
  return {left, right, y: topy, h: bottomy - topy};
}

/** miFillPolyHelper: walks both edge lists down, emitting a span per scanline where right >= left. */
function fillPoly(out: Span[], y: number, left: Edge[], right: Edge[]): void {
  let li = 0;
  let ri = 0;
  let lh = 0;
  let rh = 0;
  let lx = 0;
  let le = 0;
  let lstep = 0;
  let lsign = 0;
  let ldy = 0;
  let ldx = 0;
  let rx = 0;
  let re = 0;
  let rstep = 0;
  let rsign = 0;
  let rdy = 0;
  let rdx = 0;
  while ((li < left.length || lh) && (ri < right.length || rh)) {
    if (!lh && li < left.length) {
      const e = left[li++]!;
      lh = e.height;
      lx = e.x;
      lstep = e.stepx;
      lsign = e.signdx;
      le = e.e;
      ldy = e.dy;
      ldx = e.dx;
    }
    if (!rh && ri < right.length) {
      const e = right[ri++]!;
      rh = e.height;
      rx = e.x;
      rstep = e.stepx;
      rsign = e.signdx;
      re = e.e;
      rdy = e.dy;
      rdx = e.dx;
    }
    let height = Math.min(lh, rh);
    lh -= height;
    rh -= height;
    while (--height >= 0) {
      if (rx >= lx) out.push([y, lx, rx - lx + 1]);
      y++;
      lx += lstep;
      le += ldx;
      if (le > 0) {
        lx += lsign;
        le -= ldy;
      }
      rx += rstep;
      re += rdx;
      if (re > 0) {
        rx += rsign;
        re -= rdy;
      }
    }
  }
}

/** miLineJoin with JoinMiter at line width 1. `careful`: whether X gathers spans (spanData non-null). */
function lineJoin(out: Span[], careful: boolean, pLeft: Face, pRight: Face): void {
  let joinStyle: 'miter' | 'bevel' = 'miter';
  let denom: number;
  if (!careful) {
    // One of the lines draws the joining pixel.
    if (pLeft.dx > 0 || (pLeft.dx === 0 && pLeft.dy > 0)) return;
    if (pRight.dx > 0 || (pRight.dx === 0 && pRight.dy > 0)) return;
  }
  denom = -pLeft.dx * pRight.dy + pRight.dx * pLeft.dy;
  if (denom === 0) return;
  let swapslopes = false;
  if (denom > 0) {
    pLeft.xa = -pLeft.xa;
    pLeft.ya = -pLeft.ya;
    pLeft.dx = -pLeft.dx;
    pLeft.dy = -pLeft.dy;
  } else {
    swapslopes = true;
    pRight.xa = -pRight.xa;
    pRight.ya = -pRight.ya;
    pRight.dx = -pRight.dx;
    pRight.dy = -pRight.dy;
  }
  const vertices: Vertex[] = [
    {x: pRight.xa, y: pRight.ya},
    {x: 0, y: 0},
    {x: pLeft.xa, y: pLeft.ya},
    {x: 0, y: 0},
  ];
  const slopes: Slope[] = [
    {dx: -pRight.dy, dy: pRight.dx, k: 0},
    {dx: pLeft.dy, dy: -pLeft.dx, k: 0},
    {dx: 0, dy: 0, k: 0},
    {dx: 0, dy: 0, k: 0},
  ];
  const my = (pLeft.dy * (pRight.xa * pRight.dy - pRight.ya * pRight.dx) - pRight.dy * (pLeft.xa * pLeft.dy - pLeft.ya * pLeft.dx)) / denom;
  const mx = pLeft.dy !== 0 ? pLeft.xa + ((my - pLeft.ya) * pLeft.dx) / pLeft.dy : pRight.xa + ((my - pRight.ya) * pRight.dx) / pRight.dy;
  if ((mx * mx + my * my) * 4 > SQSECANT) joinStyle = 'bevel';
  let edgecount: number;
  if (joinStyle === 'miter') {
    const sg = swapslopes ? -1 : 1;
    slopes[2] = {dx: sg * pLeft.dx, dy: sg * pLeft.dy, k: sg * pLeft.k};
    vertices[3] = {x: mx, y: my};
    slopes[3] = {dx: sg * pRight.dx, dy: sg * pRight.dy, k: sg * pRight.k};
    edgecount = 4;
  } else {
    const dx = pRight.xa - pLeft.xa;
    const dy = pRight.ya - pLeft.ya;
    const scale = Math.max(Math.abs(dx), Math.abs(dy));
    const sdx = cint((dx * 65536) / scale);
    const sdy = cint((dy * 65536) / scale);
    slopes[2] = {dx: sdx, dy: sdy, k: ((pLeft.xa + pRight.xa) * sdy - (pLeft.ya + pRight.ya) * sdx) / 2.0};
    edgecount = 3;
  }
  const p = buildPoly(vertices, slopes, edgecount, pLeft.x, pLeft.y);
  fillPoly(out, p.y, p.left, p.right);
}

/** miStepDash. */
function stepDash(dist: number, st: {index: number; offset: number}, dash: number[]): void {
  let {index, offset} = st;
  if (dist < dash[index]! - offset) {
    st.offset = offset + dist;
    return;
  }
  dist -= dash[index]! - offset;
  if (++index === dash.length) index = 0;
  const total = dash.reduce((a, b) => a + b, 0);
  if (total > 0 && total <= dist) dist %= total;
  while (dist >= dash[index]!) {
    dist -= dash[index]!;
    if (++index === dash.length) index = 0;
  }
  st.index = index;
  st.offset = dist;
}

/** miWideDashSegment for width 1, no caps, on/off dashes. Updates the dash state; returns the faces. */
function dashSegment(out: Span[], st: {index: number; offset: number}, dash: number[], x1: number, y1: number, x2: number, y2: number): {left: Face; right: Face} {
  const dx = x2 - x1;
  const dy = y2 - y1;
  let index = st.index;
  let dashRemain = dash[index]! - st.offset;
  const l = 0.5;
  let L: number;
  let rdx: number;
  let rdy: number;
  if (dx === 0) {
    L = dy;
    rdx = 0;
    rdy = l;
    if (dy < 0) {
      L = -dy;
      rdy = -l;
    }
  } else if (dy === 0) {
    L = dx;
    rdx = l;
    rdy = 0;
    if (dx < 0) {
      L = -dx;
      rdx = -l;
    }
  } else {
    L = Math.sqrt(dx * dx + dy * dy);
    const r = l / L;
    rdx = r * dx;
    rdy = r * dy;
  }
  const k = l * L;
  let LRemain = L;
  const slopes: Slope[] = [
    {dx, dy, k},
    {dx: -dy, dy: dx, k: 0},
    {dx: -dx, dy: -dy, k},
    {dx: dy, dy: -dx, k: 0},
  ];
  const vertices: Vertex[] = [
    {x: rdy, y: -rdx},
    {x: rdy, y: -rdx},
    {x: -rdy, y: rdx},
    {x: -rdy, y: rdx},
  ];
  let guard = 0;
  while (LRemain > dashRemain) {
    // X would go on for as long as the (server-given) line is; absurd lengths are cut short here.
    if (++guard > 1 << 22) break;
    const dashDx = (dashRemain * dx) / L;
    const dashDy = (dashRemain * dy) / L;
    vertices[V_RIGHT]!.x += dashDx;
    vertices[V_RIGHT]!.y += dashDy;
    vertices[V_BOTTOM]!.x += dashDx;
    vertices[V_BOTTOM]!.y += dashDy;
    slopes[V_RIGHT]!.k = vertices[V_RIGHT]!.x * dx + vertices[V_RIGHT]!.y * dy;
    if (!(index & 1)) {
      const p = buildPoly(vertices, slopes, 4, x1, y1);
      fillPoly(out, p.y, p.left, p.right);
    }
    LRemain -= dashRemain;
    if (++index === dash.length) index = 0;
    dashRemain = dash[index]!;
    vertices[V_TOP] = {...vertices[V_RIGHT]!};
    vertices[V_LEFT] = {...vertices[V_BOTTOM]!};
    slopes[V_LEFT]!.k = -slopes[V_RIGHT]!.k;
  }
  if (!(index & 1)) {
    vertices[V_TOP]!.x -= dx;
    vertices[V_TOP]!.y -= dy;
    vertices[V_LEFT]!.x -= dx;
    vertices[V_LEFT]!.y -= dy;
    vertices[V_RIGHT] = {x: rdy, y: -rdx};
    vertices[V_BOTTOM] = {x: -rdy, y: rdx};
    slopes[V_RIGHT]!.k = 0;
    slopes[V_LEFT]!.k += dx * dx + dy * dy;
    const p = buildPoly(vertices, slopes, 4, x2, y2);
    fillPoly(out, p.y, p.left, p.right);
  }
  dashRemain = cint(dashRemain - LRemain);
  if (dashRemain === 0) {
    if (++index === dash.length) index = 0;
    dashRemain = dash[index]!;
  }
  st.index = index;
  st.offset = dash[index]! - dashRemain;
  return {
    left: {x: x1, y: y1, dx, dy, xa: rdy, ya: -rdx, k},
    right: {x: x2, y: y2, dx: -dx, dy: -dy, xa: -rdy, ya: rdx, k},
  };
}

/**
 * miWideDash for one polyline (width 1, CapNotLast, JoinMiter, LineOnOffDash). `careful`: the rop is one
 * X paints through span groups (miSpansCarefulRop); it changes how joins are drawn.
 */
export function dashedPolyline(pts: readonly Point[], dash: number[], dashOffset: number, careful: boolean): Span[] {
  const out: Span[] = [];
  const npt = pts.length;
  if (npt === 0 || dash.length === 0) return out;
  // span groups exist only from 3 points on (no round caps here)
  const spanData = careful && npt >= 3;
  let x2 = pts[0]!.x;
  let y2 = pts[0]!.y;
  let first = true;
  const selfJoin = x2 === pts[npt - 1]!.x && y2 === pts[npt - 1]!.y;
  const st = {index: 0, offset: 0};
  stepDash(dashOffset, st, dash);
  let prevRight: Face | null = null;
  let firstFace: Face | null = null;
  let firstIsFg = false;
  let prevIsFg = false;
  let endIsFg = false;
  let somethingDrawn = false;
  let right: Face | null = null;
  for (let n = npt - 1, i = 1; n > 0; n--, i++) {
    const x1 = x2;
    const y1 = y2;
    x2 = pts[i]!.x;
    y2 = pts[i]!.y;
    if (x1 !== x2 || y1 !== y2) {
      somethingDrawn = true;
      const prevIndex = st.index;
      const faces = dashSegment(out, st, dash, x1, y1, x2, y2);
      right = faces.right;
      const startIsFg = !(prevIndex & 1);
      endIsFg = ((st.index & 1) ^ (st.offset !== 0 ? 1 : 0)) !== 0;
      if (startIsFg) {
        if (first || !prevIsFg) {
          if (first && selfJoin) {
            firstFace = faces.left;
            firstIsFg = startIsFg;
          }
        } else {
          lineJoin(out, spanData, faces.left, prevRight!);
        }
      }
      prevRight = faces.right;
      prevIsFg = endIsFg;
      first = false;
    }
    if (n === 1 && somethingDrawn && endIsFg && selfJoin && firstIsFg) lineJoin(out, spanData, firstFace!, right!);
  }
  return out;
}
