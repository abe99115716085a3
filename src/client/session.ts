/**
 * SpiceSession: the facade that commands and scenarios use. connect() links the main channel, attaches,
 * and links every channel the server lists (each on its own socket, as the protocol wants), with a
 * timeout on every wait. close() ends every socket.
 *
 * Typed accessors: `display` (DisplayLayer, with render: true), `cursor` (CursorLayer, whenever a cursor
 * channel is linked), `inputs()` (the inputs channel once its INIT arrived), `playback()` (the PlaybackStream of
 * the playback channel), `record()` (the RecordStream of the record channel), `agent()` (the guest agent, opened once),
 * `usbSlots()` / `openUsbSlot()` (USB redirection slots and their usbredir streams), `mouseMode`.
 */
import {EventEmitter} from 'node:events';
import type {Duplex} from 'node:stream';
import {SpiceError, timeoutError} from './errors.js';
import {silentLogger, type Logger, registerSecret} from './log.js';
import {ByteStream} from './transport/byte-stream.js';
import {openSocket, type Endpoint, type TlsOptions} from './transport/connect.js';
import {parseSpiceUri, type SpiceTarget} from './transport/uri.js';
import {link, LinkRefused} from './link/handshake.js';
import {Channel, type ChannelContext, type AudioOptions, type DisplayOptions, type LinkedSocket, type WireTap} from './channels/channel.js';
import {MainChannel} from './channels/main.js';
import {DisplayChannel, type ScreenSize} from './channels/display.js';
import {CursorChannel} from './channels/cursor.js';
import {InputsChannel} from './channels/inputs.js';
import {PlaybackChannel} from './channels/playback.js';
import {UsbredirChannel} from './channels/usbredir.js';
import {RecordChannel} from './channels/record.js';
import type {DisplayLayer} from './display/layer.js';
import {CursorLayer} from './display/cursor.js';
import {PlaybackStream} from './audio/playback-stream.js';
import {RecordStream} from './audio/record-stream.js';
import type {OpusLibrary} from './audio/opus.js';
import {GuestAgent} from './agent/agent.js';
import {UsbSlot} from './usb/slot.js';
import type {UsbredirConnection, UsbredirOpenOptions} from './usb/connection.js';
import {PIXMAP_CACHE_BYTES} from './display/image-cache.js';
import {GLZ_WINDOW_BYTES} from './codecs/glz-window.js';
import {createChannel} from './channels/registry.js';
import {advertisedCaps, COMMON_CAPS} from './channels/advertised-caps.js';
import {ChannelType, channelTypeName, LinkErr, MouseMode} from './wire/enums.js';

export interface SessionOptions extends TlsOptions {
  password?: string;
  /** Every wait (connect, link, first messages, channel links) times out after this. Default 10 s. */
  timeoutMs?: number;
  logger?: Logger;
  /** Sees every message that crosses the wire (recorder, tests). */
  tap?: WireTap;
  /** Display options: the image compression to ask for, and caps to add for capture tools. */
  display?: DisplayOptions;
  /** Audio options: announce Opus for playback and/or record (and load the codec). Default: raw PCM only. */
  audio?: AudioOptions;
  /** Decode and draw the display into surfaces (screenshots, waits on the screen). Default false. */
  render?: boolean;
  /** Link only these channel types (default: all the server lists). */
  channelFilter?: (type: number, id: number) => boolean;
  /**
   * Opens the connection of one channel instead of a TCP/TLS/unix socket from the URI (tests, an in-process
   * server). Each call must give a new connection to the server; the link handshake runs over it as is.
   */
  openStream?: (channelType: number, channelId: number) => Promise<Duplex>;
}

/** The session's guest agent: its opening, and the agent once opened (or that opening failed). */
interface AgentEntry {
  promise: Promise<GuestAgent>;
  agent?: GuestAgent;
  failed?: boolean;
}

export interface ChannelState {
  type: number;
  id: number;
  name: string;
  channel?: Channel;
  error?: SpiceError;
  tls: boolean;
}

