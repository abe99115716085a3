/**
 * Xspice lab target: Xorg with the spiceqxl driver, which is an X server and a SPICE
 * server in one process (no VM). Started as /usr/lib/xorg/Xorg directly with an xorg.conf
 * written into the target directory (the stock config and the Xspice wrapper are broken;
 * see docs on test servers), configured through XSPICE_* environment variables, bound to
 * 127.0.0.1 only. Optional: password, TLS, a guest agent (spice-vdagentd + spice-vdagent),
 * an audio playback FIFO, compression/streaming settings, and X clients to draw something.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {SpiceError} from '../client/errors.js';
import {MissingPackageError, PROGRAMS, requirePrograms, which} from './install.js';
import {freeDisplay, freePort, waitFor, waitForPath, waitForPort} from './ports.js';
import {isAlive, killNow, spawnDetached, stopProcess, tailFile, type SpawnedProcess} from './processes.js';
import {addToState, cleanupXDisplay, ensureLabRoot, findTarget, removeFromState} from './state.js';
import {generateLabTls} from './tls.js';
import type {LabTarget} from './types.js';

export const XSPICE_COMPRESSIONS = ['off', 'auto_glz', 'auto_lz', 'quic', 'glz', 'lz'] as const;
export type XspiceCompression = (typeof XSPICE_COMPRESSIONS)[number];
export const XSPICE_WAN_MODES = ['auto', 'never', 'always'] as const;
export type XspiceWanMode = (typeof XSPICE_WAN_MODES)[number];
export const XSPICE_STREAMING = ['off', 'all', 'filter'] as const;
export type XspiceStreaming = (typeof XSPICE_STREAMING)[number];

/** An X client to start on the target's display once it is up. */
export interface XClient {
  command: string;
  args?: string[];
  /** Extra environment (DISPLAY, HOME, LANG and SHELL are set already). */
  env?: Record<string, string>;
  /** Whether it opens a top-level window to wait for (default true). */
  window?: boolean;
}

export interface XspiceOptions {
  /** Target name (default "xspice-N", N being the X display number). */
  name?: string;
  /** Lab root (default $SPICE_CLI_LAB_DIR or ${os.tmpdir()}/spice-cli-lab). */
  labDir?: string;
  /** SPICE password; undefined disables ticketing. */
  password?: string;
  /** Also open a TLS port, with a lab CA and server certificate (the plain port stays open). */
  tls?: boolean;
  /** Run spice-vdagentd + spice-vdagent (clipboard, monitors config, file transfer). */
  vdagent?: boolean;
  /**
   * XSPICE_AGENT_MOUSE=1 (SpiceAgentMouse; Xspice's default is off): in client mouse mode spice-server hands
   * MOUSE_POSITION to the guest agent (x, y relative to monitor display_id, as QEMU does by default) instead of
   * Xspice's own tablet (x, y on the whole X screen, display_id ignored). Needs vdagent.
   */
  agentMouse?: boolean;
  /** Where spice-vdagent saves transferred files (implies vdagent). */
  fileXferDir?: string;
  /** Playback channel fed from a FIFO (extra.audioFifo: raw S16LE stereo 48 kHz PCM). */
  audio?: boolean;
  compression?: XspiceCompression;
  jpegWan?: XspiceWanMode;
  zlibGlzWan?: XspiceWanMode;
  streaming?: XspiceStreaming;
  /** XSPICE_VIDEO_CODECS, e.g. "gstreamer:vp8;spice:mjpeg". */
  videoCodecs?: string;
  /** XSPICE_DEFERRED_FPS */
  deferredFps?: number;
  /** XSPICE_EXIT_ON_DISCONNECT=1: the server exits when the client disconnects. */
  exitOnDisconnect?: boolean;
  /** Off-screen surfaces (EnableSurfaces), default true. */
  surfaces?: boolean;
  /** QXL heads (xorg.conf NumHeads), 1–16, default 1: the X outputs a multi-monitor MONITORS_CONFIG can enable. */
  heads?: number;
  /** Screen size, default 1024x768. */
  width?: number;
  height?: number;
  /** X clients to start; default defaultXClients() (xterm with a shell, xlogo). Pass [] for none. */
  clients?: XClient[];
  /**
   * WM_CLASS of a window to give the X input focus once the clients are up (there is no
   * window manager: without this, keys go to whatever window is under the pointer).
   * Default "xterm" when an xterm is among the clients; false to leave focus alone.
   */
  focusClass?: string | false;
  /** Extra environment for Xorg (e.g. other XSPICE_* variables). */
  env?: Record<string, string>;
  /** Limit for the server to listen, default 10 s. */
  startTimeoutMs?: number;
  /** Limit for the clients' windows to appear, default 10 s. */
  clientTimeoutMs?: number;
  /** Record the target in the lab state file (for `spice-cli lab status|stop`), default true. */
  register?: boolean;
  /** SIGKILL everything if this Node process exits without stop() (for tests), default false. */
  stopOnExit?: boolean;
  /** Keep the target directory (logs) after stop(); default false unless $SPICE_CLI_LAB_KEEP is set. */
  keepDir?: boolean;
}

