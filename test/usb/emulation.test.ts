/**
 * `usb redirect --emulate` and the usb scenario steps without a server: parsing the emulations, the usage checks
 * made before connecting, and `usb list` of local things.
 */
import {describe, expect, it} from 'vitest';
import {checkUsbRedirect, listUsb, parseEmulation, USB_EMULATIONS} from '../../src/client/actions/usb.js';

describe('parseEmulation', () => {
  it('reads storage:IMAGE[:ro|:rw], keyboard and tablet', () => {
    expect(parseEmulation('storage:disk.img')).toEqual({emulate: 'storage', image: 'disk.img', readOnly: false});
    expect(parseEmulation('storage:/a:b/disk.img:ro')).toEqual({emulate: 'storage', image: '/a:b/disk.img', readOnly: true});
    expect(parseEmulation('keyboard')).toEqual({emulate: 'keyboard'});
    expect(parseEmulation('tablet')).toEqual({emulate: 'tablet'});
    expect(USB_EMULATIONS).toEqual(['storage:IMAGE[:ro]', 'keyboard', 'tablet']);
  });

  it('refuses anything else, naming what it takes', () => {
    for (const bad of ['keyboard:x', 'tablet:', 'Keyboard', 'mouse', 'storage', '', 'storage::ro']) {
      expect(() => parseEmulation(bad)).toThrow(/cannot emulate .*: give storage:IMAGE\[:ro\], keyboard, tablet/);
    }
  });
});

describe('checkUsbRedirect (before connecting)', () => {
  const kb = {emulate: 'keyboard'} as const;
  const stick = (image: string) => ({emulate: 'storage', image, readOnly: true}) as const;

  it('accepts several devices, typing with one keyboard', () => {
    expect(() => checkUsbRedirect({emulate: [stick('a.img'), kb], type: 'ls\n'})).not.toThrow();
    expect(() => checkUsbRedirect({emulate: [stick('a.img'), {emulate: 'tablet'}], slot: 1})).not.toThrow();
  });

  it('typing needs exactly one keyboard; no device is an error; one image is one stick', () => {
    expect(() => checkUsbRedirect({emulate: [stick('a.img')], type: 'x'})).toThrow(/exactly one emulated keyboard.*0 given/);
    expect(() => checkUsbRedirect({emulate: [kb, kb], keys: ['enter']})).toThrow(/exactly one emulated keyboard.*2 given/);
    expect(() => checkUsbRedirect({emulate: []})).toThrow(/nothing to plug in/);
    expect(() => checkUsbRedirect({emulate: [stick('a.img'), stick('./a.img')]})).toThrow(/same image/);
  });
});

describe('listUsb without a server', () => {
  it('lists the emulations; no slots; host devices from the injected lister, or "not available"', async () => {
    const none = await listUsb(undefined);
    expect(none.slots).toBeNull();
    expect(none.emulations.map((e) => e.spec)).toEqual(['storage:IMAGE[:ro]', 'keyboard', 'tablet']);
    expect(none).toMatchObject({hostDevices: null, hostDevicesNote: 'host device support not available'});
    const some = await listUsb(undefined, async () => [{vendorId: '1d6b', productId: '0002'}]);
    expect(some.hostDevices).toEqual([{vendorId: '1d6b', productId: '0002'}]);
    expect(some.hostDevicesNote).toBeUndefined();
    const broken = await listUsb(undefined, async () => {
      throw new Error('libusb: no access');
    });
    expect(broken).toMatchObject({hostDevices: null, hostDevicesNote: 'host devices cannot be listed: libusb: no access'});
  });
});
