/**
 * Xspice lab target: Xorg with the spiceqxl driver, which is an X server and a SPICE
 * server in one process (no VM). Started as /usr/lib/xorg/Xorg directly with an xorg.conf
 * written into the target directory (the stock config and the Xspice wrapper are broken;
 * see docs on test servers), configured through XSPICE_* environment variables, bound to
 * 127.0.0.1 only. Optional: password, TLS, a guest agent (spice-vdagentd + spice-vdagent),
 * an audio playback FIFO, compression/streaming settings, and X clients to draw something.
 * The options are in ./xspice-options.ts, the config, arguments and environment are built by
 * ./xspice-args.ts, and the start-up helpers shared with QEMU are in ./launch.ts.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {SpiceError} from '../client/errors.js';
import {MissingPackageError, PROGRAMS, requirePrograms, which} from './install.js';
import {
  allocateListenPorts,
  onProcessExit,
  spiceUri,
  startWithRetries,
  StartedProcesses,
  stopQuietly,
  waitForListenPorts,
  type ListenPorts,
  type StartAttempt,
} from './launch.js';
import {freeDisplay, unixSocketConnected, waitFor, waitForPath} from './ports.js';
import {isAlive, spawnDetached, tailFile, type SpawnedProcess} from './processes.js';
import {addToState, cleanupXDisplay, ensureLabRoot, findTarget, removeFromState} from './state.js';
import {generateLabTls, type LabTls} from './tls.js';
import type {LabTarget} from './types.js';
import {countTopLevelWindows, focusWindow} from './x11.js';
import {
  focusClassFor,
  vdagentArgs,
  vdagentdArgs,
  wantsVdagent,
  xClientEnv,
  xorgArgs,
  xspiceEnv,
  xspiceFacts,
  xspiceLayout,
  xspicePrograms,
  xspiceXorgConf,
  type XspiceLayout,
} from './xspice-args.js';
import {defaultXClients, validateXspiceOptions, type XClient, type XspiceOptions} from './xspice-options.js';

export {
  XSPICE_COMPRESSIONS,
  XSPICE_STREAMING,
  XSPICE_WAN_MODES,
  defaultXClients,
  type XClient,
  type XspiceCompression,
  type XspiceOptions,
  type XspiceStreaming,
  type XspiceWanMode,
} from './xspice-options.js';
export {xspiceXorgConf} from './xspice-args.js';
export {countTopLevelWindows, focusWindow} from './x11.js';

const HOST = '127.0.0.1';

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

/** X lock/socket conflicts and port conflicts (seen in Xorg's output) are worth a retry with other numbers. */
function isCollision(xorgOutput: string): boolean {
  return /already active for display|Cannot establish any listening sockets|Address already in use|Could not create lock file|failed to initialize spice server|spice_server_init/i.test(
    xorgOutput,
  );
}

/** One Xspice start: what was asked, where it lives, what runs so far. */
interface XspiceRun {
  opts: XspiceOptions;
  clients: XClient[];
  /** Each client's program, resolved through PATH. */
  clientPaths: string[];
  root: string;
  name: string;
  layout: XspiceLayout;
  /** The X display number (a retry after a collision picks another). */
  display: number;
  /** Xorg first, then the agent and the X clients. */
  processes: StartedProcesses;
  /** The target's extra facts, filled in as it comes up. */
  extra: Record<string, string>;
  startTimeout: number;
  /** Stops everything started and removes what the target left (once; later calls do nothing). */
  stop: () => Promise<void>;
}

/** Xorg listening on its SPICE port(s). */
interface XorgListening extends ListenPorts {
  xorg: SpawnedProcess;
}

/**
 * Starts an Xspice target and resolves once it listens (and its X clients have windows).
 * The returned target's stop() kills everything it started.
 */
