/**
 * The usbredir stream of one slot, usb-host side (us) to usb-guest (QEMU): the channel's slices (decompressed) go
 * through a UsbredirCodec, packets come out as 'packet' events and to waitFor(); send() encodes. open() does the
 * hello exchange: ours out, the peer's in (QEMU sends its own as soon as the channel links, so it is usually there
 * already). A broken stream (a protocol error) fails this connection only, not the SPICE session: waiters get the
 * error and later data is ignored.
 */
import {EventEmitter} from 'node:events';
import {SpiceError, timeoutError} from '../errors.js';
import {silentLogger, type Logger} from '../log.js';
import type {SpicevmcConsumer} from '../channels/usbredir.js';
import {UsbredirCodec, type UsbredirPacket} from '../wire/usbredir/codec.js';
import type {UsbredirPacketDef} from '../wire/usbredir/packets.js';
import {USBREDIR_PROTOCOL_VERSION, UsbredirCap, UsbredirType} from '../wire/usbredir/protocol.js';
import {DataCompressionType} from '../wire/enums.js';
import {spicevmcBytes} from './spicevmc-data.js';

/** What a connection needs of its channel (UsbredirChannel; a fake in tests). */
export interface UsbredirPipe {
  readonly name: string;
  attach(consumer: SpicevmcConsumer): void;
  write(bytes: Uint8Array): void;
}

/**
 * The caps we announce as usb-host: the ones QEMU's xhci needs (ep_info max_packet_size, 64-bit ids, 32-bit bulk
 * lengths; without them usb-redir rejects the device), the device version in device_connect, filters and the
 * disconnect ack. Not bulk_streams nor bulk_receiving: their packets are not served yet.
 */
export const HOST_CAPS: readonly number[] = [
  UsbredirCap.CONNECT_DEVICE_VERSION,
  UsbredirCap.FILTER,
  UsbredirCap.DEVICE_DISCONNECT_ACK,
  UsbredirCap.EP_INFO_MAX_PACKET_SIZE,
  UsbredirCap['64BITS_IDS'],
  UsbredirCap['32BITS_BULK_LENGTH'],
];

export const HOST_VERSION = `spice-cli usbredir ${USBREDIR_PROTOCOL_VERSION}`;

export interface UsbredirOpenOptions {
  /** Limit for the peer's hello. */
  timeoutMs: number;
  /** Caps to announce (UsbredirCap numbers); default HOST_CAPS. */
  caps?: readonly number[];
  /** The hello's version string; default HOST_VERSION. */
  version?: string;
  logger?: Logger;
}

/**
 * What a connection received from the server: spicevmc messages, and those that came as COMPRESSED_DATA (their
 * LZ4 bytes on the wire and what they decoded to). spice-server compresses a slice of more than 1000 bytes for a
 * client with SpicevmcCap.DATA_COMPRESS_LZ4 when the block comes out smaller (spicevmc.cpp's COMPRESS_THRESHOLD).
 */
export interface SpicevmcReceived {
  messages: number;
  /** Stream bytes after decompression. */
  bytes: number;
  compressedMessages: number;
  /** The LZ4 blocks' size on the wire. */
  compressedBytes: number;
  /** What those blocks decoded to. */
  decompressedBytes: number;
}

interface Waiter {
  match: (p: UsbredirPacket) => boolean;
  resolve: (p: UsbredirPacket) => void;
  reject: (e: Error) => void;
}

export class UsbredirConnection extends EventEmitter {
  readonly codec: UsbredirCodec;
  private readonly waiters = new Set<Waiter>();
  private failure?: SpiceError;
  private filterRules?: string;
  private readonly log: Logger;
  private readonly counts: SpicevmcReceived = {messages: 0, bytes: 0, compressedMessages: 0, compressedBytes: 0, decompressedBytes: 0};

  private constructor(
    private readonly pipe: UsbredirPipe,
    opts: UsbredirOpenOptions,
  ) {
    super();
    this.codec = new UsbredirCodec('host', opts.caps ?? HOST_CAPS, opts.version ?? HOST_VERSION);
    this.log = opts.logger ?? silentLogger;
  }

  /** Attaches to the channel and sends our hello; ready() waits for the peer's. */
  static start(pipe: UsbredirPipe, opts: Omit<UsbredirOpenOptions, 'timeoutMs'>): UsbredirConnection {
    const c = new UsbredirConnection(pipe, {...opts, timeoutMs: 0});
    pipe.attach((chunk) => c.receive(chunk));
    pipe.write(c.codec.hello());
    return c;
  }

