/**
 * Xspice as data, from typed inputs and nothing else (no process, no file): the files of a target
 * directory, the xorg.conf, Xorg's arguments and environment (XSPICE_*: listener, password or no
 * ticketing, TLS, compression and streaming, audio FIFO, guest agent, agent mouse), the arguments of
 * spice-vdagentd and spice-vdagent, the X clients' environment, and the facts a target reports.
 */
import {join} from 'node:path';
import {PROGRAMS, type RequiredProgram} from './install.js';
import type {ListenPorts} from './launch.js';
import type {XClient, XspiceOptions} from './xspice-options.js';

/** The format of the audio FIFO's PCM (extra.audioFormat). */
export const XSPICE_AUDIO_FORMAT = 's16le,2ch,48000Hz';

/** Whether the target runs the guest agent (asked for, or implied by a file transfer folder). */
export function wantsVdagent(opts: Pick<XspiceOptions, 'vdagent' | 'fileXferDir'>): boolean {
  return Boolean(opts.vdagent || opts.fileXferDir);
}

/** The programs a target with these options needs (Xorg and the driver; the agent, openssl, xwininfo when used). */
export function xspicePrograms(opts: XspiceOptions, clients: XClient[]): RequiredProgram[] {
  const programs: RequiredProgram[] = [PROGRAMS.xorg, PROGRAMS.spiceqxl];
  if (wantsVdagent(opts)) programs.push(PROGRAMS.vdagentd, PROGRAMS.vdagent);
  if (opts.tls) programs.push(PROGRAMS.openssl);
  if (clients.some((c) => c.window ?? true)) programs.push(PROGRAMS.xwininfo);
  return programs;
}

/** The files of an Xspice target inside its directory. */
export interface XspiceLayout {
  dir: string;
  /** HOME of the X clients and the agent. */
  home: string;
  xorgConf: string;
  /** Xorg's -logfile. */
  xorgLog: string;
  /** Xorg's stdout/stderr (spice-server's messages). */
  xorgOut: string;
  tlsDir: string;
  audioDir: string;
  audioFifo: string;
  agentDir: string;
  /** Xspice's virtio port for the agent (XSPICE_VDAGENT_VIRTIO_PATH). */
  virtio: string;
  uinput: string;
  /** spice-vdagentd's socket for spice-vdagent. */
  udcs: string;
  vdagentdLog: string;
  vdagentLog: string;
}

export function xspiceLayout(dir: string): XspiceLayout {
  const agentDir = join(dir, 'vdagent');
  const audioDir = join(dir, 'audio');
  return {
    dir,
    home: join(dir, 'home'),
    xorgConf: join(dir, 'xorg.conf'),
    xorgLog: join(dir, 'xorg.log'),
    xorgOut: join(dir, 'xorg.out'),
    tlsDir: join(dir, 'tls'),
    audioDir,
    audioFifo: join(audioDir, 'playback.fifo'),
    agentDir,
    virtio: join(agentDir, 'virtio'),
    uinput: join(agentDir, 'uinput'),
    udcs: join(agentDir, 'udcs'),
    vdagentdLog: join(dir, 'vdagentd.log'),
    vdagentLog: join(dir, 'vdagent.log'),
  };
}

/** The xorg.conf for an Xspice target (explicit buffer sizes: the stock config crashes). */
export function xspiceXorgConf(opts: {surfaces: boolean; width: number; height: number; heads?: number}): string {
  return `# Written by spice-cli lab (src/lab/xspice.ts)
Section "ServerFlags"
    Option "AutoAddDevices" "False"
    Option "AutoEnableDevices" "False"
    Option "DontVTSwitch" "True"
    Option "BlankTime" "0"
    Option "StandbyTime" "0"
    Option "SuspendTime" "0"
    Option "OffTime" "0"
EndSection

Section "Device"
    Identifier "XSPICE"
    Driver "spiceqxl"
    Option "SpiceAddr" "127.0.0.1"
    Option "NumHeads" "${opts.heads ?? 1}"
    Option "FrameBufferSize" "16"
    Option "SurfaceBufferSize" "128"
    Option "CommandBufferSize" "128"
    Option "EnableImageCache" "True"
    Option "EnableFallbackCache" "True"
    Option "EnableSurfaces" "${opts.surfaces ? 'True' : 'False'}"
EndSection

Section "InputDevice"
    Identifier "XSPICE POINTER"
    Driver "xspice pointer"
EndSection

Section "InputDevice"
    Identifier "XSPICE KEYBOARD"
    Driver "xspice keyboard"
EndSection

Section "Monitor"
    Identifier "XSPICE Monitor"
EndSection

Section "Screen"
    Identifier "XSPICE Screen"
    Monitor "XSPICE Monitor"
    Device "XSPICE"
    DefaultDepth 24
    SubSection "Display"
        Depth 24
        Modes "${opts.width}x${opts.height}"
    EndSubSection
EndSection

Section "ServerLayout"
    Identifier "XSPICE Layout"
    Screen "XSPICE Screen"
    InputDevice "XSPICE KEYBOARD" "CoreKeyboard"
    InputDevice "XSPICE POINTER" "CorePointer"
EndSection
`;
}

/** What Xorg's environment is made of besides the options. */
export interface XspiceEnvInput {
  layout: XspiceLayout;
  /** This attempt's SPICE ports (XSPICE_PORT, XSPICE_TLS_PORT). */
  ports: ListenPorts;
  /** With TLS: the dir holding ca-cert.pem, server-cert.pem, server-key.pem. */
  x509Dir?: string;
  /** Owner of the agent's sockets (XSPICE_VDAGENT_UID/GID). */
  user: {uid: number; gid: number};
  /** The environment to start from; its XSPICE_* variables are dropped. */
  baseEnv: NodeJS.ProcessEnv;
}

