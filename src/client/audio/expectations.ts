/**
 * Expectations on captured sound (the scenario step `audio_expect`): silence or not, the dominant frequency
 * within a tolerance, the RMS level above or below a level, and a likeness to a reference WAV (correlate.ts).
 * measureSound computes what they look at from the samples; unmetExpectations says which do not hold, each with
 * the measured value.
 */
import {CaptureStats} from './capture-stats.js';
import {correlate, monoMix, resampleLinear} from './correlate.js';
import {bytesPerFrame, s16Samples} from './format.js';
import type {WavContent} from './wav.js';

/** Peak at or below this (dBFS) is silence by default: for whole samples the same as capture-stats.ts's SILENCE_PEAK. */
export const DEFAULT_FLOOR_DBFS = -60;
export const DEFAULT_TOLERANCE_HZ = 5;
export const DEFAULT_LIKE_SCORE = 0.9;

export interface SoundExpectations {
  /** true: the peak stays at or below `floorDbfs`; false: it rises above it. */
  silence?: boolean;
  floorDbfs?: number;
  frequencyHz?: number;
  toleranceHz?: number;
  rmsAboveDbfs?: number;
  rmsBelowDbfs?: number;
  /** A reference the sound must resemble, with the lowest acceptable score (0..1). */
  like?: {name: string; wav: WavContent};
  score?: number;
}

export interface SoundMeasured {
  frames: number;
  durationMs: number;
  peakDbfs: number | null;
  rmsDbfs: number | null;
  dominantHz: number | null;
  /** With `like`: the best normalized correlation and where the reference starts in the capture (ms). */
  likeScore?: number;
  likeOffsetMs?: number;
}

/** What the expectations look at, from a capture's samples (null: nothing was captured). */
export function measureSound(capture: WavContent | null, like?: WavContent): SoundMeasured {
  if (!capture || capture.data.length === 0) {
    return {frames: 0, durationMs: 0, peakDbfs: null, rmsDbfs: null, dominantHz: null, ...(like ? {likeScore: 0, likeOffsetMs: 0} : {})};
  }
  const stats = new CaptureStats(capture.format);
  const frames = capture.data.length / bytesPerFrame(capture.format);
  stats.add(capture.data, 0, 0, frames);
  const f = stats.figures();
  const measured: SoundMeasured = {frames, durationMs: f.durationMs, peakDbfs: f.peakDbfs, rmsDbfs: f.rmsDbfs, dominantHz: f.dominantHz};
  if (like) {
    const rate = capture.format.rate;
    const signal = monoMix(s16Samples(capture.data), capture.format.channels);
    const reference = resampleLinear(monoMix(s16Samples(like.data), like.format.channels), like.format.rate, rate);
    const m = correlate(signal, reference);
    measured.likeScore = Math.round(m.score * 1000) / 1000;
    measured.likeOffsetMs = Math.round((m.offset / rate) * 10_000) / 10;
  }
  return measured;
}

const db = (v: number | null) => (v === null ? '-∞ dBFS (digital silence)' : `${v} dBFS`);

/** The expectations that do not hold, each as "expected ..., measured ...". */
export function unmetExpectations(m: SoundMeasured, e: SoundExpectations): string[] {
  const unmet: string[] = [];
  const floor = e.floorDbfs ?? DEFAULT_FLOOR_DBFS;
  if (e.silence !== undefined) {
    const silent = m.peakDbfs === null || m.peakDbfs <= floor;
    if (silent !== e.silence) unmet.push(`expected ${e.silence ? 'silence' : 'sound'} (peak ${e.silence ? 'at or below' : 'above'} ${floor} dBFS), measured peak ${db(m.peakDbfs)}${m.frames ? '' : ': nothing was captured'}`);
  }
  if (e.frequencyHz !== undefined) {
    const tolerance = e.toleranceHz ?? DEFAULT_TOLERANCE_HZ;
    if (m.dominantHz === null) unmet.push(`expected a dominant frequency of ${e.frequencyHz} ± ${tolerance} Hz, measured none (${m.frames ? 'silence' : 'nothing was captured'})`);
    else if (Math.abs(m.dominantHz - e.frequencyHz) > tolerance) unmet.push(`expected a dominant frequency of ${e.frequencyHz} ± ${tolerance} Hz, measured ${m.dominantHz} Hz`);
  }
  if (e.rmsAboveDbfs !== undefined && (m.rmsDbfs === null || m.rmsDbfs <= e.rmsAboveDbfs)) unmet.push(`expected an RMS above ${e.rmsAboveDbfs} dBFS, measured ${db(m.rmsDbfs)}`);
  if (e.rmsBelowDbfs !== undefined && m.rmsDbfs !== null && m.rmsDbfs >= e.rmsBelowDbfs) unmet.push(`expected an RMS below ${e.rmsBelowDbfs} dBFS, measured ${db(m.rmsDbfs)}`);
  if (e.like) {
    const score = e.score ?? DEFAULT_LIKE_SCORE;
    if ((m.likeScore ?? 0) < score) unmet.push(`expected to sound like ${e.like.name} (score ≥ ${score}), measured a best score of ${m.likeScore ?? 0} at ${m.likeOffsetMs ?? 0} ms`);
  }
  return unmet;
}

/** The measured values in one line: "2.00 s, peak -6 dBFS, RMS -9 dBFS, 440.01 Hz, like 0.998 at 12.5 ms". */
export function describeMeasured(m: SoundMeasured): string {
  const parts = [`${(m.durationMs / 1000).toFixed(2)} s`, `peak ${m.peakDbfs ?? '-∞'} dBFS`, `RMS ${m.rmsDbfs ?? '-∞'} dBFS`, m.dominantHz === null ? 'no dominant frequency' : `${m.dominantHz} Hz`];
  if (m.likeScore !== undefined) parts.push(`like score ${m.likeScore} at ${m.likeOffsetMs} ms`);
  return parts.join(', ');
}
