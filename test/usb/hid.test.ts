/**
 * The emulated HID devices without a server: the scancode → usage table against every key the layouts and named
 * keys use, boot keyboard and tablet reports, descriptors and HID class requests through the UsbDevice interface,
 * the report queue under interrupt IN transfers, typing through Keyboard into a UsbKeyboard, UsbDeviceHost's
 * interrupt receiving over a usb-guest codec, and the usb-hid actions over it (readiness, Caps Lock LED, abort, a
 * broken stream).
 */
import {describe, expect, it} from 'vitest';
import type {SpicevmcConsumer} from '../../src/client/channels/usbredir.js';
import {Keyboard, pacingFor} from '../../src/client/input/keyboard.js';
import {getLayout, LAYOUT_NAMES} from '../../src/client/input/layouts.js';
import {NAMED_KEYS} from '../../src/client/input/scancodes.js';
import {UsbredirConnection, type UsbredirPipe} from '../../src/client/usb/connection.js';
import type {UsbControlRequest} from '../../src/client/usb/device.js';
import {stringDescriptor} from '../../src/client/usb/hid/descriptors.js';
import {HID_IN_ENDPOINT, SETTLE_AFTER_OPEN_MS} from '../../src/client/usb/hid/hid-device.js';
import {bootKeyboardReport, KEYBOARD_REPORT_DESCRIPTOR, UsbKeyboard} from '../../src/client/usb/hid/keyboard.js';
import {TABLET_REPORT_DESCRIPTOR, tabletPoint, tabletReport, UsbTablet} from '../../src/client/usb/hid/tablet.js';
import {hidUsage, scancodesWithUsage} from '../../src/client/usb/hid/usages.js';
import {UsbDeviceHost} from '../../src/client/usb/host.js';
import {DataCompressionType} from '../../src/client/wire/enums.js';
import {SC} from '../../src/client/wire/scancodes.js';
import {UsbredirCodec, type UsbredirPacket} from '../../src/client/wire/usbredir/codec.js';
import {UsbredirPackets as P} from '../../src/client/wire/usbredir/packets.js';
import {UsbredirCap as C, UsbredirStatus} from '../../src/client/wire/usbredir/protocol.js';
import {LAYOUT_DATA} from '../../src/client/input/layouts/index.js';
import {EmulatedHid, usbTypeText} from '../../src/client/actions/usb-hid.js';
import {UsbSlot} from '../../src/client/usb/slot.js';
import {silentLogger} from '../../src/client/log.js';
import {SpiceError} from '../../src/client/errors.js';

const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');

function req(requestType: number, request: number, value: number, length: number, data = new Uint8Array(0), index = 0): UsbControlRequest {
  return {endpoint: requestType & 0x80, request, requestType, value, index, length, data};
}

describe('set-1 scancode → HID usage', () => {
  it('every key of every layout and every named key has a usage, and no two keys share one', () => {
    const used = new Set<number>([SC.CAPSLOCK, SC.LSHIFT, SC.RSHIFT, SC.LCTRL, SC.RCTRL, SC.LALT, SC.RALT, SC.LSUPER, SC.RSUPER]);
    for (const l of Object.values(LAYOUT_DATA)) {
      for (const k of l.keys) used.add(k[0]);
      if (l.levelThree) used.add(l.levelThree.scancode);
    }
    for (const k of NAMED_KEYS) used.add(k.scancode);
    expect([...used].filter((sc) => hidUsage(sc) === undefined).map((sc) => sc.toString(16))).toEqual([]);
    const usages = scancodesWithUsage().map((sc) => hidUsage(sc));
    expect(new Set(usages).size).toBe(usages.length);
    expect(LAYOUT_NAMES.length).toBeGreaterThan(5);
  });

  it('the us layout types letters, digits and punctuation as the Keyboard page usages of those keys', () => {
    const us = getLayout('us');
    const usageOf = (ch: string) => {
      const strokes = us.plan(ch, false).strokes;
      expect(strokes).toHaveLength(1);
      return hidUsage(strokes[0]!.scancode);
    };
    // HID Usage Tables §10: a..z 0x04..0x1D, 1..9 0x1E..0x26, 0 0x27
    for (let i = 0; i < 26; i++) expect(usageOf(String.fromCharCode(0x61 + i))).toBe(0x04 + i);
    for (let d = 1; d <= 9; d++) expect(usageOf(String(d))).toBe(0x1e + d - 1);
    expect(usageOf('0')).toBe(0x27);
    const punct: Record<string, number> = {'\n': 0x28, '\t': 0x2b, ' ': 0x2c, '-': 0x2d, '=': 0x2e, '[': 0x2f, ']': 0x30, '\\': 0x31, ';': 0x33, "'": 0x34, '`': 0x35, ',': 0x36, '.': 0x37, '/': 0x38};
    for (const [ch, u] of Object.entries(punct)) expect(usageOf(ch), JSON.stringify(ch)).toBe(u);
    // modifiers: Left Control 0xE0 .. Right GUI 0xE7
    expect([SC.LCTRL, SC.LSHIFT, SC.LALT, SC.LSUPER, SC.RCTRL, SC.RSHIFT, SC.RALT, SC.RSUPER].map(hidUsage)).toEqual([0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7]);
    // de: the ISO key left of Y types < (Non-US \ and |, 0x64)
    expect(hidUsage(getLayout('de').plan('<', false).strokes[0]!.scancode)).toBe(0x64);
  });
});

