/**
 * Small helpers shared by the `spice-cli lab ...` commands (kept here, not in the commands,
 * so each command imports only what it uses).
 */
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {ExitCode, SpiceError} from '../client/errors.js';
import type {LabTargetInfo} from './types.js';

interface ExitSink {
  exit(code?: number): never;
}

/**
 * Reports `err` the way the other spice-cli commands do ("spice-cli: MESSAGE" on stderr, or
 * {ok: false, error: {kind, exitCode, message}} on stdout with --json) and exits:
 * SpiceError → its exit code; oclif parse errors → 2; anything else (a missing package,
 * a server that did not start) → 1 with its plain message.
 */
export function fail(cmd: ExitSink, err: unknown, json = process.argv.includes('--json')): never {
  const e = err as Error & {code?: string; oclif?: {exit?: number}; packages?: string[]};
  if (e && e.code === 'EEXIT') throw err; // this.exit() inside the command: already decided
  let kind: string;
  let exitCode: number;
  if (err instanceof SpiceError) {
    kind = err.kind;
    exitCode = err.exitCode;
  } else if (e?.oclif?.exit !== undefined) {
    kind = 'usage';
    exitCode = ExitCode.USAGE;
  } else {
    kind = e?.name === 'MissingPackageError' ? 'missing-package' : 'lab';
    exitCode = 1;
  }
  const message = e instanceof Error ? e.message : String(err);
  if (json) {
    const error: Record<string, unknown> = {kind, exitCode, message};
    if (Array.isArray(e?.packages)) error.packages = e.packages;
    process.stdout.write(JSON.stringify({ok: false, error}, null, 2) + '\n');
  } else {
    process.stderr.write(`spice-cli: ${message}\n`);
  }
  cmd.exit(exitCode);
}

/** A target's facts fit for printing: no password (only whether one is required), no stop(). */
export function publicInfo(info: LabTargetInfo): Omit<LabTargetInfo, 'password'> {
  const {password, ...rest} = info;
  const out = {...rest, extra: {...rest.extra}} as Omit<LabTargetInfo, 'password'> & {stop?: unknown};
  delete out.stop;
  if (password !== undefined) out.extra.passwordRequired = '1';
  return out;
}

/** Reads a password file: its first line, without the line end. */
export function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SpiceError('usage', `cannot read password file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password.length === 0) throw new SpiceError('usage', `password file ${path} is empty`);
  return password;
}

/** The package root (the directory holding spice-cli's package.json), found from this file. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as {name?: string}).name === 'spice-cli') return dir;
      } catch {
        /* keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the spice-cli package root');
    dir = up;
  }
}

/** One line per target for `lab status` and friends. */
export function formatTargets(targets: LabTargetInfo[]): string {
  if (targets.length === 0) return 'no lab targets running';
  const rows = [['NAME', 'KIND', 'URI', 'DISPLAY', 'PIDS', 'DIR']];
  for (const t of targets) {
    rows.push([t.name, t.kind, t.uri, t.display ?? '-', t.pids.join(','), t.dir]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
