/**
 * `audio capture`: what the guest plays, from the playback channel to a WAV file in the format the server
 * announces (its START: channels, rate; always S16LE PCM, Opus decoded). The capture begins when the action is called: it waits for the stream's
 * START (usually there already: servers send it as soon as the channel links while the guest's stream is open)
 * and then for the first DATA, both within `timeoutMs`, and ends
 * - after `maxMs` of audio (the WAV then holds exactly that many frames),
 * - after `untilSilenceMs` without sound once sound was heard (no DATA, or DATA at or below −60 dBFS),
 * - on the AbortSignal (Ctrl-C): the WAV is finished and the error ('interrupted') carries the report,
 * - on the `stop` signal (a background capture, audio-watch.ts): normally, endedBy 'stopped',
 * - or when the channel is lost, when no DATA came for `timeoutMs` while `maxMs` was not reached yet, or when
 *   a new START changes the format (a WAV holds one format): the WAV holds what arrived.
 * `codec` must match the session's audio options (audioSessionOptions): raw announces no Opus, so servers send
 * SPICE_AUDIO_DATA_MODE_RAW; opus and auto announce it and the server picks (Opus when its rate allows). With
 * opus, a server that does not offer Opus or chooses raw anyway is a usage error (exit 2) before anything is
 * written: asking for Opus means testing the Opus path, so a silent fallback would hide that it was not taken.
 * Gaps are not filled: the WAV is the samples the server sent, back to back (Xspice sends nothing while its
 * FIFO is idle; QEMU sends STOP and START around a guest's pauses).
 */
import {prepareOutput} from './capture.js';
import {SpiceError, formatMs, interruptedError, timeoutError} from '../errors.js';
import type {SpiceSession} from '../session.js';
import {bytesPerFrame, describeFormat, sameFormat, type PcmFormat} from '../audio/format.js';
import type {PlaybackPacket, PlaybackStart} from '../audio/playback-stream.js';
import {CaptureStats, type CaptureFigures} from '../audio/capture-stats.js';
import {WavOutput, type WavTarget} from '../audio/wav-output.js';

/** `--codec`: raw PCM only; Opus (an error when the server sends raw); auto: what the server picks, Opus offered. */
export const AUDIO_CODECS = ['raw', 'opus', 'auto'] as const;
export type AudioCodecChoice = (typeof AUDIO_CODECS)[number];

/** The session options a capture with `codec` needs: the OPUS cap is announced for opus and auto. */
export function audioSessionOptions(codec: AudioCodecChoice): {audio: {opus: boolean}} {
  return {audio: {opus: codec !== 'raw'}};
}

/** How often the end conditions that no message triggers (timeouts, silence) are looked at. */
const TICK_MS = 20;

export interface AudioCaptureOptions {
  output: WavTarget;
  /** End after this much audio (ms). */
  maxMs?: number;
  /** End after this long without sound, once sound was heard. */
  untilSilenceMs?: number;
  codec?: AudioCodecChoice;
  /** Limit for the START and the first DATA (from the call), and for a gap in the data while maxMs is not reached. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Ends the capture normally (endedBy 'stopped'): a background capture's stop (audio-watch.ts). */
  stop?: AbortSignal;
  /** After every packet written. */
  onProgress?: (p: AudioCaptureProgress) => void;
  /** Once the capture listens and knows the format (after START): the moment to make the guest play. */
  onListening?: (format: PcmFormat) => void;
}

export interface AudioCaptureProgress {
  format: PcmFormat;
  frames: number;
  seconds: number;
  /** The last packet's peak (null: silence). */
  packetPeakDbfs: number | null;
  /** The whole capture's peak so far. */
  peakDbfs: number | null;
}

export type {PcmFormat};

export type AudioCaptureEnd = 'seconds' | 'silence' | 'format-changed' | 'stopped';

export interface AudioCaptureReport extends CaptureFigures {
  file: string;
  /** As asked (--codec). */
  codec: AudioCodecChoice;
  /** The server's AudioDataMode name: RAW or OPUS. */
  mode: string;
  /** Opus packets that did not decode (dropped). */
  decodeErrors: number;
  /** The guest's volume per channel (0–65535) and mute, when the server sent them (VOLUME, MUTE). */
  volume: number[] | null;
  mute: boolean | null;
  /** The server's minimum playback latency (LATENCY), when it sent one. */
  latencyMs: number | null;
  format: PcmFormat;
  /** From the call to the first DATA. */
  firstSampleMs: number;
  /** From the call to the end. */
  totalMs: number;
  endedBy: AudioCaptureEnd;
  /** The START's mm-time, the first and last DATA's, and the main channel's clock when the first DATA came. */
  mmTime: (NonNullable<CaptureFigures['mmTime']> & {start: number; clockAtFirstPacket: number | null}) | null;
}

