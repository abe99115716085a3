/**
 * What `audio send` makes of its input (src/client/audio/{resample,channel-mix,pcm-source}.ts): the windowed-sinc
 * resampler keeps a tone's frequency (to a few hundredths of a hertz) and level, removes what the lower rate
 * cannot hold (no aliasing), passes the same rate through unchanged; channels mix down and up; the tone
 * generator's frequency, level and fades.
 */
import {describe, expect, it} from 'vitest';
import {Resampler} from '../../src/client/audio/resample.js';
import {deinterleave, mixChannels} from '../../src/client/audio/channel-mix.js';
import {toneSource, wavSource} from '../../src/client/audio/pcm-source.js';
import {LevelMeter} from '../../src/client/audio/levels.js';
import {SpectrumAnalyzer} from '../../src/client/audio/spectrum.js';
import type {PcmFormat} from '../../src/client/audio/format.js';
import type {WavContent} from '../../src/client/audio/wav.js';
import {prngU32} from '../support/prng.js';

const fmt = (channels: number, rate: number): PcmFormat => ({channels, rate, sampleFormat: 's16le'});

/** A WAV's content: a sine per channel (`hz[c]`, amplitude 0.5) at `rate`. */
function sineWav(hz: number[], rate: number, seconds: number): WavContent {
  const channels = hz.length;
  const frames = Math.round(rate * seconds);
  const s = new Int16Array(frames * channels);
  for (let i = 0; i < frames; i++) for (let c = 0; c < channels; c++) s[i * channels + c] = Math.round(16384 * Math.sin((2 * Math.PI * hz[c]! * i) / rate));
  return {format: fmt(channels, rate), data: new Uint8Array(s.buffer), streamed: false};
}

/** All of a source's frames, read packet by packet as the sender does. */
function readAll(src: {frames: number; read(from: number, count: number): Int16Array}, per = 480): Int16Array {
  const parts: Int16Array[] = [];
  for (let k = 0; k * per < src.frames; k++) parts.push(src.read(k * per, per));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

function analyse(samples: Int16Array, f: PcmFormat, skipFrames = 0) {
  const body = samples.subarray(skipFrames * f.channels, samples.length - skipFrames * f.channels);
  const spectrum = new SpectrumAnalyzer(f.channels, f.rate);
  spectrum.add(body);
  const levels = new LevelMeter(f.channels);
  levels.add(body);
  return {hz: spectrum.dominantHz(), rms: levels.total.rmsDbfs, peak: levels.total.peakDbfs};
}

describe('resampling', () => {
  it.each([
    [44100, 48000, 1000],
    [22050, 48000, 3000],
    [48000, 8000, 440],
    [8000, 48000, 440],
    [16000, 44100, 6501.5],
    [44100, 47999, 1000], // 47999 phases: the kernel computed per tap, not from per-phase tables
  ])('%i Hz → %i Hz keeps a %f Hz tone within 0.05 Hz and its level within 0.1 dB', (from, to, hz) => {
    const out = readAll(wavSource(sineWav([hz], from, 3), fmt(1, to)));
    expect(out.length).toBe(3 * to);
    const a = analyse(out, fmt(1, to), to / 10);
    expect(Math.abs(a.hz! - hz)).toBeLessThan(0.05);
    // A sine at half scale: RMS −9.03 dBFS.
    expect(Math.abs(a.rms! - -9.0)).toBeLessThanOrEqual(0.1);
  });

  it('downsampling removes what the lower rate cannot hold: a 6 kHz tone at 48 kHz → 8 kHz is below −70 dBFS', () => {
    const out = readAll(wavSource(sineWav([6000], 48000, 2), fmt(1, 8000)));
    const a = analyse(out, fmt(1, 8000), 800);
    expect(a.rms === null || a.rms < -70).toBe(true);
  });

  it('the same rate and channels pass through bit for bit', () => {
    const next = prngU32(5);
    const s = Int16Array.from({length: 48000 * 2}, () => next() & 0xffff);
    const wav: WavContent = {format: fmt(2, 48000), data: new Uint8Array(s.buffer), streamed: false};
    expect(Buffer.from(readAll(wavSource(wav, fmt(2, 48000))).buffer).equals(Buffer.from(s.buffer))).toBe(true);
  });

  it('a long file does not drift: sample n of 10 minutes sits at n · in/out exactly', () => {
    const r = new Resampler(44100, 48000);
    const n = 48000 * 599; // 599 s in
    const x = new Float32Array(44100 * 600);
    const around = Math.floor((n * 44100) / 48000);
    for (let i = around - 200; i <= around + 200; i++) x[i] = Math.sin((2 * Math.PI * 100 * i) / 44100) * 0.5;
    const expected = 0.5 * Math.sin((2 * Math.PI * 100 * n) / 48000);
    expect(r.sample(x, n)).toBeCloseTo(expected, 3);
  });
});

describe('channels', () => {
  it('stereo → mono is the mean; mono → stereo copies; 6 → 2 folds pairs', () => {
    const st = deinterleave(Int16Array.from([16384, -16384, 8192, 0]), 2);
    expect(Array.from(mixChannels(st, 1)[0]!)).toEqual([0, 0.125]);
    const up = mixChannels(deinterleave(Int16Array.from([16384, 8192]), 1), 2);
    expect(up.map((p) => Array.from(p))).toEqual([
      [0.5, 0.25],
      [0.5, 0.25],
    ]);
    const six = deinterleave(Int16Array.from([1, 2, 3, 4, 5, 6].map((v) => v * 1024)), 6);
    expect(mixChannels(six, 2).map((p) => p[0]! * 32)).toEqual([3, 4]);
  });

  it('a stereo WAV with different tones left and right reaches a mono server as both, mixed', () => {
    const out = readAll(wavSource(sineWav([500, 1500], 48000, 1), fmt(1, 48000)));
    expect(out.length).toBe(48000);
    const left = Math.round(16384 * Math.sin((2 * Math.PI * 500 * 100) / 48000));
    const right = Math.round(16384 * Math.sin((2 * Math.PI * 1500 * 100) / 48000));
    expect(Math.abs(out[100]! - (left + right) / 2)).toBeLessThanOrEqual(0.5);
    const a = analyse(out, fmt(1, 48000));
    expect([500, 1500].some((hz) => Math.abs(a.hz! - hz) < 0.1)).toBe(true);
  });
});

describe('tone generator', () => {
  it('440 Hz at 48 kHz stereo: the frequency within 0.01 Hz, −6 dBFS peak, both channels equal, 5 ms fades', () => {
    const f = fmt(2, 48000);
    const src = toneSource(440, f, 4 * 48000, 0.5);
    const out = readAll(src);
    expect(out.length).toBe(4 * 48000 * 2);
    const a = analyse(out, f);
    expect(Math.abs(a.hz! - 440)).toBeLessThan(0.01);
    expect(a.peak).toBe(-6);
    let unequal = 0;
    for (let i = 0; i < out.length; i += 2) if (out[i] !== out[i + 1]) unequal++;
    expect(unequal).toBe(0);
    expect(out[0]).toBe(0);
    expect(out[out.length - 1]).toBe(0);
    // 240 frames of fade: the first quarter period is scaled down
    expect(Math.abs(out[2 * 27]!)).toBeLessThan(16384 * (27 / 240) + 1);
  });

  it('reads past the end give fewer frames, then none', () => {
    const src = toneSource(1000, fmt(1, 8000), 1000);
    expect(src.read(960, 480).length).toBe(40);
    expect(src.read(1000, 480).length).toBe(0);
  });
});
