/**
 * The server's USB filter against QEMU 7.2 (firmware mode, no guest needed): usb-redir's `filter` property (the lab's
 * `usbredirFilter`, here refusing class 08, mass storage, and allowing the rest) reaches the client as filter_filter
 * right after our hello. Our side refuses a device the rules refuse before attaching it, with one function for both
 * paths (usb/server-filter.ts): the emulated stick (attachUsb, and `spice-cli usb redirect --emulate storage:IMG`,
 * exit 2) and a scripted host device (redirectHostDevice); the slot stays free. An emulated keyboard (class 03) is
 * allowed. A stick described to QEMU anyway is not attached: QEMU answers filter_reject.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {attachUsb} from '../../src/client/actions/usb.js';
import {redirectHostDevice} from '../../src/client/actions/usb-host.js';
import {SpiceError} from '../../src/client/errors.js';
import {SpiceSession} from '../../src/client/session.js';
import {UsbDeviceHost} from '../../src/client/usb/host.js';
import {UsbMassStorage} from '../../src/client/usb/storage/device.js';
import {DiskImage} from '../../src/client/usb/storage/image.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import type {UsbredirPacket} from '../../src/client/wire/usbredir/codec.js';
import {parseUsbFilter} from '../../src/client/usb/host-device/filter.js';
import {which} from '../../src/lab/install.js';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';
import {ScriptedUsbBackend, ScriptedUsbDevice} from '../support/scripted-usb.js';

const runLab = which('qemu-system-x86_64') !== undefined || !!process.env.CI;
/** Refuse mass storage, allow everything else (QEMU's syntax: ':' between fields). */
const FILTER = '0x08:-1:-1:-1:0|-1:-1:-1:-1:1';

describe.skipIf(!runLab)("QEMU usb-redir's filter property", () => {
  let t: LabTarget;
  let session: SpiceSession;
  const work = mkdtempSync(path.join(os.tmpdir(), 'spice-cli-usbfilter-'));
  const img = path.join(work, 'stick.img');

  beforeAll(async () => {
    writeFileSync(img, Buffer.alloc(1024 * 1024));
    t = await startQemu({mode: 'bios', usbredir: 2, usbredirFilter: FILTER});
    session = await SpiceSession.connect(t.uri, {channelFilter: (type) => type === ChannelType.USBREDIR, timeoutMs: 15_000});
  }, 120_000);

  afterAll(async () => {
    session?.close();
    await t?.stop();
    rmSync(work, {recursive: true, force: true});
  });

  it('the filter reaches us as filter_filter; the emulated stick and a scripted host stick are refused before attaching, a keyboard is not', async () => {
    expect(readFileSync(path.join(t.dir, 'qemu.cmdline'), 'utf8')).toContain(`usb-redir,chardev=usbredir1,bus=xhci.0,filter=${FILTER}`);

    const refused = (await attachUsb(session, {emulate: 'storage', image: img, readOnly: true}, {slot: 0, timeoutMs: 10_000}).catch((e: unknown) => e)) as SpiceError;
    expect(refused).toBeInstanceOf(SpiceError);
    console.info(`[usb-filter] emulated stick: ${refused.message}`);
    expect(refused.kind).toBe('usage');
    expect(refused.details).toMatchObject({code: 'device-filtered'});
    expect(refused.message).toMatch(/^the server's USB filter \(.+\) refuses the emulated USB stick .*class 0x08.*: it was not attached$/);
    // usbredir's own text of QEMU's rules, parsed back to the same rules
    const sent = (refused.details as {serverFilter: string}).serverFilter;
    expect(parseUsbFilter(sent)).toEqual(parseUsbFilter(FILTER.replaceAll(':', ',')));
    expect(session.usbSlots().map((s) => s.busy)).toEqual([false, false]);

    const scripted = new ScriptedUsbDevice();
    const host = (await redirectHostDevice(session, {device: '0781:5567', slot: 1, backend: new ScriptedUsbBackend([scripted]), forMs: 5000}).catch((e: unknown) => e)) as SpiceError;
    console.info(`[usb-filter] scripted host stick: ${host.message}`);
    expect(host.details).toMatchObject({code: 'device-filtered'});
    expect(host.message).toMatch(/^the server's USB filter \(.+\) refuses 0781:5567 .*class 0x08.*: it was not attached$/);
    expect(scripted.calls).toEqual([]); // never opened
    expect(session.usbSlots().map((s) => s.busy)).toEqual([false, false]);

    const kb = await attachUsb(session, {emulate: 'keyboard'}, {slot: 0, timeoutMs: 10_000});
    expect(kb.connection.serverFilter).toBe(sent);
    await kb.detach(5000);
  }, 120_000);

  it('a stick described to QEMU anyway (our check bypassed) is answered with filter_reject', async () => {
    const {slot, connection} = await session.openUsbSlot({id: 1, timeoutMs: 10_000});
    const image = await DiskImage.open(img, true);
    try {
      const seen: string[] = [];
      connection.on('packet', (p: UsbredirPacket) => seen.push(p.def.name));
      const host = new UsbDeviceHost(connection, new UsbMassStorage(image));
      const rejected = new Promise<void>((resolve) => host.once('rejected', () => resolve()));
      host.attach();
      await Promise.race([rejected, new Promise((_, rej) => setTimeout(() => rej(new Error(`no filter_reject; QEMU sent: ${seen.join(', ')}`)), 10_000))]);
      console.info(`[usb-filter] QEMU's packets after device_connect of a refused stick: ${seen.join(', ')}`);
      expect(seen).toContain('filter_reject');
      // QEMU's warn_report goes to its -D log (the daemon has no stderr)
      const debugLog = path.join(t.dir, 'qemu-debug.log');
      const warning = existsSync(debugLog) ? readFileSync(debugLog, 'utf8').split('\n').filter((l) => /rejected/.test(l)) : [];
      console.info(`[usb-filter] qemu-debug.log: ${warning.join(' / ')}`);
      expect(warning.join('\n')).toContain('Device 1209:0001 rejected by device filter, not attaching');
    } finally {
      slot.release();
      await image.close();
    }
  }, 60_000);

  it('`spice-cli usb redirect --emulate storage:IMG` is refused with exit 2 and the reason', async () => {
    session.close(); // one client at a time
    const r = await runCli(['usb', 'redirect', '--uri', t.uri, '--emulate', `storage:${img}:ro`, '--for', '5', '--json'], {timeoutMs: 60_000});
    console.info(`[usb-filter] usb redirect: exit ${r.code} ${r.stdout.replace(/\s+/g, ' ')} ${r.stderr.trim()}`);
    expect(r.code).toBe(2);
    expect(`${r.stdout}${r.stderr}`).toMatch(/the server's USB filter .* refuses the emulated USB stick/);
  }, 90_000);
});
