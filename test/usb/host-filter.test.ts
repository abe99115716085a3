import {describe, expect, it} from 'vitest';
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
