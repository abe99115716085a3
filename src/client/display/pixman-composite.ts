/**
 * pixman_image_composite32 for the 8-bit ("narrow") pipeline, as pixman's general path runs it: per row,
 * fetch source and mask (transformed, filtered, repeated: sample.ts), fetch the destination as a8r8g8b8,
 * combine with pixman's integer combiners (pixman-combine32.c: x·a/255 as (t + (t >> 8)) >> 8 with
 * t = x·a + 0x80, saturating adds), store back in the destination's format. Unified and component alpha.
 *
 * Operators: CLEAR … ADD (0–12) and the separable PDF modes MULTIPLY, SCREEN, OVERLAY, DARKEN, LIGHTEN,
 * HARD_LIGHT, DIFFERENCE, EXCLUSION. The operators pixman runs in floating point (SATURATE, the DISJOINT and
 * CONJOINT families, COLOR_DODGE, COLOR_BURN, SOFT_LIGHT, the HSL modes) go through pixman-float.ts.
 */
import {fetchArgb, fromArgb, type Img, setRaw} from './pixel-format.js';
import type {Region} from './region.js';
import {combineFloat, fetchDestFloat, fetchIsMaskGated, fetchRowFloat, narrow, needsDivision} from './pixman-float.js';
import {fetchRow, type SourcePicture} from './sample.js';

export const Op = {
  CLEAR: 0,
  SRC: 1,
  DST: 2,
  OVER: 3,
  OVER_REVERSE: 4,
  IN: 5,
  IN_REVERSE: 6,
  OUT: 7,
  OUT_REVERSE: 8,
  ATOP: 9,
  ATOP_REVERSE: 10,
  XOR: 11,
  ADD: 12,
  SATURATE: 13,
  MULTIPLY: 0x30,
  SCREEN: 0x31,
  OVERLAY: 0x32,
  DARKEN: 0x33,
  LIGHTEN: 0x34,
  HARD_LIGHT: 0x37,
  DIFFERENCE: 0x39,
  EXCLUSION: 0x3a,
} as const;

/** x·a/255 rounded as pixman's MUL_UN8. */
const mul = (x: number, a: number) => {
  const t = x * a + 0x80;
  return ((t >> 8) + t) >> 8;
};

/** Every channel of x times a. */
function mul4(x: number, a: number): number {
  return ((mul(x >>> 24, a) << 24) | (mul((x >>> 16) & 0xff, a) << 16) | (mul((x >>> 8) & 0xff, a) << 8) | mul(x & 0xff, a)) >>> 0;
}

/** Each channel of x times the same channel of a. */
function mul4x4(x: number, a: number): number {
  return (
    ((mul(x >>> 24, a >>> 24) << 24) |
      (mul((x >>> 16) & 0xff, (a >>> 16) & 0xff) << 16) |
      (mul((x >>> 8) & 0xff, (a >>> 8) & 0xff) << 8) |
      mul(x & 0xff, a & 0xff)) >>>
    0
  );
}

/** Channel-wise saturating add. */
function add4(x: number, y: number): number {
  let a = (x >>> 24) + (y >>> 24);
  let r = ((x >>> 16) & 0xff) + ((y >>> 16) & 0xff);
  let g = ((x >>> 8) & 0xff) + ((y >>> 8) & 0xff);
  let b = (x & 0xff) + (y & 0xff);
  if (a > 255) a = 255;
  if (r > 255) r = 255;
  if (g > 255) g = 255;
  if (b > 255) b = 255;
  return ((a << 24) | (r << 16) | (g << 8) | b) >>> 0;
}

const alpha = (v: number) => v >>> 24;
const replicate = (a: number) => ((a << 24) | (a << 16) | (a << 8) | a) >>> 0;

// ---------------------------------------------------------------- PDF separable modes (integer)
type Blend = (d: number, ad: number, s: number, as: number) => number;
const blends: Record<number, Blend> = {
  [Op.SCREEN]: (d, ad, s, as) => s * ad + d * as - s * d,
  [Op.OVERLAY]: (d, ad, s, as) => (2 * d < ad ? 2 * s * d : as * ad - 2 * (ad - d) * (as - s)),
  [Op.DARKEN]: (d, ad, s, as) => Math.min(ad * s, as * d),
  [Op.LIGHTEN]: (d, ad, s, as) => Math.max(ad * s, as * d),
  [Op.HARD_LIGHT]: (d, ad, s, as) => (2 * s < as ? 2 * s * d : as * ad - 2 * (ad - d) * (as - s)),
  [Op.DIFFERENCE]: (d, ad, s, as) => Math.abs(d * as - s * ad),
  [Op.EXCLUSION]: (d, ad, s, as) => s * ad + d * as - 2 * d * s,
};

