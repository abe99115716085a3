/** Normalized cross-correlation (correlate.ts): the offset and score of a known excerpt, direct sums against FFT. */
import {describe, expect, it} from 'vitest';
import {correlate, directDots, fftDots, monoMix, resampleLinear} from '../../src/client/audio/correlate.js';
import {prng} from '../support/prng.js';

function noise(n: number, seed: number, amplitude = 0.5): Float32Array {
  const rnd = prng(seed);
  return Float32Array.from({length: n}, () => amplitude * (rnd() * 2 - 1));
}

describe('correlate', () => {
  it('finds an excerpt of noise at its offset with score 1, at any loudness, by direct sums and by FFT', () => {
    const signal = noise(6000, 1);
    const reference = signal.slice(1234, 1234 + 700).map((v) => v * 0.1);
    for (const method of ['direct', 'fft'] as const) {
      const m = correlate(signal, reference, method);
      expect(m.offset).toBe(1234);
      expect(m.score).toBeCloseTo(1, 6);
    }
  });

  it('FFT dot products equal the direct ones (several blocks, a reference of odd length)', () => {
    const signal = noise(20_000, 2);
    const reference = noise(777, 3);
    const direct = directDots(signal, reference);
    const viaFft = fftDots(signal, reference);
    expect(viaFft.length).toBe(direct.length);
    let worst = 0;
    for (let k = 0; k < direct.length; k++) worst = Math.max(worst, Math.abs(direct[k]! - viaFft[k]!));
    expect(worst).toBeLessThan(1e-9);
  });

  it('scores unrelated noise near 0 and an inverted copy at -1 (not a match)', () => {
    const signal = noise(4000, 4);
    expect(correlate(signal, noise(500, 5)).score).toBeLessThan(0.25);
    const inverted = signal.slice(100, 600).map((v) => -v);
    expect(correlate(signal, inverted).score).toBeLessThan(0.25);
    expect(correlate(signal.slice(100, 600), signal.slice(100, 600).map((v) => -v)).score).toBeCloseTo(-1, 6);
  });

  it('a noisy copy scores by its signal-to-noise ratio; a capture shorter than the reference gives a negative offset', () => {
    const reference = noise(3000, 6);
    const capture = reference.slice(500, 2500).map((v, i) => v + noise(2000, 7, 0.25)[i]!);
    const m = correlate(capture, reference);
    expect(m.offset).toBe(-500);
    // Noise at half the amplitude (uniform): score = 1 / √(1 + 1/4) ≈ 0.894.
    expect(m.score).toBeGreaterThan(0.85);
    expect(m.score).toBeLessThan(0.94);
  });

  it('silence scores 0, wherever it is', () => {
    const signal = new Float32Array(2000);
    signal.set(noise(500, 8), 1500);
    expect(correlate(signal, new Float32Array(100))).toEqual({score: 0, offset: 0});
    const m = correlate(signal, signal.slice(1600, 1700));
    expect(m).toEqual({score: expect.closeTo(1, 6), offset: 1600});
  });

  it('the automatic choice takes the FFT for long inputs and agrees with the direct sums', () => {
    const signal = noise(48_000 * 3, 9);
    const reference = signal.slice(70_000, 70_000 + 24_000);
    const t = performance.now();
    const m = correlate(signal, reference);
    expect(m).toEqual({score: expect.closeTo(1, 5), offset: 70_000});
    expect(performance.now() - t).toBeLessThan(5000);
  });
});

describe('monoMix and resampleLinear', () => {
  it('mixes interleaved channels to −1..1', () => {
    expect(Array.from(monoMix(Int16Array.from([16384, 16384, -32768, 0]), 2))).toEqual([0.5, -0.5]);
  });

  it('resamples a slow sine by linear interpolation with its shape kept', () => {
    const from = 44_100;
    const to = 48_000;
    const x = Float32Array.from({length: from}, (_, i) => Math.sin((2 * Math.PI * 50 * i) / from));
    const y = resampleLinear(x, from, to);
    expect(y.length).toBe(47_999); // the last input sample at 44099 / 44100 s
    for (const i of [0, 1000, 12_345, 40_000]) expect(y[i]!).toBeCloseTo(Math.sin((2 * Math.PI * 50 * i) / to), 4);
  });
});
