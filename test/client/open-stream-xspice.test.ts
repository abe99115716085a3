/**
 * SessionOptions.openStream: the session links over connections handed to it instead of opening its own
 * sockets (tests, an in-process server). Here the test opens each TCP connection to a lab Xspice itself.
 */
import net from 'node:net';
import type {Duplex} from 'node:stream';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {SpiceSession} from '../../src/client/session.js';
import {ChannelType} from '../../src/client/wire/enums.js';

let t: LabTarget;
beforeAll(async () => {
  t = await startXspice({clients: []});
});
afterAll(async () => {
  await t?.stop();
});

describe('a session over injected connections', () => {
  it('links main and display over sockets the caller opened, and draws the first frame', async () => {
    const opened: Array<{type: number; id: number; socket: net.Socket}> = [];
    const openStream = (type: number, id: number): Promise<Duplex> =>
      new Promise((resolve, reject) => {
        const socket = net.connect({host: t.host, port: t.port!});
        socket.once('connect', () => {
          opened.push({type, id, socket});
          resolve(socket);
        });
        socket.once('error', reject);
      });
    // The URI names a port nobody listens on: every byte must go through openStream.
    const s = await SpiceSession.connect('spice://127.0.0.1:1', {
      openStream,
      render: true,
      timeoutMs: 15_000,
      channelFilter: (type) => type === ChannelType.DISPLAY,
    });
    try {
      expect(opened.map((o) => o.type)).toEqual([ChannelType.MAIN, ChannelType.DISPLAY]);
      expect(s.channels.map((c) => [c.name, Boolean(c.channel), c.tls])).toEqual([
        ['main', true, false],
        ['display', true, false],
      ]);
      await s.display!.waitFirstFrame(15_000);
      const primary = s.display!.renderers.get(0)?.primary;
      expect(primary && [primary.width, primary.height]).toEqual([1024, 768]);
      expect(s.mouseMode).toBe(s.main.mouse.current === 2 ? 'client' : 'server');
      expect(s.cursor).toBeUndefined();
      await expect(s.inputs(1000)).rejects.toThrow('the server offers no inputs channel (keyboard and mouse)');
    } finally {
      s.close();
    }
    // close() ends the connections it was given.
    await new Promise((r) => setTimeout(r, 1500));
    expect(opened.every((o) => o.socket.destroyed)).toBe(true);
  });

  it('a connection that never comes is a timeout', async () => {
    const never = () => new Promise<Duplex>(() => undefined);
    await expect(SpiceSession.connect('spice://127.0.0.1:1', {openStream: never, timeoutMs: 300})).rejects.toMatchObject({kind: 'timeout'});
  });
});