/** The default X clients: an xterm running a shell (top left) and an xlogo (top right). */
export function defaultXClients(): XClient[] {
  return [
    {
      command: 'xterm',
      // A shell without rc files, so the prompt is the same everywhere ("$ ").
      args: ['-u8', '-geometry', '80x24+16+16', '-title', 'spice-cli-lab', '-e', ...(existsSync('/bin/bash') ? ['/bin/bash', '--noprofile', '--norc'] : ['/bin/sh'])],
    },
    {command: 'xlogo', args: ['-geometry', '160x160+760+16']},
  ];
}

const CLIENT_PACKAGES: Record<string, string> = {
  xterm: 'xterm',
  xlogo: 'x11-apps',
  xclock: 'x11-apps',
  xeyes: 'x11-apps',
  xdotool: 'xdotool',
  xclip: 'xclip',
  setxkbmap: 'x11-xkb-utils',
  xwininfo: 'x11-utils',
  xev: 'x11-utils',
  animate: 'imagemagick',
  display: 'imagemagick',
};

function check<T extends string>(what: string, value: T | undefined, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new SpiceError('usage', `invalid ${what} "${value}": expected one of ${allowed.join(', ')}`);
  }
}

function validate(opts: XspiceOptions): void {
  check('compression', opts.compression, XSPICE_COMPRESSIONS);
  check('jpeg-wan compression', opts.jpegWan, XSPICE_WAN_MODES);
  check('zlib-glz-wan compression', opts.zlibGlzWan, XSPICE_WAN_MODES);
  check('streaming mode', opts.streaming, XSPICE_STREAMING);
  for (const [k, v] of [['width', opts.width], ['height', opts.height]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 64 || v > 8192)) throw new SpiceError('usage', `invalid ${k} ${v}: expected an integer between 64 and 8192`);
  }
  if (opts.agentMouse && !(opts.vdagent || opts.fileXferDir)) throw new SpiceError('usage', 'agentMouse needs the guest agent (vdagent)');
  if (opts.heads !== undefined && (!Number.isInteger(opts.heads) || opts.heads < 1 || opts.heads > 16)) {
    throw new SpiceError('usage', `invalid heads ${opts.heads}: expected an integer between 1 and 16`);
  }
  if (opts.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(opts.name)) {
    throw new SpiceError('usage', `invalid target name "${opts.name}": use letters, digits, '.', '_' and '-'`);
  }
  if (opts.password !== undefined && (opts.password.length === 0 || opts.password.length > 60)) {
    // spice-server keeps at most 60 characters of a ticket.
    throw new SpiceError('usage', 'the password must be 1 to 60 characters long');
  }
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

/** X lock/socket conflicts and port conflicts are worth a retry with other numbers. */
function retryable(log: string): boolean {
  return /already active for display|Cannot establish any listening sockets|Address already in use|Could not create lock file|failed to initialize spice server|spice_server_init/i.test(log);
}