export class SpiceSession extends EventEmitter {
  readonly target: SpiceTarget;
  readonly main: MainChannel;
  readonly channels: ChannelState[] = [];
  /** The display layer (surfaces, canvas), when the session was opened with render: true. */
  display?: DisplayLayer;
  /** The cursor (shape, position, visibility), when a cursor channel is linked; kept even without render. */
  cursor?: CursorLayer;
  private closed = false;
  private closeError: SpiceError | null = null;
  private agentEntry?: AgentEntry;
  /** The playback channel's stream (attached at link time, so that its first START is never missed). */
  private playbackStream?: PlaybackStream;
  /** One per linked usbredir channel, made at link time (the channel keeps QEMU's early hello for it). */
  private readonly slots: UsbSlot[] = [];
  /** The record channel's stream (attached at link time: the START of a guest already recording comes at once). */
  private recordStream?: RecordStream;

  private constructor(
    target: SpiceTarget,
    main: MainChannel,
    private readonly opts: Required<Pick<SessionOptions, 'timeoutMs'>> & SessionOptions,
    private readonly opus?: OpusLibrary,
  ) {
    super();
    this.target = target;
    this.main = main;
  }

  /** Connects, links main and every listed channel, and resolves once all are linked (or refused). */
  static async connect(uri: string, options: SessionOptions = {}): Promise<SpiceSession> {
    const target = parseSpiceUri(uri);
    const opts = {...options, timeoutMs: options.timeoutMs ?? 10_000};
    registerSecret(opts.password);
    const deadline = Date.now() + opts.timeoutMs;
    const remaining = () => Math.max(1, deadline - Date.now());
    const logger = opts.logger ?? silentLogger;

    let session: SpiceSession | undefined;
    const ctx: ChannelContext = {
      logger,
      findChannel: (type, id) => session?.findChannel(type, id),
      timeoutMs: opts.timeoutMs,
      tap: opts.tap,
      audio: opts.audio,
      display: {...opts.display, pixmapCacheBytes: PIXMAP_CACHE_BYTES, glzWindowBytes: GLZ_WINDOW_BYTES},
    };
    // Loaded before anything is linked: no await may sit between a channel's start and our listeners.
    // (the import overlaps the main link; the linked socket buffers what arrives meanwhile).
    const layerImport = opts.render ? import('./display/layer.js') : undefined;
    layerImport?.catch(() => undefined);
    const opusImport = opts.audio?.opus || opts.audio?.recordOpus ? import('./audio/opus.js').then((m) => m.loadOpus()) : undefined;
    opusImport?.catch(() => undefined);
    const mainLink = await linkChannel(target, opts, 0, ChannelType.MAIN, 0, remaining);
    const layerModule = await layerImport;
    const opus = await opusImport;
    const main = new MainChannel(ChannelType.MAIN, 0, mainLink, ctx);
    session = new SpiceSession(target, main, opts, opus);
    session.channels.push({type: ChannelType.MAIN, id: 0, name: 'main', channel: main, tls: mainLink.tls});
    session.watch(main);
    if (layerModule) session.display = new layerModule.DisplayLayer(logger, opts.timeoutMs);
    try {
      const init = await session.waitEvent<{session_id: number}>(main, 'init', 'the main channel INIT message', remaining());
      main.attachChannels();
      const list = await session.waitEvent<Array<{type: number; id: number}>>(main, 'channels-list', 'the channel list', remaining());
      const wanted = list.filter((c) => c.type !== ChannelType.MAIN && (opts.channelFilter?.(c.type, c.id) ?? true));
      await Promise.all(wanted.map((c) => session!.linkOne(init.session_id, c.type, c.id, ctx, remaining)));
      if (session.closeError) throw session.closeError;
      return session;
    } catch (e) {
      session.close();
      throw e;
    }
  }

