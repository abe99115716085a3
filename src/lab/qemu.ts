/**
 * QEMU as a lab SPICE server: QEMU 7.2 under TCG with a qxl display, serving SPICE on
 * 127.0.0.1 (a free TCP port, optionally TLS and a password) or on a unix socket, with the
 * devices a SPICE client can drive (agent port, USB redirection, audio, smartcard, tablet,
 * named ports). 'bios' mode shows the SeaBIOS text screen (720x400); 'linux' mode boots the
 * tiny busybox guest from ./guest/build.ts, with a root shell on the serial console.
 */
import {execFile, spawn} from 'node:child_process';
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {promisify} from 'node:util';

import {SpiceError} from '../client/errors.js';
import {ensureGuest, type EnsureGuestOptions, type GuestImage} from './guest/build.js';
import {freePort, waitForPath, waitForPort} from './ports.js';
import {isAlive, processStartTime, stopProcess, tailFile} from './processes.js';
import {ensureLabRoot, targetNames} from './state.js';
import {generateLabTls} from './tls.js';
import type {LabTarget} from './types.js';

const execFileP = promisify(execFile);

export const QEMU_BINARY = 'qemu-system-x86_64';
export const WEBDAV_PORT_NAME = 'org.spice-space.webdav.0';

export interface QemuOptions {
  /** 'bios': no guest, the SeaBIOS screen (default). 'linux': the tiny busybox guest with a serial shell. */
  mode?: 'bios' | 'linux';
  /** virtio-serial + the spicevmc vdagent port (com.redhat.spice.0): the main channel's agent. */
  agent?: boolean;
  /** Number of USB redirection slots (usb-redir on a qemu-xhci controller). */
  usbredir?: number;
  /** intel-hda + hda-duplex with -audiodev spice: playback and record channels. */
  audio?: boolean;
  /** usb-ccid + ccid-card-passthru: the smartcard channel. */
  smartcard?: boolean;
  /** usb-tablet: absolute pointer, so the client can use client mouse mode. */
  tablet?: boolean;
  /** spiceport names, each a virtserialport in the guest; 'org.spice-space.webdav.0' is the WebDAV channel. */
  ports?: string[];
  /** Shortcut for agent + usbredir 2 + audio + smartcard + tablet (explicit options still win). */
  allDevices?: boolean;
  /** Serve SPICE on a unix socket in the target dir (uri spice+unix:///path) instead of TCP. */
  unix?: boolean;
  /** Require this password (given to QEMU through a secret object read from a 0600 file). */
  password?: string;
  /** TLS on a second port: true makes a lab CA and server certificate; or a dir with ca-cert.pem, server-cert.pem, server-key.pem. */
  tls?: boolean | {caDir: string};
  /** Channels that must use TLS (QEMU's tls-channel=, e.g. ['main'] or ['display']); a plain link of those gets NEED_SECURED. */
  tlsChannels?: string[];
  /** Target name (also the directory name); default qemu-N. */
  name?: string;
  /** Guest RAM; default 128 (bios) or 256 (linux). */
  memoryMb?: number;
  /** Lab root; default $SPICE_CLI_LAB_DIR or ${os.tmpdir()}/spice-cli-lab. */
  labDir?: string;
  /** How long to wait for QEMU to start and SPICE to accept; default 30 s. */
  startTimeoutMs?: number;
  /** Extra QEMU arguments, appended last. */
  extraArgs?: string[];
  /** Kernel command line additions (linux mode). */
  append?: string;
  /** Passed to ensureGuest (linux mode): progress lines of a first guest build, cache dir. */
  guest?: EnsureGuestOptions;
}

/** The options with allDevices expanded. */
export function resolveQemuOptions(opts: QemuOptions): QemuOptions {
  if (!opts.allDevices) return {...opts};
  return {
    agent: true,
    usbredir: 2,
    audio: true,
    smartcard: true,
    tablet: true,
    ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
  };
}

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