const XORG_SPICE_ENV = /^XSPICE_/;

interface Started {
  xorg: SpawnedProcess;
  display: number;
  port: number;
  tlsPort?: number;
}

/**
 * Starts an Xspice target and resolves once it listens (and its X clients have windows).
 * The returned target's stop() kills everything it started.
 */
export async function startXspice(opts: XspiceOptions = {}): Promise<LabTarget> {
  validate(opts);
  const vdagent = Boolean(opts.vdagent || opts.fileXferDir);
  const clients = opts.clients ?? defaultXClients();
  const width = opts.width ?? 1024;
  const height = opts.height ?? 768;
  const surfaces = opts.surfaces ?? true;
  const startTimeout = opts.startTimeoutMs ?? 10_000;
  const register = opts.register ?? true;

  const programs = [PROGRAMS.xorg, PROGRAMS.spiceqxl];
  if (vdagent) programs.push(PROGRAMS.vdagentd, PROGRAMS.vdagent);
  if (opts.tls) programs.push(PROGRAMS.openssl);
  if (clients.some((c) => c.window ?? true)) programs.push(PROGRAMS.xwininfo);
  requirePrograms(programs, 'cannot start Xspice');
  const clientPaths = clients.map((c) => {
    const path = which(c.command);
    if (!path) {
      const pkg = CLIENT_PACKAGES[c.command.replace(/^.*\//, '')];
      if (pkg) throw new MissingPackageError([pkg], `cannot start X client ${c.command}`);
      throw new Error(`cannot start X client ${c.command}: not found in PATH`);
    }
    return path;
  });

  const root = ensureLabRoot(opts.labDir);
  if (opts.name !== undefined && findTarget(opts.name, root)) {
    throw new SpiceError('usage', `a lab target named "${opts.name}" is already running (stop it with \`spice-cli lab stop ${opts.name}\`)`);
  }

  let display = freeDisplay();
  const name = opts.name ?? `xspice-${display}`;
  const dir = join(root, name);
  rmSync(dir, {recursive: true, force: true});
  mkdirSync(dir, {recursive: true, mode: 0o700});
  const home = join(dir, 'home');
  mkdirSync(home);

  const started: SpawnedProcess[] = [];
  const extra: Record<string, string> = {home, xorgLog: join(dir, 'xorg.log')};
  let exitHandler: (() => void) | undefined;
  let stopped = false;

  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    if (exitHandler) process.off('exit', exitHandler);
    const errors: string[] = [];
    const stopOne = (p: SpawnedProcess) =>
      stopProcess(p.pid, {startTime: p.startTime, graceMs: 3000}).catch((err: Error) => {
        errors.push(err.message);
      });
    // Xorg first: its clients and spice-vdagent then exit at once (spice-vdagent alone takes
    // ~0.7 s to act on SIGTERM); then whatever is left, together.
    const [server, ...rest] = started;
    if (server) await stopOne(server);
    await Promise.all(rest.map(stopOne));
    cleanupXDisplay({display: `:${display}`});
    if (register) removeFromState(name, root);
    if (!(opts.keepDir || process.env.SPICE_CLI_LAB_KEEP)) rmSync(dir, {recursive: true, force: true});
    if (errors.length > 0) throw new Error(`stopping ${name}: ${errors.join('; ')}`);
  };

  if (opts.stopOnExit) {
    exitHandler = () => {
      killNow(started.map((p) => p.pid));
      cleanupXDisplay({display: `:${display}`});
    };
    process.on('exit', exitHandler);
  }

  try {
    // Files the server needs before it starts.
    writeFileSync(join(dir, 'xorg.conf'), xspiceXorgConf({surfaces, width, height, heads: opts.heads ?? 1}));
    let tls: Awaited<ReturnType<typeof generateLabTls>> | undefined;
    if (opts.tls) tls = await generateLabTls(join(dir, 'tls'));
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !XORG_SPICE_ENV.test(k)));
    env.XSPICE_ADDR = '127.0.0.1';
    if (opts.password !== undefined) env.XSPICE_PASSWORD = opts.password;
    else env.XSPICE_DISABLE_TICKETING = '1';
    if (tls) env.XSPICE_X509_DIR = tls.dir;
    if (opts.compression) env.XSPICE_IMAGE_COMPRESSION = opts.compression;
    if (opts.jpegWan) env.XSPICE_JPEG_WAN_COMPRESSION = opts.jpegWan;
    if (opts.zlibGlzWan) env.XSPICE_ZLIB_GLZ_WAN_COMPRESSION = opts.zlibGlzWan;
    if (opts.streaming) env.XSPICE_STREAMING_VIDEO = opts.streaming;
    if (opts.videoCodecs) env.XSPICE_VIDEO_CODECS = opts.videoCodecs;
    if (opts.deferredFps !== undefined) env.XSPICE_DEFERRED_FPS = String(opts.deferredFps);
    if (opts.exitOnDisconnect) env.XSPICE_EXIT_ON_DISCONNECT = '1';
    if (opts.agentMouse) env.XSPICE_AGENT_MOUSE = '1';
    if (opts.audio) {
      const audioDir = join(dir, 'audio');
      mkdirSync(audioDir);
      // The FIFO itself is made once Xorg listens: Xspice opens only FIFOs created after it starts (inotify).
      env.XSPICE_PLAYBACK_FIFO_DIR = audioDir;
      extra.audioFifo = join(audioDir, 'playback.fifo');
      extra.audioFormat = 's16le,2ch,48000Hz';
    }
    const agentDir = join(dir, 'vdagent');
    const virtio = join(agentDir, 'virtio');
    const uinput = join(agentDir, 'uinput');
    const udcs = join(agentDir, 'udcs');
    if (vdagent) {
      if (udcs.length > 100) throw new Error(`lab directory path too long for unix sockets (${udcs}): set SPICE_CLI_LAB_DIR to a shorter path`);
      mkdirSync(agentDir);
      env.XSPICE_VDAGENT_ENABLED = '1';
      env.XSPICE_VDAGENT_VIRTIO_PATH = virtio;
      env.XSPICE_VDAGENT_UINPUT_PATH = uinput;
      env.XSPICE_VDAGENT_UID = String(process.getuid?.() ?? 0);
      env.XSPICE_VDAGENT_GID = String(process.getgid?.() ?? 0);
      extra.vdagentVirtio = virtio;
      extra.vdagentSocket = udcs;
    }
    Object.assign(env, opts.env ?? {});

    // Start Xorg; retry with another display/port if those were taken meanwhile.
    let started0: Started | undefined;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const tlsPort = tls ? await freePort() : undefined;
      const xenv: NodeJS.ProcessEnv = {...env, XSPICE_PORT: String(port)};
      if (tlsPort !== undefined) xenv.XSPICE_TLS_PORT = String(tlsPort);
      const outLog = join(dir, 'xorg.out');
      const t0 = Date.now();
      const xorg = await spawnDetached(
        PROGRAMS.xorg.path,
        ['-config', join(dir, 'xorg.conf'), '-noreset', '-nolisten', 'tcp', `:${display}`, '-logfile', extra.xorgLog!],
        {logFile: outLog, env: xenv, cwd: dir},
      );
      started.push(xorg);
      const died = () =>
        xorg.exit || !isAlive(xorg.pid)
          ? `Xorg exited before listening (display :${display}, port ${port}); log ${outLog}:\n${tailFile(outLog, 1500)}`
          : undefined;
      try {
        await waitForPort('127.0.0.1', port, startTimeout, {abortIf: died});
        if (tlsPort !== undefined) await waitForPort('127.0.0.1', tlsPort, startTimeout, {abortIf: died});
        await waitForPath(`/tmp/.X11-unix/X${display}`, startTimeout, {abortIf: died});
        extra.listenMs = String(Date.now() - t0);
        started0 = {xorg, display, port, tlsPort};
        break;
      } catch (err) {
        const log = tailFile(outLog, 20_000) + tailFile(extra.xorgLog!, 20_000);
        await stopProcess(xorg.pid, {startTime: xorg.startTime, graceMs: 1000}).catch(() => undefined);
        started.pop();
        cleanupXDisplay({display: `:${display}`});
        if (attempt >= 3 || !retryable(log)) throw err;
        display = freeDisplay();
        writeFileSync(outLog, '');
      }
    }

    const s = started0!;

    if (extra.audioFifo) {
      const fifo = extra.audioFifo;
      const r = spawnSync('mkfifo', ['-m', '0600', fifo], {encoding: 'utf8'});
      if (r.status !== 0) throw new Error(`mkfifo ${fifo} failed: ${(r.stderr || r.error?.message || '').trim()}`);
      // Xspice logs "playback: opened FIFO 'playback.fifo'" once it holds it open for reading.
      await waitFor('Xspice to open the audio FIFO', () => tailFile(extra.xorgLog!, 20_000).includes("opened FIFO 'playback.fifo'"), startTimeout, {
        abortIf: () => (!isAlive(s.xorg.pid) ? `Xorg exited; log ${join(dir, 'xorg.out')}` : undefined),
      });
    }

    // Guest agent: the daemon on Xspice's virtio socket, then the X session agent.
    if (vdagent) {
      const died = () => (!isAlive(s.xorg.pid) ? `Xorg exited; log ${join(dir, 'xorg.out')}` : undefined);
      await waitForPath(virtio, startTimeout, {abortIf: died});
      const vdagentd = await spawnDetached(PROGRAMS.vdagentd.path, ['-x', '-X', '-f', '-d', '-S', udcs, '-s', virtio, '-u', uinput], {
        logFile: join(dir, 'vdagentd.log'),
        cwd: dir,
      });
      started.push(vdagentd);
      await waitForPath(udcs, startTimeout, {
        abortIf: () => died() ?? (!isAlive(vdagentd.pid) ? `spice-vdagentd exited:\n${tailFile(join(dir, 'vdagentd.log'))}` : undefined),
      });
      const agentArgs = ['-x', '-d', '-s', virtio, '-S', udcs];
      if (opts.fileXferDir) {
        mkdirSync(opts.fileXferDir, {recursive: true});
        agentArgs.push('-f', opts.fileXferDir, '-o', '0');
        extra.fileXferDir = opts.fileXferDir;
      }
      const agent = await spawnDetached(PROGRAMS.vdagent.path, agentArgs, {
        logFile: join(dir, 'vdagent.log'),
        cwd: dir,
        env: {...process.env, DISPLAY: `:${s.display}`, HOME: home},
      });
      started.push(agent);
      // The agent is up for SPICE clients once spice-vdagentd holds a connection on Xspice's virtio socket
      // (a connected entry, state 03, for that path in /proc/net/unix); only then does INIT say agent_connected.
      await waitFor('spice-vdagentd to connect to the Xspice virtio socket', () => unixSocketConnected(virtio), startTimeout, {
        abortIf: () => (!isAlive(agent.pid) ? `spice-vdagent exited:\n${tailFile(join(dir, 'vdagent.log'))}` : undefined),
      });
    }

    // X clients.
    const shell = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
    const clientProcs: SpawnedProcess[] = [];
    for (const [i, c] of clients.entries()) {
      const base = c.command.replace(/^.*\//, '');
      const p = await spawnDetached(clientPaths[i]!, c.args ?? [], {
        logFile: join(dir, `client-${i}-${base}.log`),
        cwd: home,
        env: {...process.env, DISPLAY: `:${s.display}`, HOME: home, LANG: 'C.UTF-8', SHELL: shell, PS1: '$ ', ...c.env},
      });
      started.push(p);
      clientProcs.push(p);
    }
    const windows = clients.filter((c) => c.window ?? true).length;
    if (windows > 0) {
      await waitFor(
        `${windows} X client window(s) on :${s.display}`,
        () => countTopLevelWindows(s.display) >= windows,
        opts.clientTimeoutMs ?? 10_000,
        {
          intervalMs: 30,
          abortIf: () => {
            const deadIdx = clientProcs.findIndex((p, i) => (clients[i]!.window ?? true) && (p.exit || !isAlive(p.pid)));
            if (deadIdx < 0) return undefined;
            const p = clientProcs[deadIdx]!;
            return `X client ${p.command} exited at start:\n${tailFile(p.logFile)}`;
          },
        },
      );
    }

    const focusClass = opts.focusClass ?? (clients.some((c) => /(^|\/)xterm$/.test(c.command)) ? 'xterm' : false);
    if (focusClass) {
      extra.focus = focusWindow(s.display, focusClass) ? focusClass : `failed: ${focusClass}`;
    }

    const target: LabTarget = {
      name,
      kind: 'xspice',
      uri: `spice://127.0.0.1:${s.port}${s.tlsPort !== undefined ? `?tls-port=${s.tlsPort}` : ''}`,
      host: '127.0.0.1',
      port: s.port,
      ...(s.tlsPort !== undefined ? {tlsPort: s.tlsPort} : {}),
      ...(opts.password !== undefined ? {password: opts.password} : {}),
      ...(tls ? {caFile: tls.caFile, hostSubject: tls.hostSubject} : {}),
      pids: started.map((p) => p.pid),
      dir,
      display: `:${s.display}`,
      extra: {
        ...extra,
        pidStartTimes: started.map((p) => p.startTime ?? '').join(','),
        ...(opts.keepDir ? {} : {removeDirOnStop: '1'}),
      },
      startedAt: new Date().toISOString(),
      stop: stopAll,
    };
    if (register) addToState(target, root);
    return target;
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}

