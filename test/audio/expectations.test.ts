/** audio_expect's checks on generated WAVs: silence, frequency, RMS, likeness; the failure message names the measured values. */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {measureSound, unmetExpectations} from '../../src/client/audio/expectations.js';
import {parseWav, wavHeader, type WavContent} from '../../src/client/audio/wav.js';
import {expectSound, readReferenceWav} from '../../src/client/actions/audio-expect.js';
import {SpiceError} from '../../src/client/errors.js';

const RATE = 48000;
const dir = mkdtempSync(join(tmpdir(), 'spice-cli-expect-'));

/** A WAV of a sine (full-scale fraction `amplitude`, from sample `phase`), `channels` equal channels. */
function sineWav(hz: number, seconds: number, amplitude: number, channels = 2, rate = RATE, phase = 0): WavContent {
  const frames = Math.round(seconds * rate);
  const pcm = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * (i + phase)) / rate));
    for (let c = 0; c < channels; c++) pcm.writeInt16LE(v, (i * channels + c) * 2);
  }
  const format = {channels, rate, sampleFormat: 's16le'} as const;
  return parseWav(Buffer.concat([wavHeader(format, pcm.length), pcm]));
}

function save(name: string, wav: WavContent): string {
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([wavHeader(wav.format, wav.data.length), wav.data]));
  return p;
}

describe('measureSound and unmetExpectations', () => {
  const tone = measureSound(sineWav(440, 1, 0.5));

  it('a half-scale 440 Hz tone: levels and frequency', () => {
    expect(tone).toMatchObject({frames: RATE, durationMs: 1000, peakDbfs: -6, rmsDbfs: -9});
    expect(Math.abs(tone.dominantHz! - 440)).toBeLessThan(0.5);
    expect(unmetExpectations(tone, {silence: false, frequencyHz: 440, toleranceHz: 1, rmsAboveDbfs: -12, rmsBelowDbfs: -6})).toEqual([]);
  });

  it('each unmet expectation says what was expected and what was measured', () => {
    const unmet = unmetExpectations(tone, {silence: true, frequencyHz: 1000, rmsAboveDbfs: -3, rmsBelowDbfs: -20});
    expect(unmet).toHaveLength(4);
    expect(unmet[0]).toBe('expected silence (peak at or below -60 dBFS), measured peak -6 dBFS');
    expect(unmet[1]).toMatch(/^expected a dominant frequency of 1000 ± 5 Hz, measured 4[34]\d(\.\d+)? Hz$/);
    expect(unmet[2]).toBe('expected an RMS above -3 dBFS, measured -9 dBFS');
    expect(unmet[3]).toBe('expected an RMS below -20 dBFS, measured -9 dBFS');
  });

  it('silence: digital silence, a whisper under the floor, and nothing captured at all', () => {
    const zeros = measureSound(sineWav(440, 0.5, 0));
    expect(zeros).toMatchObject({peakDbfs: null, rmsDbfs: null, dominantHz: null});
    expect(unmetExpectations(zeros, {silence: true, rmsBelowDbfs: -50})).toEqual([]);
    expect(unmetExpectations(zeros, {silence: false, frequencyHz: 440})).toEqual([
      'expected sound (peak above -60 dBFS), measured peak -∞ dBFS (digital silence)',
      'expected a dominant frequency of 440 ± 5 Hz, measured none (silence)',
    ]);
    const whisper = measureSound(sineWav(440, 0.5, 0.0005)); // peak 16: −66 dBFS
    expect(unmetExpectations(whisper, {silence: true})).toEqual([]);
    expect(unmetExpectations(whisper, {silence: true, floorDbfs: -70})).toHaveLength(1);
    const nothing = measureSound(null);
    expect(nothing.frames).toBe(0);
    expect(unmetExpectations(nothing, {silence: false})[0]).toMatch(/nothing was captured/);
  });

  it('like: the reference found inside a longer capture (other rate and channels), a different tone scores low', () => {
    // The capture: 0.3 s of silence, then the reference's chirp-like two-tone sequence at another loudness.
    const ref = sineWav(700, 0.2, 0.8, 1, 44_100);
    const capture = Buffer.concat([Buffer.alloc(0.3 * RATE * 4), sineWav(700, 0.5, 0.3).data]);
    const wav = parseWav(Buffer.concat([wavHeader({channels: 2, rate: RATE, sampleFormat: 's16le'}, capture.length), capture]));
    const m = measureSound(wav, ref);
    expect(m.likeScore).toBeGreaterThan(0.99);
    expect(m.likeOffsetMs).toBeGreaterThanOrEqual(300);
    expect(unmetExpectations(m, {like: {name: 'ref.wav', wav: ref}})).toEqual([]);
    const other = measureSound(sineWav(1100, 0.5, 0.3), ref);
    expect(other.likeScore).toBeLessThan(0.5);
    expect(unmetExpectations(other, {like: {name: 'ref.wav', wav: ref}, score: 0.8})[0]).toMatch(/^expected to sound like ref\.wav \(score ≥ 0\.8\), measured a best score of [\d.]+ at [\d.]+ ms$/);
  });
});

describe('expectSound (the action)', () => {
  it('passes with the measured values, fails with exit 1 and them in the message and details', () => {
    const file = save('tone.wav', sineWav(440, 1, 0.5));
    const ok = expectSound(file, {frequencyHz: 440, toleranceHz: 2, silence: false});
    expect(ok.file).toBe(file);
    expect(ok.summary).toMatch(/^1\.00 s, peak -6 dBFS, RMS -9 dBFS, 4[34]\d(\.\d+)? Hz$/);
    let err: unknown;
    try {
      expectSound(file, {frequencyHz: 1000});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpiceError);
    const e = err as SpiceError;
    expect(e.kind).toBe('expectation');
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/expected a dominant frequency of 1000 ± 5 Hz, measured 4[34]\d(\.\d+)? Hz \(measured: 1\.00 s, /);
    expect((e.details?.measured as {dominantHz: number}).dominantHz).toBeCloseTo(440, 0);
  });

  it('no WAV (no audio came) is silence; a missing or non-WAV reference is a usage error', () => {
    expect(expectSound(join(dir, 'none.wav'), {silence: true}).file).toBeNull();
    expect(() => readReferenceWav(join(dir, 'missing.wav'))).toThrow(/cannot read .*missing\.wav: no such file/);
    writeFileSync(join(dir, 'text.wav'), 'hello');
    expect(() => readReferenceWav(join(dir, 'text.wav'))).toThrow(/not a WAV file/);
  });
});
