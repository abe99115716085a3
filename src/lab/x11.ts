/**
 * Asking a lab X display about its windows and focus, through the X utilities (xdotool, xwininfo).
 */
import {spawnSync} from 'node:child_process';
import {PROGRAMS, which} from './install.js';

/**
 * Gives the X input focus to the first visible window of WM_CLASS `cls` on display :n (xdotool), and checks
 * that X reports it focused. A window found before it is mapped cannot take the focus (there is no window
 * manager to do it later), so this retries until `timeoutMs`. Returns false when xdotool is missing or no
 * such window takes the focus in time.
 */
export function focusWindow(display: number | string, cls: string, timeoutMs = 5000): boolean {
  const d = typeof display === 'number' ? `:${display}` : display;
  const xdotool = which('xdotool');
  if (!xdotool) return false;
  const env = {...process.env, DISPLAY: d};
  const run = (args: string[]) => spawnSync(xdotool, args, {env, encoding: 'utf8', timeout: 5000});
  const deadline = Date.now() + timeoutMs;
  do {
    const found = run(['search', '--onlyvisible', '--limit', '1', '--class', cls]);
    const id = found.stdout?.trim().split('\n')[0];
    if (found.status === 0 && id) {
      run(['windowfocus', '--sync', id]);
      if (run(['getwindowfocus']).stdout?.trim() === id) return true;
    }
    spawnSync('sleep', ['0.05']);
  } while (Date.now() < deadline);
  return false;
}

/** Number of top-level windows on display :n (xwininfo -root -children). */
export function countTopLevelWindows(display: number | string): number {
  const d = typeof display === 'number' ? `:${display}` : display;
  const r = spawnSync(PROGRAMS.xwininfo.path, ['-root', '-children'], {
    env: {...process.env, DISPLAY: d},
    encoding: 'utf8',
    timeout: 5000,
  });
  if (r.status !== 0) return 0;
  const m = /^\s+(\d+) child(?:ren)?[.:]/m.exec(r.stdout);
  return m ? Number(m[1]) : 0;
}
