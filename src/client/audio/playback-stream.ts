/**
 * The session's playback stream (protocol map §8), fed with the playback channel's messages the way the
 * CursorLayer is fed by the cursor channel. It keeps the stream's state — the data mode (MODE: an
 * AudioDataMode), the format and mm-time of the last START, whether the guest is playing (START … STOP), the
 * guest's volume and mute (VOLUME, MUTE) and the server's minimum latency (LATENCY) — and emits:
 * - 'start' (PlaybackStart) at every START, 'stop' at STOP;
 * - 'data' (PlaybackPacket) for every DATA: interleaved S16LE in the START's format, as sent in
 *   SPICE_AUDIO_DATA_MODE_RAW, decoded in SPICE_AUDIO_DATA_MODE_OPUS (audio/opus.ts, when the session loaded it);
 * - 'undecodable' (mode) for DATA in another mode (CELT: never, we do not announce it; Opus without the library);
 * - 'volume', 'mute', 'latency' with the new value;
 * - 'ended' (Error) once, when the channel or the session is gone.
 * It also keeps the session's multimedia clock while audio plays, as spice-gtk (channel-playback.c
 * spice_playback_channel_set_delay): clock = last DATA time − playback delay, at the first DATA after START and
 * every 100 DATA after it. Headless, the delay is the minimum the server asks for (LATENCY; 200 ms, spice-gtk's
 * default min-latency, until one comes, and again at every START).
 */
import {EventEmitter} from 'node:events';
import {SpiceError} from '../errors.js';
import type {Logger} from '../log.js';
import {AudioDataMode, nameOf} from '../wire/enums.js';
import {MessageHandlers, type MessageConsumer, type MessageDef} from '../wire/message.js';
import {PlaybackServer} from '../wire/messages/playback.js';
import {PlaybackCap} from '../wire/caps.js';
import {pcmFormatOfStart, type PcmFormat} from './format.js';
import type {OpusDecoder, OpusLibrary} from './opus.js';

/** spice-gtk's SPICE_PLAYBACK_DEFAULT_LATENCY_MS: the minimum latency until the server sends LATENCY. */
export const DEFAULT_PLAYBACK_LATENCY_MS = 200;
/** The clock follows the packets every this many DATA (spice-gtk asks for the delay every 100 packets). */
const CLOCK_SYNC_PACKETS = 100;

/** What the stream needs of a playback channel (channels/playback.ts's PlaybackChannel is one). */
export interface PlaybackSource {
  /** Set by attach(): receives every playback message in order. */
  consumer?: MessageConsumer;
  /** The session's multimedia clock now (main channel), for reports. */
  mmTime(): number | undefined;
  /** Sets the session's multimedia clock. */
  setMmTime?(ms: number): void;
  /** The channel caps both sides announced. */
  readonly caps?: {has(cap: number): boolean};
}

export interface PlaybackStart {
  format: PcmFormat;
  /** The START's mm-time. */
  time: number;
  /** performance.now() when it arrived. */
  at: number;
}

export interface PlaybackPacket {
  /** The packet's mm-time (the server's clock when the guest's samples were handed over). */
  time: number;
  /** Interleaved S16LE frames. */
  pcm: Uint8Array;
  /** performance.now() when it arrived. */
  at: number;
}

export class PlaybackStream extends EventEmitter {
  /** The AudioDataMode of the last MODE (RAW until told otherwise: a server without MODE sends raw). */
  mode: number = AudioDataMode.RAW;
  /** The last START; kept across STOP (the format of the next START is usually the same). */
  start?: PlaybackStart;
  /** Between START and STOP. */
  playing = false;
  packets = 0;
  /** DATA that could not be decoded (dropped, as spice-gtk does, with a warning). */
  decodeErrors = 0;
  /** The guest's volume per channel (0–65535), from VOLUME; undefined until the server sends one. */
  volume?: number[];
  /** From MUTE; undefined until the server sends one. */
  muted?: boolean;
  /** The server's minimum playback latency (LATENCY, ms); undefined until it sends one. */
  latencyMs?: number;
  /** The delay the clock is set with: the latest LATENCY since START, else the default. */
  delayMs = DEFAULT_PLAYBACK_LATENCY_MS;
  private packetsSinceStart = 0;
  private decoder?: OpusDecoder;
  private ended: Error | null = null;
  private source?: PlaybackSource;