/**
 * Checks what can be checked before anything connects (usage errors, exit 2): the durations, and the output (a
 * file's folder is created and must be writable).
 */
export function prepareAudioCapture(file: string, o: {maxMs?: number; untilSilenceMs?: number}): void {
  if (o.maxMs !== undefined && o.maxMs <= 0) throw new SpiceError('usage', '--seconds must be more than 0');
  if (o.untilSilenceMs !== undefined && o.untilSilenceMs <= 0) throw new SpiceError('usage', '--until-silence must be more than 0');
  prepareOutput(file);
}

export async function captureAudio(session: SpiceSession, o: AudioCaptureOptions): Promise<AudioCaptureReport> {
  const report = await runAudioCapture(session, o);
  if (!report) throw new Error('internal error: a capture without `stop` ended before any audio');
  return report;
}

/** captureAudio, which may also end on `stop` before any audio came: then null (and no WAV was written). */
export function runAudioCapture(session: SpiceSession, o: AudioCaptureOptions): Promise<AudioCaptureReport | null> {
  const stream = session.playback();
  if (o.codec === 'opus' && !stream.opusAgreed) {
    return Promise.reject(new SpiceError('usage', 'the server offers no Opus playback (its playback channel lacks the OPUS cap: a spice-server built without Opus); use --codec auto or raw'));
  }
  return new CaptureRun(stream, o).run();
}

type Stream = ReturnType<SpiceSession['playback']>;

class CaptureRun {
  private readonly t0 = performance.now();
  private readonly output: WavOutput;
  private format?: PcmFormat;
  private start?: PlaybackStart;
  private stats?: CaptureStats;
  private firstSampleAt?: number;
  private lastPacketAt?: number;
  private clockAtFirstPacket?: number;
  private maxFrames?: number;
  private framesLeft = Infinity;
  /** Bytes of a frame split across packets (a RAW packet should hold whole frames). */
  private carry = new Uint8Array(0);
  private finish!: (result: {end: AudioCaptureEnd} | {error: SpiceError}) => void;

  constructor(
    private readonly stream: Stream,
    private readonly o: AudioCaptureOptions,
  ) {
    this.output = new WavOutput(o.output);
  }

  run(): Promise<AudioCaptureReport | null> {
    const s = this.stream;
    const o = this.o;
    return new Promise<AudioCaptureReport | null>((resolve, reject) => {
      let done = false;
      const onData = (p: PlaybackPacket) => this.guard(() => this.data(p));
      const onStart = (p: PlaybackStart) => this.guard(() => this.started(p));
      const onUndecodable = (mode: number) => this.finish({error: new SpiceError('protocol', `the server sends ${s.modeName} audio (mode ${mode}); this version decodes raw PCM only`)});
      const onEnded = (e: Error) => this.finish({error: e instanceof SpiceError ? e : new SpiceError('connection-lost', e.message)});
      const onAbort = () => this.finish({error: interruptedError('audio capture interrupted')});
      const onStop = () => this.finish({end: 'stopped'});
      const tick = setInterval(() => this.guard(() => this.check()), TICK_MS);
      this.finish = (result) => {
        if (done) return;
        done = true;
        clearInterval(tick);
        s.off('data', onData).off('start', onStart).off('undecodable', onUndecodable).off('ended', onEnded);
        o.signal?.removeEventListener('abort', onAbort);
        o.stop?.removeEventListener('abort', onStop);
        try {
          this.output.close();
        } catch (e) {
          reject(e);
          return;
        }
        if ('end' in result) {
          resolve(this.stats ? this.report(result.end) : null);
          return;
        }
        // What arrived so far goes with the error (the JSON envelope prints it beside `error`).
        const e = result.error;
        reject(this.stats ? new SpiceError(e.kind, e.message, {cause: e, details: {...e.details, ...this.figures()}}) : e);
      };
      s.on('data', onData).on('start', onStart).on('undecodable', onUndecodable).on('ended', onEnded);
      o.signal?.addEventListener('abort', onAbort, {once: true});
      o.stop?.addEventListener('abort', onStop, {once: true});
      if (o.signal?.aborted) return onAbort();
      if (o.stop?.aborted) return onStop();
      if (s.endReason) return onEnded(s.endReason);
      if (s.start && s.playing) this.guard(() => this.started(s.start!));
    });
  }

  /** Runs a step; anything it throws ends the capture with that error. */
  private guard(step: () => void): void {
    try {
      step();
    } catch (e) {
      this.finish({error: e instanceof SpiceError ? e : new SpiceError('protocol', `internal error: ${(e as Error).message}`, {cause: e})});
    }
  }

