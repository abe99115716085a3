/**
 * A capture in the background (the scenario step `audio_capture: {start: NAME}` ... `{stop: NAME}`): what the
 * guest plays, to a WAV file, while other operations run, until stop(). It is captureAudio's run (audio-capture.ts)
 * with no limit on the waits: a guest that plays nothing leaves no WAV, and stop() then reports null.
 */
import {SpiceError} from '../errors.js';
import type {SpiceSession} from '../session.js';
import {runAudioCapture, type AudioCaptureReport} from './audio-capture.js';

export interface AudioWatch {
  /** The WAV being written (it exists once the first audio came). */
  readonly file: string;
  /** False once the capture ended: stopped, or by itself (a format change, the session lost). */
  readonly running: boolean;
  /** Ends the capture and finishes the WAV: the report, or null when no audio came. Throws what ended it otherwise. */
  stop(): Promise<AudioCaptureReport | null>;
}

export function startAudioWatch(session: SpiceSession, o: {file: string; signal?: AbortSignal}): AudioWatch {
  const stopper = new AbortController();
  let running = true;
  // Settled here at once, so that an error while nobody waits (the session lost) is kept for stop().
  const outcome = runAudioCapture(session, {output: {file: o.file}, timeoutMs: Infinity, signal: o.signal, stop: stopper.signal}).then(
    (report) => ({report}),
    (e: unknown) => ({error: e instanceof SpiceError ? e : new SpiceError('protocol', `internal error: ${(e as Error).message}`, {cause: e})}),
  );
  void outcome.finally(() => (running = false));
  return {
    file: o.file,
    get running() {
      return running;
    },
    async stop() {
      stopper.abort();
      const r = await outcome;
      if ('error' in r) throw r.error;
      return r.report;
    },
  };
}