  private readonly handlers = new MessageHandlers()
    .on(PlaybackServer.MODE, (m) => {
      this.mode = m.mode;
      this.closeDecoder();
      this.emit('mode', m.mode);
    })
    .on(PlaybackServer.START, (m) => {
      this.start = {format: pcmFormatOfStart(m), time: m.time, at: performance.now()};
      this.playing = true;
      this.packetsSinceStart = 0;
      this.delayMs = DEFAULT_PLAYBACK_LATENCY_MS;
      this.closeDecoder(); // a new decoder per START, as spice-gtk
      this.emit('start', this.start);
    })
    .on(PlaybackServer.DATA, (m) => {
      this.packets++;
      if (this.packetsSinceStart++ % CLOCK_SYNC_PACKETS === 0) this.source?.setMmTime?.(m.time - this.delayMs);
      const pcm = this.decode(m.data);
      if (!pcm) return;
      const packet: PlaybackPacket = {time: m.time, pcm, at: performance.now()};
      this.emit('data', packet);
    })
    .on(PlaybackServer.STOP, () => {
      this.playing = false;
      this.emit('stop');
    })
    .on(PlaybackServer.VOLUME, (m) => {
      this.volume = [...m.volume];
      this.emit('volume', this.volume);
    })
    .on(PlaybackServer.MUTE, (m) => {
      this.muted = m.mute;
      this.emit('mute', m.mute);
    })
    .on(PlaybackServer.LATENCY, (m) => {
      this.latencyMs = this.delayMs = m.latency_ms;
      this.emit('latency', m.latency_ms);
    });

  /** `opus`: the loaded Opus library, when the session announced the OPUS cap (else Opus DATA is undecodable). */
  constructor(
    private readonly log: Logger,
    private readonly name = 'playback',
    private readonly opus?: OpusLibrary,
  ) {
    super();
  }

  /** One DATA's payload as S16LE, or undefined when it cannot be (reported, dropped). */
  private decode(data: Uint8Array): Uint8Array | undefined {
    if (this.mode === AudioDataMode.RAW) return data;
    if (this.mode !== AudioDataMode.OPUS || !this.opus || !this.start) {
      this.emit('undecodable', this.mode);
      return undefined;
    }
    try {
      this.decoder ??= this.opus.decoder(this.start.format.rate, this.start.format.channels);
      return this.decoder.decode(data);
    } catch (e) {
      this.decodeErrors++;
      this.log.warn(`${this.name}: ${(e as Error).message}; packet dropped`);
      return undefined;
    }
  }

  private closeDecoder(): void {
    this.decoder?.close();
    this.decoder = undefined;
  }

  /** Both sides announced playback cap OPUS: the server sends Opus when its rate allows (and compression is on). */
  get opusAgreed(): boolean {
    return this.source?.caps?.has(PlaybackCap.OPUS) ?? false;
  }

  /** Feeds this stream with the channel's messages. */
  attach(channel: PlaybackSource): void {
    this.source = channel;
    channel.consumer = (def, value) => this.handle(def, value);
  }

  handle(def: MessageDef, value: unknown): void {
    if (this.handlers.dispatch(def, value, undefined) === false) this.log.debug(`${this.name}: no handler for ${def.name}`);
  }

  /** The session's multimedia clock now, when the main channel has it. */
  mmTime(): number | undefined {
    return this.source?.mmTime();
  }

  get modeName(): string {
    return nameOf(AudioDataMode, this.mode);
  }

  /** Why the stream ended, once it has. */
  get endReason(): Error | null {
    return this.ended;
  }

  /** The channel or the session is gone: 'ended' once. */
  end(err: Error = new SpiceError('connection-lost', 'the playback channel closed')): void {
    if (this.ended) return;
    this.ended = err;
    this.playing = false;
    this.closeDecoder();
    this.emit('ended', err);
  }
}
