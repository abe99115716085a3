/** X-side helpers for the monitor and pointer tests: xrandr outputs, the pointer, button events on the root window. */
import {spawn, spawnSync} from 'node:child_process';
import type {LabTarget} from '../../src/lab/types.js';

const xenv = (t: LabTarget) => ({...process.env, DISPLAY: t.display});

/** The enabled RandR outputs as "NAME WxH+X+Y" (xrandr --query). */
export function xrandrOutputs(t: LabTarget): string[] {
  const r = spawnSync('xrandr', ['--query'], {env: xenv(t), encoding: 'utf8', timeout: 10_000});
  if (r.status !== 0) throw new Error(`xrandr failed (${r.status ?? r.signal}): ${r.stderr}`);
  return [...r.stdout.matchAll(/^(\S+) connected (?:primary )?(\d+x\d+[+-]\d+[+-]\d+)/gm)].map((m) => `${m[1]} ${m[2]}`);
}

/** Where X has the pointer (xdotool getmouselocation). */
export function pointer(t: LabTarget): {x: number; y: number} {
  const r = spawnSync('xdotool', ['getmouselocation'], {env: xenv(t), encoding: 'utf8', timeout: 10_000});
  const m = /x:(\d+) y:(\d+)/.exec(r.stdout);
  if (!m) throw new Error(`xdotool getmouselocation: ${r.stdout} ${r.stderr}`);
  return {x: Number(m[1]), y: Number(m[2])};
}

/**
 * Runs `action` while xev listens for button events on the root window (no window manager: clicks where no
 * window is go to the root) and resolves with the root positions of the presses and releases X delivered.
 */
export async function rootButtons(t: LabTarget, action: () => Promise<void>, timeoutMs = 15_000): Promise<string[]> {
  const xev = spawn('xev', ['-root', '-event', 'button'], {env: xenv(t), stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  xev.stdout.on('data', (d) => (out += d));
  try {
    // xev selects the events right after it connects; give it a moment.
    await new Promise((r) => setTimeout(r, 500));
    await action();
    const end = Date.now() + timeoutMs;
    while (!/ButtonRelease/.test(out) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return [...out.matchAll(/(ButtonPress|ButtonRelease) event[\s\S]*?root:\((-?\d+),(-?\d+)\)/g)].map((m) => `${m[1] === 'ButtonPress' ? 'press' : 'release'} ${m[2]},${m[3]}`);
  } finally {
    xev.kill('SIGKILL');
  }
}

/**
 * Where X has the pointer once it got there: polls (≤ `ms`) until it is at `want`, then returns the last
 * reading. spice-cli exits once its events left; on a loaded machine X may move the pointer a moment later.
 */
export async function pointerSoon(t: LabTarget, want: {x: number; y: number}, ms = 3000): Promise<{x: number; y: number}> {
  const end = Date.now() + ms;
  for (;;) {
    const at = pointer(t);
    if ((at.x === want.x && at.y === want.y) || Date.now() > end) return at;
    await new Promise((r) => setTimeout(r, 50));
  }
}
