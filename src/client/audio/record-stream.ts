/**
 * The session's record stream (protocol map §8): the guest's microphone. Fed with the record channel's
 * messages the way PlaybackStream is fed by playback, it keeps the server's side of the stream — the format of
 * the last START (channels, S16, frequency), whether the guest is recording (START … STOP), VOLUME and MUTE —
 * and emits 'start' (RecordStart), 'stop', 'volume', 'mute', and 'ended' (Error) once the channel or session
 * is gone. It also writes our side: sendPacket sends one encoded packet as DATA, preceded after every START
 * by MODE (the encoder's AudioDataMode) and START_MARK, as spice-gtk's channel-record.c does at the first data.
 *
 * Time stamps: every client message carries the session's multimedia time when it is sent (main channel
 * MULTI_MEDIA_TIME, extrapolated; 0 before the first). spice-gtk's audio back ends pass 0 instead ("server side
 * doesn't care about ts?"), and spice-server 0.15 keeps the MODE and START_MARK times but reads no DATA time.
 */
import {EventEmitter} from 'node:events';
import {SpiceError} from '../errors.js';
import type {Logger} from '../log.js';
import {MessageHandlers, type MessageConsumer, type MessageDef} from '../wire/message.js';
import {RecordServer} from '../wire/messages/record.js';
import {pcmFormatOfStart, type PcmFormat} from './format.js';
import type {OpusLibrary} from './opus.js';

/** What the stream needs of a record channel (channels/record.ts's RecordChannel is one). */
export interface RecordSink {
  /** Set by attach(): receives every record message in order. */
  consumer?: MessageConsumer;
  mmTime(): number | undefined;
  /** Whether both sides announced record cap `cap`. */
  hasCap(cap: number): boolean;
  sendMode(time: number, mode: number): void;
  sendStartMark(time: number): void;
  sendData(time: number, data: Uint8Array): void;
}

export interface RecordStart {
  format: PcmFormat;
  /** performance.now() when it arrived. */
  at: number;
}

export interface RecordMarks {
  /** The mm-time sent in the last MODE and START_MARK, and in the first and last DATA. */
  startMark: number;
  firstData: number;
  lastData: number;
}

export class RecordStream extends EventEmitter {
  /** The last START; kept across STOP. */
  start?: RecordStart;
  /** Between START and STOP: the guest is recording and the server takes data. */
  recording = false;
  /** The last VOLUME (0–65535 per channel) and MUTE (record cap VOLUME). */
  volume?: number[];
  muted?: boolean;
  /** Mm-time stamps of what was sent since the last START (undefined before the first packet). */
  marks?: RecordMarks;
  private marked = false;
  private ended: Error | null = null;
  private sink?: RecordSink;

  private readonly handlers = new MessageHandlers()
    .on(RecordServer.START, (m) => {
      this.start = {format: pcmFormatOfStart(m), at: performance.now()};
      this.recording = true;
      this.marked = false;
      this.emit('start', this.start);
    })
    .on(RecordServer.STOP, () => {
      this.recording = false;
      this.marked = false;
      this.emit('stop');
    })
    .on(RecordServer.VOLUME, (m) => {
      this.volume = [...m.volume];
      this.emit('volume', this.volume);
    })
    .on(RecordServer.MUTE, (m) => {
      this.muted = m.mute;
      this.emit('mute', m.mute);
    });

  /**
   * `opus`: the loaded Opus library, when the session announced record cap OPUS (audio.recordOpus): what
   * record-encoder.ts encodes with.
   */
  constructor(
    private readonly log: Logger,
    private readonly name = 'record',
    readonly opus?: OpusLibrary,
  ) {
    super();
  }

  /** Feeds this stream with the channel's messages and sends through it. */
  attach(channel: RecordSink): void {
    this.sink = channel;
    channel.consumer = (def, value) => this.handle(def, value);
  }

  handle(def: MessageDef, value: unknown): void {
    if (this.handlers.dispatch(def, value, undefined) === false) this.log.debug(`${this.name}: no handler for ${def.name}`);
  }

  /** Whether both sides announced record cap `cap` (a RecordCap). */
  hasCap(cap: number): boolean {
    return this.sink?.hasCap(cap) ?? false;
  }

  /** The server's multimedia clock now, when the main channel has it. */
  mmTime(): number | undefined {
    return this.sink?.mmTime();
  }

  /**
   * Sends one encoded packet in `mode` (an AudioDataMode): MODE and START_MARK first when it is the first since
   * START. False (nothing sent) when the guest is not recording or the stream has ended.
   */
  sendPacket(mode: number, data: Uint8Array): boolean {
    const sink = this.sink;
    if (!sink || !this.recording || this.ended) return false;
    const time = sink.mmTime() ?? 0;
    if (!this.marked) {
      sink.sendMode(time, mode);
      sink.sendStartMark(time);
      this.marked = true;
      this.marks = {startMark: time, firstData: time, lastData: time};
    }
    sink.sendData(time, data);
    this.marks!.lastData = time;
    return true;
  }

  /** Why the stream ended, once it has. */
  get endReason(): Error | null {
    return this.ended;
  }

  /** The channel or the session is gone: 'ended' once. */
  end(err: Error = new SpiceError('connection-lost', 'the record channel closed')): void {
    if (this.ended) return;
    this.ended = err;
    this.recording = false;
    this.emit('ended', err);
  }
}
