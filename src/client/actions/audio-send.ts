/**
 * `audio send`: a WAV file or a tone to the guest's microphone over the record channel. The server starts the
 * record stream (record START: channels, S16, frequency) only while the guest records (arecord, or dd from
 * /dev/dsp on the lab's tiny guest); the action waits for that START within `timeoutMs`, converts the input
 * to the START's format (channel mix, resampling: audio/pcm-source.ts), and sends it in 480-frame packets, raw
 * or Opus (record-encoder.ts: `codec`, and record cap OPUS on both sides), paced in real time (audio/pacer.ts: packet k at start + k · 10 ms at 48 kHz, no burst, no
 * drift). It ends
 * - when everything was sent, after a short drain (the server holds up to 4096 frames before the guest reads),
 * - when the server STOPs recording (the guest stopped) — not an error: the report says so and how much went,
 * - on the AbortSignal (Ctrl-C: 'interrupted' with the report in its details), or when the session is lost.
 */
import {readFileSync} from 'node:fs';
import {SpiceError, fileErrorWords, interruptedError, timeoutError} from '../errors.js';
import type {SpiceSession} from '../session.js';
import {describeFormat, type PcmFormat} from '../audio/format.js';
import {parseWav, type WavContent} from '../audio/wav.js';
import {toneSource, wavSource, type PcmSource} from '../audio/pcm-source.js';
import {createRecordEncoder, NO_RECORD_OPUS_CAP, RECORD_CODECS, type RecordCodecChoice} from '../audio/record-encoder.js';
import {pace, realClock, type PacingClock, type PacingFigures} from '../audio/pacer.js';
import type {RecordMarks, RecordStart, RecordStream} from '../audio/record-stream.js';
import {RecordCap} from '../wire/caps.js';
import {nameOf, AudioDataMode} from '../wire/enums.js';
import {pause} from './pause.js';

export {RECORD_CODECS, type RecordCodecChoice, type PcmFormat};

/** The session options a send with `codec` needs: record cap OPUS is announced (and the encoder loaded) for opus and auto. */
export function audioSendSessionOptions(codec: RecordCodecChoice): {audio: {recordOpus: boolean}} {
  return {audio: {recordOpus: codec !== 'raw'}};
}

/** A tone lasts this long unless --seconds says otherwise. */
export const DEFAULT_TONE_SECONDS = 5;
/** The tone's amplitude: half of full scale (−6 dBFS peak). */
const TONE_AMPLITUDE = 0.5;
/**
 * After the last packet, stay connected this long: spice-server hands the guest nothing until it holds 4096
 * frames (sound.cpp RECORD_SAMPLES_SIZE / 2, 85 ms at 48 kHz), so that much is still queued when we finish.
 */
const DRAIN_MS = 250;

export type AudioSendInput = {kind: 'wav'; file: string; wav: WavContent} | {kind: 'tone'; hz: number};

export interface AudioSendOptions {
  /** Send at most this much (ms); a tone lasts DEFAULT_TONE_SECONDS without it. */
  maxMs?: number;
  /** raw, opus or auto (default): the session must have been opened with audioSendSessionOptions(codec). */
  codec?: RecordCodecChoice;
  /** Limit for the record START (from the call). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Tests: a fake clock for the pacing. */
  clock?: PacingClock;
  /** Stay connected after the last packet (default DRAIN_MS). */
  drainMs?: number;
  /** The guest is not recording yet: the wait for START begins. */
  onWaiting?: () => void;
  /** The START came (or was there): sending begins, in `mode` (the AudioDataMode name: RAW, OPUS). */
  onStarted?: (format: PcmFormat, frames: number, mode: string) => void;
  /** After every packet. */
  onProgress?: (p: AudioSendProgress) => void;
}

export interface AudioSendProgress {
  format: PcmFormat;
  frames: number;
  totalFrames: number;
  seconds: number;
  totalSeconds: number;
  packets: number;
}

export type AudioSendEnd = 'done' | 'server-stopped';

export interface AudioSendReport {
  source: {kind: 'wav'; file: string; format: PcmFormat; frames: number; durationMs: number} | {kind: 'tone'; hz: number; peakDbfs: number};
  /** What was sent: the encoder's name and the AudioDataMode sent in MODE. */
  codec: 'raw' | 'opus';
  mode: string;
  /** The server's record START format (what the input was converted to). */
  format: PcmFormat;
  frames: number;
  durationMs: number;
  packets: number;
  /** Frames per DATA packet (the last may hold fewer): 512 raw, 480 Opus (record-encoder.ts). */
  framesPerPacket: number;
  /** DATA payload bytes sent (raw: 4 per stereo frame; Opus: the encoded packets). */
  bytes: number;
  /** How late packets left against their due time (start + k · packet duration). */
  pacing: Omit<PacingFigures, 'packets'>;
  /** START's arrival, from the call (negative: the guest was recording before it). */
  serverStartedMs: number;
  /** From START (or the call, when recording already) to the first packet; and from the call to the end. */
  firstPacketMs: number;
  totalMs: number;
  /** The mm-time stamps sent: START_MARK (= MODE), first and last DATA. */
  mmTime: RecordMarks | null;
  /** The server's record VOLUME (0–65535 per channel) and MUTE, when it sent them. */
  volume: number[] | null;
  muted: boolean | null;
  endedBy: AudioSendEnd;
}

