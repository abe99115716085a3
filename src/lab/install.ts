/**
 * The Debian packages the lab needs, which of them are missing, and installing them
 * (as root) or telling the user the exact command (otherwise).
 */
import {execFile, spawn} from 'node:child_process';
import {accessSync, constants, existsSync, readdirSync, statSync} from 'node:fs';
import {promisify} from 'node:util';

const run = promisify(execFile);

export const LAB_PACKAGES = {
  servers: [
    'xserver-xspice',
    'qemu-system-x86',
    'spice-vdagent',
    'x11-apps',
    'xterm',
    'x11-utils',
    'xdotool',
    'xclip',
    // xrandr: test/agent/monitors-xspice reads the X outputs a monitors layout enabled.
    'x11-xserver-utils',
    // `animate`: a looping animation that spice-server turns into an MJPEG video stream (test/display/streams-live).
    'imagemagick',
    'xauth',
    'x11-xkb-utils',
    'openssl',
    // A themed (ARGB) X cursor theme: Xspice sends a cursor shape only for ARGB cursors (test/cursor/xspice-xfixes).
    'adwaita-icon-theme',
  ],
  // djpeg: libjpeg-turbo run at spice-gtk's settings, the oracle of test/codecs/jpeg-exact.
  // spice-html5: its JavaScript QUIC/LZ decoders are compared with ours (test/codecs/quic, npm run bench).
  clients: ['spice-client-gtk', 'gir1.2-spiceclientglib-2.0', 'python3-gi', 'libjpeg-turbo-progs', 'spice-html5'],
  // xmllint: test/scenarios checks `spice-cli run --junit` output against a JUnit XSD.
  // mkfs.vfat (dosfstools) and mtools: test/usb/storage-qemu makes FAT images for the emulated USB stick and reads
  // back what the guest wrote, without mounting anything on the host.
  tools: ['libxml2-utils', 'dosfstools', 'mtools'],
  guest: ['busybox-static', 'cpio', 'kmod'],
  // libx11/libxfixes: test/cursor/xspice-xfixes compiles a helper that reads X's cursor (XFixesGetCursorImage).
  headers: ['libspice-protocol-dev', 'gcc', 'libx11-dev', 'libxfixes-dev'],
} as const;

/** Every lab package, in a stable order. */
export function allLabPackages(): string[] {
  return Object.values(LAB_PACKAGES).flat();
}

/** The packages an Xspice target needs to start with its default X clients. */
export const XSPICE_PACKAGES = ['xserver-xspice', 'xterm', 'x11-apps', 'x11-utils', 'openssl'];

