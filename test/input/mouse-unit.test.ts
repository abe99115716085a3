/**
 * The mouse without a server: wire layouts of the mouse messages, button masks, motion-ACK throttling
 * (hold back at 8 unacked, go on after an ACK), server-mode relative paths, the mode request, and every
 * button released on close and on interrupts.
 */
import {describe, expect, it} from 'vitest';
import {EventEmitter} from 'node:events';
import {silentLogger} from '../../src/client/log.js';
import {CapSet} from '../../src/client/wire/caps.js';
import {ChannelType, MouseButton, MouseMode} from '../../src/client/wire/enums.js';
import {buttonMask, InputsChannel} from '../../src/client/channels/inputs.js';
import type {LinkedSocket} from '../../src/client/channels/channel.js';
import {InputsServer} from '../../src/client/wire/messages/inputs.js';
import {buttonOf, gesture, Mouse, MouseInterrupted, parseCoord, parsePoints, scrollButton, SERVER_STEP} from '../../src/client/actions/mouse.js';
import type {SpiceSession} from '../../src/client/session.js';

function fakeInputs() {
  const writes: Buffer[] = [];
  const socket = {
    write: (b: Buffer, cb?: () => void) => (writes.push(Buffer.from(b)), cb?.(), true),
    end: () => undefined,
    destroy: () => undefined,
    destroyed: false,
    writableEnded: false,
  };
  const link = {socket, stream: undefined, caps: new CapSet(new Set(), new Set()), serverCommonCaps: [], serverChannelCaps: [], miniHeader: true, linkRttMs: 0, connectMs: 0, tls: false} as unknown as LinkedSocket;
  const ch = new InputsChannel(ChannelType.INPUTS, 0, link, {logger: silentLogger, findChannel: () => undefined, timeoutMs: 1000});
  const messages = () => {
    const all = Buffer.concat(writes);
    const out: Array<{type: number; body: Buffer}> = [];
    for (let i = 0; i < all.length; ) {
      const type = all.readUInt16LE(i);
      const size = all.readUInt32LE(i + 2);
      out.push({type, body: all.subarray(i + 6, i + 6 + size)});
      i += 6 + size;
    }
    return out;
  };
  const ack = () => (ch as any).onMessage(InputsServer.MOUSE_MOTION_ACK, {});
  return {ch, messages, ack};
}

/** A session stand-in: the main channel's mouse modes and the MOUSE_MODE answer to a request. */
function fakeSession(supported: number, current: number, grant = true) {
  const main = Object.assign(new EventEmitter(), {mouse: {supported, current}, requests: [] as number[], requestMouseMode: (_mode: number) => undefined as void});
  main.requestMouseMode = (mode: number) => {
    main.requests.push(mode);
    if (grant) setTimeout(() => ((main.mouse = {supported, current: mode}), main.emit('mouse-mode', main.mouse)), 1);
  };
  const session = {
    main,
    waitEvent: (em: EventEmitter, ev: string) => new Promise((resolve) => em.once(ev, resolve)),
  };
  return session as unknown as SpiceSession & {main: typeof main};
}

describe('mouse messages', () => {
  it('encodes MOUSE_POSITION, MOTION, PRESS and RELEASE with the mask after the event', () => {
    const {ch, messages} = fakeInputs();
    ch.mousePress(MouseButton.LEFT);
    ch.mousePosition(1023, 767, 2);
    ch.mousePress(MouseButton.RIGHT);
    ch.mouseMotion(-3, 5);
    ch.mouseRelease(MouseButton.LEFT);
    ch.close();
    const m = messages();
    expect(m.map((x) => x.type)).toEqual([113, 112, 113, 111, 114, 114]);
    expect([...m[0]!.body]).toEqual([1, 1, 0]);
    expect(m[1]!.body.readUInt32LE(0)).toBe(1023);
    expect(m[1]!.body.readUInt32LE(4)).toBe(767);
    expect(m[1]!.body.readUInt16LE(8)).toBe(1);
    expect(m[1]!.body[10]).toBe(2);
    expect(m[1]!.body.length).toBe(11);
    expect([...m[2]!.body]).toEqual([3, 5, 0]);
    expect(m[3]!.body.readInt32LE(0)).toBe(-3);
    expect(m[3]!.body.readInt32LE(4)).toBe(5);
    expect(m[3]!.body.readUInt16LE(8)).toBe(5);
    expect([...m[4]!.body]).toEqual([1, 4, 0]);
    // close() released the right button
    expect([...m[5]!.body]).toEqual([3, 0, 0]);
    expect(ch.buttonsState).toBe(0);
  });

  it('maps buttons, wheel and coordinates', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(buttonMask)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(() => buttonMask(8)).toThrow(RangeError);
    expect(buttonOf('Right')).toBe(MouseButton.RIGHT);
    expect(scrollButton('up')).toBe(MouseButton.UP);
    expect(scrollButton('down')).toBe(MouseButton.DOWN);
    expect(() => scrollButton('left')).toThrow(/horizontal/);
    expect(() => buttonOf('fourth')).toThrow(/unknown mouse button/);
    expect(parseCoord('0', 'X')).toBe(0);
    expect(() => parseCoord('-1', 'X')).toThrow(/pixel coordinate/);
    expect(() => parseCoord('1.5', 'X')).toThrow(/pixel coordinate/);
  });

  it('reads points as X,Y or X Y, mixed', () => {
    expect(parsePoints(['10,20', undefined], ['point'])).toEqual([{x: 10, y: 20}]);
    expect(parsePoints(['10', '20'], ['point'])).toEqual([{x: 10, y: 20}]);
    expect(parsePoints(['10 20'], ['--at point'])).toEqual([{x: 10, y: 20}]);
    expect(parsePoints(['1,2', '3', '4', undefined], ['start', 'end'])).toEqual([{x: 1, y: 2}, {x: 3, y: 4}]);
    expect(() => parsePoints(['5000'], ['point'])).toThrow('expected the point as X,Y (or X Y), got "5000"');
    expect(() => parsePoints(['1,2', '3'], ['start', 'end'])).toThrow('expected the start and end as X,Y each (or X Y), got "1,2 3"');
    expect(() => parsePoints(['1,-2'], ['point'])).toThrow(/point Y: "-2" is not a pixel coordinate/);
  });
});

