import {describe, expect, it} from 'vitest';
import {SpiceError} from '../../src/client/errors.js';
import {listHostDevices, parseDeviceSpec, redirectHostDevice} from '../../src/client/actions/usb-host.js';
import type {SpiceSession} from '../../src/client/session.js';
import {UsbBackendError} from '../../src/client/usb/host-device/backend.js';
import {HostUsbDevice} from '../../src/client/usb/host-device/device.js';
import {mapDeviceError, udevRule} from '../../src/client/usb/host-device/errors.js';
import {loadNodeUsbBackend} from '../../src/client/usb/host-device/load.js';
import {fromLibusb} from '../../src/client/usb/host-device/node-usb.js';
import {UsbredirSpeed, UsbredirStatus} from '../../src/client/wire/usbredir/protocol.js';
import {ScriptedUsbBackend, ScriptedUsbDevice} from '../support/scripted-usb.js';

const open = async (d: ScriptedUsbDevice) => HostUsbDevice.open((await new ScriptedUsbBackend([d]).list())[0]!);
const ids = {vendorId: 0x0781, productId: 0x5567, busPort: '1-4'};
const req = (requestType: number, request: number, value: number, index: number, length: number) => ({endpoint: 0x80, requestType, request, value, index, length, data: new Uint8Array(0)});