describe('reports', () => {
  it('boot keyboard report: modifier bits, reserved byte, keys in press order, ErrorRollOver past six', () => {
    expect(hex(bootKeyboardReport([]))).toBe('0000000000000000');
    expect(hex(bootKeyboardReport([0xe1, 0x04]))).toBe('0200040000000000');
    expect(hex(bootKeyboardReport([0xe0, 0xe6, 0xe7, 0x2c, 0x28]))).toBe('c1002c2800000000');
    expect(hex(bootKeyboardReport([4, 5, 6, 7, 8, 9]))).toBe('0000040506070809');
    expect(hex(bootKeyboardReport([0xe5, 4, 5, 6, 7, 8, 9, 10]))).toBe('2000010101010101');
  });

  it('tablet report: buttons, X and Y little-endian, signed wheel; screen pixels scale to 0..32767', () => {
    expect(hex(tabletReport(0, 0, 0))).toBe('000000000000');
    expect(hex(tabletReport(5, 0x1234, 0x7fff, -1))).toBe('053412ff7fff');
    expect(tabletPoint(0, 0, {width: 1024, height: 768})).toEqual({x: 0, y: 0});
    expect(tabletPoint(1023, 767, {width: 1024, height: 768})).toEqual({x: 32767, y: 32767});
    expect(tabletPoint(5000, -3, {width: 1024, height: 768})).toEqual({x: 32767, y: 0});
    const t = new UsbTablet();
    expect(() => t.moveTo(32768, 0)).toThrow(/tablet x 32768 out of range/);
    expect(() => t.moveTo(0, 1.5)).toThrow(/tablet y 1.5 out of range/);
  });
});