/** DIV_ONE_UN8 after pixman's CLAMP on uint32 (a negative sum wraps, so it clamps to the top). */
function divOne(v: number): number {
  let u = v >>> 0;
  if (u > 255 * 255) u = 255 * 255;
  return (u + 0x80 + ((u + 0x80) >> 8)) >> 8;
}

function pdfUnified(blend: Blend, s: number, d: number): number {
  const sa = alpha(s);
  const da = alpha(d);
  const isa = 255 - sa;
  const ida = 255 - da;
  let out = divOne(da * 0xff + sa * 0xff - sa * da) << 24;
  for (const sh of [16, 8, 0]) {
    const dc = (d >>> sh) & 0xff;
    const sc = (s >>> sh) & 0xff;
    out |= divOne(isa * dc + ida * sc + blend(dc, da, sc, sa)) << sh;
  }
  return out >>> 0;
}

function pdfComponent(blend: Blend, s: number, m: number, d: number): number {
  const da = alpha(d);
  const ida = 255 - da;
  let out = divOne(da * 0xff + alpha(s) * 0xff - alpha(s) * da) << 24;
  for (const sh of [16, 8, 0]) {
    const dc = (d >>> sh) & 0xff;
    const sc = (s >>> sh) & 0xff;
    const mc = (m >>> sh) & 0xff;
    out |= divOne((255 - mc) * dc + ida * sc + blend(dc, da, sc, mc)) << sh;
  }
  return out >>> 0;
}

// ---------------------------------------------------------------- unified alpha
/** Combines source s (already multiplied by the mask's alpha) with destination d. */
function combineUnified(op: number, s: number, d: number): number {
  switch (op) {
    case Op.CLEAR:
      return 0;
    case Op.SRC:
      return s;
    case Op.DST:
      return d;
    case Op.OVER:
      return add4(mul4(d, 255 - alpha(s)), s);
    case Op.OVER_REVERSE:
      return add4(mul4(s, 255 - alpha(d)), d);
    case Op.IN:
      return mul4(s, alpha(d));
    case Op.IN_REVERSE:
      return mul4(d, alpha(s));
    case Op.OUT:
      return mul4(s, 255 - alpha(d));
    case Op.OUT_REVERSE:
      return mul4(d, 255 - alpha(s));
    case Op.ATOP:
      return add4(mul4(s, alpha(d)), mul4(d, 255 - alpha(s)));
    case Op.ATOP_REVERSE:
      return add4(mul4(s, 255 - alpha(d)), mul4(d, alpha(s)));
    case Op.XOR:
      return add4(mul4(s, 255 - alpha(d)), mul4(d, 255 - alpha(s)));
    case Op.ADD:
      return add4(d, s);
    case Op.MULTIPLY:
      return add4(mul4x4(d, s), add4(mul4(s, 255 - alpha(d)), mul4(d, 255 - alpha(s))));
    default: {
      const blend = blends[op];
      return blend ? pdfUnified(blend, s, d) : add4(mul4(d, 255 - alpha(s)), s);
    }
  }
}

// ---------------------------------------------------------------- component alpha
/** combine_mask_ca: returns [s·m, m·alpha(s)] with pixman's shortcuts. */
function maskCa(s: number, m: number): [number, number] {
  if (m === 0) return [0, 0];
  if (m === 0xffffffff) return [s, replicate(alpha(s))];
  return [mul4x4(s, m), mul4(m, alpha(s))];
}
/** combine_mask_value_ca: s·m. */
const maskValueCa = (s: number, m: number) => (m === 0 ? 0 : m === 0xffffffff ? s : mul4x4(s, m));
/** combine_mask_alpha_ca: m·alpha(s). */
function maskAlphaCa(s: number, m: number): number {
  if (m === 0) return 0;
  const x = alpha(s);
  if (x === 0xff) return m;
  if (m === 0xffffffff) return replicate(x);
  return mul4(m, x);
}

