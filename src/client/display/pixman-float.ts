/**
 * pixman's floating-point ("wide") pipeline, which pixman's general path takes for the operators that
 * need a division: SATURATE, the DISJOINT and CONJOINT families, COLOR_DODGE, COLOR_BURN, SOFT_LIGHT and
 * the HSL modes (pixman-general.c operator_needs_division). Pixels widen to single-precision floats by
 * channel size (v / (2^n - 1)), bilinear filtering is done in floats, the combiners of
 * pixman-combine-float.c run in single precision (every operation rounded to float32 here, as x86-64 SSE
 * code does), and results narrow back as pixman's float_to_unorm (clamp, ·256, truncate, 256 -> 255).
 */
import {fetchArgb, type Img, type PixFmt} from './pixel-format.js';
import {Filter, Repeat, type SourcePicture} from './sample.js';

const f = Math.fround;

/** Channel sizes (a, r, g, b) of a format. */
const sizes: Record<PixFmt, readonly [number, number, number, number]> = {
  a8r8g8b8: [8, 8, 8, 8],
  x8r8g8b8: [0, 8, 8, 8],
  r5g6b5: [0, 5, 6, 5],
  x1r5g5b5: [0, 5, 5, 5],
  a8: [8, 0, 0, 0],
  a1: [1, 0, 0, 0],
};
const multiplier = (n: number) => (n === 0 ? 0 : f(1 / ((1 << n) - 1)));

/** An a8r8g8b8 value (from a pixel of `fmt`) widened as pixman_expand_to_float does, into out[o..o+3] = a, r, g, b. */
function expand(fmt: PixFmt, v: number, out: Float64Array, o: number): void {
  const [as, rs, gs, bs] = sizes[fmt];
  out[o] = as ? f(((v >>> (32 - as)) & ((1 << as) - 1)) * multiplier(as)) : 1;
  out[o + 1] = rs ? f(((v >>> (24 - rs)) & ((1 << rs) - 1)) * multiplier(rs)) : 0;
  out[o + 2] = gs ? f(((v >>> (16 - gs)) & ((1 << gs) - 1)) * multiplier(gs)) : 0;
  out[o + 3] = bs ? f(((v >>> (8 - bs)) & ((1 << bs) - 1)) * multiplier(bs)) : 0;
}

/** float_to_unorm(f, 8). */
function unorm8(v: number): number {
  if (v > 1) v = 1;
  if (!(v >= 0)) v = 0;
  let u = Math.trunc(f(v * 256));
  u -= u >> 8;
  return u;
}

export function narrow(px: Float64Array, o: number): number {
  return ((unorm8(px[o]!) << 24) | (unorm8(px[o + 1]!) << 16) | (unorm8(px[o + 2]!) << 8) | unorm8(px[o + 3]!)) >>> 0;
}

function wrap(mode: number, c: number, size: number): number {
  switch (mode) {
    case Repeat.NORMAL:
      c %= size;
      return c < 0 ? c + size : c;
    case Repeat.PAD:
      return c < 0 ? 0 : c >= size ? size - 1 : c;
    case Repeat.REFLECT:
      c %= size * 2;
      if (c < 0) c += size * 2;
      return c >= size ? size * 2 - c - 1 : c;
    default:
      return c;
  }
}

const tmp = new Float64Array(16);

function pixelFloat(p: SourcePicture, x: number, y: number, out: Float64Array, o: number): void {
  const {img} = p;
  if (p.repeat === Repeat.NONE) {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) {
      out[o] = out[o + 1] = out[o + 2] = out[o + 3] = 0;
      return;
    }
  } else {
    x = wrap(p.repeat, x, img.width);
    y = wrap(p.repeat, y, img.height);
  }
  expand(img.fmt, fetchArgb(img, x, y), out, o);
}

/** Whether any float of pixel i of a mask row has non-zero bits (-0 counts): pixman's memcmp with zero. */
const pixelSet = (m: Float64Array, i: number) => {
  for (let c = 4 * i; c < 4 * i + 4; c++) if (m[c] !== 0 || Object.is(m[c], -0)) return true;
  return false;
};

/**
 * Whether pixman's fetcher for this picture skips pixels by the mask: the affine and general fetchers do
 * (transformed, or PAD/REFLECT repeat); the untransformed NONE/NORMAL one does not.
 */
export function fetchIsMaskGated(p: SourcePicture): boolean {
  return p.solid === undefined && (p.transform !== null || p.repeat === Repeat.PAD || p.repeat === Repeat.REFLECT);
}

