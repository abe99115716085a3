/**
 * Builds (once per machine) the tiny Linux guest the QEMU lab target boots: Debian's kernel
 * (downloaded with `apt-get download`, extracted with `dpkg -x`, never installed) and a
 * busybox-static initramfs carrying the modules for the devices the lab attaches.
 *
 * Needs, on Debian 12 as root: apt-get, dpkg, kmod (depmod/modprobe). busybox-static is used
 * from the system when installed, else downloaded the same way as the kernel.
 */
import {execFile} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {existsSync, promises as fs} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {gzipSync} from 'node:zlib';

import {SpiceError} from '../../client/errors.js';
import {type CpioEntry, writeCpio} from './cpio.js';
import {GUEST_MODULES, INIT_SCRIPT, INITTAB, PROFILE, RC_SCRIPT} from './files.js';
import {GUEST_TONE, guestToneData} from './tone.js';

const execFileP = promisify(execFile);

/** Bump when the build procedure changes in a way the hashed inputs do not show. */
const BUILD_FORMAT = 1;
const KERNEL_META_PACKAGE = 'linux-image-amd64';
const BUSYBOX_PACKAGE = 'busybox-static';

export interface GuestImage {
  /** Path of the kernel image (bzImage). */
  kernel: string;
  /** Path of the initramfs (gzip-compressed newc cpio). */
  initrd: string;
  /** Kernel release, e.g. "6.1.0-56-amd64". */
  version: string;
}

export interface EnsureGuestOptions {
  /** Where builds live; default $SPICE_CLI_CACHE_DIR/guest, else ${XDG_CACHE_HOME:-~/.cache}/spice-cli/guest. */
  cacheDir?: string;
  /** Progress lines; default: written to stderr prefixed "[guest] ". */
  onProgress?: (line: string) => void;
  /** Rebuild even when a cached build exists. */
  force?: boolean;
}

/** The directory guest builds are cached in. */
export function guestCacheDir(): string {
  const root = process.env.SPICE_CLI_CACHE_DIR
    ? process.env.SPICE_CLI_CACHE_DIR
    : path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'spice-cli');
  return path.join(root, 'guest');
}

/** Hash of everything the initramfs is made from, apart from the kernel and busybox binaries. */
export function guestInputsHash(): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({BUILD_FORMAT, GUEST_MODULES, INIT_SCRIPT, INITTAB, RC_SCRIPT, PROFILE}));
  h.update(guestToneData());
  return h.digest('hex').slice(0, 12);
}

interface BuildMeta {
  version: string;
  kernelPackage: string;
  kernelPackageVersion: string;
  busybox: string;
  modules: string[];
  inputsHash: string;
  builtAt: string;
  buildMs: number;
}

const inflight = new Map<string, Promise<GuestImage>>();

