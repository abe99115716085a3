/**
 * The lab root directory and its state file (state.json): the running targets, so that
 * `spice-cli lab status|stop` work across processes. Entries whose server process is gone
 * are pruned whenever the file is read.
 */
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {isAlive, killNow, stopProcess} from './processes.js';
import type {LabTargetInfo} from './types.js';

/** The lab root: $SPICE_CLI_LAB_DIR, default `${os.tmpdir()}/spice-cli-lab`. */
export function labRoot(override?: string): string {
  return override ?? process.env.SPICE_CLI_LAB_DIR ?? join(tmpdir(), 'spice-cli-lab');
}

export function ensureLabRoot(override?: string): string {
  const root = labRoot(override);
  mkdirSync(root, {recursive: true, mode: 0o700});
  return root;
}

export function statePath(root?: string): string {
  return join(labRoot(root), 'state.json');
}

interface StateFile {
  version: 1;
  targets: LabTargetInfo[];
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs `fn` holding an exclusive lock on the state file (a lock file made with O_EXCL). */
function withLock<T>(root: string, fn: () => T): T {
  ensureLabRoot(root);
  const lock = join(root, 'state.lock');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Stale lock: its holder is dead, or it is older than 10 s.
      try {
        const holder = Number(readFileSync(lock, 'utf8'));
        const age = Date.now() - statSync(lock).mtimeMs;
        if ((holder > 0 && !isAlive(holder)) || age > 10_000) rmSync(lock, {force: true});
      } catch {
        /* removed meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`timed out after 10 s waiting for the lab state lock ${lock}`);
      sleepSync(10);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, {force: true});
  }
}

function readRaw(root: string): StateFile {
  try {
    const parsed = JSON.parse(readFileSync(statePath(root), 'utf8')) as StateFile;
    if (parsed && Array.isArray(parsed.targets)) return parsed;
  } catch {
    /* missing or corrupt: start afresh */
  }
  return {version: 1, targets: []};
}

function writeRaw(root: string, state: StateFile): void {
  const path = statePath(root);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', {mode: 0o600});
  renameSync(tmp, path);
}

/** Start times recorded for the target's PIDs (extra.pidStartTimes, comma separated, same order as pids). */
export function pidStartTimes(info: LabTargetInfo): (string | undefined)[] {
  const raw = info.extra?.pidStartTimes;
  const list = raw ? raw.split(',') : [];
  return info.pids.map((_, i) => list[i] || undefined);
}

/** Whether the target's server process (pids[0]) still runs. */
export function targetAlive(info: LabTargetInfo): boolean {
  const pid = info.pids[0];
  if (pid === undefined) return false;
  return isAlive(pid, pidStartTimes(info)[0]);
}

/** What may be written to disk: never the password. */
function storable(info: LabTargetInfo): LabTargetInfo {
  const {password, stop: _stop, ...rest} = info as LabTargetInfo & {stop?: unknown};
  const extra = {...rest.extra};
  if (password !== undefined) extra.passwordRequired = '1';
  return {...rest, extra};
}

/**
 * The running targets. Entries whose server is dead are dropped from the file; any
 * process of theirs still alive (same PID and start time) is killed.
 */
export function readState(root?: string): LabTargetInfo[] {
  const r = labRoot(root);
  if (!existsSync(statePath(r))) return [];
  return withLock(r, () => {
    const state = readRaw(r);
    const alive: LabTargetInfo[] = [];
    for (const t of state.targets) {
      if (targetAlive(t)) alive.push(t);
      else {
        const starts = pidStartTimes(t);
        const leftovers = t.pids.filter((pid, i) => isAlive(pid, starts[i]));
        killNow(leftovers);
        cleanupXDisplay(t);
      }
    }
    if (alive.length !== state.targets.length) writeRaw(r, {version: 1, targets: alive});
    return alive;
  });
}

/** Adds (or replaces, by name) a target in the state file. The password is not stored. */
export function addToState(info: LabTargetInfo, root?: string): void {
  const r = ensureLabRoot(root);
  withLock(r, () => {
    const state = readRaw(r);
    state.targets = state.targets.filter((t) => t.name !== info.name);
    state.targets.push(storable(info));
    writeRaw(r, state);
  });
}

export function removeFromState(name: string, root?: string): void {
  const r = labRoot(root);
  if (!existsSync(statePath(r))) return;
  withLock(r, () => {
    const state = readRaw(r);
    const targets = state.targets.filter((t) => t.name !== name);
    if (targets.length !== state.targets.length) writeRaw(r, {version: 1, targets});
  });
}

export function findTarget(name: string, root?: string): LabTargetInfo | undefined {
  return readState(root).find((t) => t.name === name);
}

/** Names in use by running targets (for generating a fresh one). */
export function targetNames(root?: string): Set<string> {
  return new Set(readState(root).map((t) => t.name));
}

/** Removes the X socket and lock file of an Xspice target's display when no server holds them. */
export function cleanupXDisplay(info: Pick<LabTargetInfo, 'display'>): void {
  const n = info.display?.replace(/^:/, '');
  if (!n || !/^\d+$/.test(n)) return;
  const lock = `/tmp/.X${n}-lock`;
  try {
    const holder = Number(readFileSync(lock, 'utf8').trim());
    if (holder > 0 && isAlive(holder)) return;
  } catch {
    /* no lock file */
  }
  rmSync(lock, {force: true});
  rmSync(`/tmp/.X11-unix/X${n}`, {force: true});
}

/**
 * Stops a target known only by its facts (e.g. from the state file, in another process):
 * its PIDs (process groups, SIGTERM then SIGKILL; Xspice: the server first, others: the server last), then X leftovers;
 * removes it from the state file and, when extra.removeDirOnStop is "1", its directory.
 */
export async function stopTargetInfo(info: LabTargetInfo, root?: string): Promise<void> {
  const starts = pidStartTimes(info);
  const errors: string[] = [];
  const stopOne = (i: number) =>
    stopProcess(info.pids[i]!, {startTime: starts[i], graceMs: 3000}).catch((err: Error) => {
      errors.push(err.message);
    });
  const helpers = info.pids.map((_, i) => i).filter((i) => i > 0);
  if (info.kind === 'xspice') {
    // Xorg first: its X clients and spice-vdagent then exit at once.
    if (info.pids.length > 0) await stopOne(0);
    await Promise.all(helpers.map(stopOne));
  } else {
    // Helpers together, then the server (pids[0]).
    await Promise.all(helpers.map(stopOne));
    if (info.pids.length > 0) await stopOne(0);
  }
  cleanupXDisplay(info);
  removeFromState(info.name, root);
  if (info.extra?.removeDirOnStop === '1' && info.dir && !process.env.SPICE_CLI_LAB_KEEP) {
    rmSync(info.dir, {recursive: true, force: true});
  }
  if (errors.length > 0) throw new Error(`stopping ${info.name}: ${errors.join('; ')}`);
}
