/**
 * A click on a real X button changes its state: xmessage (Athena widgets) shows a "Press" button; `spice-cli
 * click` at the button's centre (its geometry read from X with xwininfo) activates it: xmessage prints the
 * button's label, exits with the button's code, and its window leaves the screen. A click beside the button
 * does nothing.
 */
import {spawn, spawnSync} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';
import {readImage} from '../support/images.js';

let t: LabTarget;

beforeAll(async () => {
  t = await startXspice({stopOnExit: true, clients: []});
});
afterAll(async () => {
  await t?.stop();
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The xmessage window's widgets, by absolute position (xwininfo -tree), and the lowest one (the button row). */
function buttonOf(windowId: string): Box {
  const r = spawnSync('xwininfo', ['-tree', '-id', windowId], {env: {...process.env, DISPLAY: t.display}, encoding: 'utf8', timeout: 10_000});
  const boxes = [...r.stdout.matchAll(/^ {8}0x[0-9a-f]+ .*?(\d+)x(\d+)[+-]-?\d+[+-]-?\d+ +\+(-?\d+)\+(-?\d+)$/gm)].map((m) => ({
    width: Number(m[1]),
    height: Number(m[2]),
    x: Number(m[3]),
    y: Number(m[4]),
  }));
  if (boxes.length < 2) throw new Error(`xwininfo -tree: no widgets found\n${r.stdout}`);
  return boxes.reduce((a, b) => (b.y > a.y ? b : a));
}

async function waitWindow(name: string, timeoutMs = 10_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = spawnSync('xdotool', ['search', '--onlyvisible', '--name', name], {env: {...process.env, DISPLAY: t.display}, encoding: 'utf8', timeout: 5000});
    const id = r.stdout.trim().split('\n')[0];
    if (id) return id;
    if (Date.now() > end) throw new Error(`no window named ${name} appeared`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe('click on an X button (Xspice)', () => {
  it('activates the button: xmessage prints its label and exits with its code; a click beside it does nothing', async () => {
    const child = spawn('xmessage', ['-print', '-buttons', 'Press:7', '-geometry', '+100+100', 'spice-cli click test'], {
      env: {...process.env, DISPLAY: t.display},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    try {
      const button = buttonOf(await waitWindow('xmessage'));
      const cx = button.x + Math.floor(button.width / 2);
      const cy = button.y + Math.floor(button.height / 2);

      // Beside the button (below the window): nothing happens.
      const miss = await runCli(['click', '--uri', t.uri, '--json', String(cx), String(button.y + button.height + 40)]);
      expect(miss.code, miss.stderr).toBe(0);
      await new Promise((res) => setTimeout(res, 300));
      expect(child.exitCode).toBeNull();

      const region = `${button.x},${button.y},${button.width},${button.height}`;
      const isBlack = async (file: string) => {
        const r = await runCli(['screenshot', '--uri', t.uri, '--region', region, '-o', file]);
        expect(r.code, r.stderr).toBe(0);
        return (await readImage(file)).rgb.every((v) => v === 0);
      };
      expect(await isBlack(`${t.dir}/before.png`)).toBe(false);

      const hit = await runCli(['click', '--uri', t.uri, '--json', String(cx), String(cy)]);
      expect(hit.code, hit.stderr).toBe(0);
      expect(JSON.parse(hit.stdout)).toMatchObject({ok: true, x: cx, y: cy, exact: true});
      const code = await Promise.race([exited, new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), 5000))]);
      expect(code).toBe(7);
      expect(out.trim()).toBe('Press');

      // The window is gone: the button's pixels are now the black root window.
      expect(await isBlack(`${t.dir}/after.png`)).toBe(true);
    } finally {
      child.kill();
    }
  }, 60_000);
});