/** Returns the cached guest, building it first if this machine has none for the current inputs. */
export function ensureGuest(opts: EnsureGuestOptions = {}): Promise<GuestImage> {
  const cacheDir = opts.cacheDir ?? guestCacheDir();
  const key = `${cacheDir}\0${opts.force ? 'force' : ''}`;
  let p = inflight.get(key);
  if (!p) {
    p = ensureGuestUncached(cacheDir, opts).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

async function ensureGuestUncached(cacheDir: string, opts: EnsureGuestOptions): Promise<GuestImage> {
  const progress = opts.onProgress ?? ((line: string) => process.stderr.write(`[guest] ${line}\n`));
  const hash = guestInputsHash();
  if (!opts.force) {
    const cached = await findCachedBuild(cacheDir, hash);
    if (cached) return cached;
  }
  await fs.mkdir(cacheDir, {recursive: true});
  const started = Date.now();
  progress(`building the tiny guest in ${cacheDir} (inputs ${hash})`);

  const {pkg, pkgVersion} = await resolveKernelPackage(progress);
  const version = pkg.replace(/^linux-image-/, '');
  const finalDir = path.join(cacheDir, `${version}-${hash}`);
  if (!opts.force) {
    const cached = await readBuild(finalDir);
    if (cached) return cached;
  }

  const work = path.join(cacheDir, `.build-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(work, {recursive: true});
  try {
    return await buildGuest({cacheDir, work, finalDir, pkg, pkgVersion, version, hash, started, force: Boolean(opts.force), progress});
  } finally {
    await fs.rm(work, {recursive: true, force: true});
  }
}

interface GuestBuild {
  cacheDir: string;
  /** A fresh directory for this build, removed afterwards. */
  work: string;
  /** Where the finished build goes (by an atomic rename). */
  finalDir: string;
  /** The kernel package (linux-image-RELEASE) and its version. */
  pkg: string;
  pkgVersion: string;
  /** The kernel release. */
  version: string;
  hash: string;
  started: number;
  force: boolean;
  progress: (line: string) => void;
}

/** Downloads and extracts the kernel, picks its modules and busybox, writes the initramfs, publishes the build. */
async function buildGuest(b: GuestBuild): Promise<GuestImage> {
  const {version, progress} = b;
  const debDir = path.join(b.cacheDir, 'debs');
  const kernelDeb = await downloadDeb(b.pkg, b.pkgVersion, debDir, progress);
  const {kroot, vmlinuz} = await extractKernel(kernelDeb, b.work, version, progress);

  progress(`resolving module dependencies (depmod, modprobe --show-depends)`);
  await run(depmodPath(), ['-b', kroot, version]);
  const modules = await resolveModules(kroot, version, progress);

  const busybox = await findBusybox(debDir, b.work, progress);

  progress(`writing the initramfs (${modules.length} modules)`);
  const entries = [...baseInitramfsEntries(await fs.readFile(busybox.path), modules), ...(await moduleEntries(kroot, version, modules))];
  const initrdData = gzipSync(writeCpio(entries), {level: 6});

  const out = path.join(b.work, 'out');
  await fs.mkdir(out);
  await fs.copyFile(vmlinuz, path.join(out, 'vmlinuz'));
  await fs.writeFile(path.join(out, 'initrd.img'), initrdData);
  const meta: BuildMeta = {
    version,
    kernelPackage: b.pkg,
    kernelPackageVersion: b.pkgVersion,
    busybox: busybox.version,
    modules,
    inputsHash: b.hash,
    builtAt: new Date().toISOString(),
    buildMs: Date.now() - b.started,
  };
  await fs.writeFile(path.join(out, 'build.json'), `${JSON.stringify(meta, null, 2)}\n`);
  await publishBuild(out, b);
  await pruneDebs(debDir, [path.basename(kernelDeb)]);
  progress(
    `guest ready: kernel ${version}, initramfs ${(initrdData.length / 1024 / 1024).toFixed(1)} MiB, built in ${((Date.now() - b.started) / 1000).toFixed(1)} s`,
  );
  const built = await readBuild(b.finalDir);
  if (!built) throw new SpiceError('expectation', `guest build: ${b.finalDir} is incomplete after the build`);
  return built;
}

/** Extracts the kernel package into the work dir (dpkg -x) and checks it has the kernel image. */
async function extractKernel(
  kernelDeb: string,
  work: string,
  version: string,
  progress: (line: string) => void,
): Promise<{kroot: string; vmlinuz: string}> {
  const kroot = path.join(work, 'kernel-root');
  progress(`extracting ${path.basename(kernelDeb)}`);
  await run('dpkg', ['-x', kernelDeb, kroot]);
  const vmlinuz = path.join(kroot, 'boot', `vmlinuz-${version}`);
  await fs.access(vmlinuz).catch(() => {
    throw new SpiceError('expectation', `guest build: ${path.basename(kernelDeb)} has no boot/vmlinuz-${version}`);
  });
  return {kroot, vmlinuz};
}

/** The initramfs without the kernel modules: directories, console and null devices, busybox, init and its files, the test tone. */
function baseInitramfsEntries(busybox: Buffer, modules: string[]): CpioEntry[] {
  const entries: CpioEntry[] = [];
  for (const d of ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'etc', 'dev', 'proc', 'sys', 'tmp', 'run', 'root', 'lib', 'lib/modules']) {
    entries.push({type: 'dir', path: d, mode: d === 'tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755});
  }
  entries.push({type: 'char', path: 'dev/console', major: 5, minor: 1, mode: 0o600});
  entries.push({type: 'char', path: 'dev/null', major: 1, minor: 3, mode: 0o666});
  entries.push({type: 'file', path: 'bin/busybox', data: busybox, mode: 0o755});
  entries.push({type: 'symlink', path: 'bin/sh', target: 'busybox'});
  entries.push({type: 'file', path: 'init', data: Buffer.from(INIT_SCRIPT), mode: 0o755});
  entries.push({type: 'file', path: 'etc/inittab', data: Buffer.from(INITTAB)});
  entries.push({type: 'file', path: 'etc/rc', data: Buffer.from(RC_SCRIPT), mode: 0o755});
  entries.push({type: 'file', path: 'etc/profile', data: Buffer.from(PROFILE)});
  entries.push({type: 'file', path: 'etc/modules', data: Buffer.from(modules.map((m) => `${m}\n`).join(''))});
  entries.push({type: 'file', path: GUEST_TONE.file, data: guestToneData()});
  return entries;
}

/** The modules and depmod's index files under lib/modules/RELEASE, with their parent directories (files missing are skipped). */
async function moduleEntries(kroot: string, version: string, modules: string[]): Promise<CpioEntry[]> {
  const entries: CpioEntry[] = [];
  const modRoot = `lib/modules/${version}`;
  const dirsDone = new Set<string>(['lib', 'lib/modules']);
  for (const rel of [...modules, 'modules.dep', 'modules.alias', 'modules.symbols', 'modules.builtin', 'modules.order']) {
    const dest = `${modRoot}/${rel}`;
    const parts = dest.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirsDone.has(d)) {
        dirsDone.add(d);
        entries.push({type: 'dir', path: d});
      }
    }
    const src = path.join(kroot, 'lib', 'modules', version, rel);
    const data = await fs.readFile(src).catch(() => undefined);
    if (data) entries.push({type: 'file', path: dest, data});
  }
  return entries;
}

/**
 * Moves a complete build into place. Builds appear only by an atomic rename of a complete directory, and
 * a build in use is never deleted: a forced rebuild moves the old one aside first. When another process
 * finished the same build first, theirs is used.
 */
async function publishBuild(out: string, b: GuestBuild): Promise<void> {
  if (b.force && existsSync(b.finalDir)) {
    await fs.rename(b.finalDir, path.join(b.work, 'replaced')).catch(() => undefined);
  }
  try {
    await fs.rename(out, b.finalDir);
  } catch (err) {
    const theirs = await readBuild(b.finalDir);
    if (!theirs) throw err;
  }
}

async function readBuild(dir: string): Promise<GuestImage | undefined> {
  try {
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'build.json'), 'utf8')) as BuildMeta;
    const kernel = path.join(dir, 'vmlinuz');
    const initrd = path.join(dir, 'initrd.img');
    await fs.access(kernel);
    await fs.access(initrd);
    return {kernel, initrd, version: meta.version};
  } catch {
    return undefined;
  }
}

/** The newest complete build for these inputs, whatever its kernel: no apt call on the fast path. */
async function findCachedBuild(cacheDir: string, hash: string): Promise<GuestImage | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(cacheDir);
  } catch {
    return undefined;
  }
  const found: {img: GuestImage; mtime: number}[] = [];
  for (const n of names) {
    if (!n.endsWith(`-${hash}`) || n.startsWith('.')) continue;
    const dir = path.join(cacheDir, n);
    const img = await readBuild(dir);
    if (img) found.push({img, mtime: (await fs.stat(path.join(dir, 'build.json'))).mtimeMs});
  }
  found.sort((a, b) => b.mtime - a.mtime);
  return found[0]?.img;
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  try {
    const {stdout} = await execFileP(cmd, args, {cwd, maxBuffer: 64 * 1024 * 1024, env: {...process.env, LC_ALL: 'C'}});
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & {stderr?: string; code?: unknown};
    if (e.code === 'ENOENT') {
      throw new SpiceError('expectation', `guest build: ${cmd} not found (on Debian: apt-get install -y dpkg apt kmod)`, {
        cause: err,
      });
    }
    const detail = (e.stderr ?? '').trim().split('\n').slice(-5).join('\n');
    throw new SpiceError('expectation', `guest build: ${cmd} ${args.join(' ')} failed${detail ? `:\n${detail}` : ''}`, {
      cause: err,
    });
  }
}

function depmodPath(): string {
  return '/sbin/depmod';
}

function modprobePath(): string {
  return '/sbin/modprobe';
}

/** Finds the kernel package the metapackage points at, updating apt's lists once if they are empty. */
async function resolveKernelPackage(progress: (l: string) => void): Promise<{pkg: string; pkgVersion: string}> {
  const lookup = async (): Promise<{pkg: string; pkgVersion: string} | undefined> => {
    const out = await run('apt-cache', ['depends', KERNEL_META_PACKAGE]).catch(() => '');
    const m = /Depends:\s*(linux-image-[0-9][^\s]*-amd64)/.exec(out);
    if (!m) return undefined;
    const pkg = m[1]!;
    const policy = await run('apt-cache', ['policy', pkg]).catch(() => '');
    const v = /Candidate:\s*(\S+)/.exec(policy);
    const pkgVersion = v && v[1] !== '(none)' ? v[1]! : '';
    return {pkg, pkgVersion};
  };
  let found = await lookup();
  if (!found) {
    progress(`apt knows no ${KERNEL_META_PACKAGE}: running apt-get update`);
    await run('apt-get', ['update', '-q']);
    found = await lookup();
  }
  if (!found) {
    throw new SpiceError(
      'expectation',
      `guest build: apt-cache finds no kernel package behind ${KERNEL_META_PACKAGE} (is this Debian with its main archive in sources?)`,
    );
  }
  progress(`kernel package ${found.pkg} ${found.pkgVersion}`);
  return found;
}

/** Downloads a .deb into debDir (kept there for later rebuilds) and returns its path. */
async function downloadDeb(pkg: string, version: string, debDir: string, progress: (l: string) => void): Promise<string> {
  await fs.mkdir(debDir, {recursive: true});
  // apt-get download names files PKG_VERSION_ARCH.deb, with an epoch's ':' written as %3a
  const want = (n: string): boolean =>
    n.startsWith(`${pkg}_`) && n.endsWith('.deb') && (!version || n.startsWith(`${pkg}_${version.replace(':', '%3a')}_`));
  const existing = (await fs.readdir(debDir)).find(want);
  if (existing) {
    progress(`using cached ${existing}`);
    return path.join(debDir, existing);
  }
  progress(`downloading ${pkg}${version ? ` ${version}` : ''} with apt-get download`);
  const t0 = Date.now();
  // apt-get download writes into the current directory; use a private one so concurrent builds don't collide
  const tmp = path.join(debDir, `.dl-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(tmp);
  try {
    await run('apt-get', ['download', '-q', version ? `${pkg}=${version}` : pkg], tmp);
    const got = (await fs.readdir(tmp)).find((n) => n.endsWith('.deb'));
    if (!got) throw new SpiceError('expectation', `guest build: apt-get download ${pkg} produced no .deb`);
    const dest = path.join(debDir, got);
    await fs.rename(path.join(tmp, got), dest);
    const size = (await fs.stat(dest)).size;
    progress(`downloaded ${got} (${(size / 1024 / 1024).toFixed(1)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return dest;
  } finally {
    await fs.rm(tmp, {recursive: true, force: true});
  }
}

/** Removes kernel packages other than the ones just used (70 MB each). */
async function pruneDebs(debDir: string, keep: string[]): Promise<void> {
  for (const n of await fs.readdir(debDir).catch(() => [] as string[])) {
    if (n.startsWith('linux-image-') && n.endsWith('.deb') && !keep.includes(n)) {
      await fs.rm(path.join(debDir, n), {force: true});
    }
  }
}

/** Module paths relative to lib/modules/VERSION, dependencies first, each once. */
async function resolveModules(kroot: string, version: string, progress: (l: string) => void): Promise<string[]> {
  const base = path.join(kroot, 'lib', 'modules', version) + '/';
  const ordered: string[] = [];
  const seen = new Set<string>();
  for (const mod of GUEST_MODULES) {
    let out: string;
    try {
      out = await run(modprobePath(), ['-d', kroot, '-S', version, '--show-depends', mod]);
    } catch (err) {
      progress(`warning: module ${mod} not found in ${version}: skipped`);
      continue;
    }
    for (const line of out.split('\n')) {
      const m = /^insmod\s+(\S+)/.exec(line.trim());
      if (!m) continue; // "builtin NAME" lines: nothing to load
      const abs = m[1]!;
      if (!abs.startsWith(base)) continue;
      const rel = abs.slice(base.length);
      // CPU-specific crypto (e.g. crct10dif-pclmul) fails to load on TCG's CPU; the generic one is loaded too.
      if (rel.startsWith('kernel/arch/x86/crypto/')) continue;
      if (!seen.has(rel)) {
        seen.add(rel);
        ordered.push(rel);
      }
    }
  }
  if (ordered.length === 0) throw new SpiceError('expectation', `guest build: no modules resolved for ${version}`);
  for (const rel of ordered) {
    if (/\.ko\.(xz|zst|gz)$/.test(rel)) {
      throw new SpiceError('expectation', `guest build: compressed module ${rel} (busybox insmod needs plain .ko)`);
    }
  }
  return ordered;
}

/** A statically linked busybox: the system's busybox-static when installed, else downloaded and extracted. */
async function findBusybox(
  debDir: string,
  work: string,
  progress: (l: string) => void,
): Promise<{path: string; version: string}> {
  const installed = await run('dpkg-query', ['-W', '-f', '${Status} ${Version}', BUSYBOX_PACKAGE]).catch(() => '');
  const m = /install ok installed (\S+)/.exec(installed);
  if (m && (await isStaticElf('/bin/busybox'))) {
    progress(`busybox: system ${BUSYBOX_PACKAGE} ${m[1]}`);
    return {path: '/bin/busybox', version: m[1]!};
  }
  const policy = await run('apt-cache', ['policy', BUSYBOX_PACKAGE]).catch(() => '');
  const v = /Candidate:\s*(\S+)/.exec(policy);
  const version = v && v[1] !== '(none)' ? v[1]! : '';
  const deb = await downloadDeb(BUSYBOX_PACKAGE, version, debDir, progress);
  const root = path.join(work, 'busybox-root');
  await run('dpkg', ['-x', deb, root]);
  const bin = path.join(root, 'bin', 'busybox');
  if (!(await isStaticElf(bin))) throw new SpiceError('expectation', `guest build: ${deb} has no static bin/busybox`);
  progress(`busybox: ${path.basename(deb)}`);
  return {path: bin, version: version || path.basename(deb)};
}

/** True for an ELF file without a PT_INTERP program header (i.e. statically linked). */
async function isStaticElf(file: string): Promise<boolean> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch {
    return false;
  }
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) return false;
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > buf.length) return false;
    if (buf.readUInt32LE(off) === 3) return false; // PT_INTERP
  }
  return true;
}
