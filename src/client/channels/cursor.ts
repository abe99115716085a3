/**
 * The cursor channel (protocol map §7): the cursor cache (CACHE_ME / FROM_CACHE by unique id, INVAL_ONE,
 * INVAL_ALL, RESET), the current shape decoded to RGBA (src/client/cursor/decode.ts), its position (INIT,
 * SET, MOVE) and visibility (INIT/SET visible, HIDE, a NONE cursor). Emits 'cursor' with the CursorState
 * after every message that may change it.
 *
 * A shape that cannot be decoded (unknown type, short data) or a FROM_CACHE miss is logged and leaves the
 * cursor without a shape (hidden), as spice-gtk does; it does not end the session.
 */
import {SpiceError} from '../errors.js';
import {CursorFlags} from '../wire/enums.js';
import type {MessageDef} from '../wire/message.js';
import {CursorServer} from '../wire/messages/cursor.js';
import {decodeCursor, type CursorHeaderValue, type CursorShape} from '../cursor/decode.js';
import {Channel} from './channel.js';

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

interface WireCursor {
  flags: number;
  header?: CursorHeaderValue;
  data: Uint8Array;
}

export class CursorChannel extends Channel {
  // spice-server's worker sends the first messages once it has the channel (see Channel.greetsOnLink).
  protected override readonly greetsOnLink = true;
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

  get state(): CursorState {
    return {shape: this.shape, position: this.position, visible: this.visible};
  }

  protected override onMessage(def: MessageDef, m: any): void {
    this.counts[def.name] = (this.counts[def.name] ?? 0) + 1;
    switch (def.type) {
      case CursorServer.INIT.type:
        this.cache.clear();
        this.position = {x: m.position.x, y: m.position.y};
        this.shape = this.resolve(m.cursor);
        this.visible = Boolean(m.visible) && this.shape !== undefined;
        this.initDone = true;
        for (const w of this.initWaiters.splice(0)) w();
        break;
      case CursorServer.RESET.type:
        this.cache.clear();
        this.shape = undefined;
        this.visible = false;
        this.initDone = false;
        break;
      case CursorServer.SET.type:
        this.position = {x: m.position.x, y: m.position.y};
        this.shape = this.resolve(m.cursor);
        this.visible = Boolean(m.visible) && this.shape !== undefined;
        break;
      case CursorServer.MOVE.type:
        this.position = {x: m.position.x, y: m.position.y};
        break;
      case CursorServer.HIDE.type:
        this.visible = false;
        break;
      case CursorServer.TRAIL.type:
        return;
      case CursorServer.INVAL_ONE.type:
        this.cache.delete(m.id as bigint);
        return;
      case CursorServer.INVAL_ALL.type:
        this.cache.clear();
        return;
      default:
        super.onMessage(def, m, new Uint8Array(0));
        return;
    }
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
    if (this.isClosed) return Promise.reject(new SpiceError('connection-lost', 'the cursor channel closed before its INIT message'));
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
