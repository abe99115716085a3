/**
 * The session's cursor (protocol map §7), fed by the cursor channel's messages the way DisplayLayer is fed
 * by the display channel: the cursor cache (CACHE_ME / FROM_CACHE by unique id, INVAL_ONE, INVAL_ALL, RESET),
 * the current shape decoded to RGBA (codecs/cursor.ts), its position (INIT, SET, MOVE) and visibility
 * (INIT/SET visible, HIDE, a NONE cursor). Emits 'cursor' with the CursorState after every message that may
 * change it.
 *
 * A shape that cannot be decoded (unknown type, short data) or a FROM_CACHE miss is logged and leaves the
 * cursor without a shape (hidden), as spice-gtk does; it does not end the session.
 */
import {EventEmitter} from 'node:events';
import {SpiceError} from '../errors.js';
import type {Logger} from '../log.js';
import {decodeCursor, type CursorShape} from '../codecs/cursor.js';
import {CursorFlags} from '../wire/enums.js';
import type {ReadOf} from '../wire/schema.js';
import {MessageHandlers, type MessageConsumer, type MessageDef} from '../wire/message.js';
import {CursorServer, type Cursor} from '../wire/messages/cursor.js';

export interface CursorPosition {
  x: number;
  y: number;
}

export interface CursorState {
  shape?: CursorShape;
  position?: CursorPosition;
  visible: boolean;
}

/** Most shapes kept in the cache (spice-server's own cursor cache is far smaller). */
export const CURSOR_CACHE_LIMIT = 1024;

/** What the layer needs of a cursor channel (channels/cursor.ts's CursorChannel is one). */
export interface CursorSource {
  /** Set by attach(): receives every cursor message in order. */
  consumer?: MessageConsumer;
}

type WireCursor = ReadOf<typeof Cursor>;

export class CursorLayer extends EventEmitter {
  /** The current shape; undefined before INIT, after RESET, for a NONE cursor or an undecodable one. */
  shape?: CursorShape;
  /** The server's cursor position (display coordinates); undefined before INIT. */
  position?: CursorPosition;
  visible = false;
  /** Whether INIT has arrived (and no RESET since). */
  initDone = false;
  readonly cache = new Map<bigint, CursorShape>();
  /** Messages handled, by name (tests, diagnostics). */
  readonly counts: Record<string, number> = {};
  private initWaiters: Array<() => void> = [];
  private ended: Error | null = null;

  private readonly handlers = new MessageHandlers()
    .on(CursorServer.INIT, (m) => {
      this.cache.clear();
      this.position = {x: m.position.x, y: m.position.y};
      this.shape = this.resolve(m.cursor);
      this.visible = Boolean(m.visible) && this.shape !== undefined;
      this.initDone = true;
      for (const w of this.initWaiters.splice(0)) w();
      this.changed();
    })
    .on(CursorServer.RESET, () => {
      this.cache.clear();
      this.shape = undefined;
      this.visible = false;
      this.initDone = false;
      this.changed();
    })
    .on(CursorServer.SET, (m) => {
      this.position = {x: m.position.x, y: m.position.y};
      this.shape = this.resolve(m.cursor);
      this.visible = Boolean(m.visible) && this.shape !== undefined;
      this.changed();
    })
    .on(CursorServer.MOVE, (m) => {
      this.position = {x: m.position.x, y: m.position.y};
      this.changed();
    })
    .on(CursorServer.HIDE, () => {
      this.visible = false;
      this.changed();
    })
    .on(CursorServer.TRAIL, () => undefined)
    .on(CursorServer.INVAL_ONE, (m) => {
      this.cache.delete(m.id);
    })
    .on(CursorServer.INVAL_ALL, () => {
      this.cache.clear();
    });

  /** `name` is the channel's, for log lines ('cursor'). */
  constructor(
    private readonly log: Logger,
    private readonly name = 'cursor',
  ) {
    super();
  }

  get state(): CursorState {
    return {shape: this.shape, position: this.position, visible: this.visible};
  }

  /** Whether the session ended (end()). */
  get isClosed(): boolean {
    return this.ended !== null;
  }

  /** Feeds this layer with the channel's messages. */
  attach(channel: CursorSource): void {
    channel.consumer = (def, value) => this.handle(def, value);
  }

  /** Applies one cursor message (decoded by its declaration). */
  handle(def: MessageDef, value: unknown): void {
    this.counts[def.name] = (this.counts[def.name] ?? 0) + 1;
    if (this.handlers.dispatch(def, value, undefined) === false) this.log.debug(`${this.name}: no handler for ${def.name}`);
  }

  /** Makes pending and later waitInit() fail (the session ended). */
  end(err: Error = new SpiceError('connection-lost', 'the cursor channel closed before its INIT message')): void {
    if (this.ended) return;
    this.ended = err;
    this.emit('ended', err);
  }

  private changed(): void {
    this.emit('cursor', this.state);
  }

  /** The shape a wire Cursor names: none, from the cache, or decoded (and cached when CACHE_ME). */
  private resolve(c: WireCursor): CursorShape | undefined {
    if (c.flags & CursorFlags.NONE || !c.header) return undefined;
    const h = c.header;
    if (c.flags & CursorFlags.FROM_CACHE) {
      const hit = this.cache.get(h.unique);
      if (!hit) this.log.warn(`${this.name}: the server named cursor ${h.unique} from the cache, which does not hold it`);
      return hit;
    }
    let shape: CursorShape;
    try {
      shape = decodeCursor(h, c.data);
    } catch (e) {
      this.log.warn(`${this.name}: ${(e as Error).message}; the cursor is hidden`);
      return undefined;
    }
    if (c.flags & CursorFlags.CACHE_ME) {
      if (this.cache.size >= CURSOR_CACHE_LIMIT && !this.cache.has(h.unique)) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(h.unique, shape);
    }
    return shape;
  }

  /** Resolves once INIT has arrived. */
  waitInit(timeoutMs: number): Promise<void> {
    if (this.initDone) return Promise.resolve();
    if (this.ended) return Promise.reject(new SpiceError('connection-lost', 'the cursor channel closed before its INIT message'));
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.initWaiters = this.initWaiters.filter((w) => w !== done);
        reject(new SpiceError('timeout', `timed out after ${timeoutMs} ms waiting for the cursor channel INIT message`));
      }, timeoutMs);
      this.initWaiters.push(done);
    });
  }
}
