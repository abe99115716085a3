/**
 * The session's playback stream (protocol map §8), fed with the playback channel's messages the way the
 * CursorLayer is fed by the cursor channel. It keeps the stream's state — the data mode (MODE: an
 * AudioDataMode), the format and mm-time of the last START, whether the guest is playing (START … STOP) — and
 * emits:
 * - 'start' (PlaybackStart) at every START, 'stop' at STOP;
 * - 'data' (PlaybackPacket) for every DATA in SPICE_AUDIO_DATA_MODE_RAW: interleaved S16LE in the START's format;
 * - 'undecodable' (mode) for DATA in another mode (Opus: not decoded yet; CELT: never, we do not announce it);
 * - 'ended' (Error) once, when the channel or the session is gone.
 * VOLUME, MUTE and LATENCY are kept as state only; their caps are not announced yet, so servers do not send them.
 */
import {EventEmitter} from 'node:events';
import {SpiceError} from '../errors.js';
import type {Logger} from '../log.js';
import {AudioDataMode, nameOf} from '../wire/enums.js';
import {MessageHandlers, type MessageConsumer, type MessageDef} from '../wire/message.js';
import {PlaybackServer} from '../wire/messages/playback.js';
import {pcmFormatOfStart, type PcmFormat} from './format.js';

/** What the stream needs of a playback channel (channels/playback.ts's PlaybackChannel is one). */
export interface PlaybackSource {
  /** Set by attach(): receives every playback message in order. */
  consumer?: MessageConsumer;
  /** The server's multimedia clock now (main channel), for reports. */
  mmTime(): number | undefined;
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
  volume?: number[];
  muted?: boolean;
  latencyMs?: number;
  private ended: Error | null = null;
  private source?: PlaybackSource;

  private readonly handlers = new MessageHandlers()
    .on(PlaybackServer.MODE, (m) => {
      this.mode = m.mode;
      this.emit('mode', m.mode);
    })
    .on(PlaybackServer.START, (m) => {
      this.start = {format: pcmFormatOfStart(m), time: m.time, at: performance.now()};
      this.playing = true;
      this.emit('start', this.start);
    })
    .on(PlaybackServer.DATA, (m) => {
      this.packets++;
      if (this.mode !== AudioDataMode.RAW) {
        this.emit('undecodable', this.mode);
        return;
      }
      const packet: PlaybackPacket = {time: m.time, pcm: m.data, at: performance.now()};
      this.emit('data', packet);
    })
    .on(PlaybackServer.STOP, () => {
      this.playing = false;
      this.emit('stop');
    })
    .on(PlaybackServer.VOLUME, (m) => {
      this.volume = [...m.volume];
    })
    .on(PlaybackServer.MUTE, (m) => {
      this.muted = m.mute;
    })
    .on(PlaybackServer.LATENCY, (m) => {
      this.latencyMs = m.latency_ms;
    });

  constructor(
    private readonly log: Logger,
    private readonly name = 'playback',
  ) {
    super();
  }

  /** Feeds this stream with the channel's messages. */
  attach(channel: PlaybackSource): void {
    this.source = channel;
    channel.consumer = (def, value) => this.handle(def, value);
  }

  handle(def: MessageDef, value: unknown): void {
    if (this.handlers.dispatch(def, value, undefined) === false) this.log.debug(`${this.name}: no handler for ${def.name}`);
  }

  /** The server's multimedia clock now, when the main channel has it. */
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
    this.emit('ended', err);
  }
}