describe('descriptors and requests (UsbDevice.control)', () => {
  it('the keyboard describes a full-speed boot keyboard with one interrupt IN endpoint', () => {
    const k = new UsbKeyboard();
    expect(k.info.interfaces).toEqual([{number: 0, class: 3, subclass: 1, protocol: 1}]);
    expect(k.info.endpoints).toEqual([{address: 0x81, type: 3, interval: 4, interface: 0, maxPacketSize: 8}]);
    const dev = k.control(req(0x80, 6, 0x0100, 18));
    expect(hex(dev.data)).toBe('12011001000000400912010000010102030' + '1');
    const cfg = k.control(req(0x80, 6, 0x0200, 255)).data!;
    expect(cfg.length).toBe(34);
    expect(hex(cfg)).toBe(
      '09022200010100803209040000010301010009211101000122' + KEYBOARD_REPORT_DESCRIPTOR.length.toString(16).padStart(2, '0') + '00' + '0705810308000' + '4',
    );
    expect(hex(k.control(req(0x80, 6, 0x0300, 255)).data)).toBe('04030904');
    expect(k.control(req(0x80, 6, 0x0302, 255)).data).toEqual(stringDescriptor('spice-cli USB Keyboard'));
    expect(Buffer.from(stringDescriptor('spice-cli').subarray(2)).toString('utf16le')).toBe('spice-cli');
    expect(k.control(req(0x80, 6, 0x0304, 255)).status).toBe(UsbredirStatus.STALL);
    expect(k.control(req(0x80, 6, 0x0600, 10)).status).toBe(UsbredirStatus.STALL); // device qualifier: full speed only
    // HID 1.11 §7.1: the HID and report descriptors, addressed to the interface
    expect(k.control(req(0x81, 6, 0x2200, 255)).data).toEqual(KEYBOARD_REPORT_DESCRIPTOR);
    expect(hex(k.control(req(0x81, 6, 0x2100, 9)).data)).toBe(hex(cfg.subarray(18, 27)));
    expect(hex(k.control(req(0x80, 0, 0, 2)).data)).toBe('0000'); // GET_STATUS
  });

  it('HID class requests: idle, protocol, input report, LED output report; anything else stalls', () => {
    const k = new UsbKeyboard();
    const leds: unknown[] = [];
    k.on('leds', (l) => leds.push(l));
    expect(hex(k.control(req(0xa1, 0x02, 0, 1)).data)).toBe('00'); // GET_IDLE
    expect(k.control(req(0x21, 0x0a, 0x7d00, 0)).status).toBe(UsbredirStatus.SUCCESS); // SET_IDLE 500 ms
    expect(hex(k.control(req(0xa1, 0x02, 0, 1)).data)).toBe('7d');
    expect(hex(k.control(req(0xa1, 0x03, 0, 1)).data)).toBe('01'); // GET_PROTOCOL: report
    expect(k.control(req(0x21, 0x0b, 0, 0)).status).toBe(UsbredirStatus.SUCCESS); // SET_PROTOCOL boot
    expect(hex(k.control(req(0xa1, 0x03, 0, 1)).data)).toBe('00');
    expect(k.control(req(0x21, 0x0b, 2, 0)).status).toBe(UsbredirStatus.STALL);
    k.reset();
    expect(hex(k.control(req(0xa1, 0x03, 0, 1)).data)).toBe('01'); // a reset returns to the report protocol
    k.keyDown(SC.LSHIFT);
    k.keyDown(0x1e);
    expect(hex(k.control(req(0xa1, 0x01, 0x0100, 8)).data)).toBe('0200040000000000'); // GET_REPORT(input)
    expect(k.locks).toEqual({capsLock: false, numLock: false, scrollLock: false});
    expect(k.control(req(0x21, 0x09, 0x0200, 1, Uint8Array.of(0x03))).status).toBe(UsbredirStatus.SUCCESS); // SET_REPORT(output)
    expect(k.locks).toEqual({capsLock: true, numLock: true, scrollLock: false});
    expect(leds).toEqual([{capsLock: true, numLock: true, scrollLock: false}]);
    expect(k.control(req(0x21, 0x09, 0x0300, 1, Uint8Array.of(1))).status).toBe(UsbredirStatus.STALL); // feature
    expect(k.control(req(0x21, 0x09, 0x0200, 0)).status).toBe(UsbredirStatus.STALL); // no data
    expect(k.control(req(0xc0, 1, 0, 4)).status).toBe(UsbredirStatus.STALL); // vendor request
    expect(k.control(req(0x00, 3, 1, 0)).status).toBe(UsbredirStatus.STALL); // SET_FEATURE remote wakeup: not offered

    const t = new UsbTablet();
    expect(t.info.interfaces).toEqual([{number: 0, class: 3, subclass: 0, protocol: 0}]);
    expect(t.control(req(0x81, 6, 0x2200, 255)).data).toEqual(TABLET_REPORT_DESCRIPTOR);
    expect(t.control(req(0xa1, 0x03, 0, 1)).status).toBe(UsbredirStatus.STALL); // no boot interface: no protocol requests
    expect(t.control(req(0x21, 0x09, 0x0200, 1, Uint8Array.of(1))).status).toBe(UsbredirStatus.STALL); // no output report
  });
});