describe('HostUsbDevice over a scripted backend', () => {
  it('describes the device from its descriptors, detaches the kernel driver, claims, forwards, releases and reattaches', async () => {
    const s = new ScriptedUsbDevice();
    const d = await open(s);
    expect(d.info).toMatchObject({speed: UsbredirSpeed.HIGH, vendorId: 0x0781, productId: 0x5567, deviceVersion: 0x0126, ep0MaxPacketSize: 64, interfaces: [{number: 0, class: 8, subclass: 6, protocol: 80}]});
    expect(d.info.endpoints).toEqual([
      {address: 0x81, type: 2, interval: 0, interface: 0, maxPacketSize: 512},
      {address: 0x02, type: 2, interval: 1, interface: 0, maxPacketSize: 512},
    ]);
    expect(s.calls).toEqual(['open', 'detach 0', 'claim 0']);
    const r = await d.control(req(0x80, 6, 0x0100, 0, 18));
    expect(r.status).toBe(UsbredirStatus.SUCCESS);
    expect([...r.data!.subarray(0, 2), r.data!.length]).toEqual([18, 1, 18]);
    expect((await d.control(req(0x80, 6, 0x0300 | 9, 0, 255))).status).toBe(UsbredirStatus.STALL);
    expect((await d.bulk(0x81, 13, new Uint8Array(0))).status).toBe(UsbredirStatus.STALL);
    await d.close();
    await d.close();
    expect(s.calls.slice(3)).toEqual(['control 80 06 0100 0000 18', 'control 80 06 0309 0000 255', 'bulk 81 13', 'release 0', 'attach 0', 'close']);
    expect(s.kernelDrivers.has(0)).toBe(true);
    expect(s.claimed.size).toBe(0);
  });

  it('unplugged mid-transfer: the transfer fails with device-unplugged, `gone` resolves, close still cleans up', async () => {
    const s = new ScriptedUsbDevice(undefined, {unplugAtTransfer: 2});
    const d = await open(s);
    await d.control(req(0x80, 6, 0x0100, 0, 18));
    const err = await d.bulk(0x81, 31, new Uint8Array(0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpiceError);
    expect((err as SpiceError).details).toMatchObject({code: 'device-unplugged'});
    expect((err as SpiceError).kind).toBe('connection-lost');
    expect((err as Error).message).toMatch(/0781:5567 \(bus-port 1-4\) was unplugged .*guest saw the device disconnect/);
    expect(await d.gone).toBe(err);
    await expect(d.control(req(0x80, 6, 0x0100, 0, 18))).rejects.toBe(err);
    await d.close();
    expect(s.calls.slice(-3)).toEqual(['release 0', 'attach 0', 'close']);
    expect(d.log.cleanupErrors.join()).toMatch(/NO_DEVICE/);
  });

  it('permission denied on open: the message carries the udev rule for the device; nothing else happens', async () => {
    const s = new ScriptedUsbDevice(undefined, {openError: 'ACCESS'});
    const err = (await open(s).catch((e: unknown) => e)) as SpiceError;
    expect(err.details).toMatchObject({code: 'permission-denied', udevRule: udevRule(0x0781, 0x5567)});
    expect(err.message).toContain('SUBSYSTEM=="usb", ATTR{idVendor}=="0781", ATTR{idProduct}=="5567", MODE="0660", GROUP="plugdev"');
    expect(s.calls).toEqual(['open']);
  });

  it('busy on claim: a distinct message, the detached driver is reattached and the device closed', async () => {
    const s = new ScriptedUsbDevice(undefined, {claimError: 'BUSY'});
    const err = (await open(s).catch((e: unknown) => e)) as SpiceError;
    expect(err.details).toMatchObject({code: 'device-busy'});
    expect(err.message).toMatch(/is busy claiming interface 0: another program has claimed it/);
    expect(s.calls).toEqual(['open', 'detach 0', 'claim 0', 'attach 0', 'close']);
  });
});

describe('host device errors', () => {
  it('maps libusb errnos and the messages are distinct', () => {
    expect(fromLibusb(Object.assign(new Error('LIBUSB_ERROR_ACCESS'), {errno: -3})).code).toBe('ACCESS');
    expect(fromLibusb(Object.assign(new Error('LIBUSB_ERROR_BUSY'), {errno: -6})).code).toBe('BUSY');
    expect(fromLibusb(Object.assign(new Error('LIBUSB_ERROR_NO_DEVICE'), {errno: -4})).code).toBe('NO_DEVICE');
    expect(fromLibusb(Object.assign(new Error('LIBUSB_TRANSFER_NO_DEVICE'), {errno: 5})).code).toBe('NO_DEVICE');
    const messages = (['ACCESS', 'BUSY', 'NO_DEVICE', 'IO'] as const).map((c) => mapDeviceError(new UsbBackendError(c, c), ids, 'opening'));
    expect(messages.map((e) => e.details?.code)).toEqual(['permission-denied', 'device-busy', 'device-unplugged', 'device-error']);
    expect(messages.map((e) => /permission denied|is busy|was unplugged|failed opening/.exec(e.message)?.[0])).toEqual(['permission denied', 'is busy', 'was unplugged', 'failed opening']);
  });

  it('device specs, and a device not found lists those present (before any slot is opened)', async () => {
    expect(parseDeviceSpec('0781:5567')).toEqual({vendorId: 0x781, productId: 0x5567});
    expect(parseDeviceSpec('1-4.2')).toEqual({busPort: '1-4.2'});
    expect(() => parseDeviceSpec('sandisk')).toThrow(/give VID:PID in hex/);
    const session = {openUsbSlot: () => Promise.reject(new Error('not reached'))} as unknown as SpiceSession;
    const backend = new ScriptedUsbBackend([new ScriptedUsbDevice()]);
    const err = (await redirectHostDevice(session, {device: '1234:5678', backend}).catch((e: unknown) => e)) as SpiceError;
    expect(err.details).toMatchObject({code: 'device-not-found'});
    expect(err.message).toMatch(/no USB device 1234:5678 found .*present: 0781:5567 \(1-4\)/);
    const refused = (await redirectHostDevice(session, {device: '1-4', backend, filter: '0x08,-1,-1,-1,0'}).catch((e: unknown) => e)) as SpiceError;
    expect(refused.details).toMatchObject({code: 'device-filtered'});
  });

  it('lists scripted devices with their strings', async () => {
    const list = await listHostDevices(new ScriptedUsbBackend([new ScriptedUsbDevice()]));
    expect(list).toEqual([
      {bus: 1, portPath: '4', busPort: '1-4', address: 5, vid: '0781', pid: '5567', class: 0, interfaceClasses: [8], speed: 'high', accessible: true, manufacturer: ' SanDisk', product: ' Cruzer Blade', serial: '4C530001130525113093', busy: true},
    ]);
  });
});

describe('the node-usb backend on this machine', () => {
  it('loads (or says clearly why not), and listing returns an array', async () => {
    const backend = await loadNodeUsbBackend().catch((e: unknown) => e);
    if (backend instanceof SpiceError) {
      expect(backend.message).toMatch(/need the `usb` package/);
      return;
    }
    expect((backend as {name: string}).name).toMatch(/^node-usb 2\./);
    const list = await listHostDevices();
    expect(Array.isArray(list)).toBe(true);
    console.info(`[usb-host] ${list.length} host USB devices visible`);
  });
});