function combineCa(op: number, s: number, m: number, d: number): number {
  switch (op) {
    case Op.CLEAR:
      return 0;
    case Op.SRC:
      return maskValueCa(s, m);
    case Op.DST:
      return d;
    case Op.OVER: {
      const [s2, m2] = maskCa(s, m);
      const a = ~m2 >>> 0;
      return a ? add4(mul4x4(d, a), s2) : s2;
    }
    case Op.OVER_REVERSE: {
      const a = 255 - alpha(d);
      return a ? add4(mul4(mul4x4(s, m), a), d) : d;
    }
    case Op.IN: {
      const a = alpha(d);
      if (!a) return 0;
      const s2 = maskValueCa(s, m);
      return a !== 255 ? mul4(s2, a) : s2;
    }
    case Op.IN_REVERSE: {
      const a = maskAlphaCa(s, m);
      if (a === 0xffffffff) return d;
      return a ? mul4x4(d, a) : 0;
    }
    case Op.OUT: {
      const a = 255 - alpha(d);
      if (!a) return 0;
      const s2 = maskValueCa(s, m);
      return a !== 255 ? mul4(s2, a) : s2;
    }
    case Op.OUT_REVERSE: {
      const a = ~maskAlphaCa(s, m) >>> 0;
      if (a === 0xffffffff) return d;
      return a ? mul4x4(d, a) : 0;
    }
    case Op.ATOP: {
      const [s2, m2] = maskCa(s, m);
      return add4(mul4x4(d, ~m2 >>> 0), mul4(s2, alpha(d)));
    }
    case Op.ATOP_REVERSE: {
      const [s2, m2] = maskCa(s, m);
      return add4(mul4x4(d, m2), mul4(s2, 255 - alpha(d)));
    }
    case Op.XOR: {
      const [s2, m2] = maskCa(s, m);
      return add4(mul4x4(d, ~m2 >>> 0), mul4(s2, 255 - alpha(d)));
    }
    case Op.ADD:
      return add4(d, maskValueCa(s, m));
    case Op.MULTIPLY: {
      const [s2, m2] = maskCa(s, m);
      return add4(add4(mul4x4(d, ~m2 >>> 0), mul4(s2, 255 - alpha(d))), mul4x4(d, s2));
    }
    default: {
      const blend = blends[op];
      const [s2, m2] = maskCa(s, m);
      if (blend) return pdfComponent(blend, s2, m2, d);
      const a = ~m2 >>> 0;
      return a ? add4(mul4x4(d, a), s2) : s2;
    }
  }
}

export interface CompositeArgs {
  op: number;
  src: SourcePicture;
  mask: SourcePicture | null;
  componentAlpha: boolean;
  dst: Img;
  /** Destination pixels to write (already clipped to dst). */
  region: Region;
  /** Source coordinates = destination coordinates + these offsets (before the source transform). */
  srcDx: number;
  srcDy: number;
  maskDx: number;
  maskDy: number;
}

/** The floating-point path (pixman-float.ts) for the operators that need a division. */
function compositeWide(a: CompositeArgs): void {
  const {op, dst, mask} = a;
  const ca = !!mask && a.componentAlpha;
  const gated = !!mask && fetchIsMaskGated(a.src);
  for (const b of a.region.boxes()) {
    const w = b.x2 - b.x1;
    // pixman's scanline buffers start zeroed and persist from row to row (pixels a gated fetch skips
    // keep the previous row's values).
    const s = new Float64Array(4 * w);
    const m = new Float64Array(4 * w);
    const d = new Float64Array(4 * w);
    for (let y = b.y1; y < b.y2; y++) {
      if (mask) fetchRowFloat(mask, b.x1 + a.maskDx, y + a.maskDy, w, m);
      fetchRowFloat(a.src, b.x1 + a.srcDx, y + a.srcDy, w, s, gated ? m : undefined);
      fetchDestFloat(dst, b.x1, y, w, d);
      combineFloat(op, ca, d, s, mask ? m : null, w);
      for (let i = 0; i < w; i++) setRaw(dst, b.x1 + i, y, fromArgb(dst.fmt, narrow(d, i * 4)));
    }
  }
}

/** pixman_image_composite32 over a region of the destination. */
export function composite(a: CompositeArgs): void {
  if (needsDivision(a.op)) {
    compositeWide(a);
    return;
  }
  const {op, dst, mask} = a;
  const ca = !!mask && a.componentAlpha;
  let s = new Uint32Array(0);
  let m = new Uint32Array(0);
  for (const b of a.region.boxes()) {
    const w = b.x2 - b.x1;
    if (s.length < w) {
      s = new Uint32Array(w);
      m = new Uint32Array(w);
    }
    const wide = dst.fmt === 'a8r8g8b8' || dst.fmt === 'x8r8g8b8';
    const opaqueDst = dst.fmt === 'x8r8g8b8' ? 0xff000000 : 0;
    const data = dst.data;
    for (let y = b.y1; y < b.y2; y++) {
      fetchRow(a.src, b.x1 + a.srcDx, y + a.srcDy, w, s);
      if (mask) fetchRow(mask, b.x1 + a.maskDx, y + a.maskDy, w, m);
      const row = y * dst.stride + b.x1;
      for (let i = 0; i < w; i++) {
        const x = b.x1 + i;
        const d = wide ? (data[row + i]! | opaqueDst) >>> 0 : fetchArgb(dst, x, y);
        let r: number;
        if (ca) r = combineCa(op, s[i]!, m[i]!, d);
        else {
          let sv = s[i]!;
          if (mask) {
            const ma = m[i]! >>> 24;
            sv = ma === 0 ? 0 : ma === 255 ? sv : mul4(sv, ma);
          }
          r = combineUnified(op, sv, d);
        }
        if (wide) data[row + i] = r;
        else setRaw(dst, x, y, fromArgb(dst.fmt, r));
      }
    }
  }
}
