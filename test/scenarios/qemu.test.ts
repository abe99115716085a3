/**
 * The QEMU example against the tiny Linux guest (root shell on tty1 over qxl): `spice-cli run` waits for
 * the shell prompt from boot, types a command and asserts its output by needle; after clearing the screen and
 * printing something else, the output needle fails (exit 1).
 */
import {cpSync, existsSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';

const root = new URL('../../', import.meta.url).pathname;
let t: LabTarget | undefined;
beforeAll(async () => {
  t = await startQemu({mode: 'linux'});
}, 180_000);
afterAll(async () => {
  await t?.stop();
});

describe('examples against the QEMU tiny guest', () => {
  it('qemu-shell: waits for the prompt from boot, types a command and finds its output', async () => {
    const art = mkdtempSync(join(tmpdir(), 'spice-cli-run-qemu-'));
    const r = await runCli(['run', join(root, 'examples/qemu-shell.yaml'), '--uri', t!.uri, '--artifacts', art, '--json'], {timeoutMs: 150_000});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const sc = JSON.parse(r.stdout).scenarios[0];
    expect(sc.steps.map((s: {kind: string; detail?: string}) => `${s.kind}: ${s.detail}`)).toEqual([
      'wait_screen: qemu-prompt (100.0%)',
      'type: 23 characters',
      'assert_screen: qemu-output-42 (100.0%)',
    ]);
    // Clear the screen and print 36: the output needle (42) is nowhere, exit 1.
    const dir = mkdtempSync(join(tmpdir(), 'spice-cli-run-qemu-wrong-'));
    cpSync(join(root, 'examples/needles'), join(dir, 'needles'), {recursive: true});
    const wrong = join(dir, 'wrong.yaml');
    writeFileSync(wrong, 'name: wrong\nsteps:\n  - type: "clear; echo spice-$((6*6))-ok\\n"\n  - wait_still: 150ms\n  - assert_screen: {needles: qemu-output-42, timeout: 2s}\n');
    const r2 = await runCli(['run', wrong, '--uri', t!.uri, '--artifacts', join(dir, 'art')], {timeoutMs: 150_000});
    expect(r2.code, r2.stderr).toBe(1);
    expect(existsSync(join(dir, 'art', 'wrong', 'diff.png'))).toBe(true);
  }, 300_000);
});
