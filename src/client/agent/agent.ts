/**
 * The guest agent (VDAgent) stream over the MAIN channel: VDAgentMessages (20-byte header + payload) sent as
 * AGENT_DATA chunks and reassembled from them, capability negotiation, tokens, connect/disconnect.
 *
 * Rules (spice/vd_agent.h, protocol map §3.1):
 * - client → server: each message starts a new AGENT_DATA; a chunk holds at most VD_AGENT_MAX_DATA_SIZE
 *   (2048) bytes and never the end of one message together with the start of the next. Each chunk costs one
 *   server token (INIT / AGENT_CONNECTED_TOKENS / AGENT_TOKEN); when none is left we wait for AGENT_TOKEN.
 * - server → client: the byte stream may be cut anywhere; a chunk can hold several messages or a fraction.
 *   MainChannel sends AGENT_START with unlimited tokens, so the server never waits for our AGENT_TOKEN.
 * - a declared size above the limit is a protocol error raised before anything is allocated.
 */
import {EventEmitter} from 'node:events';
import type {MainChannel} from '../channels/main.js';
import {SpiceError, protocolError, timeoutError} from '../errors.js';
import {AgentCap, agentCapNames, capsToWords} from '../wire/caps.js';
import {VD_AGENT_MAX_DATA_SIZE, VD_AGENT_PROTOCOL} from '../wire/enums.js';
import {decode, encode} from '../wire/schema.js';
import {MessageHandlers, type MessageDef} from '../wire/message.js';
import {MainClient} from '../wire/messages/main.js';
import {AGENT_HEADER_SIZE, AgentMessages, agentMessage} from '../wire/messages/agent.js';

/**
 * The agent capabilities spice-cli announces: only what is implemented. Feature modules (clipboard.ts,
 * file-xfer.ts, monitors.ts) rely on these; add a cap here only with the code and a test for it.
 */
export const CLIENT_AGENT_CAPS: number[] = [
  AgentCap.REPLY,
  AgentCap.CLIPBOARD_BY_DEMAND,
  AgentCap.CLIPBOARD_SELECTION,
  AgentCap.CLIPBOARD_GRAB_SERIAL,
  AgentCap.MAX_CLIPBOARD,
  // spice-vdagentd sends NOT_ENOUGH_SPACE, SESSION_LOCKED, ... (and their detail) only to clients announcing it;
  // others get a bare ERROR. It does not announce the cap itself (0.22.1). See file-xfer.ts.
  AgentCap.FILE_XFER_DETAILED_ERRORS,
];

/** The largest guest message payload accepted by default (also announced as our MAX_CLIPBOARD). */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 << 20;

export interface GuestAgentOptions {
  /** Bound on every wait of open() (agent caps) and on waiting for server tokens while sending. */
  timeoutMs: number;
  /** How long to wait for an agent that is not connected yet (default 0: fail at once with 'no-agent'). */
  agentWaitMs?: number;
  /** Largest guest message payload accepted (default DEFAULT_MAX_MESSAGE_BYTES). */
  maxMessageBytes?: number;
  /**
   * The VD_AGENT_MAX_CLIPBOARD announced to the guest (default maxMessageBytes less the 8 bytes of selection
   * and type before the data; -1 = unlimited). spice-vdagent sends an empty CLIPBOARD for larger data.
   */
  maxClipboard?: number;
}

export function capsOfWords(words: readonly number[]): Set<number> {
  const out = new Set<number>();
  words.forEach((w, i) => {
    for (let b = 0; b < 32; b++) if ((w >>> b) & 1) out.add(i * 32 + b);
  });
  return out;
}

/** One VDAgentMessage as bytes: header (protocol 1, type, opaque 0, size) then the payload. */
export function agentMessageBytes(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(AGENT_HEADER_SIZE + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, VD_AGENT_PROTOCOL, true);
  v.setUint32(4, type, true);
  v.setBigUint64(8, 0n, true);
  v.setUint32(16, payload.length, true);
  out.set(payload, AGENT_HEADER_SIZE);
  return out;
}

/** Splits one message into AGENT_DATA bodies of at most VD_AGENT_MAX_DATA_SIZE bytes. */
export function agentChunks(message: Uint8Array, max = VD_AGENT_MAX_DATA_SIZE): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < message.length; at += max) out.push(message.subarray(at, Math.min(at + max, message.length)));
  return out;
}

/**
 * Reassembles VDAgentMessages from a byte stream cut anywhere. Calls onMessage(type, payload) per message;
 * throws a protocol SpiceError on a bad header or a declared size above maxBytes (before allocating).
 */
