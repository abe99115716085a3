/**
 * `audio_expect`: expectations on a captured WAV (audio/expectations.ts) checked as an operation: the capture is
 * read (a capture still running: what it wrote so far; no file: nothing was captured), measured, and an unmet
 * expectation is a SpiceError 'expectation' (exit 1) whose message and details give the measured values.
 */
import {existsSync, readFileSync} from 'node:fs';
import {fileErrorWords, SpiceError} from '../errors.js';
import {describeMeasured, measureSound, unmetExpectations, type SoundExpectations, type SoundMeasured} from '../audio/expectations.js';
import {parseWav, type WavContent} from '../audio/wav.js';

export {DEFAULT_FLOOR_DBFS, DEFAULT_LIKE_SCORE, DEFAULT_TOLERANCE_HZ, type SoundExpectations, type SoundMeasured} from '../audio/expectations.js';

export interface AudioExpectReport {
  /** The capture's WAV (null: nothing was captured). */
  file: string | null;
  measured: SoundMeasured;
  /** The measured values in words, for logs. */
  summary: string;
}

/** A reference WAV for `like` (16-bit PCM): a usage error (exit 2) naming the file otherwise. */
export function readReferenceWav(path: string): WavContent {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SpiceError('usage', `cannot read ${path}: ${fileErrorWords(e)}`, {cause: e});
  }
  const wav = parseWav(bytes, path);
  if (wav.data.length === 0) throw new SpiceError('usage', `${path}: the reference holds no samples`);
  return wav;
}

export function expectSound(file: string | null, e: SoundExpectations): AudioExpectReport {
  const capture = file !== null && existsSync(file) ? parseWav(readFileSync(file), file) : null;
  const measured = measureSound(capture, e.like?.wav);
  const summary = describeMeasured(measured);
  const report: AudioExpectReport = {file: capture ? file : null, measured, summary};
  const unmet = unmetExpectations(measured, e);
  if (unmet.length) throw new SpiceError('expectation', `${unmet.join('; ')} (measured: ${summary})`, {details: {...report}});
  return report;
}