async function launch(
  opts: QemuOptions,
  mode: 'bios' | 'linux',
  guest: GuestImage | undefined,
  name: string,
  dir: string,
): Promise<LabTarget> {
  const startTimeout = opts.startTimeoutMs ?? 30_000;
  const qmp = path.join(dir, 'qmp.sock');
  const serial = path.join(dir, 'serial.sock');
  const serialLog = path.join(dir, 'serial.log');
  const qemuLog = path.join(dir, 'qemu.log');
  const debugLog = path.join(dir, 'qemu-debug.log');
  const pidFile = path.join(dir, 'qemu.pid');
  const host = '127.0.0.1';

  // SPICE listener
  const spice: string[] = [];
  let port: number | undefined;
  let tlsPort: number | undefined;
  let unixPath: string | undefined;
  let caFile: string | undefined;
  let hostSubject: string | undefined;
  if (opts.unix) {
    unixPath = path.join(dir, 'spice.sock');
    spice.push('unix=on', `addr=${unixPath}`);
  } else {
    port = await freePort(host);
    spice.push(`port=${port}`, `addr=${host}`);
    if (opts.tls) {
      tlsPort = await freePort(host);
      let x509Dir: string;
      if (opts.tls === true) {
        const tls = await generateLabTls(path.join(dir, 'tls'));
        x509Dir = tls.dir;
        caFile = tls.caFile;
        hostSubject = tls.hostSubject;
      } else {
        x509Dir = path.resolve(opts.tls.caDir);
        for (const f of ['ca-cert.pem', 'server-cert.pem', 'server-key.pem']) {
          if (!existsSync(path.join(x509Dir, f))) throw new SpiceError('usage', `TLS dir ${x509Dir} has no ${f}`);
        }
        caFile = path.join(x509Dir, 'ca-cert.pem');
        hostSubject = await certSubject(path.join(x509Dir, 'server-cert.pem'));
      }
      spice.push(`tls-port=${tlsPort}`, `x509-dir=${x509Dir}`);
      for (const ch of opts.tlsChannels ?? []) spice.push(`tls-channel=${ch}`);
    }
  }
  const args: string[] = ['-name', name, '-M', 'pc', '-accel', 'tcg', '-m', String(opts.memoryMb ?? (mode === 'linux' ? 256 : 128))];
  if (opts.password !== undefined) {
    const secretFile = path.join(dir, 'spice-password');
    writeFileSync(secretFile, opts.password, {mode: 0o600});
    args.push('-object', `secret,id=spicepw,file=${secretFile},format=raw`);
    spice.push('password-secret=spicepw');
  } else {
    spice.push('disable-ticketing=on');
  }
  // No network card: no iPXE network boot, so the BIOS screen settles within a second ("No bootable device").
  args.push('-nic', 'none');
  args.push('-vga', 'qxl', '-display', 'none', '-spice', spice.join(','));
  args.push('-daemonize', '-pidfile', pidFile, '-D', debugLog);
  args.push('-qmp', `unix:${qmp},server=on,wait=off`, '-monitor', 'none', '-parallel', 'none');
  args.push('-chardev', `socket,id=serial0,path=${serial},server=on,wait=off,logfile=${serialLog}`, '-serial', 'chardev:serial0');

  // devices
  const ports = opts.ports ?? [];
  if (opts.agent || ports.length > 0) args.push('-device', 'virtio-serial-pci,id=vser0');
  if (opts.agent) {
    args.push(
      '-chardev', 'spicevmc,id=vdagent,name=vdagent',
      '-device', 'virtserialport,bus=vser0.0,chardev=vdagent,name=com.redhat.spice.0',
    );
  }
  ports.forEach((portName, i) => {
    if (!/^[A-Za-z0-9._-]+$/.test(portName)) throw new SpiceError('usage', `invalid spiceport name "${portName}"`);
    args.push('-chardev', `spiceport,id=port${i},name=${portName}`, '-device', `virtserialport,bus=vser0.0,chardev=port${i},name=${portName}`);
  });
  const usbredir = opts.usbredir ?? 0;
  if (usbredir > 0 || opts.smartcard || opts.tablet) args.push('-device', 'qemu-xhci,id=xhci');
  for (let i = 1; i <= usbredir; i++) {
    args.push('-chardev', `spicevmc,name=usbredir,id=usbredir${i}`, '-device', `usb-redir,chardev=usbredir${i},bus=xhci.0`);
  }
  if (opts.smartcard) {
    args.push('-device', 'usb-ccid,bus=xhci.0', '-chardev', 'spicevmc,id=ccid,name=smartcard', '-device', 'ccid-card-passthru,chardev=ccid');
  }
  if (opts.tablet) args.push('-device', 'usb-tablet,bus=xhci.0');
  if (opts.audio) args.push('-audiodev', 'spice,id=snd0', '-device', 'intel-hda', '-device', 'hda-duplex,audiodev=snd0');

  if (guest) {
    args.push('-nic', 'none', '-kernel', guest.kernel, '-initrd', guest.initrd);
    args.push('-append', ['console=ttyS0', 'console=tty1', 'quiet', opts.append].filter(Boolean).join(' '));
  }
  args.push(...(opts.extraArgs ?? []));
  writeFileSync(path.join(dir, 'qemu.cmdline'), [QEMU_BINARY, ...args].map(shellQuote).join(' ') + '\n');

  // Start: with -daemonize the first process exits once the machine is set up (SPICE listening);
  // its output (and, because of -D, the daemon's stderr) goes to qemu.log.
  const t0 = Date.now();
  const fd = openSync(qemuLog, 'a');
  let exit: {code: number | null; signal: NodeJS.Signals | null};
  try {
    exit = await new Promise((resolve, reject) => {
      const child = spawn(QEMU_BINARY, args, {stdio: ['ignore', fd, fd], cwd: dir});
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new SpiceError('timeout', `QEMU did not finish starting within ${startTimeout / 1000} s${logTail(qemuLog)}`));
      }, startTimeout);
      child.once('error', (err) => {
        clearTimeout(timer);
        const e = err as NodeJS.ErrnoException;
        reject(
          new SpiceError(
            'connect',
            e.code === 'ENOENT'
              ? `${QEMU_BINARY} not found: install the Debian package qemu-system-x86 (spice-cli lab install)`
              : `cannot start ${QEMU_BINARY}: ${e.message}`,
            {cause: err},
          ),
        );
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({code, signal});
      });
    });
  } finally {
    closeSync(fd);
  }
  if (exit.code !== 0) {
    await killFromPidFile(pidFile);
    throw new SpiceError('connect', `QEMU failed to start (${exit.signal ?? `exit ${exit.code}`})${logTail(qemuLog)}`);
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!(pid > 0)) throw new SpiceError('connect', `QEMU wrote no PID to ${pidFile}${logTail(qemuLog)}`);
  const startTime = processStartTime(pid);

  const abortIf = (): string | undefined => (isAlive(pid) ? undefined : `QEMU (PID ${pid}) exited during start-up${logTail(qemuLog)}`);
  try {
    const left = Math.max(1000, startTimeout - (Date.now() - t0));
    if (unixPath) {
      await waitForPath(unixPath, left, {abortIf});
      await waitForUnixAccept(unixPath, left);
    } else {
      await waitForPort(host, port!, left, {abortIf});
      if (tlsPort) await waitForPort(host, tlsPort, left, {abortIf});
    }
  } catch (err) {
    await stopProcess(pid, {startTime, graceMs: 1000}).catch(() => undefined);
    if (err instanceof SpiceError && err.kind === 'timeout') err.message += logTail(qemuLog);
    throw err;
  }
  const portUpMs = Date.now() - t0;

  const uri = unixPath ? `spice+unix://${unixPath}` : `spice://${host}:${port}${tlsPort ? `?tls-port=${tlsPort}` : ''}`;
  const extra: Record<string, string> = {
    mode,
    qmp,
    serial,
    serialLog,
    qemuLog,
    pidFile,
    portUpMs: String(portUpMs),
    pidStartTimes: startTime ?? '',
  };
  if (guest) extra.kernel = guest.version;
  const webdav = ports.includes(WEBDAV_PORT_NAME);
  if (webdav) extra.webdav = '1';
  const devices = [
    opts.agent && 'agent',
    usbredir > 0 && `usbredir:${usbredir}`,
    opts.audio && 'audio',
    opts.smartcard && 'smartcard',
    opts.tablet && 'tablet',
    ...ports.map((p) => `port:${p}`),
  ].filter(Boolean);
  if (devices.length) extra.devices = devices.join(',');

  let stopped: Promise<void> | undefined;
  const target: LabTarget = {
    name,
    kind: 'qemu',
    uri,
    host,
    ...(port !== undefined && {port}),
    ...(tlsPort !== undefined && {tlsPort}),
    ...(unixPath !== undefined && {unixPath}),
    ...(opts.password !== undefined && {password: opts.password}),
    ...(caFile !== undefined && {caFile}),
    ...(hostSubject !== undefined && {hostSubject}),
    pids: [pid],
    dir,
    extra,
    startedAt: new Date(t0).toISOString(),
    stop: () => (stopped ??= stopQemu({pid, startTime, qmp, dir})),
  };
  return target;
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