/**
 * Checks and reads the input before anything connects (usage errors, exit 2): a readable WAV of 16-bit PCM
 * with samples, or a tone frequency; --seconds more than 0.
 */
export function prepareAudioSend(o: {file?: string; toneHz?: number; maxMs?: number}): AudioSendInput {
  if (o.maxMs !== undefined && !(o.maxMs > 0)) throw new SpiceError('usage', '--seconds must be more than 0');
  if ((o.file === undefined) === (o.toneHz === undefined)) throw new SpiceError('usage', 'give either a WAV file or --tone HZ (not both)');
  if (o.toneHz !== undefined) {
    if (!(Number.isFinite(o.toneHz) && o.toneHz > 0)) throw new SpiceError('usage', `--tone ${o.toneHz}: expected a frequency in Hz above 0`);
    return {kind: 'tone', hz: o.toneHz};
  }
  const file = o.file!;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new SpiceError('usage', `cannot read ${file}: ${fileErrorWords(e)}`, {cause: e});
  }
  const wav = parseWav(bytes, file);
  if (wav.data.length === 0) throw new SpiceError('usage', `${file}: the WAV file holds no samples`);
  return {kind: 'wav', file, wav};
}

export async function sendAudio(session: SpiceSession, input: AudioSendInput, o: AudioSendOptions): Promise<AudioSendReport> {
  return new SendRun(session.record(), input, o).run();
}

class SendRun {
  private readonly t0 = performance.now();
  private start?: RecordStart;
  private source?: PcmSource;
  private framesSent = 0;
  private packets = 0;
  private bytes = 0;
  private packetFrames = 0;
  private firstPacketAt?: number;
  private pacing?: PacingFigures;
  private codec: 'raw' | 'opus' = 'raw';
  private mode = 0;
  private serverStopped = false;
  private lost: Error | null = null;

  constructor(
    private readonly stream: RecordStream,
    private readonly input: AudioSendInput,
    private readonly o: AudioSendOptions,
  ) {}

  async run(): Promise<AudioSendReport> {
    const s = this.stream;
    const onStop = () => (this.serverStopped = true);
    const onEnded = (e: Error) => (this.lost = e);
    s.on('stop', onStop).on('ended', onEnded);
    try {
      const codec = this.o.codec ?? 'auto';
      // --codec opus on a server that cannot take it: exit 2 before waiting (the cap is known from the link).
      if (codec === 'opus' && !(s.hasCap(RecordCap.OPUS) && s.opus)) {
        throw new SpiceError('usage', `--codec opus: ${NO_RECORD_OPUS_CAP}; use --codec auto or raw`);
      }
      this.start = await this.waitStart();
      const format = this.start.format;
      const source = (this.source = this.sourceFor(format));
      const encoder = createRecordEncoder({codec, opusCap: s.hasCap(RecordCap.OPUS), format, opus: s.opus});
      this.codec = encoder.name;
      this.packetFrames = encoder.packetFrames;
      this.mode = encoder.mode;
      this.o.onStarted?.(format, source.frames, nameOf(AudioDataMode, encoder.mode));
      const per = encoder.packetFrames;
      try {
        this.pacing = await pace({
          count: Math.ceil(source.frames / per),
          periodMs: (per * 1000) / format.rate,
          clock: this.o.clock ?? realClock,
          stopped: () => this.o.signal?.aborted === true || this.lost !== null || this.serverStopped,
          send: (k) => {
            const pcm = source.read(k * per, per);
            const data = encoder.encode(pcm);
            if (!s.sendPacket(encoder.mode, data)) return false;
            this.firstPacketAt ??= performance.now();
            this.framesSent += pcm.length / format.channels;
            this.packets++;
            this.bytes += data.length;
            this.o.onProgress?.(this.progress());
            return true;
          },
        });
      } finally {
        encoder.close();
      }
      if (!this.stopReason() && this.o.drainMs !== 0) await pause(this.o.drainMs ?? DRAIN_MS, this.o.signal);
      const why = this.stopReason();
      if (why === 'aborted') throw interruptedError('audio send interrupted', this.figures());
      if (why === 'lost') throw withFigures(this.lost!, this.figures());
      return {...this.figures(), endedBy: this.serverStopped ? 'server-stopped' : 'done'};
    } finally {
      s.off('stop', onStop).off('ended', onEnded);
    }
  }