describe('motion throttling', () => {
  it('holds back at 8 unacked motions and goes on after an ACK (bunch of 4)', async () => {
    const {ch, messages, ack} = fakeInputs();
    const mouse = await new Mouse(fakeSession(3, MouseMode.CLIENT), ch).ready();
    expect(mouse.mode).toBe('client');
    let done = false;
    const run = (async () => {
      for (let i = 0; i < 12; i++) await mouse.moveTo(i, i);
      done = true;
    })();
    await new Promise((r) => setTimeout(r, 20));
    expect(messages().length).toBe(8);
    expect(ch.unackedMotions).toBe(8);
    expect(done).toBe(false);
    ack();
    await new Promise((r) => setTimeout(r, 20));
    expect(messages().length).toBe(12);
    await run;
    expect(done).toBe(true);
    expect(ch.unackedMotions).toBe(8);
  });

  it('times out when the server never acks', async () => {
    const {ch} = fakeInputs();
    for (let i = 0; i < 8; i++) ch.mousePosition(i, i);
    await expect(ch.waitMotionWindow(30)).rejects.toThrow(/MOUSE_MOTION_ACK/);
  });
});

describe('mouse modes', () => {
  it('asks for client mode when the server supports it', async () => {
    const {ch} = fakeInputs();
    const s = fakeSession(MouseMode.SERVER | MouseMode.CLIENT, MouseMode.SERVER);
    const mouse = await new Mouse(s, ch).ready();
    expect(s.main.requests).toEqual([MouseMode.CLIENT]);
    expect(mouse.mode).toBe('client');
    expect(mouse.exact).toBe(true);
  });

  it('switches back to server mode when asked to, and walks relative steps from the corner', async () => {
    const {ch, messages, ack} = fakeInputs();
    const s = fakeSession(MouseMode.SERVER | MouseMode.CLIENT, MouseMode.CLIENT);
    const mouse = await new Mouse(s, ch, {preferClient: false}).ready();
    expect(s.main.requests).toEqual([MouseMode.SERVER]);
    expect(mouse.mode).toBe('server');
    const timer = setInterval(ack, 1);
    try {
      await mouse.moveTo(10, 3);
      await mouse.moveTo(2, 3);
    } finally {
      clearInterval(timer);
    }
    const motions = messages().map((m) => [m.body.readInt32LE(0), m.body.readInt32LE(4)] as const);
    expect(motions.slice(0, 4).every(([dx, dy]) => dx < -1000 && dy < -1000)).toBe(true);
    const steps = motions.slice(4);
    expect(steps.every(([dx, dy]) => Math.abs(dx) <= SERVER_STEP && Math.abs(dy) <= SERVER_STEP)).toBe(true);
    expect(steps.reduce((a, [dx]) => a + dx, 0)).toBe(2);
    expect(steps.reduce((a, [, dy]) => a + dy, 0)).toBe(3);
    expect(mouse.exact).toBe(false);
  });
});

describe('release on interrupt', () => {
  it('releases the held button when a drag is interrupted', async () => {
    const {ch, messages} = fakeInputs();
    const ac = new AbortController();
    const s = fakeSession(3, MouseMode.CLIENT);
    const mouse = await new Mouse(s, ch, {signal: ac.signal, timeoutMs: 1000, pauseMs: 20}).ready();
    const p = gesture(
      mouse,
      async (m) => {
        await m.moveTo(0, 0);
        await m.press(MouseButton.LEFT);
        setTimeout(() => ac.abort(), 5);
        await new Promise((r) => setTimeout(r, 20));
        await m.moveTo(5, 5);
      },
      async () => undefined,
      1000,
      ac.signal,
    );
    await expect(p).rejects.toBeInstanceOf(MouseInterrupted);
    const last = messages().at(-1)!;
    expect(last.type).toBe(114);
    expect([...last.body]).toEqual([1, 0, 0]);
    expect(ch.buttonsState).toBe(0);
  });
});
