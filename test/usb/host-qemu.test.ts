/**
 * A host USB device through the real QEMU (usb-redir on qemu-xhci, the tiny Linux guest): the scripted backend
 * replays a SanDisk Cruzer Blade's descriptors (test/support/scripted-usb.ts) behind HostUsbDevice, and
 * redirectHostDevice plugs it into usbredir slot 0. The guest enumerates it (its product string under
 * /sys/bus/usb/devices, from GET_DESCRIPTOR requests forwarded to the backend); the abort unplugs it from the guest,
 * releases the interface and reattaches the kernel driver (asserted on the scripted device).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {redirectHostDevice} from '../../src/client/actions/usb-host.js';
import {SpiceError} from '../../src/client/errors.js';
import {SpiceSession} from '../../src/client/session.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {ensureGuest} from '../../src/lab/guest/build.js';
import {connectSerial, type SerialShell} from '../../src/lab/guest/serial.js';
import {which} from '../../src/lab/install.js';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';
import {ScriptedUsbBackend, ScriptedUsbDevice} from '../support/scripted-usb.js';

const runLab = which('qemu-system-x86_64') !== undefined || !!process.env.CI;

describe.skipIf(!runLab)('a host USB device (scripted backend) through QEMU usb-redir', () => {
  let t: LabTarget;
  let shell: SerialShell;
  let session: SpiceSession;

  beforeAll(async () => {
    await ensureGuest();
    t = await startQemu({mode: 'linux', usbredir: 2});
    shell = await connectSerial(t.extra.serial!);
    await shell.waitForShell(240_000);
    session = await SpiceSession.connect(t.uri, {channelFilter: (type) => type === ChannelType.USBREDIR, timeoutMs: 15_000});
  }, 360_000);

  afterAll(async () => {
    session?.close();
    shell?.close();
    await t?.stop();
  });

  async function until(cmd: string, what: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await shell.exec(cmd, 30_000);
      if (r.status === 0 && r.output.trim()) return r.output.trim();
      if (Date.now() > deadline) throw new Error(`guest: ${what} did not happen in ${timeoutMs} ms (last output: ${r.output})`);
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  it('the guest enumerates it through forwarded control transfers; the abort detaches, releases and reattaches', async () => {
    const scripted = new ScriptedUsbDevice();
    const backend = new ScriptedUsbBackend([scripted]);
    const ctl = new AbortController();
    const run = redirectHostDevice(session, {device: '0781:5567', slot: 0, backend}, ctl.signal).catch((e: unknown) => e);
    const product = await until(`grep -l 'Cruzer Blade' /sys/bus/usb/devices/*/product`, 'the Cruzer Blade under /sys/bus/usb/devices', 90_000);
    const dir = product.split('\n')[0]!.replace(/\/product$/, '');
    expect(await shell.run(`cat ${dir}/idVendor ${dir}/idProduct ${dir}/bcdDevice ${dir}/serial`)).toBe('0781\n5567\n0126\n4C530001130525113093');
    const controls = scripted.calls.filter((c) => c.startsWith('control'));
    console.info(`[usb-host] forwarded at enumeration:\n  ${scripted.calls.slice(0, 40).join('\n  ')}`);
    expect(controls.some((c) => c.startsWith('control 80 06 0100'))).toBe(true); // GET_DESCRIPTOR device
    expect(controls.some((c) => c.startsWith('control 80 06 0200'))).toBe(true); // GET_DESCRIPTOR configuration
    expect(scripted.calls.slice(0, 3)).toEqual(['open', 'detach 0', 'claim 0']);
    ctl.abort();
    const err = (await run) as SpiceError;
    expect(err).toBeInstanceOf(SpiceError);
    expect(err.kind).toBe('interrupted');
    expect(err.details).toMatchObject({slot: 'usbredir:0', ended: 'interrupted', reattachedDrivers: [0]});
    expect(scripted.calls.slice(-3)).toEqual(['release 0', 'attach 0', 'close']);
    expect(scripted.kernelDrivers.has(0)).toBe(true);
    await until(`grep -l 'Cruzer Blade' /sys/bus/usb/devices/*/product >/dev/null 2>&1 || echo gone`, 'the device leaving the guest');
  }, 300_000);
});