export class AgentReassembler {
  private header = new Uint8Array(AGENT_HEADER_SIZE);
  private headerFill = 0;
  private payload?: Uint8Array;
  private payloadFill = 0;
  private type = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onMessage: (type: number, payload: Uint8Array) => void,
  ) {}

  /** True between messages (nothing partial held). */
  get idle(): boolean {
    return this.headerFill === 0 && this.payload === undefined;
  }

  reset(): void {
    this.headerFill = 0;
    this.payload = undefined;
    this.payloadFill = 0;
  }

  push(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (!this.payload) {
        const n = Math.min(AGENT_HEADER_SIZE - this.headerFill, data.length - at);
        this.header.set(data.subarray(at, at + n), this.headerFill);
        this.headerFill += n;
        at += n;
        if (this.headerFill < AGENT_HEADER_SIZE) return;
        const v = new DataView(this.header.buffer);
        const protocol = v.getUint32(0, true);
        this.type = v.getUint32(4, true);
        const size = v.getUint32(16, true);
        if (protocol !== VD_AGENT_PROTOCOL) throw protocolError(`agent message with protocol ${protocol} (expected ${VD_AGENT_PROTOCOL})`);
        if (size > this.maxBytes) {
          throw protocolError(`agent message type ${this.type} declares ${size} bytes, more than the ${this.maxBytes}-byte limit`);
        }
        this.headerFill = 0;
        this.payload = new Uint8Array(size);
        this.payloadFill = 0;
      }
      const n = Math.min(this.payload.length - this.payloadFill, data.length - at);
      this.payload.set(data.subarray(at, at + n), this.payloadFill);
      this.payloadFill += n;
      at += n;
      if (this.payloadFill === this.payload.length) {
        const done = this.payload;
        this.payload = undefined;
        this.onMessage(this.type, done);
      }
    }
  }
}

/**
 * What the agent needs of its session (SpiceSession is one): the main channel it talks over, the session's
 * end ('closed', 'failed'), and waits on a channel event that fail when the session ends first.
 */
export interface AgentHost {
  readonly main: MainChannel;
  on(event: 'closed' | 'failed', listener: (...args: any[]) => void): unknown;
  off(event: 'closed' | 'failed', listener: (...args: any[]) => void): unknown;
  waitEvent<T>(emitter: EventEmitter, event: string, what: string, timeoutMs: number): Promise<T>;
}

const openAgents = new WeakMap<AgentHost, GuestAgent>();

export class GuestAgent extends EventEmitter {
  /** The guest's announced capabilities (AgentCap numbers). */
  readonly guestCaps = new Set<number>();
  /** The guest's VD_AGENT_MAX_CLIPBOARD, if it sent one (-1 = no limit). */
  guestMaxClipboard?: number;
  /** AGENT_DATA bodies sent, by size (for tests and traces). */
  readonly sentChunkSizes: number[] = [];
  private readonly main: MainChannel;
  private readonly reassembler: AgentReassembler;
  private capsReceived = false;
  private failure?: SpiceError;
  private closed = false;
  private sendQueue: Promise<void> = Promise.resolve();
  private refs = 1;
  private ready: Promise<void> = Promise.resolve();
  private readonly onData = (d: Uint8Array) => this.receive(d);
  private readonly onAgent = (up: boolean) => this.agentChanged(up);
  private readonly onClosed = () => this.fail(new SpiceError('connection-lost', 'the session ended'));

  private constructor(
    private readonly session: AgentHost,
    private readonly opts: GuestAgentOptions,
  ) {
    super();
    this.main = session.main;
    const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.reassembler = new AgentReassembler(max, (type, payload) => this.deliver(type, payload));
  }

  /**
   * One GuestAgent per session: a second open() (clipboard and file transfer in one scenario) shares the
   * first, once negotiated, so the guest sees one client; each open() is balanced by one close().
   */
  static async open(session: AgentHost, opts: GuestAgentOptions): Promise<GuestAgent> {
    const main = session.main;
    if (!main.agentConnected) {
      const wait = opts.agentWaitMs ?? 0;
      const up = wait > 0 && (await session.waitEvent<boolean>(main, 'agent', 'the guest agent', wait).then((v) => v, () => false));
      if (!up) throw noAgentError();
    }
    const shared = openAgents.get(session);
    if (shared && !shared.closed && !shared.failure) {
      shared.refs++;
      try {
        await shared.ready;
      } catch (e) {
        shared.close();
        throw e;
      }
      return shared;
    }
    const agent = new GuestAgent(session, opts);
    openAgents.set(session, agent);
    agent.attach();
    agent.ready = agent.negotiate();
    try {
      await agent.ready;
    } catch (e) {
      agent.close();
      throw e;
    }
    return agent;
  }

  /** The session this agent talks through. */
  get spice(): AgentHost {
    return this.session;
  }

  /** Neither closed by its last user nor failed (a disconnected guest agent may still come back). */
  get isOpen(): boolean {
    return !this.closed && !this.failure;
  }

  get connected(): boolean {
    return this.main.agentConnected && !this.failure && !this.closed;
  }

