/**
 * The cursor channel without a server: hand-made message bodies decoded through the wire layouts, then
 * the cache (CACHE_ME, FROM_CACHE, INVAL_ONE, INVAL_ALL, RESET), position, visibility and 'cursor' events.
 */
import {describe, expect, it} from 'vitest';
import type {LinkedSocket} from '../../src/client/channels/channel.js';
import {CursorChannel} from '../../src/client/channels/cursor.js';
import {createChannel} from '../../src/client/channels/registry.js';
import {CursorLayer} from '../../src/client/display/cursor.js';
import {silentLogger} from '../../src/client/log.js';
import {CapSet} from '../../src/client/wire/caps.js';
import {ChannelType, CursorFlags, CursorType} from '../../src/client/wire/enums.js';
import {decode} from '../../src/client/wire/schema.js';
import type {MessageDef} from '../../src/client/wire/message.js';
import {CursorServer} from '../../src/client/wire/messages/cursor.js';

const link = {socket: {write: () => true, end: () => undefined, destroy: () => undefined}, stream: undefined, caps: new CapSet(new Set(), new Set()), serverCommonCaps: [], serverChannelCaps: [], miniHeader: true, linkRttMs: 0, connectMs: 0, tls: false} as unknown as LinkedSocket;

function channel() {
  const ch = createChannel(ChannelType.CURSOR, 0, link, {logger: silentLogger, findChannel: () => undefined, timeoutMs: 1000});
  expect(ch).toBeInstanceOf(CursorChannel);
  // The state lives in the CursorLayer the channel feeds (as the session wires them).
  const c = new CursorLayer(silentLogger);
  c.attach(ch as CursorChannel);
  const events: unknown[] = [];
  c.on('cursor', (s) => events.push(s));
  const feed = (def: MessageDef, body: Buffer) => (ch as any).onMessage(def, decode(def.schema, body, ch.wireContext), body);
  return {c, events, feed};
}

/** Wire Cursor: u16 flags, then (unless NONE) u64 unique, u8 type, u16 w, u16 h, u16 hot x, u16 hot y; then data. */
function cursor(flags: number, unique = 0n, type = 0, w = 0, h = 0, hx = 0, hy = 0, data: Uint8Array = new Uint8Array(0)): Buffer {
  const f = Buffer.alloc(2);
  f.writeUInt16LE(flags);
  if (flags & CursorFlags.NONE) return Buffer.concat([f, data]);
  const hd = Buffer.alloc(17);
  hd.writeBigUInt64LE(unique, 0);
  hd.writeUInt8(type, 8);
  hd.writeUInt16LE(w, 9);
  hd.writeUInt16LE(h, 11);
  hd.writeUInt16LE(hx, 13);
  hd.writeUInt16LE(hy, 15);
  return Buffer.concat([f, hd, data]);
}
const point = (x: number, y: number) => {
  const b = Buffer.alloc(4);
  b.writeInt16LE(x, 0);
  b.writeInt16LE(y, 2);
  return b;
};
const init = (x: number, y: number, visible: number, c: Buffer) => Buffer.concat([point(x, y), Buffer.from([0, 0, 0, 0, visible]), c]);
const set = (x: number, y: number, visible: number, c: Buffer) => Buffer.concat([point(x, y), Buffer.from([visible]), c]);
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};
/** A 2x2 ALPHA shape, every pixel B,G,R,A = v,v,v,255. */
const alpha2 = (v: number) => Buffer.alloc(16, v).map((b, i) => (i % 4 === 3 ? 255 : b));

