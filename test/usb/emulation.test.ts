/**
 * `usb redirect --emulate` and the usb scenario steps without a server: parsing the emulations, the usage checks
 * made before connecting, and `usb list` of local things.
 */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {checkUsbRedirect, listUsb, parseEmulation, USB_EMULATIONS} from '../../src/client/actions/usb.js';
import {checkScenarios} from '../../src/scenarios/check.js';

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

describe('usb steps (run --check)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spice-cli-usbsteps-'));
  writeFileSync(join(dir, 'stick.img'), Buffer.alloc(4096));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('a good file checks clean: the three forms and their fields', async () => {
    const good = file('good.yaml', 'steps:\n  - usb_attach: {emulate: storage, image: stick.img, read_only: true, as: stick, slot: 1}\n  - usb_attach: keyboard\n  - usb_type: "ls\\n"\n  - usb_type: {text: x, name: keyboard, rate: 20, layout: de}\n  - usb_detach: stick\n  - usb_detach: {name: keyboard, timeout: 5s}\n');
    const r = await checkScenarios([good], {});
    expect(r.problems).toEqual([]);
  });

  it('each problem at its file:line:column: a missing image, image without storage, storage without image, a bad emulation, text the layout cannot type', async () => {
    const bad = file('bad.yaml', 'steps:\n  - usb_attach: {emulate: storage, image: nope.img}\n  - usb_attach: {emulate: keyboard, image: stick.img}\n  - usb_attach: storage\n  - usb_attach: mouse\n  - usb_type: "\\u4e2d"\n  - usb_detach: {}\n');
    const r = await checkScenarios([bad], {});
    const p = r.files[0]!.problems.join('\n');
    expect(p).toContain(`${bad}:2:5: usb_attach: no such image ${join(dir, 'nope.img')}`);
    expect(p).toContain(`${bad}:3:5: usb_attach: "image" and "read_only" are for emulate storage, not keyboard`);
    expect(p).toContain(`${bad}:4:5: usb_attach: emulate storage needs "image"`);
    expect(p).toMatch(new RegExp(`${bad}:5:\\d+: .*mouse`));
    expect(p).toMatch(/usb_detach needs "name"/);
    expect(r.files[0]!.problems.length).toBeGreaterThanOrEqual(6);
  });
});
