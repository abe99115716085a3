/**
 * QEMU as a lab SPICE server: QEMU 7.2 under TCG with a qxl display, serving SPICE on
 * 127.0.0.1 (a free TCP port, optionally TLS and a password) or on a unix socket, with the
 * devices a SPICE client can drive (agent port, USB redirection, audio, smartcard, tablet,
 * named ports). 'bios' mode shows the SeaBIOS text screen (720x400); 'linux' mode boots the
 * tiny busybox guest from ./guest/build.ts, with a root shell on the serial console.
 * The command line is built in ./qemu-args.ts, QMP is spoken by ./qmp.ts, and the start-up
 * helpers shared with Xspice are in ./launch.ts.
 */
import {execFile} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {promisify} from 'node:util';

import {SpiceError} from '../client/errors.js';
import {ensureGuest, type GuestImage} from './guest/build.js';
import {allocateListenPorts, killFromPidFile, readPidFile, runToExit, spiceUri, stopQuietly, waitForListenPorts} from './launch.js';
import {waitForPath, waitForUnixAccept} from './ports.js';
import {isAlive, processStartTime, stopProcess, tailFile} from './processes.js';
import {
  QEMU_BINARY,
  qemuArgs,
  qemuDeviceSummary,
  qemuFiles,
  resolveQemuOptions,
  shellCommandLine,
  WEBDAV_PORT_NAME,
  type QemuFiles,
  type QemuListen,
  type QemuMode,
  type QemuOptions,
} from './qemu-args.js';
import {qmpQuit} from './qmp.js';
import {ensureLabRoot, targetNames} from './state.js';
import {generateLabTls} from './tls.js';
import type {LabTarget} from './types.js';

export {QEMU_BINARY, WEBDAV_PORT_NAME, resolveQemuOptions, type QemuAccel, type QemuMode, type QemuOptions} from './qemu-args.js';
export {qmpCommands, qmpQuit} from './qmp.js';

const execFileP = promisify(execFile);
const HOST = '127.0.0.1';

/**
 * Chooses a target name (qemu-1, qemu-2, ...) and claims its directory: an "owner" file made
 * with O_EXCL. A directory is reused once neither its QEMU nor the process that claimed it
 * runs; its old contents are removed then.
 */
function makeTargetDir(root: string, name?: string): {name: string; dir: string} {
  const taken = targetNames(root);
  if (name) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new SpiceError('usage', `invalid lab target name "${name}"`);
    const dir = path.join(root, name);
    if (taken.has(name) || !claimDir(dir)) throw new SpiceError('usage', `a lab target named ${name} is already running`);
    return {name, dir};
  }
  for (let n = 1; n < 10_000; n++) {
    const candidate = `qemu-${n}`;
    if (taken.has(candidate)) continue;
    const dir = path.join(root, candidate);
    if (claimDir(dir)) return {name: candidate, dir};
  }
  throw new SpiceError('usage', `no free lab target name under ${root}`);
}

function claimDir(dir: string): boolean {
  mkdirSync(dir, {recursive: true, mode: 0o700});
  const owner = path.join(dir, 'owner');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(owner, `${process.pid}\n`, {flag: 'wx', mode: 0o600});
      for (const entry of readdirSync(dir)) {
        if (entry !== 'owner') rmSync(path.join(dir, entry), {recursive: true, force: true});
      }
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (dirBusy(dir)) return false;
    let ownerPid = 0;
    try {
      ownerPid = Number(readFileSync(owner, 'utf8').trim());
    } catch {
      /* removed meanwhile */
    }
    if (ownerPid > 0 && isAlive(ownerPid)) return false;
    rmSync(owner, {force: true});
  }
  return false;
}

function dirBusy(dir: string): boolean {
  try {
    const pid = Number(readFileSync(path.join(dir, 'qemu.pid'), 'utf8').trim());
    return pid > 0 && isAlive(pid);
  } catch {
    return false;
  }
}

/** Spice-gtk's host-subject form ("C=..,O=..,CN=..") of a certificate's subject. */
async function certSubject(certFile: string): Promise<string | undefined> {
  try {
    const {stdout} = await execFileP('openssl', ['x509', '-noout', '-subject', '-nameopt', 'sep_comma_plus,utf8', '-in', certFile]);
    return stdout.replace(/^subject=\s*/, '').trim();
  } catch {
    return undefined;
  }
}

/** Starts QEMU and resolves once SPICE accepts connections. */
export async function startQemu(options: QemuOptions = {}): Promise<LabTarget> {
  const opts = resolveQemuOptions(options);
  const mode = opts.mode ?? 'bios';
  if (opts.unix && opts.tls) throw new SpiceError('usage', 'TLS is not available with a unix socket target');
  const root = ensureLabRoot(opts.labDir);
  const guest = mode === 'linux' ? await ensureGuest(opts.guest) : undefined;

  const {name, dir} = makeTargetDir(root, opts.name);
  try {
    return await launch(opts, mode, guest, name, dir);
  } catch (err) {
    rmSync(path.join(dir, 'owner'), {force: true});
    throw err;
  }
}