  private async linkOne(sessionId: number, type: number, id: number, ctx: ChannelContext, remaining: () => number): Promise<void> {
    const state: ChannelState = {type, id, name: channelTypeName(type) + (id ? `:${id}` : ''), tls: false};
    this.channels.push(state);
    try {
      const linked = await linkChannel(this.target, this.opts, sessionId, type, id, remaining);
      if (this.closed) {
        linked.socket.destroy();
        return;
      }
      state.tls = linked.tls;
      state.channel = createChannel(type, id, linked, ctx);
      if (this.display && state.channel instanceof DisplayChannel) this.display.attach(state.channel);
      if (state.channel instanceof CursorChannel) {
        const layer = new CursorLayer(ctx.logger, state.name);
        layer.attach(state.channel);
        this.cursor ??= layer;
      }
      if (state.channel instanceof PlaybackChannel && !this.playbackStream) {
        this.playbackStream = new PlaybackStream(ctx.logger, state.name, this.opus);
        this.playbackStream.attach(state.channel);
      }
      if (state.channel instanceof UsbredirChannel) this.slots.push(new UsbSlot(id, state.channel, ctx.logger));
      if (state.channel instanceof RecordChannel && !this.recordStream) {
        this.recordStream = new RecordStream(ctx.logger, state.name, this.opus);
        this.recordStream.attach(state.channel);
      }
      this.watch(state.channel);
      this.emit('channel-up', state);
    } catch (e) {
      const err = e instanceof SpiceError ? e : new SpiceError('protocol', String(e));
      // A wrong password or a dead server ends the session; a single refused channel does not.
      if (err.kind === 'auth' || err.kind === 'timeout' || err.kind === 'connect' || err.kind === 'tls') throw err;
      state.error = err;
      ctx.logger.warn(`${state.name}: ${err.message}`);
    }
  }

  private watch(channel: Channel): void {
    void channel.run().then((reason) => {
      if (this.closed) return;
      const err = reason instanceof SpiceError ? reason : new SpiceError('protocol', `${channel.name}: internal error: ${reason.message}`, {cause: reason});
      if (channel instanceof PlaybackChannel) this.playbackStream?.end(err);
      if (channel instanceof UsbredirChannel) this.slots.find((s) => s.id === channel.id)?.end(err);
      if (channel instanceof RecordChannel) this.recordStream?.end(err);
      if (channel === this.main || err.kind === 'protocol') {
        this.closeError ??= err;
        // 'failed', not 'error': an EventEmitter 'error' without a listener would throw past every handler.
        this.emit('failed', err);
        this.close();
      } else {
        this.opts.logger?.warn(`${channel.name}: ${err.message}`);
        this.emit('channel-down', channel, err);
      }
    });
  }

