/**
 * The base of every channel once linked (protocol map §1.2–1.3): message framing with the mini or full
 * header, the ACK window (SET_ACK → ACK_SYNC, then one ACK per `window` messages received), PING → PONG,
 * NOTIFY, DISCONNECTING, LIST and sub-message lists, WAIT_FOR_CHANNELS, and migration notices.
 * Subclasses register typed handlers of their own messages in `handlers`; messages are processed strictly in order.
 */
import {EventEmitter} from 'node:events';
import type {Duplex} from 'node:stream';
import {SpiceError} from '../errors.js';
import type {Logger} from '../log.js';
import type {ByteStream} from '../transport/byte-stream.js';
import type {CapSet} from '../wire/caps.js';
import {channelTypeName, linkErrText, MigrateFlags, nameOf, NotifySeverity} from '../wire/enums.js';
import {decode, encode, type WireContext} from '../wire/schema.js';
import {MessageHandlers, type MessageDef} from '../wire/message.js';
import {CommonClient, CommonServer} from '../wire/messages/common.js';
import {clientMessage, serverMessage} from '../wire/messages/index.js';
import {subMessages} from '../wire/sub-messages.js';

/** Largest message body accepted from a server (a full-screen 32-bit 4K bitmap is 33 MB). */
export const MAX_MESSAGE_SIZE = 128 * 1024 * 1024;
/** How long close() waits for the first message of a channel that greetsOnLink. */
const GREETING_WAIT_MS = 500;

export type WireDirection = 'in' | 'out';
/** Called with every message body that crosses the wire (for recordings and tests). */
export type WireTap = (channel: Channel, dir: WireDirection, type: number, body: Uint8Array) => void;

export interface DisplayOptions {
  /** SpiceImageCompression to send in PREFERRED_COMPRESSION (when the server has the cap). */
  preferredCompression?: number;
  /** Display caps to advertise on top of the implemented ones (capture tools only). */
  extraCaps?: number[];
  /** The pixmap cache and GLZ window to announce in display INIT (bytes; the session gives its codecs'/display's sizes). */
  pixmapCacheBytes?: number;
  glzWindowBytes?: number;
}

/** What the audio channels announce, per session. */
export interface AudioOptions {
  /** Announce playback cap OPUS (the session then loads the Opus decoder): `audio capture --codec opus` or `auto`. Default false. */
  opus?: boolean;
  /** Announce record cap OPUS (the session then loads the Opus encoder): `audio send --codec opus` or `auto`. Default false. */
  recordOpus?: boolean;
}

export interface ChannelContext {
  logger: Logger;
  /** Finds another channel of the session, for WAIT_FOR_CHANNELS. */
  findChannel(type: number, id: number): Channel | undefined;
  /** Upper bound on any wait the channel does on its own (WAIT_FOR_CHANNELS). */
  timeoutMs: number;
  tap?: WireTap;
  display?: DisplayOptions;
  audio?: AudioOptions;
}

export interface LinkedSocket {
  socket: Duplex;
  stream: ByteStream;
  caps: CapSet;
  serverCommonCaps: number[];
  serverChannelCaps: number[];
  miniHeader: boolean;
  linkRttMs: number;
  /** TCP handshake time of this channel's socket: one network round trip. */
  connectMs: number;
  tls: boolean;
}

export class Channel extends EventEmitter {
  readonly name: string;
  /** Serial of the last message fully processed (implicit count with the mini header). */
  processedSerial = 0n;
  private receivedSerial = 0n;
  private sendSerial = 0n;
  private ackWindow = 0;
  private ackCountdown = 0;
  private serialWaiters: Array<{serial: bigint; resolve: () => void}> = [];
  private closed = false;
  readonly wireContext: {caps: Set<string>};
  pings = 0;
  messagesIn = 0;
  private readonly unknownTypes = new Set<number>();
  /**
   * The server sends this channel a message as soon as it has set it up (display and cursor: spice-server's
   * worker thread). close() waits for that first message (≤ GREETING_WAIT_MS) before it hangs up: Xspice
   * (spice-server 0.15) segfaults when display and cursor channels are dropped before the worker has taken
   * them (about 1 in 30 `info` runs that left at once, seen in CI as a hung server).
   */
  protected readonly greetsOnLink: boolean = false;
  /**
   * The handlers of this channel's own messages (type > 100), filled by subclasses in their constructor:
   * `this.handlers.on(MainServer.NAME, (m) => ...)` gives `m` the type NAME's declaration reads. A handler also
   * gets the raw message body. Run by onMessage(), in order.
   */
  protected readonly handlers = new MessageHandlers<Uint8Array>();

  constructor(
    readonly type: number,
    readonly id: number,
    readonly link: LinkedSocket,
    protected readonly ctx: ChannelContext,
  ) {
    super();
    this.name = channelTypeName(type) + (id ? `:${id}` : '');
    this.wireContext = {caps: new Set()};
  }

