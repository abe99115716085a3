/**
 * `spice-cli resize` on lab Xspice + spice-vdagent: VD_AGENT_MONITORS_CONFIG makes spice-vdagent resize the X
 * screen (XRandR on Xspice's QXL), and the command returns once the display channel's primary surface has the
 * new size. Checked on both sides: the X root window (xwininfo) and a screenshot of the new size; back again.
 * Without an agent: exit 30; a bad size: exit 2 before connecting.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import sharp from 'sharp';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ExitCode} from '../../src/client/errors.js';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';

let t: LabTarget;
let plain: LabTarget;

beforeAll(async () => {
  [t, plain] = await Promise.all([startXspice({vdagent: true, stopOnExit: true}), startXspice({clients: [], stopOnExit: true})]);
}, 60_000);
afterAll(async () => {
  await Promise.all([t?.stop(), plain?.stop()]);
});

function xRootSize(display: string): string {
  const r = spawnSync('xwininfo', ['-root'], {env: {...process.env, DISPLAY: display}, encoding: 'utf8', timeout: 10_000});
  const w = /Width: (\d+)/.exec(r.stdout)?.[1];
  const h = /Height: (\d+)/.exec(r.stdout)?.[1];
  return `${w}x${h}`;
}

describe('spice-cli resize (Xspice + spice-vdagent)', () => {
  it('resizes the X screen and returns when the display channel shows the new size; and back', async () => {
    for (const [size, before] of [
      ['800x600', '1024x768'],
      ['1024x768', '800x600'],
    ] as const) {
      const r = await runCli(['resize', '--uri', t.uri, '--json', size]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ok: true, before: [`${before}+0+0`], after: [`${size}+0+0`]});
      expect(xRootSize(t.display!)).toBe(size);
      const file = join(t.dir, `after-${size}.png`);
      const shot = await runCli(['screenshot', '--uri', t.uri, '-o', file]);
      expect(shot.code, shot.stderr).toBe(0);
      const meta = await sharp(file).metadata();
      expect(`${meta.width}x${meta.height}`).toBe(size);
    }
  }, 90_000);

  it('the scenario step resize does the same (a screenshot step after it has the new size)', async () => {
    const file = join(t.dir, 'resize.yaml');
    writeFileSync(file, 'name: resize step\nsteps:\n  - resize: {width: 640, height: 480}\n  - screenshot: small\n  - resize: {width: 1024, height: 768}\n');
    const art = join(t.dir, 'art');
    const r = await runCli(['run', file, '--uri', t.uri, '--artifacts', art, '--json'], {timeoutMs: 60_000});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const shot = (JSON.stringify(JSON.parse(r.stdout)).match(/"([^"]*small\.png)"/) ?? [])[1];
    expect(shot && existsSync(shot), r.stdout).toBe(true);
    const meta = await sharp(shot!).metadata();
    expect(`${meta.width}x${meta.height}`).toBe('640x480');
    expect(xRootSize(t.display!)).toBe('1024x768');
  }, 90_000);

  it('without a guest agent exits 30; a bad size exits 2', async () => {
    const r = await runCli(['resize', '--uri', plain.uri, '800x600']);
    expect(r.code, r.stderr).toBe(ExitCode.NO_AGENT);
    expect(r.stderr).toMatch(/no guest agent/i);
    const bad = await runCli(['resize', '--uri', plain.uri, '800by600']);
    expect(bad.code).toBe(ExitCode.USAGE);
    expect(bad.stderr).toMatch(/expected WIDTHxHEIGHT/);
  }, 60_000);
});
