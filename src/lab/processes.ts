/**
 * Detached children with their output in a log file, and stopping them by PID
 * (process group first: SIGTERM, a bounded wait, then SIGKILL).
 */
import {spawn} from 'node:child_process';
import {closeSync, openSync, readdirSync, readFileSync} from 'node:fs';

export interface SpawnOptions {
  /** stdout and stderr are appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface SpawnedProcess {
  pid: number;
  /** Process start time (clock ticks since boot, /proc/PID/stat field 22); guards against PID reuse. */
  startTime?: string;
  command: string;
  logFile: string;
  /** Set once the child has exited (only known to the process that spawned it). */
  exit?: {code: number | null; signal: NodeJS.Signals | null};
}

/**
 * Starts `command args` detached (own process group, stdin from /dev/null, output to logFile).
 * The child does not keep this Node process alive.
 */
export function spawnDetached(command: string, args: string[], opts: SpawnOptions): Promise<SpawnedProcess> {
  const fd = openSync(opts.logFile, 'a');
  return new Promise<SpawnedProcess>((resolve, reject) => {
    let child;
    try {
      child = spawn(command, args, {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: opts.env ?? process.env,
        cwd: opts.cwd,
      });
    } catch (err) {
      closeSync(fd);
      reject(err);
      return;
    }
    const onError = (err: Error) => {
      closeSync(fd);
      reject(new Error(`cannot start ${command}: ${err.message}`, {cause: err}));
    };
    child.once('error', onError);
    child.once('spawn', () => {
      child.off('error', onError);
      closeSync(fd);
      const pid = child.pid;
      if (pid === undefined) {
        reject(new Error(`cannot start ${command}: no PID`));
        return;
      }
      const proc: SpawnedProcess = {pid, startTime: processStartTime(pid), command, logFile: opts.logFile};
      child.once('exit', (code, signal) => {
        proc.exit = {code, signal};
      });
      child.unref();
      resolve(proc);
    });
  });
}

function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may contain spaces: split after the last ')'.
    const close = stat.lastIndexOf(')');
    return [stat.slice(0, close + 1), ...stat.slice(close + 2).trim().split(' ')];
  } catch {
    return undefined;
  }
}

/** Start time of a process (field 22 of /proc/PID/stat), or undefined if unknown. */
export function processStartTime(pid: number): string | undefined {
  // After the split: [0] = "pid (comm)", [1] = state (field 3), so field n is at index n - 2.
  return procStat(pid)?.[20];
}

/** Live (not zombie) members of process group `pgid`, from /proc. */
export function liveGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    // stat[1] is the state (field 3), stat[3] the process group (field 5).
    if (stat && Number(stat[3]) === pgid && stat[1] !== 'Z' && stat[1] !== 'X') out.push(Number(name));
  }
  return out;
}

/**
 * Whether `pid` is a live process (zombies count as dead). With `startTime`, also
 * checks that the PID was not reused by another process since it was recorded.
 */
export function isAlive(pid: number, startTime?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (stat) {
    if (stat[1] === 'Z' || stat[1] === 'X') return false;
    if (startTime !== undefined && stat[20] !== startTime) return false;
  }
  return true;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function signal(pid: number, sig: NodeJS.Signals, group: boolean): void {
  if (group) {
    try {
      process.kill(-pid, sig);
      return;
    } catch {
      /* not a group leader (or already gone): fall back to the process itself */
    }
  }
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

export interface StopOptions {
  /** How long to wait after SIGTERM before SIGKILL; default 3000 ms. */
  graceMs?: number;
  /** Signal the whole process group (the child is its leader when started by spawnDetached); default true. */
  group?: boolean;
  /** When given, the PID is only signalled if it still belongs to the process started at this time. */
  startTime?: string;
}

/** Stops `pid` (and its process group): SIGTERM, wait up to graceMs, then SIGKILL. Resolves once it is gone. */
export async function stopProcess(pid: number, opts: StopOptions = {}): Promise<void> {
  const group = opts.group ?? true;
  const grace = opts.graceMs ?? 3000;
  if (!isAlive(pid, opts.startTime)) {
    // The PID now belongs to another process: leave it (and its group) alone.
    if (opts.startTime !== undefined && isAlive(pid)) return;
    // The leader may be gone while other members of its group live on.
    if (group) signal(pid, 'SIGKILL', true);
    return;
  }
  signal(pid, 'SIGTERM', group);
  const deadline = Date.now() + grace;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) break;
    await sleep(20);
  }
  // SIGKILL the group in any case: members that ignored SIGTERM go too. They take a moment to die after
  // the signal (seen under load): wait for them as for the leader.
  if (group) {
    signal(pid, 'SIGKILL', true);
    const groupDeadline = Date.now() + 2000;
    while (liveGroupMembers(pid).length > 0 && Date.now() < groupDeadline) await sleep(20);
  }
  if (isAlive(pid)) {
    signal(pid, 'SIGKILL', false);
    const killDeadline = Date.now() + 2000;
    while (isAlive(pid) && Date.now() < killDeadline) await sleep(20);
    if (isAlive(pid)) throw new Error(`process ${pid} is still alive after SIGKILL`);
  }
}

/** Synchronous last-resort kill (for process 'exit' handlers): SIGKILL to each group/PID. */
export function killNow(pids: number[]): void {
  for (const pid of pids) {
    signal(pid, 'SIGKILL', true);
    signal(pid, 'SIGKILL', false);
  }
}

/** The last `maxChars` characters of a log file ('' if unreadable). */
export function tailFile(path: string, maxChars = 2000): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > maxChars ? text.slice(-maxChars) : text;
  } catch {
    return '';
  }
}
