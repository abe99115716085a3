/**
 * Child processes of the benchmark: timed runs (process start → exit) and the long-lived spice-gtk
 * runner. Every child is tracked so that SIGINT can end exactly those, by their own handles.
 */
import {spawn, type ChildProcess} from 'node:child_process';

const live = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** SIGKILLs every child the benchmark started that is still running. */
export function killTrackedChildren(): void {
  for (const child of live) child.kill('SIGKILL');
}

export interface TimedProcess {
  /** Wall time from spawn() to the 'exit' event. */
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and times it; rejects on timeout (the child is killed). */
export function timeProcess(command: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<TimedProcess> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let exitMs = 0;
    const child = track(spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env}));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('exit', () => (exitMs = performance.now() - t0));
    child.once('error', (e) => (clearTimeout(timer), reject(e)));
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ms: exitMs || performance.now() - t0, code, stdout, stderr});
    });
  });
}

/** Runs a timed process and insists on exit status 0. */
export async function timeProcessOk(command: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<TimedProcess> {
  const r = await timeProcess(command, args, timeoutMs, env);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.code}\n${r.stderr.slice(-1500)}${r.stdout.slice(-500)}`);
  return r;
}
