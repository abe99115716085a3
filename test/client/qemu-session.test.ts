/**
 * Sessions against QEMU lab targets: every channel type QEMU offers links and idles cleanly, the unix
 * socket transport, and channels that QEMU requires over TLS (NEED_SECURED → retry on the TLS port).
 */
import {afterAll, describe, expect, it} from 'vitest';
import {SpiceSession} from '../../src/client/session.js';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';

const targets: LabTarget[] = [];
afterAll(async () => {
  await Promise.all(targets.map((t) => t.stop()));
});
async function start(opts: Parameters<typeof startQemu>[0]): Promise<LabTarget> {
  const t = await startQemu(opts);
  targets.push(t);
  return t;
}

const ALL_TYPES = ['cursor', 'display', 'inputs', 'main', 'playback', 'port', 'record', 'smartcard', 'usbredir', 'usbredir', 'webdav'];

describe('QEMU with every SPICE device', () => {
  it('info lists record, smartcard, both usbredir slots, port and webdav, all linked', async () => {
    const t = await start({mode: 'bios', allDevices: true, ports: ['org.example.port', 'org.spice-space.webdav.0']});
    const r = await runCli(['info', '--uri', t.uri, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const channels = out.channels as Array<{type: string; id: number; error?: string}>;
    expect(channels.map((c) => c.type).sort()).toEqual(ALL_TYPES);
    expect(channels.filter((c) => c.type === 'usbredir').map((c) => c.id).sort()).toEqual([0, 1]);
    expect(channels.filter((c) => c.error)).toEqual([]);
    expect(out.name).toMatch(/^qemu-/); // QEMU sends NAME and UUID
    expect(out.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('keeps every channel up while idle: PINGs answered, no channel drops', async () => {
    const t = await start({mode: 'bios', allDevices: true, ports: ['org.spice-space.webdav.0']});
    const s = await SpiceSession.connect(t.uri, {timeoutMs: 10_000});
    const downs: string[] = [];
    s.on('channel-down', (c: {name: string}) => downs.push(c.name));
    try {
      await new Promise((r) => setTimeout(r, 2500));
      expect(downs).toEqual([]);
      expect(s.isClosed).toBe(false);
      for (const c of s.channels) {
        expect(c.channel, c.name).toBeDefined();
        expect(c.channel!.isClosed, c.name).toBe(false);
      }
      // The display streamed its BIOS screen (which needs our ACKs once past the window).
      expect(s.findChannel(2, 0)!.messagesIn).toBeGreaterThan(40);
    } finally {
      s.close();
    }
  });
});

describe('transports', () => {
  it('links over a unix socket (spice+unix://)', async () => {
    const t = await start({mode: 'bios', unix: true});
    expect(t.uri).toMatch(/^spice\+unix:\/\//);
    const r = await runCli(['info', '--uri', t.uri, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).channels.map((c: {type: string}) => c.type).sort()).toEqual(['cursor', 'display', 'inputs', 'main']);
  });

  it('retries channels refused with NEED_SECURED on the TLS port', async () => {
    const t = await start({mode: 'bios', tls: true, tlsChannels: ['display', 'inputs']});
    expect(t.uri).toMatch(/\?tls-port=\d+$/);
    const r = await runCli(['info', '--uri', t.uri, '--ca-file', t.caFile!, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const byType = Object.fromEntries(JSON.parse(r.stdout).channels.map((c: {type: string; tls: boolean}) => [c.type, c.tls]));
    expect(byType).toEqual({main: false, display: true, inputs: true, cursor: false});

    const plainOnly = t.uri.replace(/\?tls-port=\d+$/, '');
    const refused = await runCli(['info', '--uri', plainOnly]);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toMatch(/requires TLS for the (display|inputs) channel; give its TLS port/);
  });
});