  /** start() and ready(). */
  static async open(pipe: UsbredirPipe, opts: UsbredirOpenOptions): Promise<UsbredirConnection> {
    const c = UsbredirConnection.start(pipe, opts);
    await c.ready(opts.timeoutMs);
    return c;
  }

  /** Resolves once the peer's hello is in (at once if it is). */
  async ready(timeoutMs: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.codec.negotiation.hasPeer) return;
    await this.waitFor((p) => p.def.type === UsbredirType.HELLO, `the usbredir hello of ${this.name}`, timeoutMs);
  }

  get name(): string {
    return this.pipe.name;
  }

  /** The peer's hello: its version string and caps. */
  get peer(): {version: string; caps: number[]} {
    const n = this.codec.negotiation;
    return {version: n.peerVersion ?? '', caps: [...n.peer].sort((a, b) => a - b)};
  }

  /** Caps both hellos carry. */
  get negotiated(): number[] {
    return this.codec.negotiation.negotiated;
  }

  /** The server's device filter (the last filter_filter's rules, usbredir text), if it sent one; 'filter' events announce each. */
  get serverFilter(): string | undefined {
    return this.filterRules;
  }

  /** What was received so far (a copy). */
  get received(): SpicevmcReceived {
    return {...this.counts};
  }

  /** The protocol error that broke the stream, if any. */
  get error(): SpiceError | undefined {
    return this.failure;
  }

  private receive(chunk: Parameters<SpicevmcConsumer>[0]): void {
    if (this.failure) return;
    let packets: UsbredirPacket[];
    try {
      const bytes = spicevmcBytes(chunk, this.name);
      this.counts.messages++;
      this.counts.bytes += bytes.length;
      if (chunk.type !== DataCompressionType.NONE) {
        this.counts.compressedMessages++;
        this.counts.compressedBytes += chunk.data.length;
        this.counts.decompressedBytes += bytes.length;
        if (this.log.enabled('trace')) this.log.trace(`${this.name} COMPRESSED_DATA ${chunk.data.length} -> ${bytes.length} bytes`);
      }
      packets = this.codec.feed(bytes);
    } catch (e) {
      this.fail(e instanceof SpiceError ? e : new SpiceError('protocol', `${this.name}: ${String(e)}`));
      return;
    }
    for (const p of packets) {
      if (this.log.enabled('trace')) this.log.trace(`${this.name} usbredir <- ${p.def.name} id ${p.id}`);
      for (const w of [...this.waiters]) {
        if (w.match(p)) {
          this.waiters.delete(w);
          w.resolve(p);
        }
      }
      this.emit('packet', p);
      if (p.def.type === UsbredirType.FILTER_FILTER) {
        this.filterRules = (p.value as {rules: string}).rules;
        this.emit('filter', this.filterRules);
      }
    }
  }

  /** Sends one packet (a reply carries its request's id). */
  send<W>(def: UsbredirPacketDef<unknown, W>, value: W, id = 0n): void {
    if (this.failure) throw this.failure;
    this.pipe.write(this.codec.encode(def, value, id));
    if (this.log.enabled('trace')) this.log.trace(`${this.name} usbredir -> ${def.name} id ${id}`);
  }

  /**
   * The next packet that `match` accepts (a declaration, or a predicate), received after this call; rejects on
   * timeout, a broken stream or end().
   */
  waitFor<R>(match: UsbredirPacketDef<R, any>, what: string, timeoutMs: number): Promise<UsbredirPacket<R>>;
  waitFor(match: (p: UsbredirPacket) => boolean, what: string, timeoutMs: number): Promise<UsbredirPacket>;
  waitFor(match: UsbredirPacketDef | ((p: UsbredirPacket) => boolean), what: string, timeoutMs: number): Promise<UsbredirPacket> {
    if (this.failure) return Promise.reject(this.failure);
    const test = typeof match === 'function' ? match : (p: UsbredirPacket) => p.def === match;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(timeoutError(what, timeoutMs));
      }, timeoutMs);
      const w: Waiter = {
        match: test,
        resolve: (p) => (clearTimeout(timer), resolve(p)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.waiters.add(w);
    });
  }

  private fail(err: SpiceError, quiet = false): void {
    this.failure = err;
    if (!quiet) this.log.warn(`${this.name}: ${err.message}`);
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
    this.emit('failed', err);
  }

  /** The channel or session ended: waiters get `err`, sends throw it. */
  end(err: SpiceError): void {
    if (!this.failure) this.fail(err, true);
  }
}
