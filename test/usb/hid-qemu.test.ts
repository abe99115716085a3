/**
 * Emulated USB HID devices in the QEMU tiny Linux guest (TCG, two usb-redir slots on qemu-xhci): the keyboard is
 * enumerated (its product string under /sys/bus/usb/devices), bound by usbhid, and types a command line into the
 * shell on tty1 (the console the kernel's keyboard handler feeds), which the serial shell reads back; the guest's
 * LED report gives Caps Lock back, and typing with it on stays exact; named keys
 * arrive as the Linux key codes the PS/2 path gives; a tablet on the second slot at the same time reports absolute
 * X/Y (EV_ABS) and its buttons; detaching makes the guest log the disconnect.
 */
import {once} from 'node:events';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {attachHid, usbPressKeys, usbTablet, usbTypeText, type EmulatedHid} from '../../src/client/actions/usb-hid.js';
import {SpiceSession} from '../../src/client/session.js';
import type {UsbKeyboard} from '../../src/client/usb/hid/keyboard.js';
import type {UsbTablet} from '../../src/client/usb/hid/tablet.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {ensureGuest} from '../../src/lab/guest/build.js';
import {connectSerial, type SerialShell} from '../../src/lab/guest/serial.js';
import {which} from '../../src/lab/install.js';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';

// On CI the lab packages are installed first: a missing one must fail, not skip.
const runLab = which('qemu-system-x86_64') !== undefined || !!process.env.CI;

let t: LabTarget | undefined;
let shell: SerialShell;
let session: SpiceSession;
let keyboard: EmulatedHid<UsbKeyboard> | undefined;
let tablet: EmulatedHid<UsbTablet> | undefined;