/**
 * Fetches a row as floats (a, r, g, b per pixel), as pixman's wide iterators do. With `gate` (the mask
 * row), pixel i is fetched only when its mask pixel is not all zero; skipped pixels keep what `out` held.
 */
export function fetchRowFloat(p: SourcePicture, x: number, y: number, width: number, out: Float64Array, gate?: Float64Array): void {
  if (p.solid !== undefined) {
    for (let i = 0; i < width; i++) expand('a8r8g8b8', p.solid, out, i * 4);
    return;
  }
  if (!p.transform) {
    for (let i = 0; i < width; i++) if (!gate || pixelSet(gate, i)) pixelFloat(p, x + i, y, out, i * 4);
    return;
  }
  const [m00, m01, m02, m10, m11, m12] = p.transform;
  const tx = m00 * x + m01 * y + m02 + Math.floor((m00 * 0x8000 + m01 * 0x8000 + 0x8000) / 65536);
  const ty = m10 * x + m11 * y + m12 + Math.floor((m10 * 0x8000 + m11 * 0x8000 + 0x8000) / 65536);
  // pixman_transform_point_3d fails when the point leaves 32 bits: the row is left as it was.
  if (tx < -(2 ** 31) || tx >= 2 ** 31 || ty < -(2 ** 31) || ty >= 2 ** 31) return;
  let vx = tx | 0;
  let vy = ty | 0;
  const nearest = p.filter === Filter.NEAREST || p.filter === Filter.FAST || p.filter >= Filter.CONVOLUTION;
  for (let i = 0; i < width; i++) {
    const o = i * 4;
    if (gate && !pixelSet(gate, i)) {
      // not fetched
    } else if (nearest) pixelFloat(p, (vx - 1) >> 16, (vy - 1) >> 16, out, o);
    else {
      const x1 = (vx - 0x8000) | 0;
      const y1 = (vy - 0x8000) | 0;
      const dx = f((x1 & 0xffff) / 65536);
      const dy = f((y1 & 0xffff) / 65536);
      const ix = x1 >> 16;
      const iy = y1 >> 16;
      pixelFloat(p, ix, iy, tmp, 0);
      pixelFloat(p, ix + 1, iy, tmp, 4);
      pixelFloat(p, ix, iy + 1, tmp, 8);
      pixelFloat(p, ix + 1, iy + 1, tmp, 12);
      const wxy = f(dx * dy);
      const wxiy = f(dx * f(1 - dy));
      const wixy = f(f(1 - dx) * dy);
      const wixiy = f(f(1 - dx) * f(1 - dy));
      for (let c = 0; c < 4; c++)
        out[o + c] = f(f(f(f(tmp[c]! * wixiy) + f(tmp[4 + c]! * wxiy)) + f(tmp[8 + c]! * wixy)) + f(tmp[12 + c]! * wxy));
    }
    vx = (vx + m00) | 0;
    vy = (vy + m10) | 0;
  }
}

/** Fetches destination pixels as floats. */
export function fetchDestFloat(img: Img, x: number, y: number, width: number, out: Float64Array): void {
  for (let i = 0; i < width; i++) expand(img.fmt, fetchArgb(img, x + i, y), out, i * 4);
}

// ---------------------------------------------------------------- combiners
const FLT_MIN = 1.1754943508222875e-38;
const isZero = (v: number) => -FLT_MIN < v && v < FLT_MIN;
const clamp = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

enum F {
  ZERO,
  ONE,
  SRC_ALPHA,
  DEST_ALPHA,
  INV_SA,
  INV_DA,
  SA_OVER_DA,
  DA_OVER_SA,
  INV_SA_OVER_DA,
  INV_DA_OVER_SA,
  ONE_MINUS_SA_OVER_DA,
  ONE_MINUS_DA_OVER_SA,
  ONE_MINUS_INV_DA_OVER_SA,
  ONE_MINUS_INV_SA_OVER_DA,
}