  get caps(): CapSet {
    return this.link.caps;
  }
  protected get log(): Logger {
    return this.ctx.logger;
  }

  /** Starts the read loop; resolves when the channel ends, with the reason. */
  run(): Promise<Error> {
    this.onLinked();
    return this.readLoop().then(
      () => new SpiceError('connection-lost', `${this.name} channel closed`),
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
  }

  private async readLoop(): Promise<void> {
    const mini = this.link.miniHeader;
    const headerSize = mini ? 6 : 18;
    const stream = this.link.stream;
    for (;;) {
      const h = await stream.read(headerSize, `a ${this.name} message header`);
      const v = new DataView(h.buffer, h.byteOffset, headerSize);
      let type: number;
      let size: number;
      let subList = 0;
      if (mini) {
        type = v.getUint16(0, true);
        size = v.getUint32(2, true);
        this.receivedSerial++;
      } else {
        this.receivedSerial = v.getBigUint64(0, true);
        type = v.getUint16(8, true);
        size = v.getUint32(10, true);
        subList = v.getUint32(14, true);
      }
      if (size > MAX_MESSAGE_SIZE) {
        throw new SpiceError('protocol', `${this.name}: the server announced a ${size}-byte message (type ${type}), over the ${MAX_MESSAGE_SIZE}-byte limit`);
      }
      const body = size ? await stream.read(size, `a ${size}-byte ${this.name} message body`) : new Uint8Array(0);
      if (this.messagesIn++ === 0) this.emit('first-message');
      this.ctx.tap?.(this, 'in', type, body);
      if (subList) await this.dispatchSubList(body, subList);
      await this.dispatch(type, body);
      this.processedSerial = this.receivedSerial;
      this.releaseSerialWaiters();
      this.countAck();
    }
  }

  private countAck(): void {
    if (this.ackWindow === 0) return;
    if (--this.ackCountdown <= 0) {
      this.send(CommonClient.ACK, {});
      this.ackCountdown = this.ackWindow;
    }
  }

  /** Runs the sub-messages of a SpiceSubMessageList at `offset` in `body` (LIST, or the full header's sub_list). */
  private async dispatchSubList(body: Uint8Array, offset: number): Promise<void> {
    for (const sub of subMessages(body, offset, this.name)) await this.dispatch(sub.type, sub.body);
  }

  private async dispatch(type: number, body: Uint8Array): Promise<void> {
    if (type === CommonServer.LIST.type) {
      await this.dispatchSubList(body, 0);
      return;
    }
    const def = serverMessage(this.type, type);
    if (!def) {
      if (!this.unknownTypes.has(type)) this.log.warn(`${this.name}: ignoring unknown message type ${type} (${body.length} bytes; further ones not reported)`);
      this.unknownTypes.add(type);
      return;
    }
    let value: unknown;
    try {
      value = decode(def.schema, body, this.wireContext);
    } catch (e) {
      if (e instanceof SpiceError) throw new SpiceError('protocol', `${this.name} ${def.name}: ${e.message}`);
      throw e;
    }
    if (this.log.enabled('trace')) this.log.trace(`${this.name} <- ${def.name} (${body.length} bytes)`);
    if (type < 100) await this.onCommonMessage(def, value);
    else await this.onMessage(def, value, body);
  }

  /**
   * The base messages (types < 100) every channel handles, one typed handler per declaration; each gets the
   * channel it arrived on. LIST never gets here (dispatch() runs its sub-messages).
   */
  private static readonly common = new MessageHandlers<Channel>()
    .on(CommonServer.SET_ACK, (m, ch) => {
      ch.ackWindow = m.window;
      ch.ackCountdown = m.window;
      ch.send(CommonClient.ACK_SYNC, {generation: m.generation});
    })
    .on(CommonServer.PING, (m, ch) => {
      ch.pings++;
      ch.send(CommonClient.PONG, {id: m.id, timestamp: m.timestamp});
    })
    .on(CommonServer.NOTIFY, (m, ch) => {
      // Notices are shown with --verbose; only server errors reach the default log level.
      const sev = nameOf(NotifySeverity, m.severity).toLowerCase();
      ch.log[m.severity === NotifySeverity.ERROR ? 'warn' : 'info'](`${ch.name}: server notice (${sev}): ${m.message}`);
      ch.emit('notify', {severity: nameOf(NotifySeverity, m.severity), message: m.message});
    })
    .on(CommonServer.DISCONNECTING, (m, ch) => {
      ch.log.info(`${ch.name}: the server is disconnecting: ${linkErrText[m.reason] ?? `reason ${m.reason}`}`);
      ch.emit('disconnecting', m.reason);
    })
    .on(CommonServer.WAIT_FOR_CHANNELS, async (m, ch) => {
      for (const w of m.wait_list) await ch.waitForOther(w.channel_type, w.channel_id, w.message_serial);
    })
    .on(CommonServer.MIGRATE, (m, ch) => {
      ch.log.warn(
        `${ch.name}: the server started a migration (flags ${m.flags}); migration is not supported yet, the session continues on this server`,
      );
      if (m.flags & MigrateFlags.NEED_FLUSH) ch.send(CommonClient.MIGRATE_FLUSH_MARK, {});
    })
    .on(CommonServer.MIGRATE_DATA, (m, ch) => {
      ch.log.warn(`${ch.name}: ignoring MIGRATE_DATA (${m.data.length} bytes): migration is not supported yet`);
    });

  private async onCommonMessage(def: MessageDef, value: unknown): Promise<void> {
    const done = Channel.common.dispatch(def, value, this);
    if (done === false) this.log.debug(`${this.name}: ignoring ${def.name}`);
    else await done;
  }

  private async waitForOther(type: number, id: number, serial: bigint): Promise<void> {
    const other = this.ctx.findChannel(type, id);
    if (!other) {
      this.log.debug(`${this.name}: WAIT_FOR_CHANNELS names ${channelTypeName(type)}:${id}, which is not linked; not waiting`);
      return;
    }
    await other.waitProcessed(serial, this.ctx.timeoutMs, this.name);
  }

  /** Resolves once this channel has processed the message with that serial. */
  waitProcessed(serial: bigint, timeoutMs: number, who: string): Promise<void> {
    if (this.processedSerial >= serial || this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const entry = {serial, resolve: () => (clearTimeout(timer), resolve())};
      const timer = setTimeout(() => {
        this.serialWaiters = this.serialWaiters.filter((w) => w !== entry);
        reject(new SpiceError('timeout', `${who}: timed out after ${timeoutMs} ms waiting for the ${this.name} channel to reach message ${serial}`));
      }, timeoutMs);
      this.serialWaiters.push(entry);
    });
  }

