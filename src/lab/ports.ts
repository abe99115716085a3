/**
 * Free ports, free X display numbers, and bounded waits for a listening port, a path or a unix socket to accept.
 * Every wait has a timeout and fails with a SpiceError of kind 'timeout' naming what it waited for.
 */
import {existsSync, readFileSync} from 'node:fs';
import {createServer, connect} from 'node:net';
import {SpiceError, timeoutError} from '../client/errors.js';

/** Ports handed out by this process, so that two quick calls never return the same port. */
const handedOut = new Set<number>();

/** A TCP port that is free on `host` right now (bind port 0, read it, close). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen({host, port: 0, exclusive: true}, () => {
        const address = server.address();
        const p = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(p));
      });
    });
    if (port > 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`could not find a free TCP port on ${host}`);
}

/** `count` distinct free ports. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort(host));
  return ports;
}

/** True when display :n looks taken (socket or lock file present). */
export function displayInUse(n: number): boolean {
  return existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`);
}

const handedOutDisplays = new Set<number>();

/**
 * A free X display number. Starts at a random point in [min, max) so that parallel
 * processes (test workers) rarely pick the same one; callers still retry if Xorg
 * reports the display as taken.
 */
export function freeDisplay(min = 100, max = 900): number {
  const span = max - min;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const n = min + ((start + i) % span);
    if (!handedOutDisplays.has(n) && !displayInUse(n)) {
      handedOutDisplays.add(n);
      return n;
    }
  }
  throw new Error(`no free X display number between :${min} and :${max - 1}`);
}

export interface WaitOptions {
  /** Poll interval, default 20 ms. */
  intervalMs?: number;
  /**
   * Called on every poll; return a message to give up at once (e.g. "Xorg exited, see LOG").
   * The wait then fails with that message instead of waiting for the timeout.
   */
  abortIf?: () => string | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Whether something listens on host:port, read from /proc/net/tcp (no connection is made,
 * so a server that reacts to connects, e.g. exit-on-disconnect, is not disturbed).
 * Returns undefined when /proc is not readable.
 */
export function isListeningProc(host: string, port: number): boolean | undefined {
  let tables: string[];
  try {
    tables = [readFileSync('/proc/net/tcp', 'utf8')];
    try {
      tables.push(readFileSync('/proc/net/tcp6', 'utf8'));
    } catch {
      /* no IPv6 */
    }
  } catch {
    return undefined;
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const hostHex = ipv4ToProcHex(host);
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue; // 0A = LISTEN
      const [addr, p] = (cols[1] ?? '').split(':');
      if (p !== portHex || addr === undefined) continue;
      if (/^0+$/.test(addr)) return true; // wildcard bind covers every host
      if (hostHex !== undefined && addr === hostHex) return true;
      if (hostHex === undefined && addr.length === 32) return true;
    }
  }
  return false;
}

function ipv4ToProcHex(host: string): string | undefined {
  const h = host === 'localhost' ? '127.0.0.1' : host;
  const parts = h.split('.').map(Number);
  if (parts.length !== 4 || parts.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return parts
    .reverse()
    .map((x) => x.toString(16).toUpperCase().padStart(2, '0'))
    .join('');
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host, port});
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Resolves once host:port accepts connections; rejects after timeoutMs. */
export async function waitForPort(host: string, port: number, timeoutMs: number, opts: WaitOptions = {}): Promise<void> {
  const interval = opts.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const aborted = opts.abortIf?.();
    if (aborted) throw new SpiceError('connect', aborted);
    const viaProc = isListeningProc(host, port);
    if (viaProc === true) return;
    if (viaProc === undefined && (await canConnect(host, port, Math.min(500, timeoutMs)))) return;
    if (Date.now() >= deadline) throw timeoutError(`${host}:${port} to listen`, timeoutMs);
    await sleep(interval);
  }
}

/** Resolves once `path` exists; rejects after timeoutMs. */
export async function waitForPath(path: string, timeoutMs: number, opts: WaitOptions = {}): Promise<void> {
  const interval = opts.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const aborted = opts.abortIf?.();
    if (aborted) throw new SpiceError('connect', aborted);
    if (existsSync(path)) return;
    if (Date.now() >= deadline) throw timeoutError(`${path} to appear`, timeoutMs);
    await sleep(interval);
  }
}

/** Polls `check` until it returns true; rejects with a timeout naming `what`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, opts: WaitOptions = {}): Promise<void> {
  const interval = opts.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const aborted = opts.abortIf?.();
    if (aborted) throw new SpiceError('connect', aborted);
    if (await check()) return;
    if (Date.now() >= deadline) throw timeoutError(what, timeoutMs);
    await sleep(interval);
  }
}

/** Resolves once the unix socket at `path` accepts a connection (retried every 50 ms); rejects after timeoutMs. */
export function waitForUnixAccept(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const attempt = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    }).catch(async (err: unknown) => {
      if (Date.now() >= deadline) throw new SpiceError('timeout', `SPICE unix socket ${path} does not accept connections: ${(err as Error).message}`);
      await sleep(50);
      return attempt();
    });
  return attempt();
}

/** Whether some process holds a connected (state 03) unix socket bound to this path. */
export function unixSocketConnected(path: string): boolean {
  try {
    return readFileSync('/proc/net/unix', 'utf8')
      .split('\n')
      .some((line) => line.endsWith(` ${path}`) && line.trim().split(/\s+/)[5] === '03');
  } catch {
    return false;
  }
}