function factor(k: F, sa: number, da: number): number {
  switch (k) {
    case F.ZERO:
      return 0;
    case F.ONE:
      return 1;
    case F.SRC_ALPHA:
      return sa;
    case F.DEST_ALPHA:
      return da;
    case F.INV_SA:
      return f(1 - sa);
    case F.INV_DA:
      return f(1 - da);
    case F.SA_OVER_DA:
      return isZero(da) ? 1 : clamp(f(sa / da));
    case F.DA_OVER_SA:
      return isZero(sa) ? 1 : clamp(f(da / sa));
    case F.INV_SA_OVER_DA:
      return isZero(da) ? 1 : clamp(f(f(1 - sa) / da));
    case F.INV_DA_OVER_SA:
      return isZero(sa) ? 1 : clamp(f(f(1 - da) / sa));
    case F.ONE_MINUS_SA_OVER_DA:
      return isZero(da) ? 0 : clamp(f(1 - f(sa / da)));
    case F.ONE_MINUS_DA_OVER_SA:
      return isZero(sa) ? 0 : clamp(f(1 - f(da / sa)));
    case F.ONE_MINUS_INV_DA_OVER_SA:
      return isZero(sa) ? 0 : clamp(f(1 - f(f(1 - da) / sa)));
    case F.ONE_MINUS_INV_SA_OVER_DA:
      return isZero(da) ? 0 : clamp(f(1 - f(f(1 - sa) / da)));
  }
}

/** Porter-Duff factors (src, dest) of the operators pixman builds with MAKE_PD_COMBINERS. */
const pd: Record<number, readonly [F, F]> = {
  0: [F.ZERO, F.ZERO],
  1: [F.ONE, F.ZERO],
  2: [F.ZERO, F.ONE],
  3: [F.ONE, F.INV_SA],
  4: [F.INV_DA, F.ONE],
  5: [F.DEST_ALPHA, F.ZERO],
  6: [F.ZERO, F.SRC_ALPHA],
  7: [F.INV_DA, F.ZERO],
  8: [F.ZERO, F.INV_SA],
  9: [F.DEST_ALPHA, F.INV_SA],
  10: [F.INV_DA, F.SRC_ALPHA],
  11: [F.INV_DA, F.INV_SA],
  12: [F.ONE, F.ONE],
  13: [F.INV_DA_OVER_SA, F.ONE],
  0x10: [F.ZERO, F.ZERO],
  0x11: [F.ONE, F.ZERO],
  0x12: [F.ZERO, F.ONE],
  0x13: [F.ONE, F.INV_SA_OVER_DA],
  0x14: [F.INV_DA_OVER_SA, F.ONE],
  0x15: [F.ONE_MINUS_INV_DA_OVER_SA, F.ZERO],
  0x16: [F.ZERO, F.ONE_MINUS_INV_SA_OVER_DA],
  0x17: [F.INV_DA_OVER_SA, F.ZERO],
  0x18: [F.ZERO, F.INV_SA_OVER_DA],
  0x19: [F.ONE_MINUS_INV_DA_OVER_SA, F.INV_SA_OVER_DA],
  0x1a: [F.INV_DA_OVER_SA, F.ONE_MINUS_INV_SA_OVER_DA],
  0x1b: [F.INV_DA_OVER_SA, F.INV_SA_OVER_DA],
  0x20: [F.ZERO, F.ZERO],
  0x21: [F.ONE, F.ZERO],
  0x22: [F.ZERO, F.ONE],
  0x23: [F.ONE, F.ONE_MINUS_SA_OVER_DA],
  0x24: [F.ONE_MINUS_DA_OVER_SA, F.ONE],
  0x25: [F.DA_OVER_SA, F.ZERO],
  0x26: [F.ZERO, F.SA_OVER_DA],
  0x27: [F.ONE_MINUS_DA_OVER_SA, F.ZERO],
  0x28: [F.ZERO, F.ONE_MINUS_SA_OVER_DA],
  0x29: [F.DA_OVER_SA, F.ONE_MINUS_SA_OVER_DA],
  0x2a: [F.ONE_MINUS_DA_OVER_SA, F.SA_OVER_DA],
  0x2b: [F.ONE_MINUS_DA_OVER_SA, F.ONE_MINUS_SA_OVER_DA],
};

type Channel = (sa: number, s: number, da: number, d: number) => number;

function pdChannel(fa: F, fb: F): Channel {
  return (sa, s, da, d) => Math.min(1, f(f(s * factor(fa, sa, da)) + f(d * factor(fb, sa, da))));
}

