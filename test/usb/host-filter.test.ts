import {EventEmitter} from 'node:events';
import {describe, expect, it} from 'vitest';
import type {UsbredirConnection} from '../../src/client/usb/connection.js';
import {checkServerFilter, filterDeviceOf, serverFilterRefusal, watchServerFilter} from '../../src/client/usb/server-filter.js';
import {SpiceError} from '../../src/client/errors.js';
import {checkUsbFilter, formatUsbFilter, parseUsbFilter, type UsbFilterDevice} from '../../src/client/usb/host-device/filter.js';

const stick: UsbFilterDevice = {deviceClass: 0, vendorId: 0x0781, productId: 0x5567, deviceVersion: 0x0126, interfaces: [{class: 8, subclass: 6, protocol: 80}]};
const hub: UsbFilterDevice = {deviceClass: 9, vendorId: 0x1d6b, productId: 0x0002, deviceVersion: 0x0601, interfaces: [{class: 9, subclass: 0, protocol: 0}]};
// a keyboard with a second, non-boot HID interface (media keys)
const keyboard: UsbFilterDevice = {deviceClass: 0, vendorId: 0x046d, productId: 0xc31c, deviceVersion: 0x6400, interfaces: [{class: 3, subclass: 1, protocol: 1}, {class: 3, subclass: 0, protocol: 0}]};

describe('usbredir filter rules', () => {
  it('parses spice-gtk rules: strtol numbers (hex, decimal, octal), -1 for any, empty rules skipped', () => {
    expect(parseUsbFilter('0x03,-1,-1,-1,0|-1,-1,-1,-1,1')).toEqual([
      {deviceClass: 3, vendorId: -1, productId: -1, deviceVersion: -1, allow: false},
      {deviceClass: -1, vendorId: -1, productId: -1, deviceVersion: -1, allow: true},
    ]);
    expect(parseUsbFilter('|8,1921,21863,010,2||')).toEqual([{deviceClass: 8, vendorId: 0x781, productId: 0x5567, deviceVersion: 8, allow: true}]);
    expect(parseUsbFilter('')).toEqual([]);
    expect(formatUsbFilter(parseUsbFilter('8,0x781,-1,-1,1|-1,-1,-1,-1,0'))).toBe('0x08,0x0781,-1,-1,1|-1,-1,-1,-1,0');
  });

  it('names the bad rule and why', () => {
    const msg = (s: string) => {
      try {
        parseUsbFilter(s);
      } catch (e) {
        expect(e).toBeInstanceOf(SpiceError);
        expect((e as SpiceError).kind).toBe('usage');
        return (e as Error).message;
      }
      throw new Error('parsed');
    };
    expect(msg('-1,-1,-1,-1,1|0x08,-1,-1,1')).toMatch(/rule 2 "0x08,-1,-1,1" has 4 fields, not 5/);
    expect(msg('0x08,-1,-1,-1,1,7')).toMatch(/rule 1 .* has 6 fields/);
    expect(msg('0x08,abc,-1,-1,1')).toMatch(/rule 1 .*"abc" for vendor, not a number/);
    expect(msg('0x100,-1,-1,-1,1')).toMatch(/class 0x100: give -1 or 0\.\.0xff/);
    expect(msg('-1,-2,-1,-1,1')).toMatch(/vendor -2/);
    expect(msg('-1,-1,0x10000,-1,1')).toMatch(/product 0x10000/);
  });

  it('matches the device class, then every interface class; the first matching rule decides', () => {
    const noStorage = parseUsbFilter('0x08,-1,-1,-1,0|-1,-1,-1,-1,1');
    expect(checkUsbFilter(noStorage, stick).allowed).toBe(false); // class 0: its interface (08) decides
    expect(checkUsbFilter(noStorage, hub).allowed).toBe(true);
    expect(checkUsbFilter(parseUsbFilter('0x09,-1,-1,-1,0|-1,-1,-1,-1,1'), hub)).toMatchObject({allowed: false, checkedClass: 9});
    // vendor/product/version
    expect(checkUsbFilter(parseUsbFilter('-1,0x0781,0x5567,-1,0|-1,-1,-1,-1,1'), stick).allowed).toBe(false);
    expect(checkUsbFilter(parseUsbFilter('-1,0x0781,0x5567,0x0100,0|-1,-1,-1,-1,1'), stick).allowed).toBe(true);
    // nothing matches: the default
    expect(checkUsbFilter(parseUsbFilter('0x03,-1,-1,-1,1'), stick).allowed).toBe(false);
    expect(checkUsbFilter(parseUsbFilter('0x03,-1,-1,-1,1'), stick, {defaultAllow: true}).allowed).toBe(true);
  });

  it('skips non-boot HID interfaces of a composite device, unless every interface is one', () => {
    const bootOnly = parseUsbFilter('0x03,-1,-1,-1,1');
    // the 03/00/00 interface is skipped, the boot keyboard interface allowed
    expect(checkUsbFilter(bootOnly, keyboard).allowed).toBe(true);
    const noHid = parseUsbFilter('0x03,-1,-1,-1,0|-1,-1,-1,-1,1');
    expect(checkUsbFilter(noHid, keyboard).allowed).toBe(false);
    const onlyNonBoot: UsbFilterDevice = {...keyboard, interfaces: [{class: 3, subclass: 0, protocol: 0}, {class: 3, subclass: 0, protocol: 0}]};
    expect(checkUsbFilter(parseUsbFilter('0x03,-1,-1,-1,0|-1,-1,-1,-1,1'), onlyNonBoot).allowed).toBe(false);
  });
});