describe('the report queue (interrupt IN transfers)', () => {
  it('a pending transfer takes the next report; queued reports go in order; cancel, readiness, drain, close', async () => {
    const t = new UsbTablet();
    const stream = new AbortController();
    const first = t.interruptIn(HID_IN_ENDPOINT, stream.signal);
    expect(t.polled).toBe(true);
    const started = performance.now();
    await t.whenPolled(1000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(SETTLE_AFTER_OPEN_MS - 5); // usbhid's first 50 ms pass
    t.moveTo(1, 2);
    expect(hex((await first).data)).toBe('000100020000');
    t.setButtons(1, true);
    t.scroll(-200);
    expect(t.queuedReports).toBe(3);
    const drained = t.drained(1000);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(hex((await t.interruptIn(HID_IN_ENDPOINT, stream.signal)).data));
    expect(got).toEqual(['010100020000', '010100020081', '0101000200b7']); // -127, then -73
    await drained;
    expect((await t.interruptIn(0x82, stream.signal)).status).toBe(UsbredirStatus.STALL);
    const pending = t.interruptIn(HID_IN_ENDPOINT, stream.signal);
    stream.abort();
    expect((await pending).status).toBe(UsbredirStatus.CANCELLED);
    expect(t.polled).toBe(false);
    const waiting = t.whenPolled(1000);
    t.close();
    await expect(waiting).rejects.toThrow(/the emulated spice-cli USB Tablet was detached/);
    expect(() => t.moveTo(0, 0)).toThrow(/detached/);
    await expect(new UsbTablet().whenPolled(20)).rejects.toThrow(/timed out after 20 ms waiting for the guest to read the emulated spice-cli USB Tablet/);
  });

  it('Keyboard plays a layout\'s strokes into a UsbKeyboard: one report per key event, all keys released', async () => {
    const k = new UsbKeyboard();
    const us = getLayout('us');
    const r = await new Keyboard(k).play(us.plan('aB!', false).strokes, pacingFor(1000));
    expect(r).toMatchObject({keystrokes: 3, events: 10});
    const reports: string[] = [];
    const s = new AbortController().signal;
    while (k.queuedReports > 0) reports.push(hex((await k.interruptIn(HID_IN_ENDPOINT, s)).data));
    expect(reports).toEqual([
      '0000040000000000', // a down
      '0000000000000000', // a up
      '0200000000000000', // shift
      '0200050000000000', // shift + b
      '0200000000000000',
      '0000000000000000',
      '0200000000000000', // shift
      '02001e0000000000', // shift + 1
      '0200000000000000',
      '0000000000000000',
    ]);
    expect(k.heldKeys).toEqual([]);
    expect(() => k.keyDown(0xe05f)).toThrow(/key E0 5F has no USB keyboard usage/);
    expect(() => k.scancodes()).toThrow(/usages, not raw scancode sequences/);
  });
});

/** A usbredir channel whose other end is a usb-guest codec (as in connection.test.ts). */
class GuestPipe implements UsbredirPipe {
  readonly name = 'usbredir:0';
  consumer?: SpicevmcConsumer;
  readonly fromHost: UsbredirPacket[] = [];
  readonly guest = new UsbredirCodec('guest', Object.values(C), 'qemu usb-redir guest 7.2.0');
  attach(consumer: SpicevmcConsumer): void {
    this.consumer = consumer;
    consumer({type: DataCompressionType.NONE, data: this.guest.hello()});
  }
  write(bytes: Uint8Array): void {
    this.fromHost.push(...this.guest.feed(bytes));
  }
  send(bytes: Uint8Array): void {
    this.consumer!({type: DataCompressionType.NONE, data: bytes});
  }
}

describe('UsbDeviceHost interrupt receiving', () => {
  it('start → status, then each report as an interrupt_packet with ids from 0; stop; an endpoint without interrupt IN is inval (the codec refuses OUT ones); detach stops', async () => {
    const pipe = new GuestPipe();
    const c = await UsbredirConnection.open(pipe, {timeoutMs: 1000});
    const k = new UsbKeyboard();
    const host = new UsbDeviceHost(c, k);
    host.attach();
    const tick = () => new Promise((r) => setImmediate(r));
    const sent = () => pipe.fromHost.slice(4).map((p) => `${p.def.name} ${p.id} ${JSON.stringify({...(p.value as object), data: hex((p.value as {data?: Uint8Array}).data)})}`);
    k.keyDown(0x1e); // queued before the guest polls: goes first
    pipe.send(pipe.guest.encode(P.START_INTERRUPT_RECEIVING, {endpoint: 0x81}, 0n));
    pipe.send(pipe.guest.encode(P.START_INTERRUPT_RECEIVING, {endpoint: 0x82}, 0n));
    await tick();
    k.keyUp(0x1e);
    await tick();
    expect(host.receivingInterrupts).toEqual([0x81]);
    expect(sent()).toEqual([
      'interrupt_receiving_status 0 {"status":0,"endpoint":129,"data":""}',
      'interrupt_packet 0 {"endpoint":129,"status":0,"length":8,"data":"0000040000000000"}',
      'interrupt_receiving_status 0 {"status":2,"endpoint":130,"data":""}',
      'interrupt_packet 1 {"endpoint":129,"status":0,"length":8,"data":"0000000000000000"}',
    ]);
    pipe.send(pipe.guest.encode(P.STOP_INTERRUPT_RECEIVING, {endpoint: 0x81}, 0n));
    await tick();
    expect(host.receivingInterrupts).toEqual([]);
    expect(k.polled).toBe(false);
    k.keyDown(0x1f); // queued: nobody polls
    await tick();
    expect(sent().slice(4)).toEqual(['interrupt_receiving_status 0 {"status":0,"endpoint":129,"data":""}']);
    // a new stream counts its ids from 0 again
    pipe.send(pipe.guest.encode(P.START_INTERRUPT_RECEIVING, {endpoint: 0x81}, 0n));
    await tick();
    expect(sent().slice(5)).toEqual([
      'interrupt_receiving_status 0 {"status":0,"endpoint":129,"data":""}',
      'interrupt_packet 0 {"endpoint":129,"status":0,"length":8,"data":"0000160000000000"}',
    ]);
    const detached = host.detach(1000);
    expect(host.receivingInterrupts).toEqual([]);
    pipe.send(pipe.guest.encode(P.DEVICE_DISCONNECT_ACK, {}));
    await detached;
    expect(pipe.fromHost.at(-1)!.def.name).toBe('device_disconnect');
  });
});

describe('actions/usb-hid over a usb-guest codec', () => {
  async function attached() {
    const pipe = new GuestPipe();
    const c = await UsbredirConnection.open(pipe, {timeoutMs: 1000});
    const slot = new UsbSlot(0, pipe, silentLogger);
    const kb = new UsbKeyboard();
    const host = new UsbDeviceHost(c, kb);
    host.attach();
    const hid = new EmulatedHid('keyboard', kb, slot, host);
    const reports = () => pipe.fromHost.filter((p) => p.def === P.INTERRUPT_PACKET).map((p) => hex((p.value as {data: Uint8Array}).data));
    return {pipe, c, kb, hid, reports};
  }

  it('usbTypeText waits for the guest to poll, plans for the Caps Lock LED, and sends every report', async () => {
    const {pipe, hid, reports} = await attached();
    hid.device.control(req(0x21, 0x09, 0x0200, 1, Uint8Array.of(0x02))); // the guest's LEDs: Caps Lock on
    const typing = usbTypeText(hid, 'Ab', {timeoutMs: 2000, rate: 1000});
    await new Promise((r) => setTimeout(r, 20));
    expect(reports()).toEqual([]); // nobody polls yet
    pipe.send(pipe.guest.encode(P.START_INTERRUPT_RECEIVING, {endpoint: 0x81}, 0n));
    const r = await typing;
    expect(r).toMatchObject({layout: 'us', characters: 2, keystrokes: 2, events: 6, capsLock: true});
    // Caps Lock on: A is a plain a, b takes Shift
    expect(reports()).toEqual(['0000040000000000', '0000000000000000', '0200000000000000', '0200050000000000', '0200000000000000', '0000000000000000']);
    await expect(usbTypeText(hid, '€', {timeoutMs: 100})).rejects.toThrow(/€/); // not on the us layout: nothing sent
    expect(reports()).toHaveLength(6);
  });

  it('an abort while typing is an interrupted error and releases every key; a broken stream unplugs the device', async () => {
    const {pipe, c, hid, reports} = await attached();
    pipe.send(pipe.guest.encode(P.START_INTERRUPT_RECEIVING, {endpoint: 0x81}, 0n));
    const ac = new AbortController();
    const typing = usbTypeText(hid, 'ABCDEFGH', {timeoutMs: 2000, rate: 10, holdMs: 30, signal: ac.signal});
    setTimeout(() => ac.abort(), 250);
    await expect(typing).rejects.toMatchObject({kind: 'interrupted', details: {keystrokes: expect.any(Number), of: 8}});
    await new Promise((r) => setImmediate(r));
    expect(hid.device.heldKeys).toEqual([]);
    expect(reports().at(-1)).toBe('0000000000000000');
    const waiting = new AbortController();
    const w = new UsbKeyboard().whenPolled(1000, waiting.signal);
    waiting.abort();
    await expect(w).rejects.toMatchObject({kind: 'interrupted'});

    c.end(new SpiceError('connection-lost', 'the usbredir channel closed'));
    expect(hid.device.isClosed).toBe(true);
    await expect(usbTypeText(hid, 'a', {timeoutMs: 100})).rejects.toThrow(/USB slot usbredir:0 failed: the usbredir channel closed/);
  });
});
