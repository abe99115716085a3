/**
 * The record channel (protocol map §8): the guest's microphone. A thin channel, like playback: the server's
 * messages (START, STOP, VOLUME, MUTE) go, in order, to the consumer the session sets, the RecordStream
 * (audio/record-stream.ts), which keeps the stream's state and decides what to send; this class only writes
 * the client's messages (MODE, START_MARK, DATA) and answers which record caps both sides have.
 */
import type {MessageConsumer, MessageDef} from '../wire/message.js';
import {ChannelType} from '../wire/enums.js';
import {RecordClient} from '../wire/messages/record.js';
import {Channel} from './channel.js';

export class RecordChannel extends Channel {
  /** Receives every record message in order (the session's RecordStream). */
  consumer?: MessageConsumer;

  protected override onMessage(def: MessageDef, value: unknown, body: Uint8Array): void | Promise<void> {
    return this.consumer ? this.consumer(def, value) : super.onMessage(def, value, body);
  }

  /** The server's multimedia clock now (main channel MULTI_MEDIA_TIME, extrapolated); undefined before INIT. */
  mmTime(): number | undefined {
    const main = this.ctx.findChannel(ChannelType.MAIN, 0) as {currentMmTime?: () => number | undefined} | undefined;
    return main?.currentMmTime?.();
  }

  /** Whether both sides announced record cap `cap` (a RecordCap). */
  hasCap(cap: number): boolean {
    return this.caps.has(cap);
  }

  /** RECORD MODE (102): the AudioDataMode of the DATA that follows. */
  sendMode(time: number, mode: number): void {
    this.send(RecordClient.MODE, {time, mode, data: new Uint8Array(0)});
  }

  /** RECORD START_MARK (103). */
  sendStartMark(time: number): void {
    this.send(RecordClient.START_MARK, {time});
  }

  /** RECORD DATA (101): one encoded packet. */
  sendData(time: number, data: Uint8Array): void {
    this.send(RecordClient.DATA, {time, data});
  }

  /** Bytes queued on the socket and not yet written (back-pressure, for reports). */
  get queuedBytes(): number {
    return this.link.socket.writableLength;
  }
}