const blends: Record<number, Channel> = {
  // COLOR_DODGE
  0x35: (sa, s, da, d) => {
    if (isZero(d)) return 0;
    if (f(d * sa) >= f(f(sa * da) - f(s * da))) return f(sa * da);
    if (isZero(f(sa - s))) return f(sa * da);
    return f(f(f(sa * sa) * d) / f(sa - s));
  },
  // COLOR_BURN
  0x36: (sa, s, da, d) => {
    if (d >= da) return f(sa * da);
    if (f(sa * f(da - d)) >= f(s * da)) return 0;
    if (isZero(s)) return 0;
    return f(sa * f(da - f(f(sa * f(da - d)) / s)));
  },
  // SOFT_LIGHT
  0x38: (sa, s, da, d) => {
    if (f(2 * s) <= sa) {
      if (isZero(da)) return f(d * sa);
      return f(f(d * sa) - f(f(f(d * f(da - d)) * f(sa - f(2 * s))) / da));
    }
    if (isZero(da)) return f(d * sa);
    if (f(4 * d) <= da) {
      const inner = f(f(f(f(f(f(16 * d) / da) - 12) * d) / da) + 3);
      return f(f(d * sa) + f(f(f(f(2 * s) - sa) * d) * inner));
    }
    return f(f(d * sa) + f(f(f(Math.sqrt(f(d * da))) - d) * f(f(2 * s) - sa)));
  },
};

function separable(blend: Channel): [Channel, Channel] {
  const a: Channel = (sa, _s, da) => f(f(da + sa) - f(da * sa));
  const c: Channel = (sa, s, da, d) => f(f(f(f(1 - sa) * d) + f(f(1 - da) * s)) + blend(sa, s, da, d));
  return [a, c];
}

// ---------------------------------------------------------------- HSL (non-separable)
interface Rgb {
  r: number;
  g: number;
  b: number;
}
const L_R = f(0.3);
const L_G = f(0.59);
const L_B = f(0.11);
const lum = (c: Rgb) => f(f(f(c.r * L_R) + f(c.g * L_G)) + f(c.b * L_B));
const cmin = (c: Rgb) => Math.min(Math.min(c.r, c.g), c.b);
const cmax = (c: Rgb) => Math.max(Math.max(c.r, c.g), c.b);
const sat = (c: Rgb) => f(cmax(c) - cmin(c));

function clipColor(c: Rgb, a: number): void {
  const l = lum(c);
  const n = cmin(c);
  const x = cmax(c);
  if (n < 0) {
    const t = f(l - n);
    if (isZero(t)) c.r = c.g = c.b = 0;
    else {
      c.r = f(l + f(f(f(c.r - l) * l) / t));
      c.g = f(l + f(f(f(c.g - l) * l) / t));
      c.b = f(l + f(f(f(c.b - l) * l) / t));
    }
  }
  if (x > a) {
    const t = f(x - l);
    if (isZero(t)) c.r = c.g = c.b = a;
    else {
      const al = f(a - l);
      c.r = f(l + f(f(f(c.r - l) * al) / t));
      c.g = f(l + f(f(f(c.g - l) * al) / t));
      c.b = f(l + f(f(f(c.b - l) * al) / t));
    }
  }
}

function setLum(c: Rgb, sa: number, l: number): void {
  const d = f(l - lum(c));
  c.r = f(c.r + d);
  c.g = f(c.g + d);
  c.b = f(c.b + d);
  clipColor(c, sa);
}

function setSat(c: Rgb, s: number): void {
  type K = 'r' | 'g' | 'b';
  let max: K;
  let mid: K;
  let min: K;
  if (c.r > c.g) {
    if (c.r > c.b) {
      max = 'r';
      [mid, min] = c.g > c.b ? ['g', 'b'] : ['b', 'g'];
    } else [max, mid, min] = ['b', 'r', 'g'];
  } else if (c.r > c.b) [max, mid, min] = ['g', 'r', 'b'];
  else {
    min = 'r';
    [max, mid] = c.g > c.b ? ['g', 'b'] : ['b', 'g'];
  }
  const t = f(c[max] - c[min]);
  if (isZero(t)) {
    c[mid] = 0;
    c[max] = 0;
  } else {
    c[mid] = f(f(f(c[mid] - c[min]) * s) / t);
    c[max] = s;
  }
  c[min] = 0;
}

