/**
 * A scenario's named audio captures: started by `audio_capture: {start: NAME}` (a background capture,
 * actions/audio-watch.ts, writing NAME.wav), ended by `{stop: NAME}`, and kept for `audio_expect` until the run ends;
 * finish() stops those still running when the scenario ends.
 */
import {existsSync, rmSync} from 'node:fs';
import {startAudioWatch, type AudioWatch} from '../client/actions/audio-watch.js';
import type {AudioCaptureReport} from '../client/actions/audio-capture.js';
import {SpiceError} from '../client/errors.js';
import type {SpiceSession} from '../client/session.js';

export interface NamedCapture {
  file: string;
  watch: AudioWatch;
  /** Once stopped: the report (null: no audio came, no WAV). */
  report?: AudioCaptureReport | null;
}

export class ScenarioCaptures {
  private readonly captures = new Map<string, NamedCapture>();
  /** The WAV files written, for the artifacts list. */
  readonly files: string[] = [];

  constructor(
    private readonly session: SpiceSession,
    private readonly fileOf: (name: string) => string,
    private readonly signal?: AbortSignal,
  ) {}

  start(name: string): NamedCapture {
    if (this.captures.get(name)?.watch.running) throw new SpiceError('usage', `the capture "${name}" is already running: stop it first`);
    const file = this.fileOf(name);
    // A WAV left by an earlier run must not pass for this capture's (which writes none when no audio comes).
    rmSync(file, {force: true});
    const capture: NamedCapture = {file, watch: startAudioWatch(this.session, {file, signal: this.signal})};
    this.captures.set(name, capture);
    return capture;
  }

  async stop(name: string): Promise<NamedCapture> {
    const c = this.get(name);
    if (c.report !== undefined) throw new SpiceError('usage', `the capture "${name}" was already stopped`);
    try {
      c.report = await c.watch.stop();
    } finally {
      // Also after an error (Ctrl-C, the session lost): the WAV holds what arrived.
      if (existsSync(c.file) && !this.files.includes(c.file)) this.files.push(c.file);
    }
    return c;
  }

  get(name: string): NamedCapture {
    const c = this.captures.get(name);
    if (!c) throw new SpiceError('usage', `no capture "${name}" was started (audio_capture: {start: ${name}})`);
    return c;
  }

  /** Stops the captures still running and saves their WAVs; the first error, if any, is thrown after all were tried. */
  async finish(): Promise<void> {
    let first: unknown;
    for (const [name, c] of this.captures) {
      if (c.report !== undefined) continue;
      await this.stop(name).catch((e: unknown) => (first ??= e));
    }
    if (first !== undefined) throw first;
  }
}
