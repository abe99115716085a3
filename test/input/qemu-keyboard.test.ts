/**
 * Typing into QEMU's emulated PS/2 keyboard (TCG): the tiny Linux guest has a root shell on tty1 (the
 * qxl console, which gets the keyboard) and one on the serial port, which checks what arrived. QEMU's
 * PS/2 keyboard drops keys sent in a burst: the default rate must deliver a 200-character command
 * complete. QEMU reports the guest's keyboard LEDs, so Caps Lock comes back as KEY_MODIFIERS.
 */
import {once} from 'node:events';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startQemu} from '../../src/lab/qemu.js';
import {connectSerial, type SerialShell} from '../../src/lab/guest/serial.js';
import type {LabTarget} from '../../src/lab/types.js';
import {SpiceSession} from '../../src/client/session.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {lockFlags} from '../../src/client/channels/inputs.js';
import {Keyboard, pacingFor} from '../../src/client/input/keyboard.js';
import {SC} from '../../src/client/wire/scancodes.js';
import {runCli} from '../support/cli.js';

let t: LabTarget | undefined;
let shell: SerialShell;

beforeAll(async () => {
  t = await startQemu({mode: 'linux'});
  shell = await connectSerial(t.extra.serial!);
  await shell.waitForShell(60_000);
});
afterAll(async () => {
  shell?.close();
  await t?.stop();
});

/** Polls a guest command over the serial shell until its output is `want` (or the time is up). */
async function waitForOutput(cmd: string, want: string, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  let got = '';
  while (Date.now() < end) {
    got = await shell.run(cmd);
    if (got === want) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return got;
}

describe('typing into the QEMU tiny guest (PS/2 keyboard, TCG)', () => {
  it('a 200-character command typed at the default rate arrives complete', async () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+.,:/@%';
    let seed = 3;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const payload = Array.from({length: 200 - 'echo  > /tmp/k1'.length}, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    const command = `echo ${payload} > /tmp/k1`;
    expect(command.length).toBe(200);
    const r = await runCli(['type', '--uri', t!.uri, '--json', '--', command + '\n'], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ok: true, characters: 201, rate: 50});
    expect(await waitForOutput('cat /tmp/k1 2>&1', payload, 15_000)).toBe(payload);
    console.info(`[keyboard] QEMU: 201 characters (${report.keystrokes} keystrokes) at ${report.keysPerSecond}/s, complete`);
  });

  it('Caps Lock comes back as KEY_MODIFIERS, and text typed with it on is still exact', async () => {
    const session = await SpiceSession.connect(t!.uri, {channelFilter: (type) => type === ChannelType.INPUTS});
    try {
      const inputs = await session.inputs(10_000);
      expect(inputs.locks.capsLock).toBe(false);
      const changed = once(inputs, 'modifiers', {signal: AbortSignal.timeout(10_000)});
      await new Keyboard(inputs).play([{scancode: SC.CAPSLOCK, hold: []}], pacingFor());
      await inputs.flush(5000);
      await changed;
      expect(inputs.locks.capsLock).toBe(true);
    } finally {
      session.close();
    }
    try {
      const text = 'Caps On: MiXeD case, UPPER lower 123';
      const r = await runCli(['type', '--uri', t!.uri, '--json', '--', `echo '${text}' > /tmp/k2\n`]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).capsLock).toBe(true);
      expect(await waitForOutput('cat /tmp/k2 2>&1', text, 15_000)).toBe(text);
    } finally {
      const k = await runCli(['key', '--uri', t!.uri, 'capslock']);
      expect(k.code).toBe(0);
    }
  });

  it('KEY_MODIFIERS to the server sets the guest lock keys (and the guest LEDs come back)', async () => {
    const session = await SpiceSession.connect(t!.uri, {channelFilter: (type) => type === ChannelType.INPUTS});
    try {
      const inputs = await session.inputs(10_000);
      const set = async (flags: number) => {
        const changed = once(inputs, 'modifiers', {signal: AbortSignal.timeout(10_000)});
        inputs.setLockModifiers(flags);
        await inputs.flush(5000);
        await changed;
        return inputs.locks;
      };
      expect(await set(lockFlags({capsLock: true, numLock: true}))).toEqual({capsLock: true, numLock: true, scrollLock: false});
      expect(await set(0)).toEqual({capsLock: false, numLock: false, scrollLock: false});
    } finally {
      session.close();
    }
  });

  it('named keys reach the guest as the right Linux key codes (evdev), Pause included', async () => {
    await shell.run('rm -f /tmp/ev; (timeout 6 cat /dev/input/event0 > /tmp/ev &); true');
    const keys = ['pause', 'printscreen', 'super', 'menu', 'rctrl', 'altgr', 'kp-enter', 'home', 'end', 'delete', 'up', 'f1', 'f11', 'f12', 'esc', 'shift-a'];
    const r = await runCli(['key', '--uri', t!.uri, '--rate', '20', '--hold', '20', ...keys]);
    expect(r.code, r.stderr).toBe(0);
    await new Promise((res) => setTimeout(res, 6500));
    // struct input_event on x86-64: 16 bytes of time, u16 type, u16 code, s32 value; EV_KEY is 1.
    const out = await shell.run('od -An -tu2 -w24 -v /tmp/ev | awk \'$9 == 1 {print $10 "/" $11}\'');
    const events = out.split('\n').filter(Boolean);
    expect(events).toEqual(
      [119, 99, 125, 127, 97, 100, 96, 102, 107, 111, 103, 59, 87, 88, 1].flatMap((c) => [`${c}/1`, `${c}/0`]).concat(['42/1', '30/1', '30/0', '42/0']),
    );
  });
});