/**
 * Xorg's environment: the base without XSPICE_*, then the target's settings, then opts.env, then the
 * ports. The password, when there is one, goes here (XSPICE_PASSWORD), never into the arguments.
 */
export function xspiceEnv(opts: XspiceOptions, input: XspiceEnvInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(input.baseEnv).filter(([k]) => !k.startsWith('XSPICE_')));
  env.XSPICE_ADDR = '127.0.0.1';
  if (opts.password !== undefined) env.XSPICE_PASSWORD = opts.password;
  else env.XSPICE_DISABLE_TICKETING = '1';
  if (input.x509Dir !== undefined) env.XSPICE_X509_DIR = input.x509Dir;
  Object.assign(env, compressionEnv(opts));
  if (opts.exitOnDisconnect) env.XSPICE_EXIT_ON_DISCONNECT = '1';
  if (opts.agentMouse) env.XSPICE_AGENT_MOUSE = '1';
  // The FIFO itself is made once Xorg listens: Xspice opens only FIFOs created after it starts (inotify).
  if (opts.audio) env.XSPICE_PLAYBACK_FIFO_DIR = input.layout.audioDir;
  // The driver's default is no playback compression (raw PCM even to Opus clients); QEMU's is on: as QEMU.
  if (opts.audio) env.XSPICE_PLAYBACK_COMPRESSION = '1';
  if (wantsVdagent(opts)) Object.assign(env, vdagentEnv(input.layout, input.user));
  Object.assign(env, opts.env ?? {});
  env.XSPICE_PORT = String(input.ports.port);
  if (input.ports.tlsPort !== undefined) env.XSPICE_TLS_PORT = String(input.ports.tlsPort);
  return env;
}

/** Image compression, WAN compression, streaming, video codecs and deferred FPS, as XSPICE_* variables. */
function compressionEnv(opts: XspiceOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (opts.compression) env.XSPICE_IMAGE_COMPRESSION = opts.compression;
  if (opts.jpegWan) env.XSPICE_JPEG_WAN_COMPRESSION = opts.jpegWan;
  if (opts.zlibGlzWan) env.XSPICE_ZLIB_GLZ_WAN_COMPRESSION = opts.zlibGlzWan;
  if (opts.streaming) env.XSPICE_STREAMING_VIDEO = opts.streaming;
  if (opts.videoCodecs) env.XSPICE_VIDEO_CODECS = opts.videoCodecs;
  if (opts.deferredFps !== undefined) env.XSPICE_DEFERRED_FPS = String(opts.deferredFps);
  return env;
}

function vdagentEnv(layout: XspiceLayout, user: {uid: number; gid: number}): Record<string, string> {
  return {
    XSPICE_VDAGENT_ENABLED: '1',
    XSPICE_VDAGENT_VIRTIO_PATH: layout.virtio,
    XSPICE_VDAGENT_UINPUT_PATH: layout.uinput,
    XSPICE_VDAGENT_UID: String(user.uid),
    XSPICE_VDAGENT_GID: String(user.gid),
  };
}

/** Xorg's arguments: the target's xorg.conf, no TCP for X, display :N, the X log in the target dir. */
export function xorgArgs(layout: XspiceLayout, display: number): string[] {
  return ['-config', layout.xorgConf, '-noreset', '-nolisten', 'tcp', `:${display}`, '-logfile', layout.xorgLog];
}

/** spice-vdagentd in the foreground on Xspice's virtio socket, without systemd or a session manager. */
export function vdagentdArgs(layout: XspiceLayout): string[] {
  return ['-x', '-X', '-f', '-d', '-S', layout.udcs, '-s', layout.virtio, '-u', layout.uinput];
}

/** spice-vdagent for the X session; with a file transfer folder, files go there and are not opened. */
export function vdagentArgs(layout: XspiceLayout, fileXferDir?: string): string[] {
  const args = ['-x', '-d', '-s', layout.virtio, '-S', layout.udcs];
  if (fileXferDir) args.push('-f', fileXferDir, '-o', '0');
  return args;
}

/** The environment of an X client: the base, the display, HOME, a UTF-8 locale, the shell and "$ " prompt, then its own. */
export function xClientEnv(
  client: XClient,
  where: {display: number; home: string; shell: string; baseEnv: NodeJS.ProcessEnv},
): NodeJS.ProcessEnv {
  return {...where.baseEnv, DISPLAY: `:${where.display}`, HOME: where.home, LANG: 'C.UTF-8', SHELL: where.shell, PS1: '$ ', ...client.env};
}

/** The window class to focus: the one asked for, else "xterm" when an xterm is among the clients, else none. */
export function focusClassFor(opts: Pick<XspiceOptions, 'focusClass'>, clients: XClient[]): string | false {
  return opts.focusClass ?? (clients.some((c) => /(^|\/)xterm$/.test(c.command)) ? 'xterm' : false);
}

/** The facts a target reports from the start (extra): HOME, the X log, the audio FIFO, the agent's sockets. */
export function xspiceFacts(opts: XspiceOptions, layout: XspiceLayout): Record<string, string> {
  const facts: Record<string, string> = {home: layout.home, xorgLog: layout.xorgLog};
  if (opts.audio) {
    facts.audioFifo = layout.audioFifo;
    facts.audioFormat = XSPICE_AUDIO_FORMAT;
  }
  if (wantsVdagent(opts)) {
    facts.vdagentVirtio = layout.virtio;
    facts.vdagentSocket = layout.udcs;
  }
  return facts;
}