/** A started QEMU daemon. */
interface QemuProcess {
  pid: number;
  startTime?: string;
}

/** Where SPICE listens, and for TLS the CA and subject a client verifies the server with. */
interface PreparedListen {
  listen: QemuListen;
  caFile?: string;
  hostSubject?: string;
}

async function launch(opts: QemuOptions, mode: QemuMode, guest: GuestImage | undefined, name: string, dir: string): Promise<LabTarget> {
  const startTimeout = opts.startTimeoutMs ?? 30_000;
  const files = qemuFiles(dir);
  const spice = await prepareListen(opts, files, dir);
  if (opts.password !== undefined) writeFileSync(files.passwordFile, opts.password, {mode: 0o600});
  const args = qemuArgs({
    name,
    mode,
    accel: opts.accel,
    memoryMb: opts.memoryMb,
    listen: spice.listen,
    files,
    hasPassword: opts.password !== undefined,
    agent: opts.agent,
    usbredir: opts.usbredir,
    usbredirFilter: opts.usbredirFilter,
    audio: opts.audio,
    smartcard: opts.smartcard,
    tablet: opts.tablet,
    ports: opts.ports,
    guest,
    append: opts.append,
    extraArgs: opts.extraArgs,
  });
  writeFileSync(files.cmdline, shellCommandLine([QEMU_BINARY, ...args]));

  const t0 = Date.now();
  const qemu = await startDaemon(args, files, dir, startTimeout);
  await waitForSpice(spice.listen, qemu, files.qemuLog, Math.max(1000, startTimeout - (Date.now() - t0)));
  const portUpMs = Date.now() - t0;
  return qemuTarget({opts, mode, guest, name, dir, files, spice, qemu, t0, portUpMs});
}

/** The SPICE listener: a unix socket, or free ports (and, with TLS, the certificates). */
async function prepareListen(opts: QemuOptions, files: QemuFiles, dir: string): Promise<PreparedListen> {
  if (opts.unix) return {listen: {unixPath: files.spiceSocket}};
  const ports = await allocateListenPorts(HOST, Boolean(opts.tls));
  if (!opts.tls || ports.tlsPort === undefined) return {listen: {host: HOST, port: ports.port}};
  const cert = await prepareTlsDir(opts.tls, dir);
  const tls = {port: ports.tlsPort, x509Dir: cert.x509Dir, channels: opts.tlsChannels};
  return {listen: {host: HOST, port: ports.port, tls}, caFile: cert.caFile, hostSubject: cert.hostSubject};
}

/** The x509 dir for QEMU: a fresh lab CA and server certificate (true), or a given dir, checked. */
async function prepareTlsDir(tls: true | {caDir: string}, dir: string): Promise<{x509Dir: string; caFile: string; hostSubject?: string}> {
  if (tls === true) {
    const made = await generateLabTls(path.join(dir, 'tls'));
    return {x509Dir: made.dir, caFile: made.caFile, hostSubject: made.hostSubject};
  }
  const x509Dir = path.resolve(tls.caDir);
  for (const f of ['ca-cert.pem', 'server-cert.pem', 'server-key.pem']) {
    if (!existsSync(path.join(x509Dir, f))) throw new SpiceError('usage', `TLS dir ${x509Dir} has no ${f}`);
  }
  return {x509Dir, caFile: path.join(x509Dir, 'ca-cert.pem'), hostSubject: await certSubject(path.join(x509Dir, 'server-cert.pem'))};
}

/**
 * Runs QEMU with -daemonize: the first process exits once the machine is set up (SPICE listening);
 * its output (and, because of -D, the daemon's stderr) goes to qemu.log. Returns the daemon's PID.
 */
async function startDaemon(args: string[], files: QemuFiles, dir: string, timeoutMs: number): Promise<QemuProcess> {
  const exit = await runToExit(QEMU_BINARY, args, {
    logFile: files.qemuLog,
    cwd: dir,
    timeoutMs,
    timeoutError: () => new SpiceError('timeout', `QEMU did not finish starting within ${timeoutMs / 1000} s${logTail(files.qemuLog)}`),
    spawnError: (e) =>
      new SpiceError(
        'connect',
        e.code === 'ENOENT'
          ? `${QEMU_BINARY} not found: install the Debian package qemu-system-x86 (spice-cli lab install)`
          : `cannot start ${QEMU_BINARY}: ${e.message}`,
        {cause: e},
      ),
  });
  if (exit.code !== 0) {
    await killFromPidFile(files.pidFile);
    throw new SpiceError('connect', `QEMU failed to start (${exit.signal ?? `exit ${exit.code}`})${logTail(files.qemuLog)}`);
  }
  const pid = readPidFile(files.pidFile);
  if (!(pid > 0)) throw new SpiceError('connect', `QEMU wrote no PID to ${files.pidFile}${logTail(files.qemuLog)}`);
  return {pid, startTime: processStartTime(pid)};
}

