/**
 * The spice-gtk side of the benchmark: scripts/bench-spice-gtk.py, run with the system Python
 * (/usr/bin/python3 has the SpiceClientGLib typelib; other pythons on PATH may not).
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {join} from 'node:path';
import {timeProcessOk, track} from './processes.js';

export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface GtkRun {
  ms: number;
  channels: number;
}

interface GtkLine {
  ok: boolean;
  ms?: number;
  channels?: number;
  error?: string;
}

/**
 * A long-lived `bench-spice-gtk.py --serve` process: one timed connect per run() (no interpreter start-up).
 * Each session is held holdMs after the timed part: Xspice's spice-server 0.15.1 segfaults when
 * spice-gtk disconnects right after linking.
 */
export class SpiceGtkRunner {
  private readonly child: ChildProcess;
  private readonly pending: Array<(line: string | Error) => void> = [];
  private stderr = '';

  constructor(script: string, host: string, port: number, holdMs: number) {
    this.child = track(spawn(SYSTEM_PYTHON, [script, '--serve', '--host', host, '--port', String(port), '--hold', String(holdMs / 1000)], {stdio: ['pipe', 'pipe', 'pipe']}));
    this.child.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
    createInterface({input: this.child.stdout!}).on('line', (line) => this.pending.shift()?.(line));
    const fail = (why: string) => {
      for (const cb of this.pending.splice(0)) cb(new Error(`${why}\n${this.stderr.slice(-1500)}`));
    };
    this.child.once('exit', (code, signal) => fail(`bench-spice-gtk.py --serve exited (${code ?? signal})`));
    this.child.once('error', (e) => fail(`cannot run ${SYSTEM_PYTHON}: ${e.message}`));
  }

  run(timeoutMs: number): Promise<GtkRun> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.pending.indexOf(onLine);
        if (i >= 0) this.pending.splice(i, 1);
        reject(new Error(`spice-gtk run gave no answer within ${timeoutMs} ms\n${this.stderr.slice(-1500)}`));
      }, timeoutMs);
      const onLine = (line: string | Error) => {
        clearTimeout(timer);
        if (line instanceof Error) return reject(line);
        try {
          resolve(parseGtkRun(JSON.parse(line) as GtkLine));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      };
      this.pending.push(onLine);
      this.child.stdin!.write('run\n');
    });
  }

  close(): void {
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    this.child.once('exit', () => clearTimeout(timer));
  }
}

function parseGtkRun(r: GtkLine): GtkRun {
  if (!r.ok || typeof r.ms !== 'number' || typeof r.channels !== 'number') throw new Error(`spice-gtk run failed: ${r.error ?? JSON.stringify(r)}`);
  return {ms: r.ms, channels: r.channels};
}

/**
 * The same script in single-run mode as a whole process: Python start-up, GI import, connect, disconnect,
 * exit. It holds the session holdMs before disconnecting (see SpiceGtkRunner); the time it reports
 * holding is taken off the wall time.
 */
export async function timeSpiceGtkProcess(script: string, host: string, port: number, holdMs: number, timeoutMs: number): Promise<{ms: number; channels: number; versions: {spiceGtk: string; python: string}}> {
  const r = await timeProcessOk(SYSTEM_PYTHON, [script, '--host', host, '--port', String(port), '--runs', '1', '--hold', String(holdMs / 1000)], timeoutMs);
  const out = JSON.parse(r.stdout) as {channels: number; heldMs: number; spiceGtk: string; python: string};
  return {ms: r.ms - out.heldMs, channels: out.channels, versions: {spiceGtk: out.spiceGtk, python: out.python}};
}

/**
 * spicy-screenshot as a whole process: it links main and display 0 only and exits at the first
 * display invalidate, so it is a reference for process cost, not the same work as linking every channel.
 */
export async function timeSpicyScreenshot(host: string, port: number, outDir: string, timeoutMs: number): Promise<{ms: number}> {
  const r = await timeProcessOk('spicy-screenshot', ['-h', host, '-p', String(port), '-o', join(outDir, 'shot.ppm')], timeoutMs);
  return {ms: r.ms};
}
