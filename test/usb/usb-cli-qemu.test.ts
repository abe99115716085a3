/**
 * The USB commands and scenario steps against the QEMU tiny Linux guest (TCG, two usb-redir slots): `usb list`
 * shows the two slots; `usb redirect --emulate keyboard --type` types a line into the tty1 shell; a stick and a
 * keyboard at once take both slots; a third device finds none free (its own error); a --slot that does not exist
 * has its own; a scenario's usb_attach/usb_detach plugs and unplugs a stick the guest sees come and go.
 * One SPICE client at a time: each command connects on its own.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ensureGuest} from '../../src/lab/guest/build.js';
import {connectSerial, type SerialShell} from '../../src/lab/guest/serial.js';
import {which} from '../../src/lab/install.js';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';

const runLab = which('qemu-system-x86_64') !== undefined || !!process.env.CI;
const work = mkdtempSync(path.join(os.tmpdir(), 'spice-cli-usbcli-qemu-'));

let t: LabTarget | undefined;
let shell: SerialShell;

/** Polls a guest command until its output matches (or the time is up); returns the last output. */
async function waitFor(cmd: string, want: string | RegExp, timeoutMs = 60_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let got = '';
  while (Date.now() < end) {
    got = await shell.run(cmd, 30_000);
    if (typeof want === 'string' ? got === want : want.test(got)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return got;
}

const products = () => shell.run('cat /sys/bus/usb/devices/*/product 2>/dev/null; true');
const img = (name: string, mib = 4) => {
  const f = path.join(work, name);
  writeFileSync(f, Buffer.alloc(mib * 1024 * 1024, 0x5a));
  return f;
};

beforeAll(async () => {
  if (!runLab) return;
  await ensureGuest();
  t = await startQemu({mode: 'linux', usbredir: 2});
  shell = await connectSerial(t.extra.serial!);
  await shell.waitForShell(120_000);
}, 210_000);

afterAll(async () => {
  shell?.close();
  await t?.stop();
  rmSync(work, {recursive: true, force: true});
});

describe.skipIf(!runLab)('usb commands and steps in the QEMU tiny guest', () => {
  it('`usb list --uri --json` shows the two usbredir slots, free', async () => {
    const r = await runCli(['usb', 'list', '--uri', t!.uri, '--json'], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.slots).toEqual([
      {slot: 'usbredir:0', id: 0, state: 'free'},
      {slot: 'usbredir:1', id: 1, state: 'free'},
    ]);
    expect(out.emulations.map((e: {emulate: string}) => e.emulate)).toEqual(['storage', 'keyboard', 'tablet']);
  }, 90_000);

  it('`usb redirect --emulate keyboard --type` types a line into the tty1 shell, then detaches', async () => {
    const r = await runCli(['usb', 'redirect', '--uri', t!.uri, '--emulate', 'keyboard', '--type', 'echo typed-by-usb-cli > /tmp/c1\\n', '--json'], {timeoutMs: 150_000});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout);
    console.info(`[usb-cli] keyboard --type: ${r.stdout.replace(/\s+/g, ' ')}`);
    expect(out.devices).toMatchObject([{slot: 'usbredir:0', device: {emulate: 'keyboard'}}]);
    expect(out.typed).toMatchObject({layout: 'us', characters: 'echo typed-by-usb-cli > /tmp/c1\n'.length});
    expect(await waitFor('cat /tmp/c1 2>&1', 'typed-by-usb-cli', 20_000)).toBe('typed-by-usb-cli');
    expect(await waitFor('cat /sys/bus/usb/devices/*/product 2>/dev/null | grep -c "USB Keyboard"; true', '0', 20_000)).toBe('0');
  }, 180_000);

  it('a stick and a keyboard at once take both slots; the guest sees both', async () => {
    const stick = img('two.img');
    const cli = runCli(['usb', 'redirect', '--uri', t!.uri, '--emulate', `storage:${stick}:ro`, '--emulate', 'keyboard', '--for', '25', '--json'], {timeoutMs: 150_000});
    const seen = await waitFor('cat /sys/bus/usb/devices/*/product 2>/dev/null', /spice-cli USB storage[\s\S]*spice-cli USB Keyboard|spice-cli USB Keyboard[\s\S]*spice-cli USB storage/, 60_000);
    expect(seen).toContain('spice-cli USB storage');
    expect(seen).toContain('spice-cli USB Keyboard');
    const r = await cli;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.devices.map((d: {slot: string; device: {emulate: string}}) => `${d.slot} ${d.device.emulate}`)).toEqual(['usbredir:0 storage', 'usbredir:1 keyboard']);
    expect(await waitFor('cat /sys/bus/usb/devices/*/product 2>/dev/null | grep -c spice-cli; true', '0', 30_000)).toBe('0');
  }, 180_000);

  it('a third device with both slots busy is "all 2 USB slots are in use" (exit 2); the two attached are detached', async () => {
    const stick = img('three.img');
    const r = await runCli(['usb', 'redirect', '--uri', t!.uri, '--emulate', `storage:${stick}:ro`, '--emulate', 'keyboard', '--emulate', 'tablet', '--for', '5', '--json'], {timeoutMs: 120_000});
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.error).toMatchObject({kind: 'usage', exitCode: 2});
    expect(out.error.message).toMatch(/all 2 USB slots are in use/);
    expect(out.devices.map((d: {slot: string}) => d.slot)).toEqual(['usbredir:0', 'usbredir:1']);
    expect(await waitFor('cat /sys/bus/usb/devices/*/product 2>/dev/null | grep -c spice-cli; true', '0', 30_000)).toBe('0');
  }, 150_000);

  it('--slot 5 is "there is no USB slot 5" (exit 2)', async () => {
    const r = await runCli(['usb', 'redirect', '--uri', t!.uri, '--emulate', 'tablet', '--slot', '5', '--for', '1'], {timeoutMs: 60_000});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/there is no USB slot 5 \(slots: 0, 1\)/);
  }, 90_000);

  it('a scenario: usb_attach a stick (seen in the guest), usb_detach it (gone); a keyboard types (usb_type) and is detached at the end', async () => {
    img('scenario.img');
    const file = path.join(work, 'usb.yaml');
    writeFileSync(
      file,
      [
        'steps:',
        '  - usb_attach: {emulate: storage, image: scenario.img, read_only: true, as: stick}',
        '  - sleep: 20s',
        '  - usb_detach: stick',
        '  - usb_attach: keyboard',
        '  - usb_type: "echo typed-by-usb-step > /tmp/c2\\n"',
        '  - sleep: 2s',
        '',
      ].join('\n'),
    );
    const check = await runCli(['run', '--check', file]);
    expect(check.code, check.stderr).toBe(0);
    const cli = runCli(['run', '--uri', t!.uri, '--json', '--artifacts', path.join(work, 'artifacts'), file], {timeoutMs: 200_000});
    expect(await waitFor('cat /sys/bus/usb/devices/*/product 2>/dev/null', /spice-cli USB storage/, 60_000)).toContain('spice-cli USB storage');
    expect(await waitFor('cat /sys/bus/usb/devices/*/product 2>/dev/null | grep -c "USB storage"; true', '0', 60_000)).toBe('0');
    const r = await cli;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    console.info(`[usb-cli] scenario: ${r.stdout.replace(/\s+/g, ' ').slice(0, 1500)}`);
    expect(await waitFor('cat /tmp/c2 2>&1', 'typed-by-usb-step', 20_000)).toBe('typed-by-usb-step');
    expect(await waitFor('cat /sys/bus/usb/devices/*/product 2>/dev/null | grep -c spice-cli; true', '0', 30_000)).toBe('0');
  }, 240_000);
});
