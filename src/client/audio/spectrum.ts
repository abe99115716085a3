/**
 * The dominant frequency of a capture, in bounded memory: Welch's method. The channels are mixed to mono and cut
 * into blocks of BLOCK frames; each block is Hann-windowed, transformed (an in-place radix-2 FFT) and its power
 * spectrum summed. The peak bin of the sum (DC excluded) is refined by a parabola through the logarithms of it and
 * its two neighbours, which places a steady tone to a small fraction of a bin (48000 / 65536 = 0.73 Hz per bin).
 */
const BLOCK = 65536;
/** A last partial block joins the average only if it holds this share of a block (or is the only one). */
const MIN_PARTIAL = BLOCK / 4;
/** Bins around a peak that belong to it (a Hann window's main lobe is ±2 bins wide; zero padding widens it). */
const MIN_PEAK_BINS = 8;

export interface SpectralPeak {
  hz: number;
  /** Power relative to the strongest peak (0 for it). */
  db: number;
}

export class SpectrumAnalyzer {
  private readonly power = new Float64Array(BLOCK / 2 + 1);
  private readonly block = new Float64Array(BLOCK);
  private filled = 0;
  private blocks = 0;

  constructor(
    readonly channels: number,
    readonly rate: number,
  ) {}

  /** Interleaved S16 samples. */
  add(samples: Int16Array): void {
    const ch = this.channels;
    const scale = 1 / (32768 * ch);
    for (let i = 0; i + ch <= samples.length; i += ch) {
      let sum = 0;
      for (let c = 0; c < ch; c++) sum += samples[i + c]!;
      this.block[this.filled++] = sum * scale;
      if (this.filled === BLOCK) this.flush(BLOCK);
    }
  }

  /** The dominant frequency in Hz (two decimals), or null when nothing but silence (or nothing) came. */
  dominantHz(): number | null {
    return this.peaks(1)[0]?.hz ?? null;
  }

  /**
   * The `n` strongest spectral peaks (local maxima of the averaged power, DC excluded), strongest first: each
   * refined between bins, with its power in dB relative to the strongest. Empty for silence. Peaks closer than
   * MIN_PEAK_BINS to a stronger one are its window's main lobe, not tones of their own.
   */
  peaks(n: number): SpectralPeak[] {
    const power = this.averagedPower();
    if (!power) return [];
    const maxima: number[] = [];
    for (let k = 1; k < power.length - 1; k++) if (power[k]! > power[k - 1]! && power[k]! >= power[k + 1]! && power[k]! > 1e-18) maxima.push(k);
    maxima.sort((x, y) => power[y]! - power[x]!);
    const chosen: number[] = [];
    for (const k of maxima) {
      if (chosen.length === n) break;
      if (chosen.every((c) => Math.abs(c - k) >= MIN_PEAK_BINS)) chosen.push(k);
    }
    const top = chosen.length ? power[chosen[0]!]! : 1;
    return chosen.map((k) => ({hz: this.refinedHz(power, k), db: Math.round(10 * Math.log10(power[k]! / top) * 10) / 10}));
  }

  /** The sum of the blocks' power spectra, the partial block included when long enough; null before any. */
  private averagedPower(): Float64Array | null {
    const power = Float64Array.from(this.power);
    let blocks = this.blocks;
    if (this.filled > 0 && (this.filled >= MIN_PARTIAL || blocks === 0)) {
      accumulate(power, windowedSpectrum(this.block, this.filled));
      blocks++;
    }
    return blocks === 0 ? null : power;
  }

  /** Bin k refined by a parabola through the logarithms of it and its neighbours, in Hz (two decimals). */
  private refinedHz(power: Float64Array, k: number): number {
    const [a, b, c] = [power[k - 1]!, power[k]!, power[k + 1]!].map((p) => Math.log(p + 1e-30)) as [number, number, number];
    const denominator = a - 2 * b + c;
    const offset = denominator < 0 ? (0.5 * (a - c)) / denominator : 0;
    return Math.round((k + offset) * (this.rate / BLOCK) * 100) / 100;
  }

  private flush(n: number): void {
    accumulate(this.power, windowedSpectrum(this.block, n));
    this.blocks++;
    this.filled = 0;
  }
}

function accumulate(into: Float64Array, p: Float64Array): void {
  for (let k = 0; k < into.length; k++) into[k]! += p[k]!;
}

/** The power spectrum (bins 0..BLOCK/2) of the first n values, Hann-windowed over n and zero-padded to BLOCK. */
function windowedSpectrum(values: Float64Array, n: number): Float64Array {
  const re = new Float64Array(BLOCK);
  const im = new Float64Array(BLOCK);
  for (let i = 0; i < n; i++) re[i] = values[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / Math.max(1, n - 1)));
  fft(re, im);
  const out = new Float64Array(BLOCK / 2 + 1);
  for (let k = 0; k < out.length; k++) out[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  return out;
}

/** In-place iterative radix-2 FFT; the length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let start = 0; start < n; start += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = start + k;
        const b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a]! += tr;
        im[a]! += ti;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}
