/** Levels in dBFS and the dominant frequency (Welch spectrum) on generated signals. */
import {describe, expect, it} from 'vitest';
import {dbfs, LevelMeter} from '../../src/client/audio/levels.js';
import {fft, SpectrumAnalyzer} from '../../src/client/audio/spectrum.js';
import {prng} from '../support/prng.js';

const RATE = 48000;

/** Interleaved stereo S16 of a sine per channel (amplitude in full-scale units), plus optional noise. */
function tone(hz: number[], seconds: number, amplitude = 0.5, noise = 0, seed = 1): Int16Array {
  const rnd = prng(seed);
  const frames = Math.round(seconds * RATE);
  const out = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < 2; c++) {
      const f = hz[c] ?? hz[0]!;
      const v = amplitude * Math.sin((2 * Math.PI * f * i) / RATE) + noise * (rnd() * 2 - 1);
      out[i * 2 + c] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
    }
  }
  return out;
}

describe('levels', () => {
  it('dBFS of a full-scale and a half-scale sine, and of silence', () => {
    const full = new LevelMeter(2);
    full.add(tone([1000], 0.5, 1));
    expect(full.total.peakDbfs).toBe(0);
    expect(full.total.rmsDbfs).toBe(-3);
    const half = new LevelMeter(2);
    half.add(tone([1000], 0.5, 0.5));
    expect(half.total).toEqual({peakDbfs: -6, rmsDbfs: -9});
    const quiet = new LevelMeter(2);
    quiet.add(new Int16Array(960));
    expect(quiet.total).toEqual({peakDbfs: null, rmsDbfs: null});
    expect(dbfs(32768)).toBe(0);
  });

  it('keeps channels apart', () => {
    const m = new LevelMeter(2);
    const s = tone([440], 0.2, 0.5);
    for (let i = 1; i < s.length; i += 2) s[i] = 0;
    m.add(s);
    expect(m.perChannel[0]!.peakDbfs).toBe(-6);
    expect(m.perChannel[1]!.peakDbfs).toBeNull();
  });
});

describe('dominant frequency', () => {
  const dominant = (samples: Int16Array, chunk = 1920) => {
    const a = new SpectrumAnalyzer(2, RATE);
    for (let i = 0; i < samples.length; i += chunk) a.add(samples.subarray(i, i + chunk));
    return a.dominantHz();
  };

  it.each([50, 440, 997.3, 1000, 3141.59, 12000, 19999])('finds %f Hz within 0.1 Hz over 3 s', (hz) => {
    expect(Math.abs(dominant(tone([hz], 3))! - hz)).toBeLessThan(0.1);
  });

  it('within 1 Hz in short captures (one partial block) and under noise', () => {
    expect(Math.abs(dominant(tone([523.25], 0.25))! - 523.25)).toBeLessThan(1);
    expect(Math.abs(dominant(tone([1234], 2, 0.2, 0.3))! - 1234)).toBeLessThan(0.2);
  });

  it('takes the stronger of two tones; null for silence and for nothing', () => {
    expect(Math.round(dominant(tone([700, 300], 2).map((v, i) => (i % 2 ? v / 4 : v)))!)).toBe(700);
    expect(dominant(new Int16Array(96000))).toBeNull();
    expect(new SpectrumAnalyzer(2, RATE).dominantHz()).toBeNull();
  });

  it('the FFT agrees with a direct DFT', () => {
    const n = 64;
    const rnd = prng(7);
    const x = Array.from({length: n}, () => rnd() - 0.5);
    const re = Float64Array.from(x);
    const im = new Float64Array(n);
    fft(re, im);
    for (const k of [0, 1, 5, 31, 32, 63]) {
      let r = 0;
      let i = 0;
      for (let t = 0; t < n; t++) {
        r += x[t]! * Math.cos((-2 * Math.PI * k * t) / n);
        i += x[t]! * Math.sin((-2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(r, 9);
      expect(im[k]).toBeCloseTo(i, 9);
    }
  });
});