/** Waits for SPICE to accept (given up when QEMU dies); on failure stops QEMU and adds its log to a timeout. */
async function waitForSpice(listen: QemuListen, qemu: QemuProcess, qemuLog: string, timeoutMs: number): Promise<void> {
  const abortIf = (): string | undefined => (isAlive(qemu.pid) ? undefined : `QEMU (PID ${qemu.pid}) exited during start-up${logTail(qemuLog)}`);
  try {
    if ('unixPath' in listen) {
      await waitForPath(listen.unixPath, timeoutMs, {abortIf});
      await waitForUnixAccept(listen.unixPath, timeoutMs);
    } else {
      await waitForListenPorts(listen.host, {port: listen.port, tlsPort: listen.tls?.port}, timeoutMs, abortIf);
    }
  } catch (err) {
    await stopQuietly(qemu.pid, qemu.startTime);
    if (err instanceof SpiceError && err.kind === 'timeout') err.message += logTail(qemuLog);
    throw err;
  }
}

interface QemuStarted {
  opts: QemuOptions;
  mode: QemuMode;
  guest: GuestImage | undefined;
  name: string;
  dir: string;
  files: QemuFiles;
  spice: PreparedListen;
  qemu: QemuProcess;
  t0: number;
  portUpMs: number;
}

/** The LabTarget of a QEMU that listens: its URI, facts, and stop(). */
function qemuTarget(s: QemuStarted): LabTarget {
  const {listen} = s.spice;
  const tcp = 'unixPath' in listen ? undefined : {port: listen.port, tlsPort: listen.tls?.port};
  const unixPath = 'unixPath' in listen ? listen.unixPath : undefined;
  const {pid, startTime} = s.qemu;
  const qmp = s.files.qmp;
  let stopped: Promise<void> | undefined;
  return {
    name: s.name,
    kind: 'qemu',
    uri: tcp ? spiceUri(HOST, tcp) : `spice+unix://${unixPath}`,
    host: HOST,
    ...(tcp && {port: tcp.port}),
    ...(tcp?.tlsPort !== undefined && {tlsPort: tcp.tlsPort}),
    ...(unixPath !== undefined && {unixPath}),
    ...(s.opts.password !== undefined && {password: s.opts.password}),
    ...(s.spice.caFile !== undefined && {caFile: s.spice.caFile}),
    ...(s.spice.hostSubject !== undefined && {hostSubject: s.spice.hostSubject}),
    pids: [pid],
    dir: s.dir,
    extra: qemuExtra(s),
    startedAt: new Date(s.t0).toISOString(),
    stop: () => (stopped ??= stopQemu({pid, startTime, qmp, dir: s.dir})),
  };
}

/** A QEMU target's extra facts: its files, start-up time, guest kernel, devices. */
function qemuExtra(s: QemuStarted): Record<string, string> {
  const {files} = s;
  const extra: Record<string, string> = {
    mode: s.mode,
    qmp: files.qmp,
    serial: files.serial,
    serialLog: files.serialLog,
    qemuLog: files.qemuLog,
    pidFile: files.pidFile,
    portUpMs: String(s.portUpMs),
    pidStartTimes: s.qemu.startTime ?? '',
  };
  if (s.guest) extra.kernel = s.guest.version;
  if ((s.opts.ports ?? []).includes(WEBDAV_PORT_NAME)) extra.webdav = '1';
  const devices = qemuDeviceSummary(s.opts);
  if (devices) extra.devices = devices;
  return extra;
}

/** Stops a QEMU lab target: QMP quit, then SIGTERM/SIGKILL by PID; removes its sockets. */
export async function stopQemu(t: {pid: number; startTime?: string; qmp: string; dir: string}): Promise<void> {
  try {
    if (isAlive(t.pid, t.startTime)) {
      await qmpQuit(t.qmp, 2000).catch(() => undefined);
      const deadline = Date.now() + 3000;
      while (isAlive(t.pid, t.startTime) && Date.now() < deadline) await sleep(20);
      if (isAlive(t.pid, t.startTime)) await stopProcess(t.pid, {startTime: t.startTime, graceMs: 2000});
    }
  } finally {
    for (const f of ['qmp.sock', 'serial.sock', 'spice.sock', 'qemu.pid', 'spice-password', 'owner']) {
      rmSync(path.join(t.dir, f), {force: true});
    }
  }
}

/** The end of QEMU's output: its stderr (qemu.log) and, because of -D, error_report()s (qemu-debug.log). */
function logTail(file: string): string {
  const files = [file, path.join(path.dirname(file), 'qemu-debug.log')];
  const text = files
    .map((f) => tailFile(f, 1500).trim())
    .filter(Boolean)
    .join('\n');
  return text ? `; QEMU said (${path.dirname(file)}):\n${text}` : `; QEMU printed nothing (${file})`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
