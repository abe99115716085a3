/**
 * Starting a lab server process and getting it to listen, shared by Xspice and QEMU: free ports
 * for its SPICE listener, the wait for them (given up at once when the server dies), retries after
 * a port or display collision, running a start-up command to its exit (QEMU -daemonize), PID files,
 * and the set of processes a target started, stopped in order.
 */
import {spawn} from 'node:child_process';
import {closeSync, openSync, readFileSync} from 'node:fs';
import {freePort, waitForPort} from './ports.js';
import {isAlive, killNow, stopProcess, type SpawnedProcess} from './processes.js';

/** The TCP ports of a SPICE listener: the plain port and, with TLS, the TLS port. */
export interface ListenPorts {
  port: number;
  tlsPort?: number;
}

/** Free ports for a listener on `host`: the plain port, then (when `tls`) the TLS port. */
export async function allocateListenPorts(host: string, tls: boolean): Promise<ListenPorts> {
  const port = await freePort(host);
  return tls ? {port, tlsPort: await freePort(host)} : {port};
}

/** Waits for the plain port, then the TLS port, to listen; `abortIf` gives up at once (e.g. the server died). */
export async function waitForListenPorts(
  host: string,
  ports: ListenPorts,
  timeoutMs: number,
  abortIf: () => string | undefined,
): Promise<void> {
  await waitForPort(host, ports.port, timeoutMs, {abortIf});
  if (ports.tlsPort !== undefined) await waitForPort(host, ports.tlsPort, timeoutMs, {abortIf});
}

/** What one start attempt gave: the started thing, or why not and whether another attempt may do better. */
export type StartAttempt<T> = {ok: true; value: T} | {ok: false; error: unknown; retryable: boolean};

/**
 * Runs `attempt(1)`, `attempt(2)`, ... until one succeeds, one fails for a reason a retry cannot fix,
 * or `maxAttempts` have failed; then throws that attempt's error. Each attempt cleans up after itself.
 */
export async function startWithRetries<T>(maxAttempts: number, attempt: (n: number) => Promise<StartAttempt<T>>): Promise<T> {
  for (let n = 1; ; n++) {
    const result = await attempt(n);
    if (result.ok) return result.value;
    if (n >= maxAttempts || !result.retryable) throw result.error;
  }
}

/** Stops a process that failed to come up (short grace); errors are ignored. */
export async function stopQuietly(pid: number, startTime?: string): Promise<void> {
  await stopProcess(pid, {startTime, graceMs: 1000}).catch(() => undefined);
}

/** The processes a target started, its server first. */
export class StartedProcesses {
  readonly list: SpawnedProcess[] = [];

  add(p: SpawnedProcess): void {
    this.list.push(p);
  }

  remove(p: SpawnedProcess): void {
    const i = this.list.lastIndexOf(p);
    if (i >= 0) this.list.splice(i, 1);
  }

  get pids(): number[] {
    return this.list.map((p) => p.pid);
  }

  /** Their start times, comma separated in PID order (the state file's extra.pidStartTimes). */
  startTimes(): string {
    return this.list.map((p) => p.startTime ?? '').join(',');
  }

  /**
   * Stops the server first (its clients then exit at once: spice-vdagent alone takes ~0.7 s to act on
   * SIGTERM), then whatever is left, together. Returns the errors met (every process is tried).
   */
  async stopServerFirst(graceMs = 3000): Promise<string[]> {
    const errors: string[] = [];
    const stopOne = (p: SpawnedProcess) =>
      stopProcess(p.pid, {startTime: p.startTime, graceMs}).catch((err: Error) => {
        errors.push(err.message);
      });
    const [server, ...rest] = this.list;
    if (server) await stopOne(server);
    await Promise.all(rest.map(stopOne));
    return errors;
  }

  /** SIGKILL to every one of them, synchronously (for a process 'exit' handler). */
  killNow(): void {
    killNow(this.pids);
  }
}

/** Runs `handler` when this Node process exits; returns the function that removes it. */
export function onProcessExit(handler: () => void): () => void {
  process.on('exit', handler);
  return () => process.off('exit', handler);
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunToExitOptions {
  /** stdout and stderr are appended here. */
  logFile: string;
  cwd?: string;
  /** Limit for the command to exit; it is SIGKILLed then, and the run fails with timeoutError(). */
  timeoutMs: number;
  timeoutError: () => Error;
  /** The error to fail with when the command cannot be started at all (e.g. ENOENT). */
  spawnError: (err: NodeJS.ErrnoException) => Error;
}

/**
 * Runs a command that sets something up and exits (QEMU with -daemonize exits once the machine is
 * set up, leaving the daemon), with its output in a log file. Resolves with how it exited.
 */
export async function runToExit(command: string, args: string[], opts: RunToExitOptions): Promise<ProcessExit> {
  const fd = openSync(opts.logFile, 'a');
  try {
    return await new Promise<ProcessExit>((resolve, reject) => {
      const child = spawn(command, args, {stdio: ['ignore', fd, fd], cwd: opts.cwd});
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(opts.timeoutError());
      }, opts.timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(opts.spawnError(err as NodeJS.ErrnoException));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({code, signal});
      });
    });
  } finally {
    closeSync(fd);
  }
}

/** The PID in a PID file (NaN when it holds none); throws when the file cannot be read. */
export function readPidFile(pidFile: string): number {
  return Number(readFileSync(pidFile, 'utf8').trim());
}

/** Stops the process named by a PID file, if there is one and it runs. */
export async function killFromPidFile(pidFile: string): Promise<void> {
  try {
    const pid = readPidFile(pidFile);
    if (pid > 0 && isAlive(pid)) await stopProcess(pid, {graceMs: 1000});
  } catch {
    /* no PID file */
  }
}

/** The URI of a TCP listener: spice://HOST:PORT, plus ?tls-port=N with TLS. */
export function spiceUri(host: string, ports: ListenPorts): string {
  return `spice://${host}:${ports.port}${ports.tlsPort !== undefined ? `?tls-port=${ports.tlsPort}` : ''}`;
}
