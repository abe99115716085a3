/**
 * QEMU's command line for a lab target, as pure functions of typed inputs (no process is started,
 * no file is touched): the machine, the qxl display and its -spice option (TCP with optional TLS,
 * or a unix socket; a password secret or no ticketing), the devices a SPICE client drives, the tiny
 * guest's kernel and initrd, and the files QEMU writes into the target directory.
 */
import path from 'node:path';
import {SpiceError} from '../client/errors.js';
import type {EnsureGuestOptions} from './guest/build.js';

export const QEMU_BINARY = 'qemu-system-x86_64';
export const WEBDAV_PORT_NAME = 'org.spice-space.webdav.0';

export type QemuMode = 'bios' | 'linux';
/** TCG emulates the CPU (works anywhere; the lab's default); KVM needs /dev/kvm. */
export type QemuAccel = 'tcg' | 'kvm';

export interface QemuOptions {
  /** 'bios': no guest, the SeaBIOS screen (default). 'linux': the tiny busybox guest with a serial shell. */
  mode?: QemuMode;
  /** CPU accelerator, default 'tcg'. */
  accel?: QemuAccel;
  /** virtio-serial + the spicevmc vdagent port (com.redhat.spice.0): the main channel's agent. */
  agent?: boolean;
  /** Number of USB redirection slots (usb-redir on a qemu-xhci controller). */
  usbredir?: number;
  /**
   * QEMU's usb-redir `filter` property, set on every usb-redir device: usbredirfilter rules
   * `class:vendor:product:version:allow` joined by `|`, -1 for any (e.g. '0x08:-1:-1:-1:0|-1:-1:-1:-1:1' refuses mass
   * storage). QEMU sends it to the client as filter_filter and refuses a device no rule allows (filter_reject).
   */
  usbredirFilter?: string;
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

/** The files of a QEMU target inside its directory. */
export interface QemuFiles {
  qmp: string;
  serial: string;
  serialLog: string;
  /** QEMU's stdout/stderr. */
  qemuLog: string;
  /** -D: the daemon's error_report()s. */
  debugLog: string;
  pidFile: string;
  /** The SPICE unix socket (unix targets). */
  spiceSocket: string;
  /** The password, read by QEMU's secret object. */
  passwordFile: string;
  /** The command line, shell-quoted, for humans. */
  cmdline: string;
}

export function qemuFiles(dir: string): QemuFiles {
  const f = (name: string) => path.join(dir, name);
  return {
    qmp: f('qmp.sock'),
    serial: f('serial.sock'),
    serialLog: f('serial.log'),
    qemuLog: f('qemu.log'),
    debugLog: f('qemu-debug.log'),
    pidFile: f('qemu.pid'),
    spiceSocket: f('spice.sock'),
    passwordFile: f('spice-password'),
    cmdline: f('qemu.cmdline'),
  };
}

/** Where SPICE listens: a unix socket, or host:port with an optional TLS port. */
export type QemuListen =
  | {unixPath: string}
  | {host: string; port: number; tls?: {port: number; x509Dir: string; channels?: string[]}};

/** QEMU's -spice option: the listener, then the password secret (id spicepw) or no ticketing. */
export function qemuSpiceOption(listen: QemuListen, hasPassword: boolean): string {
  const spice: string[] = [];
  if ('unixPath' in listen) {
    spice.push('unix=on', `addr=${listen.unixPath}`);
  } else {
    spice.push(`port=${listen.port}`, `addr=${listen.host}`);
    if (listen.tls) {
      spice.push(`tls-port=${listen.tls.port}`, `x509-dir=${listen.tls.x509Dir}`);
      for (const ch of listen.tls.channels ?? []) spice.push(`tls-channel=${ch}`);
    }
  }
  spice.push(hasPassword ? 'password-secret=spicepw' : 'disable-ticketing=on');
  return spice.join(',');
}

/** The devices a SPICE client can drive (allDevices is expanded here too). */
export type QemuDevices = Pick<QemuOptions, 'agent' | 'usbredir' | 'usbredirFilter' | 'audio' | 'smartcard' | 'tablet' | 'ports' | 'allDevices'>;

/** QEMU's usb-redir filter syntax: numbers (C's strtol, -1 for any) 5 per rule, ':' between fields, '|' between rules; no ',' (QEMU's option separator). */
export function checkUsbredirFilter(filter: string): string {
  const rules = filter.split('|').filter((r) => r !== '');
  const num = /^(-1|0[xX][0-9a-fA-F]+|[0-9]+)$/;
  const bad = rules.find((r) => {
    const f = r.split(':');
    return f.length !== 5 || !f.every((x) => num.test(x));
  });
  if (rules.length === 0 || bad !== undefined) {
    throw new SpiceError('usage', `invalid usb-redir filter "${filter}"${bad !== undefined ? ` (rule "${bad}")` : ''}: give rules class:vendor:product:version:allow joined by '|', -1 for any, e.g. 0x08:-1:-1:-1:0|-1:-1:-1:-1:1`);
  }
  return filter;
}

/** Device arguments: virtio-serial ports (agent, spiceports), USB (redirection, smartcard, tablet), audio. */
export function qemuDeviceArgs(devices: QemuDevices): string[] {
  const d = resolveQemuOptions(devices);
  const ports = d.ports ?? [];
  const args: string[] = [];
  if (d.agent || ports.length > 0) args.push('-device', 'virtio-serial-pci,id=vser0');
  if (d.agent) {
    args.push('-chardev', 'spicevmc,id=vdagent,name=vdagent', '-device', 'virtserialport,bus=vser0.0,chardev=vdagent,name=com.redhat.spice.0');
  }
  ports.forEach((portName, i) => {
    if (!/^[A-Za-z0-9._-]+$/.test(portName)) throw new SpiceError('usage', `invalid spiceport name "${portName}"`);
    args.push('-chardev', `spiceport,id=port${i},name=${portName}`, '-device', `virtserialport,bus=vser0.0,chardev=port${i},name=${portName}`);
  });
  const usbredir = d.usbredir ?? 0;
  if (usbredir > 0 || d.smartcard || d.tablet) args.push('-device', 'qemu-xhci,id=xhci');
  for (let i = 1; i <= usbredir; i++) {
    const filter = d.usbredirFilter !== undefined ? `,filter=${checkUsbredirFilter(d.usbredirFilter)}` : '';
    args.push('-chardev', `spicevmc,name=usbredir,id=usbredir${i}`, '-device', `usb-redir,chardev=usbredir${i},bus=xhci.0${filter}`);
  }
  if (d.smartcard) {
    args.push('-device', 'usb-ccid,bus=xhci.0', '-chardev', 'spicevmc,id=ccid,name=smartcard', '-device', 'ccid-card-passthru,chardev=ccid');
  }
  if (d.tablet) args.push('-device', 'usb-tablet,bus=xhci.0');
  if (d.audio) args.push('-audiodev', 'spice,id=snd0', '-device', 'intel-hda', '-device', 'hda-duplex,audiodev=snd0');
  return args;
}

/** The devices as listed in a target's extra.devices ("agent,usbredir:2,audio,..."); '' for none. */
export function qemuDeviceSummary(devices: QemuDevices): string {
  const d = resolveQemuOptions(devices);
  const usbredir = d.usbredir ?? 0;
  return [
    d.agent && 'agent',
    usbredir > 0 && `usbredir:${usbredir}`,
    d.audio && 'audio',
    d.smartcard && 'smartcard',
    d.tablet && 'tablet',
    ...(d.ports ?? []).map((p) => `port:${p}`),
  ]
    .filter(Boolean)
    .join(',');
}

/** The tiny guest: its kernel and initrd, the console on the serial port (and tty1), `append` added. */
export function qemuGuestArgs(guest: {kernel: string; initrd: string}, append?: string): string[] {
  return [
    '-nic', 'none', '-kernel', guest.kernel, '-initrd', guest.initrd,
    '-append', ['console=ttyS0', 'console=tty1', 'quiet', append].filter(Boolean).join(' '),
  ];
}

export interface QemuArgsInput extends QemuDevices {
  name: string;
  mode: QemuMode;
  accel?: QemuAccel;
  memoryMb?: number;
  listen: QemuListen;
  files: QemuFiles;
  /** Whether SPICE needs a password (QEMU reads it from files.passwordFile; it is never on the command line). */
  hasPassword: boolean;
  /** Linux mode: the guest to boot. */
  guest?: {kernel: string; initrd: string};
  append?: string;
  extraArgs?: string[];
}

/** QEMU's arguments (without the binary) for a lab target. */
export function qemuArgs(input: QemuArgsInput): string[] {
  const {files} = input;
  const memory = input.memoryMb ?? (input.mode === 'linux' ? 256 : 128);
  const args = ['-name', input.name, '-M', 'pc', '-accel', input.accel ?? 'tcg', '-m', String(memory)];
  if (input.hasPassword) args.push('-object', `secret,id=spicepw,file=${files.passwordFile},format=raw`);
  // No network card: no iPXE network boot, so the BIOS screen settles within a second ("No bootable device").
  args.push('-nic', 'none');
  args.push('-vga', 'qxl', '-display', 'none', '-spice', qemuSpiceOption(input.listen, input.hasPassword));
  args.push('-daemonize', '-pidfile', files.pidFile, '-D', files.debugLog);
  args.push('-qmp', `unix:${files.qmp},server=on,wait=off`, '-monitor', 'none', '-parallel', 'none');
  args.push('-chardev', `socket,id=serial0,path=${files.serial},server=on,wait=off,logfile=${files.serialLog}`, '-serial', 'chardev:serial0');
  args.push(...qemuDeviceArgs(input));
  if (input.guest) args.push(...qemuGuestArgs(input.guest, input.append));
  args.push(...(input.extraArgs ?? []));
  return args;
}

/** A command line as one shell-quoted line (what qemu.cmdline holds). */
export function shellCommandLine(argv: string[]): string {
  return argv.map(shellQuote).join(' ') + '\n';
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
