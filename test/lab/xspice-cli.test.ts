/**
 * `spice-cli lab start xspice | status | stop` through the built CLI (bin/run.js → dist/),
 * across processes: the target outlives the `lab start` process and is found again through
 * the lab state file.
 */
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {readdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {isAlive} from '../../src/lab/processes.js';
import {readState, stopTargetInfo} from '../../src/lab/state.js';
import type {LabTargetInfo} from '../../src/lab/types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'run.js');
const hasXspice = existsSync('/usr/lib/xorg/modules/drivers/spiceqxl_drv.so') && existsSync('/usr/bin/spicy-screenshot');
const labDir = mkdtempSync(join(tmpdir(), 'spice-cli-lab-clitest-'));
const outDir = mkdtempSync(join(tmpdir(), 'spice-cli-lab-cliout-'));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(args: string[], timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: {...process.env, SPICE_CLI_LAB_DIR: labDir},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`spice-cli ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    // 'exit', not 'close': the detached servers must not hold our pipes open.
    child.on('exit', (code) => {
      clearTimeout(timer);
      setImmediate(() => resolve({code, stdout, stderr, ms: performance.now() - t0}));
    });
  });
}

/** Newest mtime of the .ts files under dir (recursively). */
function newest(dir: string, ext: string): number {
  let t = 0;
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  // Build when dist/ is missing or older than the lab sources (npm test builds first anyway).
  const built = join(ROOT, 'dist', 'commands', 'lab', 'start', 'xspice.js');
  const srcNewest = Math.max(newest(join(ROOT, 'src', 'lab'), '.ts'), newest(join(ROOT, 'src', 'commands', 'lab'), '.ts'));
  if (!existsSync(built) || statSync(built).mtimeMs < srcNewest) {
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {cwd: ROOT, stdio: 'pipe'});
    } catch {
      // Type errors elsewhere in the tree still emit JavaScript; the tests below tell if it is usable.
    }
  }
}, 120_000);

afterAll(async () => {
  // Whatever a failed test left running.
  for (const t of readState(labDir)) await stopTargetInfo(t, labDir).catch(() => undefined);
  rmSync(labDir, {recursive: true, force: true});
  rmSync(outDir, {recursive: true, force: true});
}, 30_000);

describe.skipIf(!hasXspice)('spice-cli lab (Xspice) through the CLI', () => {
  it('lab start xspice prints the URI and leaves the target running; status and stop find it', async () => {
    const started = await cli(['lab', 'start', 'xspice', '--name', 'cli-plain']);
    expect(started.code, started.stderr).toBe(0);
    const uri = started.stdout.trim();
    expect(uri).toMatch(/^spice:\/\/127\.0\.0\.1:\d+$/);
    console.log(`lab start xspice: ${started.ms.toFixed(0)} ms for the whole CLI run`);

    // The lab start process has exited; the server still serves.
    const port = uri.split(':').pop()!;
    const shot = join(outDir, 'plain.ppm');
    execFileSync('spicy-screenshot', ['-h', '127.0.0.1', '-p', port, '-o', shot], {timeout: 15_000, stdio: 'pipe'});
    expect(readFileSync(shot).subarray(0, 15).toString('latin1')).toMatch(/^P6\s+1024 768/);

    const status = await cli(['lab', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const list = (JSON.parse(status.stdout) as {targets: LabTargetInfo[]}).targets;
    const entry = list.find((t) => t.name === 'cli-plain');
    expect(entry?.uri).toBe(uri);
    expect(entry?.kind).toBe('xspice');
    for (const pid of entry!.pids) expect(isAlive(pid)).toBe(true);

    const plain = await cli(['lab', 'status']);
    expect(plain.stdout).toMatch(/cli-plain\s+xspice\s+spice:\/\/127\.0\.0\.1:\d+/);

    const stopped = await cli(['lab', 'stop', 'cli-plain']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain('stopped cli-plain');
    for (const pid of entry!.pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(entry!.dir)).toBe(false);
    const n = entry!.display!.slice(1);
    expect(existsSync(`/tmp/.X${n}-lock`)).toBe(false);

    const after = await cli(['lab', 'status', '--json']);
    expect((JSON.parse(after.stdout) as {targets: LabTargetInfo[]}).targets.some((t) => t.name === 'cli-plain')).toBe(false);
  }, 60_000);

  it('--json gives the facts without the password; --tls --vdagent --audio', async () => {
    const pwFile = join(outDir, 'pw.txt');
    writeFileSync(pwFile, 'cli-secret\n');
    const started = await cli(['lab', 'start', 'xspice', '--name', 'cli-full', '--password-file', pwFile, '--tls', '--vdagent', '--audio', '--compression', 'auto_lz', '--streaming', 'filter', '--no-surfaces', '--json']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).not.toContain('cli-secret');
    const info = JSON.parse(started.stdout) as LabTargetInfo;
    expect(info.name).toBe('cli-full');
    expect(info.password).toBeUndefined();
    expect(info.extra.passwordRequired).toBe('1');
    expect(info.uri).toBe(`spice://127.0.0.1:${info.port}?tls-port=${info.tlsPort}`);
    expect(info.hostSubject).toBe('C=XX,O=spice-cli lab,CN=127.0.0.1');
    expect(existsSync(info.caFile!)).toBe(true);
    expect(statSync(info.extra.audioFifo!).isFIFO()).toBe(true);
    expect(readFileSync(join(info.dir, 'xorg.conf'), 'utf8')).toContain('"EnableSurfaces" "False"');

    const shot = join(outDir, 'full.ppm');
    execFileSync('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(info.port), '-w', 'cli-secret', '-o', shot], {timeout: 15_000, stdio: 'pipe'});
    expect(existsSync(shot)).toBe(true);

    const stopped = await cli(['lab', 'stop', '--all']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain('stopped cli-full');
    for (const pid of info.pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  }, 60_000);

  it('usage errors exit with 2 and say what is wrong', async () => {
    const bad = await cli(['lab', 'start', 'xspice', '--compression', 'zip']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid compression "zip"/);

    const noName = await cli(['lab', 'stop']);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/--all/);

    const unknown = await cli(['lab', 'stop', 'no-such-target', '--json']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ok: false, error: {kind: 'usage', exitCode: 2}});

    const missingPw = await cli(['lab', 'start', 'xspice', '--password-file', join(outDir, 'nope.txt')]);
    expect(missingPw.code).toBe(2);
    expect(missingPw.stderr).toMatch(/cannot read password file/);
    expect(readState(labDir)).toEqual([]);
  }, 60_000);

  it('lab status prunes a target whose server died', async () => {
    const started = await cli(['lab', 'start', 'xspice', '--name', 'cli-dies', '--no-default-clients', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const info = JSON.parse(started.stdout) as LabTargetInfo;
    process.kill(info.pids[0]!, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (isAlive(info.pids[0]!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const status = await cli(['lab', 'status', '--json']);
    expect(((JSON.parse(status.stdout) as {targets: LabTargetInfo[]}).targets).some((t) => t.name === 'cli-dies')).toBe(false);
    // SIGKILL left the X lock; pruning removed it.
    expect(existsSync(`/tmp/.X${info.display!.slice(1)}-lock`)).toBe(false);
    rmSync(info.dir, {recursive: true, force: true});
  }, 60_000);

  it('lab demo starts a target, runs info and the three Xspice examples against it, and stops it', async () => {
    const demo = await cli(['lab', 'demo'], 150_000);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stderr).toMatch(/spice-cli run examples\/xspice-clipboard\.yaml examples\/xspice-branch\.yaml examples\/xspice-xterm\.yaml/);
    expect(demo.stdout + demo.stderr).toMatch(/3 passed, 0 failed/);
    expect(demo.stderr).toMatch(/started xspice-\d+ at spice:\/\/127\.0\.0\.1:\d+/);
    expect(demo.stderr).toMatch(/stopped xspice-\d+/);
    if (existsSync(join(ROOT, 'dist', 'commands', 'info.js'))) expect(demo.stdout).toMatch(/spice:\/\/127\.0\.0\.1:\d+/);
    else expect(demo.stdout).toMatch(/info.*not in this build/);
    expect(readState(labDir)).toEqual([]);
  }, 180_000);

  it('lab install reports the packages', async () => {
    const r = await cli(['lab', 'install', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {packages: string[]; missing: string[]};
    expect(out.packages).toEqual(expect.arrayContaining(['xserver-xspice', 'qemu-system-x86', 'spice-client-gtk', 'libspice-protocol-dev']));
    expect(Array.isArray(out.missing)).toBe(true);
  }, 60_000);
});
