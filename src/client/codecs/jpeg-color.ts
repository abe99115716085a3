/**
 * From decoded component planes to xRGB pixels, as libjpeg does without fancy upsampling
 * (do_fancy_upsampling FALSE): each chroma sample is replicated over the pixels it covers (the merged
 * h2v1/h2v2 upsamplers and the plain integral upsampler give the same result), then YCbCr → RGB with
 * libjpeg's fixed-point tables (16 fractional bits, FIX(x) = trunc(x * 65536 + 0.5)):
 *   R = Y + ((FIX(1.40200) * (Cr-128) + 2^15) >> 16)
 *   G = Y + ((-FIX(0.34414) * (Cb-128) - FIX(0.71414) * (Cr-128) + 2^15) >> 16)
 *   B = Y + ((FIX(1.77200) * (Cb-128) + 2^15) >> 16)
 * each clamped to 0..255 (arithmetic right shifts, i.e. floor).
 */

const FIX = (x: number): number => Math.trunc(x * 65536 + 0.5);
const HALF = 1 << 15;

const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (FIX(1.402) * x + HALF) >> 16;
  CB_B[i] = (FIX(1.772) * x + HALF) >> 16;
  CR_G[i] = -FIX(0.71414) * x;
  CB_G[i] = -FIX(0.34414) * x + HALF;
}

/** One component's samples: plane[row * stride + col]; each sample covers hRatio x vRatio pixels. */
export interface Plane {
  samples: Uint8Array;
  stride: number;
  hRatio: number;
  vRatio: number;
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
/** clamp(v) at CLAMP[v + 256] for v in -256..511 (Y plus any table term stays within). */
const CLAMP = Uint8Array.from({length: 768}, (_, i) => clamp(i - 256));

function columns(p: Plane, width: number): Int32Array {
  return Int32Array.from({length: width}, (_, x) => Math.floor(x / p.hRatio));
}

/** YCbCr planes → 0x00RRGGBB. */
export function yccToRgb(y: Plane, cb: Plane, cr: Plane, width: number, height: number, out: Uint32Array): void {
  if (y.hRatio === 1 && y.vRatio === 1 && cb.hRatio === cr.hRatio && cb.vRatio === cr.vRatio) {
    yccSharedChroma(y, cb, cr, width, height, out);
    return;
  }
  const cy = columns(y, width);
  const ccb = columns(cb, width);
  const ccr = columns(cr, width);
  for (let row = 0, o = 0; row < height; row++) {
    const ry = Math.floor(row / y.vRatio) * y.stride;
    const rcb = Math.floor(row / cb.vRatio) * cb.stride;
    const rcr = Math.floor(row / cr.vRatio) * cr.stride;
    for (let x = 0; x < width; x++, o++) {
      const l = y.samples[ry + cy[x]!]!;
      const b = cb.samples[rcb + ccb[x]!]!;
      const r = cr.samples[rcr + ccr[x]!]!;
      out[o] = (clamp(l + CR_R[r]!) << 16) | (clamp(l + ((CB_G[b]! + CR_G[r]!) >> 16)) << 8) | clamp(l + CB_B[b]!);
    }
  }
}

/** Three planes that already hold R, G and B (Adobe transform 0, or components named 'R', 'G', 'B'). */
export function planesToRgb(r: Plane, g: Plane, b: Plane, width: number, height: number, out: Uint32Array): void {
  const cr = columns(r, width);
  const cg = columns(g, width);
  const cb = columns(b, width);
  for (let row = 0, o = 0; row < height; row++) {
    const rr = Math.floor(row / r.vRatio) * r.stride;
    const rg = Math.floor(row / g.vRatio) * g.stride;
    const rb = Math.floor(row / b.vRatio) * b.stride;
    for (let x = 0; x < width; x++, o++) out[o] = (r.samples[rr + cr[x]!]! << 16) | (g.samples[rg + cg[x]!]! << 8) | b.samples[rb + cb[x]!]!;
  }
}

/** One grey plane → grey RGB. */
export function greyToRgb(y: Plane, width: number, height: number, out: Uint32Array): void {
  for (let row = 0, o = 0; row < height; row++) {
    const ry = row * y.stride;
    for (let x = 0; x < width; x++, o++) {
      const v = y.samples[ry + x]!;
      out[o] = (v << 16) | (v << 8) | v;
    }
  }
}

/**
 * The usual layout (full-size Y, Cb and Cr sampled alike: 4:4:4, 4:2:2, 4:2:0, ...): each chroma pair's
 * three terms are computed once for the pixels it covers. Same arithmetic as the general loop.
 */
function yccSharedChroma(y: Plane, cb: Plane, cr: Plane, width: number, height: number, out: Uint32Array): void {
  const hr = cb.hRatio;
  const ys = y.samples;
  const bs = cb.samples;
  const rs = cr.samples;
  for (let row = 0; row < height; row++) {
    const ry = row * y.stride;
    const crow = Math.floor(row / cb.vRatio);
    const rb = crow * cb.stride;
    const rr = crow * cr.stride;
    const o = row * width;
    for (let x0 = 0, c = 0; x0 < width; x0 += hr, c++) {
      const b = bs[rb + c]!;
      const r = rs[rr + c]!;
      const tr = CR_R[r]! + 256;
      const tg = ((CB_G[b]! + CR_G[r]!) >> 16) + 256;
      const tb = CB_B[b]! + 256;
      const end = Math.min(x0 + hr, width);
      for (let x = x0; x < end; x++) {
        const l = ys[ry + x]!;
        out[o + x] = (CLAMP[l + tr]! << 16) | (CLAMP[l + tg]! << 8) | CLAMP[l + tb]!;
      }
    }
  }
}