  /** Waits for one event of a channel, failing on timeout or if the session ends first. */
  waitEvent<T>(emitter: EventEmitter, event: string, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        emitter.off(event, onEvent);
        this.off('failed', onError);
      };
      const onEvent = (v: T) => (cleanup(), resolve(v));
      const onError = (e: Error) => (cleanup(), reject(e));
      const timer = setTimeout(() => (cleanup(), reject(timeoutError(what, timeoutMs))), timeoutMs);
      emitter.on(event, onEvent);
      this.on('failed', onError);
    });
  }

  findChannel(type: number, id: number): Channel | undefined {
    return this.channels.find((c) => c.type === type && c.id === id)?.channel;
  }

  /**
   * The state of the channel of `type`, linked: `missing()` when the server offers none, the link's own error
   * (or "did not link") when it was offered but did not link.
   */
  private linkedState(type: number, missing: () => SpiceError): ChannelState & {channel: Channel} {
    const state = this.channels.find((c) => c.type === type);
    if (!state) throw missing();
    if (!state.channel) throw state.error ?? new SpiceError('protocol', `the ${state.name} channel did not link`);
    return state as ChannelState & {channel: Channel};
  }

  /** The inputs channel once its INIT (the guest's lock state) has arrived. */
  async inputs(timeoutMs: number = this.opts.timeoutMs): Promise<InputsChannel> {
    const state = this.linkedState(ChannelType.INPUTS, () => new SpiceError('protocol', 'the server offers no inputs channel (keyboard and mouse)'));
    if (!(state.channel instanceof InputsChannel)) throw new Error('internal error: the inputs channel is not an InputsChannel');
    await state.channel.waitInit(timeoutMs);
    return state.channel;
  }

  /**
   * The size of monitor `displayId`'s screen (display channel `displayId`'s primary surface), the space of
   * MOUSE_POSITION coordinates; undefined when no such display channel is linked.
   */
  async screenSize(displayId: number, timeoutMs: number = this.opts.timeoutMs): Promise<ScreenSize | undefined> {
    const channel = this.findChannel(ChannelType.DISPLAY, displayId);
    if (!(channel instanceof DisplayChannel)) return undefined;
    return channel.waitPrimarySize(timeoutMs);
  }

  /**
   * The stream of the server's playback channel (what the guest plays). A server that offers none (Xspice
   * without a playback FIFO folder, QEMU without a SPICE audio device) is a usage error (exit 2) saying so.
   */
  playback(): PlaybackStream {
    this.linkedState(
      ChannelType.PLAYBACK,
      () =>
        new SpiceError(
          'usage',
          'the server offers no playback channel, so there is no guest audio to capture (Xspice plays audio only with XSPICE_PLAYBACK_FIFO_DIR set, e.g. `spice-cli lab start xspice --audio`; QEMU needs an audio device on -audiodev spice)',
        ),
    );
    if (!this.playbackStream) throw new Error('internal error: the playback channel has no PlaybackStream');
    return this.playbackStream;
  }

  /** The server's USB redirection slots (one per linked usbredir channel, by channel id), free or busy. */
  usbSlots(): UsbSlot[] {
    return [...this.slots].sort((a, b) => a.id - b.id);
  }

  /**
   * Opens a USB slot's usbredir stream (hellos exchanged): slot `id`, or the first free one. The slot stays busy
   * until `slot.release()`. No usbredir channel, no free slot or a busy slot `id` is a usage error (exit 2).
   */
  async openUsbSlot(opts: Partial<Omit<UsbredirOpenOptions, 'logger'>> & {id?: number} = {}): Promise<{slot: UsbSlot; connection: UsbredirConnection}> {
    const listed = this.channels.filter((c) => c.type === ChannelType.USBREDIR);
    if (!listed.length) {
      throw new SpiceError(
        'usage',
        'the server offers no USB redirection slot (QEMU needs usb-redir devices on spicevmc chardevs named usbredir, e.g. `spice-cli lab start qemu --usbredir 2`)',
      );
    }
    const slots = this.usbSlots().filter((s) => !s.ended);
    const slot = opts.id === undefined ? slots.find((s) => !s.busy) : slots.find((s) => s.id === opts.id);
    if (!slot) {
      const what = opts.id === undefined ? `all ${slots.length} USB slots are in use` : `there is no USB slot ${opts.id} (slots: ${slots.map((s) => s.id).join(', ') || 'none linked'})`;
      throw new SpiceError('usage', what);
    }
    const connection = await slot.open({...opts, timeoutMs: opts.timeoutMs ?? this.opts.timeoutMs});
    return {slot, connection};
  }

  /**
   * The stream of the server's record channel (the guest's microphone). A server that offers none is a usage
   * error (exit 2) saying why: Xspice never has one; QEMU needs an audio device with a capture side on -audiodev spice.
   */
  record(): RecordStream {
    this.linkedState(
      ChannelType.RECORD,
      () =>
        new SpiceError(
          'usage',
          'the server offers no record channel, so there is no guest microphone to send audio to (Xspice never has one; QEMU offers it with an input-capable audio device on a SPICE audiodev, e.g. -audiodev spice,id=snd0 -device intel-hda -device hda-duplex,audiodev=snd0, as `spice-cli lab start qemu --audio` does)',
        ),
    );
    if (!this.recordStream) throw new Error('internal error: the record channel has no RecordStream');
    return this.recordStream;
  }

  /**
   * The guest agent, opened on the first call (waiting up to agentWaitMs for the guest's agent to connect)
   * and the same one on later calls; one that failed (or whose opening failed) is opened again. The session
   * closes it when it closes: callers do not close it.
   */
  agent(opts: {timeoutMs: number; agentWaitMs?: number}): Promise<GuestAgent> {
    if (this.closed) return Promise.reject(this.closeError ?? new SpiceError('connection-lost', 'the session was closed'));
    const current = this.agentEntry;
    if (current && !current.failed && (!current.agent || current.agent.isOpen)) return current.promise;
    current?.agent?.close(); // our hold on a failed agent, released once: the entry is replaced below
    const entry: AgentEntry = {promise: GuestAgent.open(this, opts)};
    entry.promise.then(
      (a) => (entry.agent = a),
      () => (entry.failed = true),
    );
    this.agentEntry = entry;
    return entry.promise;
  }

  /** The server's current mouse mode (main channel INIT / MOUSE_MODE). */
  get mouseMode(): 'server' | 'client' {
    return this.main.mouse.current === MouseMode.CLIENT ? 'client' : 'server';
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.agentEntry?.promise.then(
      (a) => a.close(),
      () => undefined,
    );
    for (const c of this.channels) c.channel?.close();
    this.display?.end(this.closeError ?? new SpiceError('connection-lost', 'the session was closed'));
    this.cursor?.end();
    this.playbackStream?.end(this.closeError ?? new SpiceError('connection-lost', 'the session was closed'));
    for (const s of this.slots) s.end(this.closeError ?? new SpiceError('connection-lost', 'the session was closed'));
    this.recordStream?.end(this.closeError ?? new SpiceError('connection-lost', 'the session was closed'));
    this.emit('closed', this.closeError);
  }
}