  private releaseSerialWaiters(): void {
    if (!this.serialWaiters.length) return;
    const ready = this.serialWaiters.filter((w) => this.processedSerial >= w.serial);
    this.serialWaiters = this.serialWaiters.filter((w) => this.processedSerial < w.serial);
    for (const w of ready) w.resolve();
  }

  /** Called once the channel is linked, before the first message is read: send the channel's opening messages. */
  protected onLinked(): void {}

  /**
   * Handles a channel-specific (type > 100) message: runs its handler from `handlers` (awaited: the message
   * counts as processed once it resolves); a message without one is ignored.
   */
  protected onMessage(def: MessageDef, value: unknown, body: Uint8Array): void | Promise<void> {
    const done = this.handlers.dispatch(def, value, body);
    if (done === false) this.log.debug(`${this.name}: no handler for ${def.name}`);
    else return done;
  }

  /** Encodes and sends one message. */
  send<W>(def: MessageDef<unknown, W>, value: W): void {
    if (this.closed) return;
    if (clientMessage(this.type, def.type) !== def && !(def.type < 100)) {
      throw new Error(`${def.name} is not a client message of the ${this.name} channel`);
    }
    const body = encode(def.schema, value, this.wireContext);
    this.sendRaw(def.type, body);
    if (this.log.enabled('trace')) this.log.trace(`${this.name} -> ${def.name} (${body.length} bytes)`);
  }

  protected sendRaw(type: number, body: Uint8Array): void {
    this.ctx.tap?.(this, 'out', type, body);
    let header: Buffer;
    if (this.link.miniHeader) {
      header = Buffer.alloc(6);
      header.writeUInt16LE(type, 0);
      header.writeUInt32LE(body.length, 2);
    } else {
      header = Buffer.alloc(18);
      header.writeBigUInt64LE(++this.sendSerial, 0);
      header.writeUInt16LE(type, 8);
      header.writeUInt32LE(body.length, 10);
      header.writeUInt32LE(0, 14);
    }
    this.link.socket.write(header);
    if (body.length) this.link.socket.write(body);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.serialWaiters) w.resolve();
    this.serialWaiters = [];
    // A graceful end (TLS close_notify, then FIN): spice-server's TLS side stalls on a socket torn down abruptly.
    const socket = this.link.socket;
    const hangUp = () => {
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    if (!this.greetsOnLink || this.messagesIn > 0 || socket.destroyed) {
      hangUp();
      return;
    }
    // Not unref'd: a process that exits at once would hang up just as abruptly.
    const done = () => {
      clearTimeout(timer);
      socket.off('close', done);
      this.off('first-message', done);
      hangUp();
    };
    const timer = setTimeout(done, GREETING_WAIT_MS);
    socket.once('close', done);
    this.once('first-message', done);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

export type {WireContext};