/** Polls a guest command over the serial shell until its output is `want` (or the time is up). */
async function waitForOutput(cmd: string, want: string | RegExp, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  let got = '';
  while (Date.now() < end) {
    got = await shell.run(cmd);
    if (typeof want === 'string' ? got === want : want.test(got)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return got;
}

/** The guest's input event device (eventN) whose name contains `name`. */
async function eventDevice(name: string): Promise<string> {
  const out = await waitForOutput(
    `for e in /sys/class/input/event*; do grep -q '${name}' $e/device/name 2>/dev/null && echo \${e##*/}; done`,
    /^event\d+$/,
    30_000,
  );
  expect(out).toMatch(/^event\d+$/);
  return out;
}

/**
 * struct input_event on x86-64 as od prints it in u16 words: 8 words of time, type, code, value (low, high).
 * Returns "type/code/value" for the events of `types` (EV_KEY 1, EV_ABS 3; value as s32).
 */
async function readEvents(file: string, types: number[]): Promise<string[]> {
  const out = await shell.run(`od -An -tu2 -w24 -v ${file}`);
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((w) => w.length === 12 && types.includes(w[8]!))
    .map((w) => `${w[8]}/${w[9]}/${(w[10]! | (w[11]! << 16)) >> 0}`);
}

beforeAll(async () => {
  if (!runLab) return;
  await ensureGuest();
  t = await startQemu({mode: 'linux', usbredir: 2});
  shell = await connectSerial(t.extra.serial!);
  await shell.waitForShell(120_000);
  session = await SpiceSession.connect(t.uri, {channelFilter: (type) => type === ChannelType.USBREDIR, timeoutMs: 15_000});
}, 210_000);

afterAll(async () => {
  await keyboard?.detach().catch(() => undefined);
  await tablet?.detach().catch(() => undefined);
  session?.close();
  shell?.close();
  await t?.stop();
});

describe.skipIf(!runLab)('emulated USB HID devices in the QEMU tiny guest', () => {
  it('the keyboard is enumerated, bound by usbhid, and types a command line into the tty1 shell', async () => {
    keyboard = await attachHid(session, 'keyboard', {timeoutMs: 10_000});
    expect(keyboard.slot.id).toBe(0);
    // The kernel's console keyboard handler opens every keyboard: usbhid starts polling (interrupt receiving).
    const t0 = Date.now();
    await keyboard.whenReady(60_000);
    console.info(`[usb-hid] keyboard polled by the guest ${Date.now() - t0} ms after device_connect`);
    expect(await shell.run('cat /sys/bus/usb/devices/*/product')).toContain('spice-cli USB Keyboard');
    expect(await shell.run('ls /sys/bus/usb/drivers/usbhid')).toMatch(/\d+-\d+:1\.0/);
    const text = 'Typed-through-USB: abc XYZ 0123456789 ~!@#$%^&*()_+{}|:"<>?';
    const line = `echo '${text}' > /tmp/u1`;
    const report = await usbTypeText(keyboard, `${line}\n`, {timeoutMs: 30_000});
    expect(report).toMatchObject({layout: 'us', characters: line.length + 1, rate: 50, capsLock: false});
    expect(await waitForOutput('cat /tmp/u1 2>&1', text, 15_000)).toBe(text);
    console.info(`[usb-hid] typed ${report.characters} characters (${report.keystrokes} keystrokes) at ${report.keysPerSecond}/s`);
  }, 120_000);

  it('the guest sets the keyboard LEDs (SET_REPORT): Caps Lock comes back, and text typed with it on is still exact', async () => {
    const kb = keyboard!.device;
    expect(kb.locks.capsLock).toBe(false);
    const ledsOn = once(kb, 'leds', {signal: AbortSignal.timeout(10_000)});
    await usbPressKeys(keyboard!, ['capslock'], {timeoutMs: 10_000});
    await ledsOn;
    expect(kb.locks.capsLock).toBe(true);
    try {
      const text = 'Caps On: MiXeD case, UPPER lower 123';
      const report = await usbTypeText(keyboard!, `echo '${text}' > /tmp/u2\n`, {timeoutMs: 30_000});
      expect(report.capsLock).toBe(true);
      expect(await waitForOutput('cat /tmp/u2 2>&1', text, 15_000)).toBe(text);
    } finally {
      const ledsOff = once(kb, 'leds', {signal: AbortSignal.timeout(10_000)});
      await usbPressKeys(keyboard!, ['capslock'], {timeoutMs: 10_000});
      await ledsOff;
    }
    expect(kb.locks.capsLock).toBe(false);
  }, 60_000);

  it('a 200-character command typed at 250 keys/s arrives complete (QEMU buffers the reports until the guest polls)', async () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+.,:/@%';
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const payload = Array.from({length: 200 - 'echo  > /tmp/u3'.length}, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    const report = await usbTypeText(keyboard!, `echo ${payload} > /tmp/u3\n`, {timeoutMs: 30_000, rate: 250});
    expect(report.characters).toBe(201);
    expect(await waitForOutput('cat /tmp/u3 2>&1', payload, 15_000)).toBe(payload);
    console.info(`[usb-hid] 201 characters (${report.keystrokes} keystrokes) at ${report.keysPerSecond}/s, complete`);
  }, 60_000);

  it('named keys reach the guest as the same Linux key codes as through PS/2 (evdev)', async () => {
    const ev = await eventDevice('spice-cli USB Keyboard');
    await shell.run(`rm -f /tmp/ev; (timeout 8 cat /dev/input/${ev} > /tmp/ev &); true`);
    await new Promise((r) => setTimeout(r, 500));
    const keys = ['pause', 'printscreen', 'super', 'menu', 'rctrl', 'altgr', 'kp-enter', 'home', 'end', 'delete', 'up', 'f1', 'f11', 'f12', 'esc', 'shift-a'];
    await usbPressKeys(keyboard!, keys, {timeoutMs: 10_000, rate: 20, holdMs: 20});
    await new Promise((r) => setTimeout(r, 8500));
    const events = (await readEvents('/tmp/ev', [1])).filter((e) => !e.endsWith('/2')).map((e) => e.slice(2)); // no autorepeats
    expect(events).toEqual(
      [119, 99, 125, 127, 97, 100, 96, 102, 107, 111, 103, 59, 87, 88, 1].flatMap((c) => [`${c}/1`, `${c}/0`]).concat(['42/1', '30/1', '30/0', '42/0']),
    );
  }, 60_000);

  it('a tablet on the second slot at the same time reports absolute X/Y and its buttons', async () => {
    tablet = await attachHid(session, 'tablet', {timeoutMs: 10_000});
    expect(tablet.slot.id).toBe(1);
    const ev = await eventDevice('spice-cli USB Tablet');
    expect(await shell.run('cat /sys/bus/usb/devices/*/product')).toMatch(/spice-cli USB Keyboard[\s\S]*spice-cli USB Tablet|spice-cli USB Tablet[\s\S]*spice-cli USB Keyboard/);
    // Opening the event device makes usbhid poll the tablet; whenReady also lets usbhid's first 50 ms pass (it drops
    // the reports of an open's first 50 ms).
    await shell.run(`rm -f /tmp/tev; (timeout 8 cat /dev/input/${ev} > /tmp/tev &); true`);
    await tablet.whenReady(30_000);
    await usbTablet(tablet, {action: 'move', x: 1234, y: 23456}, {timeoutMs: 10_000});
    await usbTablet(tablet, {action: 'click', x: 32767, y: 0, button: 'left'}, {timeoutMs: 10_000});
    // pixels of a 1024x768 screen: 100 * 32767 / 1023 and 700 * 32767 / 767 (29904.5), rounded
    const r = await usbTablet(tablet, {action: 'move', x: 100, y: 700}, {timeoutMs: 10_000, screen: {width: 1024, height: 768}});
    expect(r).toEqual({action: 'move', x: 3203, y: 29905});
    await new Promise((res) => setTimeout(res, 8500));
    const events = await readEvents('/tmp/tev', [1, 3]);
    // EV_ABS (3) ABS_X 0 / ABS_Y 1; EV_KEY (1) BTN_LEFT 272
    expect(events).toEqual(['3/0/1234', '3/1/23456', '3/0/32767', '3/1/0', '1/272/1', '1/272/0', '3/0/3203', '3/1/29905']);
  }, 90_000);

  it('detaching makes the guest log the disconnect; the other device stays', async () => {
    const disconnects = async () => Number(await shell.run('dmesg | grep -c "USB disconnect"'));
    const before = await disconnects();
    await keyboard!.detach();
    keyboard = undefined;
    expect(await waitForOutput('dmesg | grep -c "USB disconnect"', String(before + 1), 15_000)).toBe(String(before + 1));
    expect(await shell.run('dmesg | grep "USB disconnect" | tail -1')).toMatch(/usb 1-1: USB disconnect, device number \d+/);
    // "USB disconnect" opens the kernel's usb_disconnect: the sysfs entries go right after
    const products = await waitForOutput('cat /sys/bus/usb/devices/*/product', /^(?![\s\S]*USB Keyboard)/, 10_000);
    expect(products).not.toContain('spice-cli USB Keyboard');
    expect(products).toContain('spice-cli USB Tablet');
    await tablet!.detach();
    tablet = undefined;
    expect(await waitForOutput('dmesg | grep -c "USB disconnect"', String(before + 2), 15_000)).toBe(String(before + 2));
    expect(session.usbSlots().map((s) => s.busy)).toEqual([false, false]);
  }, 60_000);
});