  private started(p: PlaybackStart): void {
    const wanted = {raw: 'RAW', opus: 'OPUS', auto: undefined}[this.o.codec ?? 'auto'];
    if (wanted && this.stream.modeName !== wanted) {
      const why = wanted === 'OPUS' ? ` (spice-server sends Opus only at 8, 12, 16, 24 or 48 kHz with playback compression on; this stream is ${describeFormat(p.format)}); use --codec auto or raw` : '';
      throw new SpiceError('usage', `the server sends ${this.stream.modeName} audio, not ${wanted} as --codec ${this.o.codec} asks${why}`);
    }
    if (this.format && !sameFormat(this.format, p.format)) {
      this.finish({end: 'format-changed'});
      return;
    }
    const first = !this.start;
    this.start ??= p;
    this.format ??= p.format;
    if (first) this.o.onListening?.(p.format);
  }

  private data(p: PlaybackPacket): void {
    const format = this.format;
    if (!format) return; // DATA before any START: no format to read it with (servers always send START first)
    if (!this.stats) {
      this.output.open(format);
      this.stats = new CaptureStats(format);
      this.firstSampleAt = p.at;
      this.clockAtFirstPacket = this.stream.mmTime();
      if (this.o.maxMs !== undefined) this.framesLeft = this.maxFrames = Math.round((this.o.maxMs * format.rate) / 1000);
    }
    this.lastPacketAt = p.at;
    const frameBytes = bytesPerFrame(format);
    let bytes = p.pcm;
    if (this.carry.length) bytes = Buffer.concat([this.carry, bytes]);
    const whole = bytes.length - (bytes.length % frameBytes);
    this.carry = bytes.slice(whole);
    const packetFrames = whole / frameBytes;
    const keep = Math.min(packetFrames, this.framesLeft);
    const pcm = bytes.subarray(0, keep * frameBytes);
    if (keep > 0) {
      this.output.write(pcm);
      this.stats.add(pcm, p.time, p.at, packetFrames);
      this.framesLeft -= keep;
      this.o.onProgress?.({
        format,
        frames: this.stats.frames,
        seconds: this.stats.frames / format.rate,
        packetPeakDbfs: this.stats.lastPeakDbfs,
        peakDbfs: this.stats.peakDbfs,
      });
    }
    if (this.framesLeft <= 0) this.finish({end: 'seconds'});
  }

  /** The end conditions that no message brings: the waits' limits and the silence. */
  private check(): void {
    const now = performance.now();
    const o = this.o;
    const stats = this.stats;
    if (!this.start && now - this.t0 >= o.timeoutMs) {
      this.finish({error: timeoutError('the server to start playback (no playback START)', o.timeoutMs)});
    } else if (!stats && now - this.t0 >= o.timeoutMs) {
      this.finish({error: timeoutError(`the guest to play something (playback started, ${describeFormat(this.format!)}, but no audio data came)`, o.timeoutMs)});
    } else if (stats && o.untilSilenceMs !== undefined && stats.lastSoundAt !== undefined && now - stats.lastSoundAt >= o.untilSilenceMs) {
      this.finish({end: 'silence'});
    } else if (stats && o.untilSilenceMs !== undefined && !stats.heardSound && now - this.t0 >= o.timeoutMs) {
      this.finish({error: timeoutError('the guest to play something that is not silence', o.timeoutMs)});
    } else if (stats && this.maxFrames !== undefined && now - this.lastPacketAt! >= o.timeoutMs) {
      const got = formatMs((stats.frames / this.format!.rate) * 1000);
      this.finish({error: new SpiceError('timeout', `no audio data came for ${formatMs(o.timeoutMs)} after ${got} of the ${formatMs(o.maxMs!)} asked for; the WAV holds what arrived`)});
    }
  }

  private report(endedBy: AudioCaptureEnd): AudioCaptureReport {
    return {...this.figures(), endedBy};
  }

  /** The report's figures (also those of a capture that ended in an error). */
  private figures(): Omit<AudioCaptureReport, 'endedBy'> {
    const figures = this.stats!.figures();
    const ms = (t: number) => Math.round((t - this.t0) * 10) / 10;
    return {
      file: this.output.name,
      codec: this.o.codec ?? 'auto',
      mode: this.stream.modeName,
      decodeErrors: this.stream.decodeErrors,
      volume: this.stream.volume ?? null,
      mute: this.stream.muted ?? null,
      latencyMs: this.stream.latencyMs ?? null,
      format: this.format!,
      ...figures,
      firstSampleMs: ms(this.firstSampleAt!),
      totalMs: ms(performance.now()),
      mmTime: figures.mmTime ? {start: this.start!.time, ...figures.mmTime, clockAtFirstPacket: this.clockAtFirstPacket ?? null} : null,
    };
  }
}