/** Sends {"execute":"quit"} over QMP. Resolves when QEMU closes the connection. */
export function qmpQuit(qmpPath: string, timeoutMs: number): Promise<void> {
  return qmpCommands(qmpPath, [{execute: 'quit'}], timeoutMs).then(() => undefined);
}

/**
 * Runs QMP commands in order (after the capabilities handshake) and returns their "return"
 * values. A connection closed after the last command was sent (e.g. by quit) counts as success.
 */
export function qmpCommands(qmpPath: string, commands: {execute: string; arguments?: unknown}[], timeoutMs = 5000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(qmpPath);
    const results: unknown[] = [];
    let buf = '';
    let stage = -1; // -1: greeting, 0: capabilities sent, then index+1 of the command in flight
    let sentAll = false;
    const timer = setTimeout(() => finish(new SpiceError('timeout', `QMP ${qmpPath} did not answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(results);
    };
    const sendNext = (): void => {
      const cmd = commands[stage];
      if (!cmd) {
        finish();
        return;
      }
      stage++;
      if (stage === commands.length) sentAll = true;
      sock.write(JSON.stringify(cmd) + '\n');
    };
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        let msg: {QMP?: unknown; return?: unknown; error?: {desc?: string}; event?: string};
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (msg.event) continue;
        if (stage === -1 && msg.QMP) {
          stage = 0;
          sock.write(JSON.stringify({execute: 'qmp_capabilities'}) + '\n');
          continue;
        }
        if (msg.error) {
          finish(new SpiceError('protocol', `QMP error: ${msg.error.desc ?? line}`));
          return;
        }
        if ('return' in msg) {
          if (stage > 0) results.push(msg.return);
          sendNext();
        }
      }
    });
    sock.on('error', (err) => finish(sentAll ? undefined : err));
    sock.on('close', () => finish(sentAll ? undefined : new SpiceError('connection-lost', `QMP ${qmpPath} closed`)));
  });
}

function waitForUnixAccept(p: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const attempt = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const s = net.createConnection(p);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    }).catch(async (err: unknown) => {
      if (Date.now() >= deadline) throw new SpiceError('timeout', `SPICE unix socket ${p} does not accept connections: ${(err as Error).message}`);
      await sleep(50);
      return attempt();
    });
  return attempt();
}

async function killFromPidFile(pidFile: string): Promise<void> {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0 && isAlive(pid)) await stopProcess(pid, {graceMs: 1000});
  } catch {
    /* no PID file */
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

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