  hasCap(cap: number): boolean {
    return this.guestCaps.has(cap);
  }

  /** Both sides announced `cap` (what message layouts depend on). */
  negotiated(cap: number): boolean {
    return this.guestCaps.has(cap) && CLIENT_AGENT_CAPS.includes(cap);
  }

  /** The caps layouts test (`agent:NAME`), for the caps both sides have. */
  wireContext(): {caps: ReadonlySet<string>} {
    return {caps: agentCapNames([...this.guestCaps].filter((c) => CLIENT_AGENT_CAPS.includes(c)))};
  }

  /** Sends one VDAgent message, split into ≤2048-byte AGENT_DATA chunks; messages never interleave. */
  send(type: number, payload: Uint8Array): Promise<void> {
    const run = this.sendQueue.then(() => this.sendNow(type, payload));
    this.sendQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Encodes and sends one agent message: from its AgentMessages declaration (the value gets the type it
   * writes), or by type number (the value is checked only by the encoder).
   */
  sendMessage<W>(def: MessageDef<unknown, W>, value: W): Promise<void>;
  sendMessage(type: number, value: unknown): Promise<void>;
  sendMessage(which: MessageDef | number, value: unknown): Promise<void> {
    const type = typeof which === 'number' ? which : which.type;
    const def = agentMessage(type);
    if (!def) return Promise.reject(new SpiceError('usage', `unknown agent message type ${type}`));
    if (typeof which !== 'number' && def !== which) return Promise.reject(new Error(`internal error: ${which.name} is not an AgentMessages declaration`));
    return this.send(type, encode(def.schema, value as never, this.wireContext()));
  }

  /**
   * Resolves with the next guest message of `def` (an AgentMessages declaration: `pred` and the result get the
   * type it reads) or of a type number (unknown) satisfying `pred`; rejects on timeout or disconnect.
   */
  waitFor<R>(def: MessageDef<R, unknown>, pred: (decoded: R) => boolean, timeoutMs: number, what?: string): Promise<R>;
  waitFor(type: number, pred: (decoded: unknown) => boolean, timeoutMs: number, what?: string): Promise<unknown>;
  waitFor<T>(which: MessageDef<T, unknown> | number, pred: (decoded: T) => boolean, timeoutMs: number, what?: string): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (typeof which !== 'number' && agentMessage(which.type) !== which) {
      return Promise.reject(new Error(`internal error: ${which.name} is not an AgentMessages declaration`));
    }
    const type = typeof which === 'number' ? which : which.type;
    return new Promise<T>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.off('message', onMessage);
        this.off('disconnected', onDown);
        this.off('failed', onFail);
      };
      const onMessage = (t: number, _p: Uint8Array, decoded: unknown) => {
        if (t !== type || decoded === undefined) return;
        let ok = false;
        try {
          // A message of this type was decoded from agentMessage(type), the layout of `which`.
          ok = pred(decoded as T);
        } catch (e) {
          cleanup();
          reject(e);
          return;
        }
        if (ok) {
          cleanup();
          resolve(decoded as T);
        }
      };
      const onDown = () => (cleanup(), reject(noAgentError('the guest agent disconnected')));
      const onFail = (e: SpiceError) => (cleanup(), reject(e));
      const timer = setTimeout(() => (cleanup(), reject(timeoutError(what ?? `agent message ${agentMessage(type)?.name ?? type}`, timeoutMs))), timeoutMs);
      this.on('message', onMessage);
      this.on('disconnected', onDown);
      this.on('failed', onFail);
    });
  }

  /** Waits for the guest's REPLY to a message of `type`; an ERROR reply is an 'expectation' SpiceError. */
  async waitReply(type: number, timeoutMs: number): Promise<void> {
    const r = await this.waitFor(AgentMessages.REPLY, (m) => m.type === type, timeoutMs, `the guest's reply to ${agentMessage(type)?.name ?? type}`);
    if (r.error !== 1) throw new SpiceError('expectation', `the guest agent refused ${agentMessage(type)?.name ?? type}`);
  }

  /** Releases this user's hold; the last close() detaches from the main channel. */
  close(): void {
    if (this.closed || --this.refs > 0) return;
    this.closed = true;
    if (openAgents.get(this.session) === this) openAgents.delete(this.session);
    this.main.off('agent-data', this.onData);
    this.main.off('agent', this.onAgent);
    this.session.off('closed', this.onClosed);
    this.session.off('failed', this.onClosed);
  }

  // ------------------------------------------------------------ internals
  private attach(): void {
    for (const d of this.main.takeAgentBacklog()) this.receive(d);
    this.main.on('agent-data', this.onData);
    this.main.on('agent', this.onAgent);
    this.session.on('closed', this.onClosed);
    this.session.on('failed', this.onClosed);
  }

  private async negotiate(): Promise<void> {
    const caps = this.capsReceived ? Promise.resolve() : this.waitCaps();
    await this.announce(true);
    await caps;
    await this.afterCaps();
  }

  private waitCaps(): Promise<void> {
    return this.waitFor(AgentMessages.ANNOUNCE_CAPABILITIES, () => true, this.opts.timeoutMs, "the guest agent's capabilities").then(() => undefined);
  }

  private announce(request: boolean): Promise<void> {
    return this.sendMessage(AgentMessages.ANNOUNCE_CAPABILITIES, {request: request ? 1 : 0, caps: capsToWords(CLIENT_AGENT_CAPS)});
  }

  /** Tells the guest the largest clipboard we accept (VD_AGENT_MAX_CLIPBOARD), if it understands it. */
  private async afterCaps(): Promise<void> {
    if (this.hasCap(AgentCap.MAX_CLIPBOARD)) await this.sendMessage(AgentMessages.MAX_CLIPBOARD, {max: this.maxClipboard});
  }

  /** The clipboard size we announced to the guest (-1: unlimited). */
  get maxClipboard(): number {
    return this.opts.maxClipboard ?? Math.min((this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES) - 8, 0x7fffffff);
  }

  private async sendNow(type: number, payload: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new SpiceError('usage', 'the guest agent was closed');
    for (const chunk of agentChunks(agentMessageBytes(type, payload))) {
      await this.takeToken();
      if (!this.main.agentConnected) throw noAgentError('the guest agent disconnected');
      this.main.send(MainClient.AGENT_DATA, {data: chunk});
      this.sentChunkSizes.push(chunk.length);
    }
  }

  /** One server token per AGENT_DATA; when out, waits for AGENT_TOKEN (bounded by timeoutMs). */
  private async takeToken(): Promise<void> {
    while (this.main.agentTokens <= 0) {
      if (!this.main.agentConnected) throw noAgentError('the guest agent disconnected');
      await this.session.waitEvent(this.main, 'agent-tokens', 'agent tokens from the server', this.opts.timeoutMs);
    }
    this.main.agentTokens--;
  }

  private receive(data: Uint8Array): void {
    if (this.failure || this.closed) return;
    try {
      this.reassembler.push(data);
    } catch (e) {
      this.fail(e instanceof SpiceError ? e : protocolError(String(e)));
    }
  }

  private deliver(type: number, payload: Uint8Array): void {
    const def = agentMessage(type);
    let decoded: unknown;
    if (def) {
      try {
        decoded = decode(def.schema, payload, this.wireContext());
      } catch (e) {
        this.fail(e instanceof SpiceError ? e : protocolError(String(e)));
        return;
      }
    }
    if (def) void this.handlers.dispatch(def, decoded, payload);
    this.emit('message', type, payload, decoded);
  }

  /** The guest messages the agent itself acts on (before the 'message' listeners see them). */
  private readonly handlers = new MessageHandlers<Uint8Array>()
    .on(AgentMessages.ANNOUNCE_CAPABILITIES, (m) => {
      this.guestCaps.clear();
      for (const c of capsOfWords(m.caps)) this.guestCaps.add(c);
      const first = !this.capsReceived;
      this.capsReceived = true;
      if (m.request) void this.announce(false).catch(() => undefined);
      this.emit('caps', this.guestCaps, first);
    })
    .on(AgentMessages.MAX_CLIPBOARD, (m) => {
      this.guestMaxClipboard = m.max;
    });

  /**
   * Runs `handlers` on every guest message decoded from now on, each handler getting the type its
   * AgentMessages declaration reads (and the raw payload); returns the function that stops it. Handlers run
   * synchronously in the 'message' event: what they throw fails the agent as a decoding error would.
   */
  onMessages(handlers: MessageHandlers<Uint8Array>): () => void {
    const listener = (type: number, payload: Uint8Array, decoded: unknown) => {
      const def = agentMessage(type);
      if (def && decoded !== undefined) void handlers.dispatch(def, decoded, payload);
    };
    this.on('message', listener);
    return () => this.off('message', listener);
  }

  private agentChanged(up: boolean): void {
    this.reassembler.reset();
    if (up) {
      // A new agent: its caps are announced again (MainChannel has already sent AGENT_START).
      this.capsReceived = false;
      this.guestCaps.clear();
      this.emit('connected');
      void this.negotiate().catch((e) => this.emit('warning', e));
    } else {
      this.emit('disconnected');
    }
  }

  private fail(err: SpiceError): void {
    if (this.failure) return;
    this.failure = err;
    this.emit('failed', err);
  }
}

export function noAgentError(detail = 'no guest agent is connected to the SPICE server'): SpiceError {
  return new SpiceError('no-agent', `${detail} (clipboard, resize and file transfer need spice-vdagent in the guest)`);
}

export {AgentMessages};