/**
 * Gives the X input focus to the first visible window of WM_CLASS `cls` on display :n (xdotool), and checks
 * that X reports it focused. A window found before it is mapped cannot take the focus (there is no window
 * manager to do it later), so this retries until `timeoutMs`. Returns false when xdotool is missing or no
 * such window takes the focus in time.
 */
export function focusWindow(display: number | string, cls: string, timeoutMs = 5000): boolean {
  const d = typeof display === 'number' ? `:${display}` : display;
  const xdotool = which('xdotool');
  if (!xdotool) return false;
  const env = {...process.env, DISPLAY: d};
  const run = (args: string[]) => spawnSync(xdotool, args, {env, encoding: 'utf8', timeout: 5000});
  const deadline = Date.now() + timeoutMs;
  do {
    const found = run(['search', '--onlyvisible', '--limit', '1', '--class', cls]);
    const id = found.stdout?.trim().split('\n')[0];
    if (found.status === 0 && id) {
      run(['windowfocus', '--sync', id]);
      if (run(['getwindowfocus']).stdout?.trim() === id) return true;
    }
    spawnSync('sleep', ['0.05']);
  } while (Date.now() < deadline);
  return false;
}

/** Number of top-level windows on display :n (xwininfo -root -children). */
export function countTopLevelWindows(display: number | string): number {
  const d = typeof display === 'number' ? `:${display}` : display;
  const r = spawnSync(PROGRAMS.xwininfo.path, ['-root', '-children'], {
    env: {...process.env, DISPLAY: d},
    encoding: 'utf8',
    timeout: 5000,
  });
  if (r.status !== 0) return 0;
  const m = /^\s+(\d+) child(?:ren)?[.:]/m.exec(r.stdout);
  return m ? Number(m[1]) : 0;
}

/** Whether some process holds a connected (state 03) unix socket bound to this path. */
function unixSocketConnected(path: string): boolean {
  try {
    return readFileSync('/proc/net/unix', 'utf8')
      .split('\n')
      .some((line) => line.endsWith(` ${path}`) && line.trim().split(/\s+/)[5] === '03');
  } catch {
    return false;
  }
}
