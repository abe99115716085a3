/** X-side helpers for the agent tests: xclip on the lab target's display. */
import {spawn, spawnSync} from 'node:child_process';
import type {LabTarget} from '../../src/lab/types.js';

export type XSelection = 'clipboard' | 'primary';

/**
 * Makes xclip own the selection with `data` (xclip forks and serves it until another owner takes over; its
 * output is not piped, or spawnSync would wait for the background copy to close the pipe).
 */
export function xclipIn(t: LabTarget, selection: XSelection, data: Uint8Array, target?: string): void {
  const args = ['-selection', selection, '-i', ...(target ? ['-t', target] : [])];
  const r = spawnSync('xclip', args, {env: {...process.env, DISPLAY: t.display}, input: data, timeout: 10_000, stdio: ['pipe', 'ignore', 'ignore']});
  if (r.status !== 0) throw new Error(`xclip ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

/** Reads the selection as the X applications would; asynchronous, as the agent fetches on demand. */
export function xclipOut(t: LabTarget, selection: XSelection, target?: string, timeoutMs = 30_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const args = ['-selection', selection, '-o', ...(target ? ['-t', target] : [])];
    const child = spawn('xclip', args, {env: {...process.env, DISPLAY: t.display}, stdio: ['ignore', 'pipe', 'pipe']});
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`xclip ${args.join(' ')} timed out`))), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`xclip ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

/** The TARGETS the selection's owner offers ([] if none). */
export function xTargets(t: LabTarget, selection: XSelection): string[] {
  const r = spawnSync('xclip', ['-selection', selection, '-o', '-t', 'TARGETS'], {env: {...process.env, DISPLAY: t.display}, encoding: 'utf8', timeout: 5000});
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

/** Waits until the selection's owner offers `target` with the agent's signature (MULTIPLE: xclip offers none). */
export async function waitAgentOwns(t: LabTarget, selection: XSelection, target: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const targets = xTargets(t, selection);
    if (targets.includes(target) && targets.includes('MULTIPLE')) return;
    if (Date.now() > end) throw new Error(`the agent did not take the ${selection} selection (targets: ${targets.join(' ')})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
