/**
 * The usbredir protocol against QEMU 7.2's usb-redir (firmware mode: SeaBIOS, two slots on qemu-xhci): QEMU's hello
 * waits on a linked channel until a slot is opened; hello exchange and negotiated caps; a minimal device (one
 * vendor-specific interface, endpoint 0 only) described by UsbDeviceHost is reset and asked for its descriptors by
 * SeaBIOS after a system reset; device_disconnect is acknowledged.
 */
import {afterAll, describe, expect, it} from 'vitest';
import {SpiceSession} from '../../src/client/session.js';
import type {UsbredirChannel} from '../../src/client/channels/usbredir.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {HOST_CAPS} from '../../src/client/usb/connection.js';
import {UsbDeviceHost} from '../../src/client/usb/host.js';
import type {UsbControlRequest, UsbDevice} from '../../src/client/usb/device.js';
import type {UsbredirPacket} from '../../src/client/wire/usbredir/codec.js';
import {UsbredirCap as C, UsbredirSpeed, UsbredirStatus} from '../../src/client/wire/usbredir/protocol.js';
import {startQemu} from '../../src/lab/qemu.js';
import {qmpCommands} from '../../src/lab/qmp.js';
import type {LabTarget} from '../../src/lab/types.js';

const targets: LabTarget[] = [];
afterAll(async () => {
  await Promise.all(targets.map((t) => t.stop()));
});

/** QEMU 7.2's usb-redir announces every cap (bulk_streams too: its `streams` property defaults to on). */
const QEMU_CAPS = Object.values(C).sort((a, b) => a - b);

/** A vendor-specific device with endpoint 0 only: descriptors, nothing else. */
function descriptorOnlyDevice(): UsbDevice & {requests: string[]} {
  const device = Uint8Array.from([18, 1, 0x00, 0x02, 0xff, 0, 0, 64, 0x6b, 0x1d, 0x04, 0x01, 0x00, 0x01, 0, 0, 0, 1]);
  const config = Uint8Array.from([9, 2, 18, 0, 1, 1, 0, 0x80, 50, 9, 4, 0, 0, 0, 0xff, 0, 0, 0]);
  const requests: string[] = [];
  return {
    requests,
    info: {
      speed: UsbredirSpeed.HIGH,
      deviceClass: 0xff,
      deviceSubclass: 0,
      deviceProtocol: 0,
      vendorId: 0x1d6b,
      productId: 0x0104,
      deviceVersion: 0x0100,
      ep0MaxPacketSize: 64,
      interfaces: [{number: 0, class: 0xff, subclass: 0, protocol: 0}],
      endpoints: [],
    },
    control(r: UsbControlRequest) {
      requests.push(`${r.requestType.toString(16)}:${r.request}:${r.value.toString(16)}:${r.length}`);
      if (r.requestType === 0x80 && r.request === 6 && r.value >> 8 === 1) return {status: UsbredirStatus.SUCCESS, data: device};
      if (r.requestType === 0x80 && r.request === 6 && r.value >> 8 === 2) return {status: UsbredirStatus.SUCCESS, data: config};
      return {status: UsbredirStatus.STALL};
    },
  };
}

const show = (p: UsbredirPacket) => {
  const v = {...(p.value as Record<string, unknown>)};
  delete v['status']; // unset in QEMU's requests (only replies carry a status)
  delete v['data'];
  return `${p.def.name} ${JSON.stringify(v)}`;
};

describe('usbredir against QEMU usb-redir', () => {
  it('hello and caps, a described device enumerated by SeaBIOS, disconnect acknowledged', async () => {
    const t = await startQemu({mode: 'bios', usbredir: 2});
    targets.push(t);
    const s = await SpiceSession.connect(t.uri, {channelFilter: (type) => type === ChannelType.USBREDIR, timeoutMs: 15_000});
    try {
      expect(s.usbSlots().map((x) => [x.id, x.busy])).toEqual([
        [0, false],
        [1, false],
      ]);
      // Linking opened QEMU's chardev: its 80-byte hello (12 + 64 + one caps word) waits for us on both slots.
      const channel1 = s.findChannel(ChannelType.USBREDIR, 1) as UsbredirChannel;
      for (let i = 0; i < 50 && channel1.pendingBytes < 80; i++) await new Promise((r) => setTimeout(r, 100));
      expect(channel1.pendingBytes).toBe(80);

      const {slot, connection} = await s.openUsbSlot();
      expect(slot.id).toBe(0);
      expect(connection.peer.version).toMatch(/^qemu usb-redir guest 7\.2/);
      expect(connection.peer.caps).toEqual(QEMU_CAPS);
      expect(connection.negotiated).toEqual([...HOST_CAPS].sort((a, b) => a - b));
      expect(connection.codec.negotiation.headerSize).toBe(16);
      await expect(s.openUsbSlot({id: 0})).rejects.toThrow(/USB slot usbredir:0 is in use/);

      const seen: string[] = [];
      connection.on('packet', (p: UsbredirPacket) => seen.push(show(p)));
      const device = descriptorOnlyDevice();
      const host = new UsbDeviceHost(connection, device);
      host.attach();
      // SeaBIOS enumerates USB during POST only: a system reset makes it find the device.
      const configAsked = connection.waitFor((p) => p.def.name === 'control_packet' && (p.value as {value: number}).value === 0x0200, 'GET_DESCRIPTOR(config)', 30_000);
      await qmpCommands(t.extra.qmp!, [{execute: 'system_reset'}]);
      await configAsked;
      await new Promise((r) => setTimeout(r, 1000));
      console.log(`QEMU usb-redir in reply to the device description:\n${seen.join('\n')}`);
      expect(seen).toContain('reset {}');
      // SeaBIOS: GET_DESCRIPTOR(device, 8 bytes); SET_ADDRESS stays in QEMU; GET_DESCRIPTOR(config) 9 bytes, then
      // all 18 (wTotalLength). No driver for class 0xff: no SET_CONFIGURATION.
      expect(device.requests.slice(0, 3)).toEqual(['80:6:100:8', '80:6:200:9', '80:6:200:18']);

      await host.detach(5000); // resolves on device_disconnect_ack
      expect(seen.at(-1)).toBe('device_disconnect_ack {}');
      slot.release();
      expect(slot.busy).toBe(false);
    } finally {
      s.close();
    }
  }, 90_000);
});
