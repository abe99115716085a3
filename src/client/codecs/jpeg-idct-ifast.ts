/**
 * libjpeg's "fast" integer inverse DCT (JDCT_IFAST, what spice-gtk asks for on MJPEG streams): the
 * Arai-Agui-Nakajima scaled 1-D IDCT of Pennebaker & Mitchell figure 4-8, columns then rows, with
 * libjpeg's documented fixed-point choices:
 *  - the AAN scale factors are folded into the dequantisation multipliers: q * aan(u) * aan(v), with aan
 *    in 14-bit fixed point, rounded to 2 fractional bits (PASS1_BITS);
 *  - the four butterfly constants have 8 fractional bits, and each product is shifted right by 8 at once,
 *    without rounding (floor);
 *  - the output is shifted right by 5 (PASS1_BITS + 3, again floor, no rounding), then range-limited:
 *    the value is taken modulo 1024 as a signed number in [-512, 511], level-shifted by 128 and clamped.
 * libjpeg-turbo's SSE2 version gives the same bytes as this arithmetic (djpeg with and without
 * JSIMD_FORCENONE agree on every recorded frame); test/codecs/jpeg-exact compares with djpeg.
 */

/** aan(k) = cos(k*pi/16) * sqrt(2) for k > 0, 1 for k = 0: the AAN output scale factors. */
const aan = Array.from({length: 8}, (_, k) => (k === 0 ? 1 : Math.cos((k * Math.PI) / 16) * Math.SQRT2));

/** Per-coefficient scale, natural order, 14 fractional bits. */
const AAN_SCALES = Int32Array.from({length: 64}, (_, i) => Math.round(16384 * aan[i >> 3]! * aan[i & 7]!));

/** The dequantisation multipliers of a quantisation table (natural order): round(q * scale / 2^12). */
export function ifastMultipliers(quant: Uint16Array): Int32Array {
  return Int32Array.from({length: 64}, (_, i) => (quant[i]! * AAN_SCALES[i]! + 2048) >> 12);
}

// 8-bit fixed-point constants: round(x * 256).
const C1_414 = 362; // 2*cos(4pi/16)
const C1_847 = 473; // 2*cos(2pi/16)
const C1_082 = 277; // 2*(cos(2pi/16) - cos(6pi/16))
const C2_613 = 669; // 2*(cos(2pi/16) + cos(6pi/16))

/** The IDCT output range limit: index (value >> 5) & 1023. */
const RANGE = Uint8Array.from({length: 1024}, (_, i) => Math.max(0, Math.min(255, (i < 512 ? i : i - 1024) + 128)));

const ws = new Int32Array(64);

/**
 * Dequantises and inverse-transforms one block (coefficients in natural order) into 8x8 samples at
 * out[off + y * stride + x].
 */
export function idctIfast(coef: Int16Array, mult: Int32Array, out: Uint8Array, off: number, stride: number): void {
  // Pass 1: columns.
  for (let c = 0; c < 8; c++) {
    if ((coef[8 + c]! | coef[16 + c]! | coef[24 + c]! | coef[32 + c]! | coef[40 + c]! | coef[48 + c]! | coef[56 + c]!) === 0) {
      const dc = coef[c]! * mult[c]!;
      for (let r = 0; r < 64; r += 8) ws[r + c] = dc;
      continue;
    }
    // Even part.
    let t0 = coef[c]! * mult[c]!;
    let t1 = coef[16 + c]! * mult[16 + c]!;
    let t2 = coef[32 + c]! * mult[32 + c]!;
    let t3 = coef[48 + c]! * mult[48 + c]!;
    let t10 = t0 + t2;
    let t11 = t0 - t2;
    const t13 = t1 + t3;
    let t12 = (((t1 - t3) * C1_414) >> 8) - t13;
    t0 = t10 + t13;
    t3 = t10 - t13;
    t1 = t11 + t12;
    t2 = t11 - t12;
    // Odd part.
    const t4 = coef[8 + c]! * mult[8 + c]!;
    const t5 = coef[24 + c]! * mult[24 + c]!;
    const t6 = coef[40 + c]! * mult[40 + c]!;
    const t7 = coef[56 + c]! * mult[56 + c]!;
    const z13 = t6 + t5;
    const z10 = t6 - t5;
    const z11 = t4 + t7;
    const z12 = t4 - t7;
    const o7 = z11 + z13;
    t11 = ((z11 - z13) * C1_414) >> 8;
    const z5 = ((z10 + z12) * C1_847) >> 8;
    t10 = ((z12 * C1_082) >> 8) - z5;
    t12 = ((z10 * -C2_613) >> 8) + z5;
    const o6 = t12 - o7;
    const o5 = t11 - o6;
    const o4 = t10 + o5;
    ws[c] = t0 + o7;
    ws[56 + c] = t0 - o7;
    ws[8 + c] = t1 + o6;
    ws[48 + c] = t1 - o6;
    ws[16 + c] = t2 + o5;
    ws[40 + c] = t2 - o5;
    ws[32 + c] = t3 + o4;
    ws[24 + c] = t3 - o4;
  }
  // Pass 2: rows, output scaled down by 2^5 and range-limited.
  for (let r = 0, o = off; r < 64; r += 8, o += stride) {
    const w0 = ws[r]!;
    const w1 = ws[r + 1]!;
    const w2 = ws[r + 2]!;
    const w3 = ws[r + 3]!;
    const w4 = ws[r + 4]!;
    const w5 = ws[r + 5]!;
    const w6 = ws[r + 6]!;
    const w7 = ws[r + 7]!;
    if ((w1 | w2 | w3 | w4 | w5 | w6 | w7) === 0) {
      const v = RANGE[(w0 >> 5) & 1023]!;
      for (let x = 0; x < 8; x++) out[o + x] = v;
      continue;
    }
    const t10 = w0 + w4;
    const t11 = w0 - w4;
    const t13 = w2 + w6;
    const t12 = (((w2 - w6) * C1_414) >> 8) - t13;
    const t0 = t10 + t13;
    const t3 = t10 - t13;
    const t1 = t11 + t12;
    const t2 = t11 - t12;
    const z13 = w5 + w3;
    const z10 = w5 - w3;
    const z11 = w1 + w7;
    const z12 = w1 - w7;
    const o7 = z11 + z13;
    const u11 = ((z11 - z13) * C1_414) >> 8;
    const z5 = ((z10 + z12) * C1_847) >> 8;
    const u10 = ((z12 * C1_082) >> 8) - z5;
    const u12 = ((z10 * -C2_613) >> 8) + z5;
    const o6 = u12 - o7;
    const o5 = u11 - o6;
    const o4 = u10 + o5;
    out[o] = RANGE[((t0 + o7) >> 5) & 1023]!;
    out[o + 7] = RANGE[((t0 - o7) >> 5) & 1023]!;
    out[o + 1] = RANGE[((t1 + o6) >> 5) & 1023]!;
    out[o + 6] = RANGE[((t1 - o6) >> 5) & 1023]!;
    out[o + 2] = RANGE[((t2 + o5) >> 5) & 1023]!;
    out[o + 5] = RANGE[((t2 - o5) >> 5) & 1023]!;
    out[o + 4] = RANGE[((t3 + o4) >> 5) & 1023]!;
    out[o + 3] = RANGE[((t3 - o4) >> 5) & 1023]!;
  }
}
