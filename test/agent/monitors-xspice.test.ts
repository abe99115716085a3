/**
 * Multi-monitor layouts on lab Xspice (NumHeads 2) + spice-vdagent 0.22: `spice-cli monitors --set` makes
 * spice-vdagent enable the second QXL output through XRandR (checked with xrandr), and the display channel
 * then reports one primary surface spanning both with two heads in display MONITORS_CONFIG (checked with
 * `monitors --json`); the guest zero-bases a layout; back to one monitor; `resize --monitor 1`;
 * `screenshot --monitor 1` is the second head's region of the surface (equal to spice-gtk's picture there); the
 * scenario steps `monitors` and `resize` with `monitor`.
 * Pointer: the session switches to client mouse mode and clicks land on the exact pixel, through Xspice's
 * tablet (whole-screen coordinates, display id ignored) and through the agent (XSPICE_AGENT_MOUSE=1:
 * coordinates relative to monitor display_id). Limits: NumHeads 1 shows one monitor only (exit 40);
 * no agent: exit 30; a bad layout: exit 2.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ExitCode} from '../../src/client/errors.js';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';
import {compareRgb, readImage, type Rgb} from '../support/images.js';
import {pointerSoon, rootButtons, xrandrOutputs} from './x-display.js';

const TWO = '1024x768+0+0,800x600+1024+0';
// An xlogo that shows only once the second monitor widens the screen (the screenshot test looks at it).
const onSecond = [{command: 'xlogo', args: ['-geometry', '200x200+1200+100']}];

let two: LabTarget; // NumHeads 2, the driver's own tablet for client-mode pointer events
let agentMouse: LabTarget; // NumHeads 2, pointer events through the agent
let one: LabTarget; // NumHeads 1 (the lab default), with the agent
let plain: LabTarget; // no agent

beforeAll(async () => {
  [two, agentMouse, one, plain] = await Promise.all([
    startXspice({vdagent: true, heads: 2, clients: onSecond, stopOnExit: true, startTimeoutMs: 30_000, clientTimeoutMs: 30_000}),
    startXspice({vdagent: true, heads: 2, agentMouse: true, clients: [], stopOnExit: true, startTimeoutMs: 30_000}),
    startXspice({vdagent: true, clients: [], stopOnExit: true, startTimeoutMs: 30_000}),
    startXspice({clients: [], stopOnExit: true, startTimeoutMs: 30_000}),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([two, agentMouse, one, plain].map((t) => t?.stop()));
});

async function cli(args: string[]): Promise<any> {
  const r = await runCli([...args, '--json'], {timeoutMs: 90_000});
  expect(r.code, `${args.join(' ')}: ${r.stderr}${r.stdout}`).toBe(0);
  return JSON.parse(r.stdout);
}

const setLayout = (t: LabTarget, layout: string) => cli(['monitors', '--uri', t.uri, '--timeout', '30', '--set', layout]);
const shown = async (t: LabTarget) => (await cli(['monitors', '--uri', t.uri])).layout as string;

function crop(img: Rgb, x: number, y: number, width: number, height: number): Rgb {
  const rgb = Buffer.alloc(width * height * 3);
  for (let row = 0; row < height; row++) img.rgb.copy(rgb, row * width * 3, ((y + row) * img.width + x) * 3, ((y + row) * img.width + x + width) * 3);
  return {width, height, rgb};
}

describe('spice-cli monitors (Xspice NumHeads 2 + spice-vdagent)', () => {
  it('a two-monitor layout enables the second X output and shows as two heads; the guest zero-bases it; back to one', async () => {
    expect(await shown(two)).toBe('1024x768+0+0');
    expect(xrandrOutputs(two)).toEqual(['qxl-0 1024x768+0+0']);

    const set = await setLayout(two, TWO);
    expect(set).toMatchObject({ok: true, before: ['1024x768+0+0'], after: ['1024x768+0+0', '800x600+1024+0']});
    expect(xrandrOutputs(two)).toEqual(['qxl-0 1024x768+0+0', 'qxl-1 800x600+1024+0']);
    const json = await cli(['monitors', '--uri', two.uri]);
    expect(json.layout).toBe(TWO);
    // One primary surface (id 0 on display channel 0) carries both heads.
    expect(json.monitors.map((m: any) => [m.index, m.channel, m.surface])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
    ]);
    const human = await runCli(['monitors', '--uri', two.uri]);
    expect(human.stdout).toBe('0: 1024x768+0+0 (display channel 0, surface 0)\n1: 800x600+1024+0 (display channel 0, surface 0)\n');

    // spice-vdagent moves the layout to start at 0,0 (monitor 0 left of 0 → everything shifts right).
    const shifted = await setLayout(two, '800x600-800+0,1024x768+0+0');
    expect(shifted.after).toEqual(['800x600+0+0', '1024x768+800+0']);
    expect(xrandrOutputs(two)).toEqual(['qxl-0 800x600+0+0', 'qxl-1 1024x768+800+0']);

    const back = await setLayout(two, '1024x768+0+0');
    expect(back.after).toEqual(['1024x768+0+0']);
    expect(xrandrOutputs(two)).toEqual(['qxl-0 1024x768+0+0']);
    expect(await shown(two)).toBe('1024x768+0+0');
  }, 180_000);

  it('resize --monitor 1 changes the second monitor only; a monitor the guest does not show exits 2', async () => {
    await setLayout(two, TWO);
    const r = await cli(['resize', '--uri', two.uri, '--timeout', '30', '--monitor', '1', '640x480']);
    expect(r).toMatchObject({ok: true, before: TWO.split(','), after: ['1024x768+0+0', '640x480+1024+0']});
    expect(xrandrOutputs(two)).toEqual(['qxl-0 1024x768+0+0', 'qxl-1 640x480+1024+0']);
    const r0 = await cli(['resize', '--uri', two.uri, '--timeout', '30', '--monitor', '0', '800x600']);
    expect(r0.after).toEqual(['800x600+0+0', '640x480+1024+0']);
    expect(xrandrOutputs(two)).toEqual(['qxl-0 800x600+0+0', 'qxl-1 640x480+1024+0']);
    const bad = await runCli(['resize', '--uri', two.uri, '--monitor', '2', '640x480']);
    expect(bad.code, bad.stderr).toBe(ExitCode.USAGE);
    expect(bad.stderr).toMatch(/no monitor 2: the guest shows 2/);
  }, 180_000);

  it('screenshot --monitor 1 is the region of the primary surface the second head covers', async () => {
    await setLayout(two, TWO);
    execFileSync('xdotool', ['mousemove', '1000', '700'], {env: {...process.env, DISPLAY: two.display}});
    await new Promise((r) => setTimeout(r, 500));
    const ours = join(two.dir, 'monitor1.png');
    const shot = await cli(['screenshot', '--uri', two.uri, '--monitor', '1', '--settle', '300', '-o', ours]);
    expect([shot.width, shot.height]).toEqual([800, 600]);
    const whole = join(two.dir, 'whole-spicy.ppm');
    execFileSync('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(two.port), '-o', whole], {timeout: 30_000, stdio: 'pipe'});
    const theirs = await readImage(whole);
    expect([theirs.width, theirs.height]).toEqual([1824, 768]);
    const c = compareRgb(await readImage(ours), crop(theirs, 1024, 0, 800, 600));
    expect(c.differing, JSON.stringify(c.first)).toBe(0);
    // The xlogo at +1200+100 is on it: not a blank picture.
    const mine = await readImage(ours);
    expect(new Set(Array.from({length: 200}, (_, i) => mine.rgb.readUIntBE(((200 + i) * 800 + 250) * 3, 3))).size).toBeGreaterThan(1);
    await setLayout(two, '1024x768+0+0');
  }, 180_000);

  it('the scenario steps monitors and resize with monitor do the same (screenshots of monitor 1 have its size; xrandr)', async () => {
    const file = join(two.dir, 'monitors.yaml');
    const art = join(two.dir, 'monitors-art');
    writeFileSync(file, [
      'name: monitors steps',
      // Screen steps look at monitor 1, which only the first step makes.
      'defaults: {monitor: 1}',
      'steps:',
      `  - monitors: "${TWO}"`,
      '  - screenshot: two-monitors',
      '  - resize: {width: 640, height: 480, monitor: 1}',
      '  - screenshot: smaller-second',
      '  - monitors: [1024x768+0+0]',
      '',
    ].join('\n'));
    const r = await runCli(['run', file, '--uri', two.uri, '--artifacts', art, '--json'], {timeoutMs: 120_000});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const sizes = await Promise.all(['two-monitors', 'smaller-second'].map(async (n) => {
      const shot = (r.stdout.match(new RegExp(`"([^"]*${n}\\.png)"`)) ?? [])[1];
      expect(shot && existsSync(shot), r.stdout).toBe(true);
      const img = await readImage(shot!);
      return `${img.width}x${img.height}`;
    }));
    expect(sizes).toEqual(['800x600', '640x480']);
    expect(JSON.stringify(JSON.parse(r.stdout))).toContain('640x480+1024+0');
    expect(xrandrOutputs(two)).toEqual(['qxl-0 1024x768+0+0']);
  }, 180_000);
});

describe('pointer commands in client mouse mode (Xspice + spice-vdagent)', () => {
  it('the server offers client mode; move and click land on the exact pixel (Xspice tablet: whole-screen coordinates)', async () => {
    const info = await cli(['info', '--uri', two.uri]);
    expect(info.mouseModes.supported).toContain('client');
    const mv = await cli(['move', '--uri', two.uri, '613', '577']);
    expect(mv).toMatchObject({ok: true, mode: 'client', exact: true});
    expect(await pointerSoon(two, {x: 613, y: 577})).toEqual({x: 613, y: 577});
    const clicks = await rootButtons(two, async () => void (await cli(['click', '--uri', two.uri, '701', '655'])));
    expect(clicks).toEqual(['press 701,655', 'release 701,655']);
    // With two monitors the driver's tablet ignores MOUSE_POSITION's display id: --monitor 1 lands on monitor 0.
    await setLayout(two, TWO);
    await cli(['move', '--uri', two.uri, '--monitor', '1', '10', '20']);
    expect(await pointerSoon(two, {x: 10, y: 20})).toEqual({x: 10, y: 20});
    await cli(['move', '--uri', two.uri, '1500', '500']);
    expect(await pointerSoon(two, {x: 1500, y: 500})).toEqual({x: 1500, y: 500});
    await setLayout(two, '1024x768+0+0');
  }, 180_000);

  it('through the agent (XSPICE_AGENT_MOUSE=1) coordinates are relative to monitor --monitor, exact to the pixel', async () => {
    await setLayout(agentMouse, TWO);
    const mv = await cli(['move', '--uri', agentMouse.uri, '--monitor', '1', '10', '20']);
    expect(mv).toMatchObject({mode: 'client', exact: true});
    expect(await pointerSoon(agentMouse, {x: 1034, y: 20})).toEqual({x: 1034, y: 20});
    await cli(['move', '--uri', agentMouse.uri, '613', '577']);
    expect(await pointerSoon(agentMouse, {x: 613, y: 577})).toEqual({x: 613, y: 577});
    const clicks = await rootButtons(agentMouse, async () => void (await cli(['click', '--uri', agentMouse.uri, '--monitor', '1', '333', '444'])));
    expect(clicks).toEqual(['press 1357,444', 'release 1357,444']);
    await setLayout(agentMouse, '1024x768+0+0');
  }, 180_000);
});

describe('limits and errors', () => {
  it('NumHeads 1: spice-vdagent applies only the first of two monitors, so the layout never shows (exit 40)', async () => {
    const r = await runCli(['monitors', '--uri', one.uri, '--timeout', '8', '--set', TWO], {timeoutMs: 90_000});
    expect(r.code, r.stderr).toBe(ExitCode.TIMEOUT);
    expect(r.stderr).toMatch(/it reports 1024x768\+0\+0; the guest may have fewer outputs than the 2 monitors asked for/);
    expect(xrandrOutputs(one)).toEqual(['qxl-0 1024x768+0+0']);
  }, 120_000);

  it('without a guest agent --set exits 30 (showing the layout needs none); a bad layout exits 2', async () => {
    expect(await shown(plain)).toBe('1024x768+0+0');
    const r = await runCli(['monitors', '--uri', plain.uri, '--set', TWO]);
    expect(r.code, r.stderr).toBe(ExitCode.NO_AGENT);
    expect(r.stderr).toMatch(/no guest agent/i);
    for (const bad of ['1024x768', '1024x768+0+0;800x600+1024+0', '0x768+0+0', '1024x768+0+0,800x600+x+0', '']) {
      const b = await runCli(['monitors', '--uri', plain.uri, '--set', bad]);
      expect(b.code, `${bad}: ${b.stderr}`).toBe(ExitCode.USAGE);
      expect(b.stderr).toMatch(/bad (monitor|size)/);
    }
    const m = await runCli(['resize', '--uri', plain.uri, '--monitor', '1', '640x480']);
    expect(m.code, m.stderr).toBe(ExitCode.USAGE);
  }, 120_000);
});