describe("the server's filter (usb/server-filter.ts: QEMU's usb-redir filter, both device paths)", () => {
  /** A connection stand-in: serverFilter and 'filter' events, as UsbredirConnection has them. */
  class FakeConnection extends EventEmitter {
    serverFilter?: string;
    send(rules: string) {
      this.serverFilter = rules;
      this.emit('filter', rules);
    }
  }
  const conn = (c: FakeConnection) => c as unknown as UsbredirConnection;

  it('decides as QEMU: first matching rule, no match refuses; a device description maps to the filter view', async () => {
    expect(serverFilterRefusal('0x08,-1,-1,-1,0|-1,-1,-1,-1,1', stick, 'the stick')?.message).toBe(
      "the server's USB filter (0x08,-1,-1,-1,0|-1,-1,-1,-1,1) refuses the stick (rule 0x08,-1,-1,-1,0 matched class 0x08): it was not attached",
    );
    expect(serverFilterRefusal('0x08,-1,-1,-1,0|-1,-1,-1,-1,1', hub, 'the hub')).toBeUndefined();
    // no rule matches: QEMU (usbredirfilter_check, flags 0) refuses, so do we
    expect(serverFilterRefusal('0x03,-1,-1,-1,1', stick, 'the stick')?.details).toMatchObject({code: 'device-filtered', serverFilter: '0x03,-1,-1,-1,1'});
    expect(() => serverFilterRefusal('0x08,-1', stick, 'the stick')).toThrow(/the server's USB filter: rule 1 "0x08,-1" has 2 fields/);
    expect(filterDeviceOf({deviceClass: 0, vendorId: 1, productId: 2, deviceVersion: 3, interfaces: [{number: 0, class: 8, subclass: 6, protocol: 80}]})).toEqual({
      deviceClass: 0,
      vendorId: 1,
      productId: 2,
      deviceVersion: 3,
      interfaces: [{class: 8, subclass: 6, protocol: 80}],
    });
  });

  it('checkServerFilter waits a little for a filter not in yet; no filter allows; watchServerFilter sees later ones', async () => {
    const none = new FakeConnection();
    await expect(checkServerFilter(conn(none), stick, 'the stick', 20)).resolves.toBeUndefined();
    const late = new FakeConnection();
    setTimeout(() => late.send('0x08,-1,-1,-1,0|-1,-1,-1,-1,1'), 10);
    await expect(checkServerFilter(conn(late), stick, 'the stick', 5000)).rejects.toThrow(/refuses the stick/);
    const there = new FakeConnection();
    there.send('-1,-1,-1,-1,1');
    await expect(checkServerFilter(conn(there), stick, 'the stick', 5000)).resolves.toBeUndefined();
    const refusals: string[] = [];
    const stop = watchServerFilter(conn(there), stick, 'the stick', (e) => refusals.push(e.message));
    there.send('-1,-1,-1,-1,1');
    there.send('0x08,-1,-1,-1,0');
    there.send('bad');
    stop();
    there.send('0x08,-1,-1,-1,0');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatch(/refuses the stick .*: it was detached$/);
    expect(refusals[1]).toMatch(/rule 1 "bad"/);
  });
});