export async function startXspice(opts: XspiceOptions = {}): Promise<LabTarget> {
  validateXspiceOptions(opts);
  const clients = opts.clients ?? defaultXClients();
  requirePrograms(xspicePrograms(opts, clients), 'cannot start Xspice');
  const clientPaths = clients.map((c) => resolveClientPath(c.command));
  const root = ensureLabRoot(opts.labDir);
  if (opts.name !== undefined && findTarget(opts.name, root)) {
    throw new SpiceError('usage', `a lab target named "${opts.name}" is already running (stop it with \`spice-cli lab stop ${opts.name}\`)`);
  }
  const run = createRun(opts, clients, clientPaths, root);
  try {
    return await bringUp(run);
  } catch (err) {
    await run.stop().catch(() => undefined);
    throw err;
  }
}

/** An X client's program through PATH; a missing one names its Debian package when known. */
function resolveClientPath(command: string): string {
  const path = which(command);
  if (path) return path;
  const pkg = CLIENT_PACKAGES[command.replace(/^.*\//, '')];
  if (pkg) throw new MissingPackageError([pkg], `cannot start X client ${command}`);
  throw new Error(`cannot start X client ${command}: not found in PATH`);
}

/** Picks a display number and the target's name, makes a fresh target directory, and arranges the stop. */
function createRun(opts: XspiceOptions, clients: XClient[], clientPaths: string[], root: string): XspiceRun {
  const display = freeDisplay();
  const name = opts.name ?? `xspice-${display}`;
  const layout = xspiceLayout(join(root, name));
  rmSync(layout.dir, {recursive: true, force: true});
  mkdirSync(layout.dir, {recursive: true, mode: 0o700});
  mkdirSync(layout.home);
  const run: XspiceRun = {
    opts,
    clients,
    clientPaths,
    root,
    name,
    layout,
    display,
    processes: new StartedProcesses(),
    extra: xspiceFacts(opts, layout),
    startTimeout: opts.startTimeoutMs ?? 10_000,
    stop: async () => undefined,
  };
  const removeExitHandler = opts.stopOnExit
    ? onProcessExit(() => {
        run.processes.killNow();
        cleanupXDisplay({display: `:${run.display}`});
      })
    : undefined;
  let stopped = false;
  run.stop = async () => {
    if (stopped) return;
    stopped = true;
    removeExitHandler?.();
    await stopRun(run);
  };
  return run;
}

/** Xorg first (its clients and spice-vdagent then exit at once), the rest together; then X leftovers, state, dir. */
async function stopRun(run: XspiceRun): Promise<void> {
  const errors = await run.processes.stopServerFirst(3000);
  cleanupXDisplay({display: `:${run.display}`});
  if (run.opts.register ?? true) removeFromState(run.name, run.root);
  if (!(run.opts.keepDir || process.env.SPICE_CLI_LAB_KEEP)) rmSync(run.layout.dir, {recursive: true, force: true});
  if (errors.length > 0) throw new Error(`stopping ${run.name}: ${errors.join('; ')}`);
}

/** Everything after the directory exists: files, Xorg, audio FIFO, agent, X clients, focus; then the target. */
async function bringUp(run: XspiceRun): Promise<LabTarget> {
  const tls = await writeServerFiles(run);
  const listening = await startXorg(run, tls?.dir);
  if (run.opts.audio) await openAudioFifo(run, listening.xorg);
  if (wantsVdagent(run.opts)) {
    await startVdagentd(run, listening.xorg);
    await startVdagent(run);
  }
  await startXClients(run);
  const focusClass = focusClassFor(run.opts, run.clients);
  if (focusClass) run.extra.focus = focusWindow(run.display, focusClass) ? focusClass : `failed: ${focusClass}`;
  const target = xspiceTarget(run, listening, tls);
  if (run.opts.register ?? true) addToState(target, run.root);
  return target;
}

/** What the server needs before it starts: xorg.conf, the TLS certificates, the audio and agent folders. */
async function writeServerFiles(run: XspiceRun): Promise<LabTls | undefined> {
  const {opts, layout} = run;
  const conf = xspiceXorgConf({surfaces: opts.surfaces ?? true, width: opts.width ?? 1024, height: opts.height ?? 768, heads: opts.heads ?? 1});
  writeFileSync(layout.xorgConf, conf);
  const tls = opts.tls ? await generateLabTls(layout.tlsDir) : undefined;
  if (opts.audio) mkdirSync(layout.audioDir);
  if (wantsVdagent(opts)) {
    if (layout.udcs.length > 100) {
      throw new Error(`lab directory path too long for unix sockets (${layout.udcs}): set SPICE_CLI_LAB_DIR to a shorter path`);
    }
    mkdirSync(layout.agentDir);
  }
  return tls;
}

/** Starts Xorg; retries (up to 3 attempts) with another display and ports if those were taken meanwhile. */
async function startXorg(run: XspiceRun, x509Dir: string | undefined): Promise<XorgListening> {
  return startWithRetries(3, async (attempt) => {
    if (attempt > 1) {
      run.display = freeDisplay();
      writeFileSync(run.layout.xorgOut, '');
    }
    return startXorgOnce(run, x509Dir);
  });
}

/** One attempt: fresh ports, Xorg, the wait for its SPICE port(s) and X socket. Cleans up after a failure. */
async function startXorgOnce(run: XspiceRun, x509Dir: string | undefined): Promise<StartAttempt<XorgListening>> {
  const {layout, display} = run;
  const ports = await allocateListenPorts(HOST, x509Dir !== undefined);
  const user = {uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0};
  const env = xspiceEnv(run.opts, {layout, ports, x509Dir, user, baseEnv: process.env});
  const t0 = Date.now();
  const xorg = await spawnDetached(PROGRAMS.xorg.path, xorgArgs(layout, display), {logFile: layout.xorgOut, env, cwd: layout.dir});
  run.processes.add(xorg);
  const died = () =>
    xorg.exit || !isAlive(xorg.pid)
      ? `Xorg exited before listening (display :${display}, port ${ports.port}); log ${layout.xorgOut}:\n${tailFile(layout.xorgOut, 1500)}`
      : undefined;
  try {
    await waitForListenPorts(HOST, ports, run.startTimeout, died);
    await waitForPath(`/tmp/.X11-unix/X${display}`, run.startTimeout, {abortIf: died});
    run.extra.listenMs = String(Date.now() - t0);
    return {ok: true, value: {xorg, ...ports}};
  } catch (err) {
    const log = tailFile(layout.xorgOut, 20_000) + tailFile(layout.xorgLog, 20_000);
    await stopQuietly(xorg.pid, xorg.startTime);
    run.processes.remove(xorg);
    cleanupXDisplay({display: `:${display}`});
    return {ok: false, error: err, retryable: isCollision(log)};
  }
}

/** The reason to give up a wait once Xorg is gone. */
function xorgGone(run: XspiceRun, xorg: SpawnedProcess): () => string | undefined {
  return () => (!isAlive(xorg.pid) ? `Xorg exited; log ${run.layout.xorgOut}` : undefined);
}

/** Makes the audio FIFO (only now: Xspice opens only FIFOs created after it starts) and waits for Xspice to open it. */
async function openAudioFifo(run: XspiceRun, xorg: SpawnedProcess): Promise<void> {
  const fifo = run.layout.audioFifo;
  const r = spawnSync('mkfifo', ['-m', '0600', fifo], {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`mkfifo ${fifo} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  // Xspice logs "playback: opened FIFO 'playback.fifo'" once it holds it open for reading.
  const opened = () => tailFile(run.layout.xorgLog, 20_000).includes("opened FIFO 'playback.fifo'");
  await waitFor('Xspice to open the audio FIFO', opened, run.startTimeout, {abortIf: xorgGone(run, xorg)});
}

/** The agent daemon on Xspice's virtio socket; resolves once its socket for spice-vdagent exists. */
async function startVdagentd(run: XspiceRun, xorg: SpawnedProcess): Promise<void> {
  const {layout} = run;
  const died = xorgGone(run, xorg);
  await waitForPath(layout.virtio, run.startTimeout, {abortIf: died});
  const vdagentd = await spawnDetached(PROGRAMS.vdagentd.path, vdagentdArgs(layout), {logFile: layout.vdagentdLog, cwd: layout.dir});
  run.processes.add(vdagentd);
  await waitForPath(layout.udcs, run.startTimeout, {
    abortIf: () => died() ?? (!isAlive(vdagentd.pid) ? `spice-vdagentd exited:\n${tailFile(layout.vdagentdLog)}` : undefined),
  });
}

/** The X session agent; resolves once the agent is up for SPICE clients. */
async function startVdagent(run: XspiceRun): Promise<void> {
  const {layout, opts} = run;
  if (opts.fileXferDir) {
    mkdirSync(opts.fileXferDir, {recursive: true});
    run.extra.fileXferDir = opts.fileXferDir;
  }
  const agent = await spawnDetached(PROGRAMS.vdagent.path, vdagentArgs(layout, opts.fileXferDir), {
    logFile: layout.vdagentLog,
    cwd: layout.dir,
    env: {...process.env, DISPLAY: `:${run.display}`, HOME: layout.home},
  });
  run.processes.add(agent);
  // The agent is up for SPICE clients once spice-vdagentd holds a connection on Xspice's virtio socket
  // (a connected entry, state 03, for that path in /proc/net/unix); only then does INIT say agent_connected.
  await waitFor('spice-vdagentd to connect to the Xspice virtio socket', () => unixSocketConnected(layout.virtio), run.startTimeout, {
    abortIf: () => (!isAlive(agent.pid) ? `spice-vdagent exited:\n${tailFile(layout.vdagentLog)}` : undefined),
  });
}

/** Starts the X clients and waits for the windows of those that open one. */
async function startXClients(run: XspiceRun): Promise<void> {
  const {layout, clients} = run;
  const shell = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
  const procs: SpawnedProcess[] = [];
  for (const [i, c] of clients.entries()) {
    const base = c.command.replace(/^.*\//, '');
    const p = await spawnDetached(run.clientPaths[i]!, c.args ?? [], {
      logFile: join(layout.dir, `client-${i}-${base}.log`),
      cwd: layout.home,
      env: xClientEnv(c, {display: run.display, home: layout.home, shell, baseEnv: process.env}),
    });
    run.processes.add(p);
    procs.push(p);
  }
  await waitForClientWindows(run, procs);
}

/** Waits until the display has a top-level window per client that opens one; fails early if such a client exits. */
async function waitForClientWindows(run: XspiceRun, procs: SpawnedProcess[]): Promise<void> {
  const opensWindow = run.clients.map((c) => c.window ?? true);
  const windows = opensWindow.filter(Boolean).length;
  if (windows === 0) return;
  await waitFor(`${windows} X client window(s) on :${run.display}`, () => countTopLevelWindows(run.display) >= windows, run.opts.clientTimeoutMs ?? 10_000, {
    intervalMs: 30,
    abortIf: () => {
      const p = procs.find((q, i) => opensWindow[i] && (q.exit || !isAlive(q.pid)));
      return p ? `X client ${p.command} exited at start:\n${tailFile(p.logFile)}` : undefined;
    },
  });
}

/** The LabTarget of a started Xspice: its URI, facts, PIDs (Xorg first), and stop(). */
function xspiceTarget(run: XspiceRun, listening: XorgListening, tls: LabTls | undefined): LabTarget {
  const {opts} = run;
  return {
    name: run.name,
    kind: 'xspice',
    uri: spiceUri(HOST, listening),
    host: HOST,
    port: listening.port,
    ...(listening.tlsPort !== undefined ? {tlsPort: listening.tlsPort} : {}),
    ...(opts.password !== undefined ? {password: opts.password} : {}),
    ...(tls ? {caFile: tls.caFile, hostSubject: tls.hostSubject} : {}),
    pids: run.processes.pids,
    dir: run.layout.dir,
    display: `:${run.display}`,
    extra: {
      ...run.extra,
      pidStartTimes: run.processes.startTimes(),
      ...(opts.keepDir ? {} : {removeDirOnStop: '1'}),
    },
    startedAt: new Date().toISOString(),
    stop: run.stop,
  };
}