function endpointsFor(target: SpiceTarget, opts: TlsOptions): {plain?: Endpoint; tls?: Endpoint} {
  if (target.unixPath) return {plain: {kind: 'unix', path: target.unixPath}};
  return {
    plain: target.port !== undefined ? {kind: 'tcp', host: target.host, port: target.port} : undefined,
    tls: target.tlsPort !== undefined ? {kind: 'tls', host: target.host, port: target.tlsPort, tls: opts} : undefined,
  };
}

/**
 * Opens and links one channel: plain first when there is a plain port, and on NEED_SECURED again on the
 * TLS port, as spice-gtk does.
 */
async function linkChannel(
  target: SpiceTarget,
  opts: SessionOptions,
  connectionId: number,
  type: number,
  id: number,
  remaining: () => number,
): Promise<LinkedSocket> {
  const ends = endpointsFor(target, opts);
  const first = ends.plain ?? ends.tls!;
  // An injected connection is the only one there is: no TLS retry on another port.
  if (opts.openStream) return linkOn(first, opts, connectionId, type, id, remaining);
  try {
    return await linkOn(first, opts, connectionId, type, id, remaining);
  } catch (e) {
    if (e instanceof LinkRefused && e.code === LinkErr.NEED_SECURED && first.kind !== 'tls') {
      if (!ends.tls) {
        throw new SpiceError('connect', `the server requires TLS for the ${e.channel} channel; give its TLS port (spice://HOST:PORT?tls-port=N or spice+tls://HOST:TLSPORT)`);
      }
      return linkOn(ends.tls, opts, connectionId, type, id, remaining);
    }
    throw e;
  }
}

/** The injected connection of one channel (SessionOptions.openStream), within the time left. */
async function openInjected(open: NonNullable<SessionOptions['openStream']>, type: number, id: number, timeoutMs: number): Promise<Duplex> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const opening = open(type, id);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void opening.then((s) => s.destroy(), () => undefined);
      reject(timeoutError(`the connection of the ${channelTypeName(type)} channel`, timeoutMs));
    }, timeoutMs);
  });
  try {
    const socket = await Promise.race([opening, timeout]);
    (socket as Duplex & {connectMs?: number}).connectMs ??= performance.now() - t0;
    return socket;
  } finally {
    clearTimeout(timer);
  }
}

async function linkOn(endpoint: Endpoint, opts: SessionOptions, connectionId: number, type: number, id: number, remaining: () => number): Promise<LinkedSocket> {
  const socket: Duplex & {connectMs?: number} = opts.openStream ? await openInjected(opts.openStream, type, id, remaining()) : await openSocket(endpoint, remaining());
  const stream = new ByteStream(socket);
  try {
    const caps = [...advertisedCaps(type, opts), ...(type === ChannelType.DISPLAY ? (opts.display?.extraCaps ?? []) : [])];
    const out = await link(stream, {
      connectionId,
      channelType: type,
      channelId: id,
      commonCaps: COMMON_CAPS,
      channelCaps: caps,
      password: opts.password,
      timeoutMs: remaining(),
    });
    return {socket, stream, ...out, connectMs: socket.connectMs ?? 0, tls: !opts.openStream && endpoint.kind === 'tls'};
  } catch (e) {
    socket.destroy();
    throw e;
  }
}