describe('CursorChannel', () => {
  it('INIT with a visible shape, then MOVE, HIDE and SET', () => {
    const {c, events, feed} = channel();
    feed(CursorServer.INIT, init(10, 20, 1, cursor(CursorFlags.CACHE_ME, 5n, CursorType.ALPHA, 2, 2, 1, 1, alpha2(0x40))));
    expect(c.initDone).toBe(true);
    expect(c.visible).toBe(true);
    expect(c.position).toEqual({x: 10, y: 20});
    expect(c.shape).toMatchObject({unique: 5n, width: 2, height: 2, hotX: 1, hotY: 1});
    expect([...c.shape!.rgba.subarray(0, 4)]).toEqual([0x40, 0x40, 0x40, 255]);
    expect(c.cache.has(5n)).toBe(true);
    feed(CursorServer.MOVE, point(-3, 7));
    expect(c.position).toEqual({x: -3, y: 7});
    feed(CursorServer.HIDE, Buffer.alloc(0));
    expect(c.visible).toBe(false);
    expect(c.shape).toBeDefined();
    feed(CursorServer.SET, set(1, 2, 1, cursor(CursorFlags.FROM_CACHE, 5n, CursorType.ALPHA, 2, 2, 1, 1)));
    expect(c.visible).toBe(true);
    expect(c.shape?.unique).toBe(5n);
    expect(events).toHaveLength(4);
  });

  it('a NONE cursor hides, and INIT with visible 0 stays hidden', () => {
    const {c, feed} = channel();
    feed(CursorServer.INIT, init(0, 0, 0, cursor(CursorFlags.CACHE_ME, 1n, CursorType.ALPHA, 2, 2, 0, 0, alpha2(1))));
    expect(c.visible).toBe(false);
    expect(c.shape).toBeDefined();
    feed(CursorServer.SET, set(4, 4, 1, cursor(CursorFlags.NONE)));
    expect(c.visible).toBe(false);
    expect(c.shape).toBeUndefined();
    expect(c.position).toEqual({x: 4, y: 4});
  });

  it('INVAL_ONE, INVAL_ALL and RESET empty the cache; a cache miss leaves no shape', () => {
    const {c, feed} = channel();
    feed(CursorServer.INIT, init(0, 0, 1, cursor(CursorFlags.CACHE_ME, 1n, CursorType.ALPHA, 2, 2, 0, 0, alpha2(1))));
    feed(CursorServer.SET, set(0, 0, 1, cursor(CursorFlags.CACHE_ME, 2n, CursorType.ALPHA, 2, 2, 0, 0, alpha2(2))));
    feed(CursorServer.SET, set(0, 0, 1, cursor(0, 3n, CursorType.ALPHA, 2, 2, 0, 0, alpha2(3)))); // not cached
    expect([...c.cache.keys()]).toEqual([1n, 2n]);
    feed(CursorServer.INVAL_ONE, u64(1n));
    expect([...c.cache.keys()]).toEqual([2n]);
    feed(CursorServer.SET, set(0, 0, 1, cursor(CursorFlags.FROM_CACHE, 1n, CursorType.ALPHA, 2, 2)));
    expect(c.shape).toBeUndefined();
    expect(c.visible).toBe(false);
    feed(CursorServer.INVAL_ALL, Buffer.alloc(0));
    expect(c.cache.size).toBe(0);
    feed(CursorServer.SET, set(0, 0, 1, cursor(CursorFlags.CACHE_ME, 4n, CursorType.ALPHA, 2, 2, 0, 0, alpha2(4))));
    feed(CursorServer.RESET, Buffer.alloc(0));
    expect(c.cache.size).toBe(0);
    expect(c.shape).toBeUndefined();
    expect(c.initDone).toBe(false);
  });

  it('an undecodable shape is hidden, not fatal', () => {
    const {c, feed} = channel();
    feed(CursorServer.INIT, init(0, 0, 1, cursor(0, 1n, CursorType.ALPHA, 4, 4, 0, 0, new Uint8Array(8))));
    expect(c.initDone).toBe(true);
    expect(c.shape).toBeUndefined();
    expect(c.visible).toBe(false);
  });

  it('waitInit resolves on INIT', async () => {
    const {c, feed} = channel();
    const p = c.waitInit(1000);
    feed(CursorServer.INIT, init(0, 0, 1, cursor(CursorFlags.NONE)));
    await expect(p).resolves.toBeUndefined();
    await expect(channel().c.waitInit(10)).rejects.toThrow(/INIT/);
  });
});
