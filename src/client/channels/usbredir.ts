/**
 * A usbredir channel (protocol map §9): one USB redirection slot, i.e. one QEMU usb-redir device on a spicevmc
 * chardev. A thin byte pipe: SPICEVMC DATA carries an arbitrary slice of the usbredir stream, COMPRESSED_DATA a
 * slice as one LZ4 block; both go, in order, to the consumer (the usb layer's UsbredirConnection, which
 * decompresses and parses). Linking the channel opens QEMU's chardev, and QEMU sends its usbredir hello at once:
 * what arrives before a consumer is attached is kept (up to MAX_EARLY_BYTES) so that hello is never lost.
 *
 * The spicevmc cap DATA_COMPRESS_LZ4 is announced (advertised-caps.ts): spice-server then sends a slice of more than
 * 1000 bytes as COMPRESSED_DATA when LZ4 makes it smaller. Our own writes are plain DATA.
 */
import {SpiceError} from '../errors.js';
import {DataCompressionType} from '../wire/enums.js';
import {SpicevmcClient, SpicevmcServer} from '../wire/messages/spicevmc.js';
import {Channel, type ChannelContext, type LinkedSocket} from './channel.js';

/** One received slice of the stream: `type` is a DataCompressionType; LZ4 slices say their decompressed size. */
export interface SpicevmcChunk {
  type: number;
  uncompressedSize?: number;
  data: Uint8Array;
}

export type SpicevmcConsumer = (chunk: SpicevmcChunk) => void;

/** Bytes kept for a consumer not attached yet: QEMU's hello is 80. */
const MAX_EARLY_BYTES = 1024 * 1024;
/** Largest DATA we send: the stream may be sliced anywhere, and spice-server buffers each message whole. */
const MAX_DATA_SLICE = 64 * 1024;

export class UsbredirChannel extends Channel {
  private consumer?: SpicevmcConsumer;
  private early: SpicevmcChunk[] = [];
  private earlyBytes = 0;

  constructor(type: number, id: number, link: LinkedSocket, ctx: ChannelContext) {
    super(type, id, link, ctx);
    this.handlers
      .on(SpicevmcServer.DATA, (m) => this.deliver({type: DataCompressionType.NONE, data: m.data}))
      .on(SpicevmcServer.COMPRESSED_DATA, (m) => this.deliver({type: m.type, uncompressedSize: m.uncompressed_size, data: m.compressed_data}));
  }

  private deliver(chunk: SpicevmcChunk): void {
    if (this.consumer) {
      this.consumer(chunk);
      return;
    }
    this.earlyBytes += chunk.data.length;
    if (this.earlyBytes > MAX_EARLY_BYTES) {
      throw new SpiceError('protocol', `${this.name}: ${this.earlyBytes} bytes of usbredir data arrived before the slot was opened`);
    }
    // The body is a view into the read buffer: keep a copy.
    this.early.push({...chunk, data: chunk.data.slice()});
  }

  /** Hands every slice received so far, then each new one, to `consumer` (one consumer per channel). */
  attach(consumer: SpicevmcConsumer): void {
    if (this.consumer) throw new Error(`internal error: ${this.name} already has a consumer`);
    this.consumer = consumer;
    const early = this.early;
    this.early = [];
    this.earlyBytes = 0;
    for (const c of early) consumer(c);
  }

  /** Bytes received and not yet taken by a consumer. */
  get pendingBytes(): number {
    return this.earlyBytes;
  }

  /** Sends usbredir stream bytes as DATA messages. */
  write(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; at += MAX_DATA_SLICE) this.send(SpicevmcClient.DATA, {data: bytes.subarray(at, at + MAX_DATA_SLICE)});
  }
}
