/**
 * Sample-rate conversion for the record stream: a band-limited (windowed-sinc) resampler. Output sample n of a
 * channel sits at input position t = n · inRate / outRate (kept exact with integers: no drift over long files)
 * and is Σ x[i] · h(t − i) over the input samples within ZERO_CROSSINGS lobes of t. h is a sinc cut off just
 * below the lower of the two Nyquist frequencies (so downsampling does not alias), shaped by a Kaiser window
 * (β = 8.6: stop band about −90 dB; with 32 lobes a side the pass band is flat to 0.84 of that Nyquist
 * frequency and the stop band begins at it); it is read from a table of TABLE_STEPS points per lobe, linearly
 * interpolated. When the rates' ratio has few phases (outRate / gcd ≤ MAX_PHASES: 160 for 44.1 → 48 kHz, 1 for
 * 48 → 8 kHz) each phase's taps are computed once. Samples before the start and after the end count as 0.
 */

/** Lobes of the sinc on each side of the output position (input samples when upsampling). */
const ZERO_CROSSINGS = 32;
const TABLE_STEPS = 512;
const KAISER_BETA = 8.6;
/** Cut-off as a share of the lower Nyquist frequency: leaves the window's transition band room. */
const CUTOFF = 0.92;

const MAX_PHASES = 4096;
const LAST_STEP = ZERO_CROSSINGS * TABLE_STEPS;

/** The shared kernel table: sinc(u) · kaiser(u / ZERO_CROSSINGS) for u = 0 … ZERO_CROSSINGS. */
const KERNEL = (() => {
  const n = ZERO_CROSSINGS * TABLE_STEPS;
  const t = new Float64Array(n + 2);
  const i0Beta = besselI0(KAISER_BETA);
  for (let k = 0; k <= n; k++) {
    const u = k / TABLE_STEPS;
    const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
    const r = u / ZERO_CROSSINGS;
    t[k] = (sinc * besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - r * r)))) / i0Beta;
  }
  return t; // t[n + 1] stays 0: the interpolation may read one past the end
})();

/** The modified Bessel function of the first kind, order 0 (its power series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50 && term > 1e-12 * sum; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

export class Resampler {
  /** The kernel's cut-off in cycles per input sample × 2 (1 = the input's Nyquist frequency). */
  private readonly cutoff: number;
  /** How far (in input samples) the kernel reaches on each side. */
  private readonly reach: number;
  /** Per phase (n·inRate mod outRate, over gcd): the first tap's offset from the whole position, and the taps. */
  private readonly phases?: Array<{first: number; taps: Float64Array}>;
  private readonly phaseUnit: number;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
  ) {
    if (!(inRate > 0 && outRate > 0 && Number.isInteger(inRate) && Number.isInteger(outRate))) throw new RangeError(`rates must be positive integers (${inRate}, ${outRate})`);
    this.cutoff = Math.min(1, outRate / inRate) * CUTOFF;
    this.reach = ZERO_CROSSINGS / this.cutoff;
    const g = gcd(inRate, outRate);
    this.phaseUnit = g;
    if (inRate !== outRate && outRate / g <= MAX_PHASES) {
      this.phases = Array.from({length: outRate / g}, (_, p) => {
        const frac = (p * g) / outRate;
        const first = Math.ceil(frac - this.reach);
        const last = Math.floor(frac + this.reach);
        const taps = new Float64Array(last - first + 1);
        for (let j = first; j <= last; j++) taps[j - first] = this.kernel(frac - j);
        return {first, taps};
      });
    }
  }

  /** h(d): the kernel at d input samples from the output position. */
  private kernel(d: number): number {
    const pos = Math.abs(d) * this.cutoff * TABLE_STEPS;
    const k = Math.floor(pos);
    if (k > LAST_STEP) return 0;
    return (KERNEL[k]! + (pos - k) * (KERNEL[k + 1]! - KERNEL[k]!)) * this.cutoff;
  }

  /** How many output frames `inFrames` input frames make (the same duration, rounded). */
  outFrames(inFrames: number): number {
    return Math.round((inFrames * this.outRate) / this.inRate);
  }

  /** Output sample `n` of one channel whose input samples are `x`. */
  sample(x: Float32Array | Float64Array, n: number): number {
    if (this.inRate === this.outRate) return n < x.length ? x[n]! : 0;
    // t = n·inRate/outRate = whole + frac, exact in integers (n·inRate < 2^53 for any file we could hold)
    const num = n * this.inRate;
    const whole = Math.floor(num / this.outRate);
    const rest = num - whole * this.outRate;
    if (this.phases) {
      const {first, taps} = this.phases[rest / this.phaseUnit]!;
      const i0 = whole + first;
      const from = Math.max(0, -i0);
      const to = Math.min(taps.length, x.length - i0);
      let acc = 0;
      for (let j = from; j < to; j++) acc += x[i0 + j]! * taps[j]!;
      return acc;
    }
    const frac = rest / this.outRate;
    const first = Math.max(0, Math.ceil(whole + frac - this.reach));
    const last = Math.min(x.length - 1, Math.floor(whole + frac + this.reach));
    let sum = 0;
    for (let i = first; i <= last; i++) sum += x[i]! * this.kernel(whole - i + frac);
    return sum;
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