  private stopReason(): 'aborted' | 'lost' | 'stopped' | undefined {
    if (this.o.signal?.aborted) return 'aborted';
    if (this.lost) return 'lost';
    if (this.serverStopped) return 'stopped';
    return undefined;
  }

  /** The record START: there already when the guest records, else awaited within timeoutMs. */
  private waitStart(): Promise<RecordStart> {
    const s = this.stream;
    const o = this.o;
    if (o.signal?.aborted) return Promise.reject(interruptedError('audio send interrupted before the guest recorded'));
    if (s.endReason) return Promise.reject(s.endReason);
    if (s.recording && s.start) return Promise.resolve(s.start);
    o.onWaiting?.();
    return new Promise<RecordStart>((resolve, reject) => {
      const done = (f: () => void) => {
        clearTimeout(timer);
        s.off('start', onStart).off('ended', onEnded);
        o.signal?.removeEventListener('abort', onAbort);
        f();
      };
      const onStart = (st: RecordStart) => done(() => resolve(st));
      const onEnded = (e: Error) => done(() => reject(e));
      const onAbort = () => done(() => reject(interruptedError('audio send interrupted before the guest recorded')));
      const timer = setTimeout(
        () =>
          done(() =>
            reject(
              timeoutError(
                'the server to start recording (no record START): the guest must be recording from its microphone (e.g. arecord, or dd if=/dev/dsp) for the server to start the record channel',
                o.timeoutMs,
              ),
            ),
          ),
        o.timeoutMs,
      );
      s.on('start', onStart).on('ended', onEnded);
      o.signal?.addEventListener('abort', onAbort, {once: true});
    });
  }

  private sourceFor(format: PcmFormat): PcmSource {
    const input = this.input;
    const limit = this.o.maxMs !== undefined ? Math.round((this.o.maxMs * format.rate) / 1000) : undefined;
    if (input.kind === 'tone') {
      if (input.hz >= format.rate / 2) throw new SpiceError('usage', `--tone ${input.hz}: at or above half the server's rate (${describeFormat(format)}): it cannot be represented`);
      return toneSource(input.hz, format, limit ?? Math.round(DEFAULT_TONE_SECONDS * format.rate), TONE_AMPLITUDE);
    }
    const src = wavSource(input.wav, format);
    return limit !== undefined && limit < src.frames ? {...src, frames: limit} : src;
  }

  private progress(): AudioSendProgress {
    const format = this.start!.format;
    return {
      format,
      frames: this.framesSent,
      totalFrames: this.source!.frames,
      seconds: this.framesSent / format.rate,
      totalSeconds: this.source!.frames / format.rate,
      packets: this.packets,
    };
  }

  private figures(): Omit<AudioSendReport, 'endedBy'> {
    const ms = (t: number) => Math.round(t * 10) / 10;
    const format = this.start!.format;
    const input = this.input;
    const wav = input.kind === 'wav' ? input.wav : undefined;
    const inFrames = wav ? wav.data.length / (2 * wav.format.channels) : 0;
    const pacing = this.pacing ?? {packets: 0, maxLateMs: 0, meanLateMs: 0, lastLateMs: 0};
    const sendFrom = Math.max(this.start!.at, this.t0);
    return {
      source:
        input.kind === 'wav'
          ? {kind: 'wav', file: input.file, format: wav!.format, frames: inFrames, durationMs: ms((inFrames * 1000) / wav!.format.rate)}
          : {kind: 'tone', hz: input.hz, peakDbfs: -6},
      codec: this.codec,
      mode: nameOf(AudioDataMode, this.mode),
      format,
      frames: this.framesSent,
      durationMs: ms((this.framesSent * 1000) / format.rate),
      packets: this.packets,
      framesPerPacket: this.packets ? this.packetFrames : 0,
      bytes: this.bytes,
      pacing: {maxLateMs: pacing.maxLateMs, meanLateMs: pacing.meanLateMs, lastLateMs: pacing.lastLateMs},
      serverStartedMs: ms(this.start!.at - this.t0),
      firstPacketMs: this.firstPacketAt !== undefined ? ms(this.firstPacketAt - sendFrom) : 0,
      totalMs: ms(performance.now() - this.t0),
      mmTime: this.stream.marks ?? null,
      volume: this.stream.volume ?? null,
      muted: this.stream.muted ?? null,
    };
  }
}

function withFigures(e: Error, figures: Record<string, unknown>): SpiceError {
  const err = e instanceof SpiceError ? e : new SpiceError('connection-lost', e.message);
  return new SpiceError(err.kind, err.message, {cause: err, details: {...err.details, ...figures}});
}