type Hsl = (res: Rgb, dest: Rgb, da: number, src: Rgb, sa: number) => void;
const hsl: Record<number, Hsl> = {
  0x3b: (res, dest, da, src, sa) => {
    Object.assign(res, {r: f(src.r * da), g: f(src.g * da), b: f(src.b * da)});
    setSat(res, f(sat(dest) * sa));
    setLum(res, f(sa * da), f(lum(dest) * sa));
  },
  0x3c: (res, dest, da, src, sa) => {
    Object.assign(res, {r: f(dest.r * sa), g: f(dest.g * sa), b: f(dest.b * sa)});
    setSat(res, f(sat(src) * da));
    setLum(res, f(sa * da), f(lum(dest) * sa));
  },
  0x3d: (res, dest, da, src, sa) => {
    Object.assign(res, {r: f(src.r * da), g: f(src.g * da), b: f(src.b * da)});
    setLum(res, f(sa * da), f(lum(dest) * sa));
  },
  0x3e: (res, dest, da, src, sa) => {
    Object.assign(res, {r: f(dest.r * sa), g: f(dest.g * sa), b: f(dest.b * sa)});
    setLum(res, f(sa * da), f(lum(src) * da));
  },
};

/** The operators that go through this pipeline (operator_needs_division). */
export function needsDivision(op: number): boolean {
  return op === 13 || (op >= 0x10 && op <= 0x1b) || (op >= 0x20 && op <= 0x2b) || op === 0x35 || op === 0x36 || op === 0x38 || (op >= 0x3b && op <= 0x3e);
}

/** Combines a row in place: d = op(s, m, d); s, m, d hold a, r, g, b floats per pixel; m may be null. */
export function combineFloat(op: number, ca: boolean, d: Float64Array, s: Float64Array, m: Float64Array | null, n: number): void {
  const h = hsl[op];
  if (h) {
    if (ca && m) return; // component alpha: pixman uses combine_dst (nothing changes)
    const sc: Rgb = {r: 0, g: 0, b: 0};
    const dc: Rgb = {r: 0, g: 0, b: 0};
    const rc: Rgb = {r: 0, g: 0, b: 0};
    for (let i = 0; i < 4 * n; i += 4) {
      let sa = s[i]!;
      sc.r = s[i + 1]!;
      sc.g = s[i + 2]!;
      sc.b = s[i + 3]!;
      const da = d[i]!;
      dc.r = d[i + 1]!;
      dc.g = d[i + 2]!;
      dc.b = d[i + 3]!;
      if (m) {
        const ma = m[i]!;
        sa = f(sa * ma);
        sc.r = f(sc.r * ma);
        sc.g = f(sc.g * ma);
        // pixman scales green twice and leaves blue alone here
        sc.g = f(sc.g * ma);
      }
      h(rc, dc, da, sc, sa);
      d[i] = f(f(sa + da) - f(sa * da));
      d[i + 1] = f(f(f(f(1 - sa) * dc.r) + f(f(1 - da) * sc.r)) + rc.r);
      d[i + 2] = f(f(f(f(1 - sa) * dc.g) + f(f(1 - da) * sc.g)) + rc.g);
      d[i + 3] = f(f(f(f(1 - sa) * dc.b) + f(f(1 - da) * sc.b)) + rc.b);
    }
    return;
  }
  let ca_: Channel;
  let cc: Channel;
  const factors = pd[op];
  if (factors) ca_ = cc = pdChannel(factors[0], factors[1]);
  else [ca_, cc] = separable(blends[op] ?? (() => 0));
  for (let i = 0; i < 4 * n; i += 4) {
    let sa = s[i]!;
    let sr = s[i + 1]!;
    let sg = s[i + 2]!;
    let sb = s[i + 3]!;
    const da = d[i]!;
    if (!m) {
      d[i] = ca_(sa, sa, da, da);
      d[i + 1] = cc(sa, sr, da, d[i + 1]!);
      d[i + 2] = cc(sa, sg, da, d[i + 2]!);
      d[i + 3] = cc(sa, sb, da, d[i + 3]!);
      continue;
    }
    let ma: number;
    let mr: number;
    let mg: number;
    let mb: number;
    if (ca) {
      ma = m[i]!;
      mr = m[i + 1]!;
      mg = m[i + 2]!;
      mb = m[i + 3]!;
      sr = f(sr * mr);
      sg = f(sg * mg);
      sb = f(sb * mb);
      ma = f(ma * sa);
      mr = f(mr * sa);
      mg = f(mg * sa);
      mb = f(mb * sa);
      sa = ma;
    } else {
      ma = m[i]!;
      sa = f(sa * ma);
      sr = f(sr * ma);
      sg = f(sg * ma);
      sb = f(sb * ma);
      ma = mr = mg = mb = sa;
    }
    d[i] = ca_(ma, sa, da, da);
    d[i + 1] = cc(mr, sr, da, d[i + 1]!);
    d[i + 2] = cc(mg, sg, da, d[i + 2]!);
    d[i + 3] = cc(mb, sb, da, d[i + 3]!);
  }
}

