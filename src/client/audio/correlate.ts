/**
 * How much a capture sounds like a reference: the normalized cross-correlation of their mono mixes, at every
 * offset where the shorter lies wholly inside the longer. At offset k the score is
 *   Σ x[k+i]·r[i] / √(Σ r[i]² · Σ x[k+i]²)
 * (1: the same waveform at any loudness, 0: unrelated, −1: inverted); the best score and its offset are reported.
 * Small cases are summed directly; larger ones (most captures) by FFT, block by block (overlap-save), so memory
 * stays a few times the reference's length besides the signal itself.
 */
import {fft} from './spectrum.js';

export interface CorrelationMatch {
  /** The best normalized correlation, in −1..1 (0 when either side is silent throughout). */
  score: number;
  /** Where the reference starts in the signal, in frames (negative: the signal starts that far into the reference). */
  offset: number;
}

/** Direct sums up to this many multiply-adds (lags × reference length); the FFT beyond. */
const DIRECT_LIMIT = 4_000_000;

/** Windows with less energy than this per sample count as silent (score 0 there). */
const SILENT_ENERGY = 1e-12;

export function correlate(signal: Float32Array, reference: Float32Array, method: 'auto' | 'direct' | 'fft' = 'auto'): CorrelationMatch {
  if (reference.length > signal.length) {
    const swapped = correlate(reference, signal, method);
    return {score: swapped.score, offset: -swapped.offset};
  }
  const m = reference.length;
  const lags = signal.length - m + 1;
  if (m === 0) return {score: 0, offset: 0};
  const refEnergy = energy(reference, 0, m);
  if (refEnergy <= SILENT_ENERGY * m) return {score: 0, offset: 0};
  const useFft = method === 'fft' || (method === 'auto' && lags * m > DIRECT_LIMIT);
  const dots = useFft ? fftDots(signal, reference) : directDots(signal, reference);
  // Σ x² over each window, from running sums (in doubles).
  const squares = new Float64Array(signal.length + 1);
  for (let i = 0; i < signal.length; i++) squares[i + 1] = squares[i]! + signal[i]! * signal[i]!;
  let best: CorrelationMatch = {score: 0, offset: 0};
  let found = false;
  for (let k = 0; k < lags; k++) {
    const windowEnergy = squares[k + m]! - squares[k]!;
    if (windowEnergy <= SILENT_ENERGY * m) continue;
    const score = dots[k]! / Math.sqrt(refEnergy * windowEnergy);
    if (!found || score > best.score) {
      best = {score, offset: k};
      found = true;
    }
  }
  return {score: Math.max(-1, Math.min(1, best.score)), offset: best.offset};
}

function energy(x: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! * x[i]!;
  return sum;
}

/** Σ x[k+i]·r[i] for every lag k, summed directly. */
export function directDots(signal: Float32Array, reference: Float32Array): Float64Array {
  const m = reference.length;
  const out = new Float64Array(signal.length - m + 1);
  for (let k = 0; k < out.length; k++) {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += signal[k + i]! * reference[i]!;
    out[k] = sum;
  }
  return out;
}

/**
 * The same dot products by FFT: the reference's spectrum R once (zero-padded to a power of two L ≥ 2m), then for
 * each block of L signal samples IFFT(X · conj(R)), whose first L − m + 1 values are the lags of that block.
 */
export function fftDots(signal: Float32Array, reference: Float32Array): Float64Array {
  const m = reference.length;
  const out = new Float64Array(signal.length - m + 1);
  let size = 2;
  while (size < 2 * m) size <<= 1;
  const rRe = new Float64Array(size);
  const rIm = new Float64Array(size);
  rRe.set(reference);
  fft(rRe, rIm);
  const step = size - m + 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let start = 0; start < out.length; start += step) {
    re.fill(0);
    im.fill(0);
    re.set(signal.subarray(start, Math.min(signal.length, start + size)));
    fft(re, im);
    // X · conj(R), conjugated so that a forward FFT computes the inverse: IFFT(Y) = conj(FFT(conj(Y))) / size.
    for (let k = 0; k < size; k++) {
      const a = re[k]!;
      const b = im[k]!;
      const c = rRe[k]!;
      const d = rIm[k]!;
      re[k] = a * c + b * d;
      im[k] = -(b * c - a * d);
    }
    fft(re, im);
    const n = Math.min(step, out.length - start);
    for (let k = 0; k < n; k++) out[start + k] = re[k]! / size;
  }
  return out;
}

/** Interleaved S16 samples mixed to mono, in −1..1. */
export function monoMix(samples: Int16Array, channels: number): Float32Array {
  const frames = Math.floor(samples.length / channels);
  const out = new Float32Array(frames);
  const scale = 1 / (32768 * channels);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[f * channels + c]!;
    out[f] = sum * scale;
  }
  return out;
}

/** `x` at `from` Hz resampled to `to` Hz by linear interpolation (enough to compare waveforms, not for listening). */
export function resampleLinear(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to || x.length === 0) return x;
  const n = Math.max(1, Math.floor(((x.length - 1) * to) / from) + 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = (i * from) / to;
    const j = Math.floor(p);
    const frac = p - j;
    out[i] = j + 1 < x.length ? x[j]! * (1 - frac) + x[j + 1]! * frac : x[x.length - 1]!;
  }
  return out;
}