/** Thrown when a program the lab needs is not installed. Its message names the package and the fix. */
export class MissingPackageError extends Error {
  readonly packages: string[];
  constructor(packages: string[], what?: string) {
    const list = packages.join(' ');
    super(
      `${what ? what + ': ' : ''}missing Debian package${packages.length > 1 ? 's' : ''} ${list}. ` +
        `Install with \`spice-cli lab install\` (or: ${installCommand(packages, isRoot())})`,
    );
    this.name = 'MissingPackageError';
    this.packages = packages;
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The shell command that installs `packages` (with sudo unless running as root). */
export function installCommand(packages: string[] = allLabPackages(), asRoot = isRoot()): string {
  const sudo = asRoot ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/** Which of `packages` are not installed (dpkg-query). All of them if dpkg-query is absent. */
export async function missingLabPackages(packages: string[] = allLabPackages()): Promise<string[]> {
  let stdout = '';
  try {
    ({stdout} = await run('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\\n', ...packages], {timeout: 30_000}));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & {stdout?: string};
    if (e.code === 'ENOENT') return [...packages];
    // dpkg-query exits 1 when some packages are unknown; what it printed is still valid.
    stdout = e.stdout ?? '';
  }
  const installed = new Set<string>();
  for (const line of stdout.split('\n')) {
    const [name, status] = line.trim().split(' ');
    if (name && status === 'installed') installed.add(name.replace(/:.*$/, ''));
  }
  return packages.filter((p) => !installed.has(p));
}

/** Whether apt's package lists are missing or older than `maxAgeMs` (default 24 h). */
export function aptListsStale(maxAgeMs = 24 * 3600 * 1000): boolean {
  const dir = '/var/lib/apt/lists';
  try {
    const lists = readdirSync(dir).filter((f) => f.endsWith('_Packages') || f.endsWith('_Packages.lz4') || f.endsWith('_InRelease'));
    if (lists.length === 0) return true;
    const newest = Math.max(...lists.map((f) => statSync(`${dir}/${f}`).mtimeMs));
    return Date.now() - newest > maxAgeMs;
  } catch {
    return true;
  }
}

export interface InstallResult {
  /** Packages that were missing before. */
  missing: string[];
  /** Packages installed by this call. */
  installed: string[];
  /** True when apt-get ran. */
  ran: boolean;
  /** When not root and something is missing: the command the user has to run. */
  command?: string;
}

export interface InstallOptions {
  packages?: string[];
  /** Receives apt-get's output as it comes (default: discarded). */
  onOutput?: (chunk: string) => void;
  /** Overall limit for each apt-get run; default 15 minutes. */
  timeoutMs?: number;
}

function runApt(args: string[], opts: InstallOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('apt-get', args, {
      env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const onData = (b: Buffer) => {
      const s = b.toString();
      tail = (tail + s).slice(-4000);
      opts.onOutput?.(s);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 15 * 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run apt-get: ${err.message}`, {cause: err}));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`apt-get ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail.trim()}`));
    });
  });
}

/**
 * Installs the missing lab packages when running as root (apt-get update first only if
 * the package lists are empty or old). Otherwise installs nothing and returns the command.
 */
export async function installLabPackages(opts: InstallOptions = {}): Promise<InstallResult> {
  const packages = opts.packages ?? allLabPackages();
  const missing = await missingLabPackages(packages);
  if (missing.length === 0) return {missing, installed: [], ran: false};
  if (!isRoot()) return {missing, installed: [], ran: false, command: installCommand(missing, false)};
  if (aptListsStale()) await runApt(['update'], opts);
  await runApt(['install', '-y', '--no-install-recommends', ...missing], opts);
  const still = await missingLabPackages(missing);
  if (still.length > 0) throw new Error(`apt-get finished but these packages are still not installed: ${still.join(' ')}`);
  return {missing, installed: missing, ran: true};
}

/** A program the lab runs and the package that ships it. */
export interface RequiredProgram {
  path: string;
  pkg: string;
}

export const PROGRAMS = {
  xorg: {path: '/usr/lib/xorg/Xorg', pkg: 'xserver-xspice'},
  spiceqxl: {path: '/usr/lib/xorg/modules/drivers/spiceqxl_drv.so', pkg: 'xserver-xspice'},
  vdagentd: {path: '/usr/sbin/spice-vdagentd', pkg: 'spice-vdagent'},
  vdagent: {path: '/usr/bin/spice-vdagent', pkg: 'spice-vdagent'},
  xterm: {path: '/usr/bin/xterm', pkg: 'xterm'},
  xlogo: {path: '/usr/bin/xlogo', pkg: 'x11-apps'},
  xwininfo: {path: '/usr/bin/xwininfo', pkg: 'x11-utils'},
  openssl: {path: '/usr/bin/openssl', pkg: 'openssl'},
  mkfifo: {path: '/usr/bin/mkfifo', pkg: 'coreutils'},
} satisfies Record<string, RequiredProgram>;

/** Resolves a bare command name through PATH (undefined if not found). */
export function which(command: string): string | undefined {
  if (command.includes('/')) return existsSync(command) ? command : undefined;
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const p = `${dir || '.'}/${command}`;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Throws MissingPackageError naming every package whose program is absent. */
export function requirePrograms(programs: RequiredProgram[], what?: string): void {
  const missing = [...new Set(programs.filter((p) => !existsSync(p.path)).map((p) => p.pkg))];
  if (missing.length > 0) throw new MissingPackageError(missing, what);
}
