/**
 * `spice-cli send-file` against spice-vdagent -f DIR on a lab Xspice: 20 MiB of seeded random bytes land
 * byte-equal (sha256) and the rate is printed; several files in one command, names GKeyFile must escape;
 * the guest's refusals (NOT_ENOUGH_SPACE with its free bytes, which needs FILE_XFER_DETAILED_ERRORS; ERROR when
 * the save directory cannot be made; DISABLED when spice-vdagent has no save folder at all); Ctrl-C cancels on the guest too; a stalled agent times out (40); no agent
 * (30); unreadable files (2) before connecting.
 */
import {execFileSync, spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statfsSync, truncateSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {ExitCode} from '../../src/client/errors.js';
import {BIN, runCli} from '../support/cli.js';
import {prngU32} from '../support/prng.js';

const scratch = mkdtempSync(join(tmpdir(), 'spice-cli-xfer-'));
const saveDir = join(scratch, 'guest-downloads');
const src = (name: string) => join(scratch, 'src', name);
mkdirSync(join(scratch, 'src'));

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** `bytes` of mulberry32 output from `seed`, written to the source folder. */
function randomFile(name: string, bytes: number, seed: number): string {
  const next = prngU32(seed);
  const buf = Buffer.alloc(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4) buf.writeUInt32LE(next(), i);
  for (let i = bytes & ~3; i < bytes; i++) buf[i] = next() & 0xff;
  writeFileSync(src(name), buf);
  return src(name);
}

let t: LabTarget;
let bare: LabTarget;
let noSaveDir: LabTarget;
beforeAll(async () => {
  [t, bare, noSaveDir] = await Promise.all([
    startXspice({fileXferDir: saveDir, clients: []}),
    startXspice({clients: []}),
    // spice-vdagent without -f, no desktop icons and no XDG download folder in the lab HOME: it disables file transfer.
    startXspice({vdagent: true, clients: []}),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.stop(), bare?.stop(), noSaveDir?.stop()]);
  rmSync(scratch, {recursive: true, force: true});
});

const send = (args: string[], timeoutMs = 120_000) => runCli(['send-file', '--uri', t.uri, '--timeout', '30', ...args], {timeoutMs});

describe('send-file to spice-vdagent', () => {
  it('20 MiB of random bytes arrive byte-equal (sha256); the rate is reported', async () => {
    const file = randomFile('random-20MiB.bin', 20 << 20, 0x5eed);
    const r = await send([file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.files).toHaveLength(1);
    expect(json.files[0]).toMatchObject({name: 'random-20MiB.bin', size: 20 << 20, status: 'SUCCESS'});
    expect(sha256(join(saveDir, 'random-20MiB.bin'))).toBe(sha256(file));
    console.log(`send-file: 20 MiB in ${json.files[0].ms} ms = ${json.files[0].MiBps} MiB/s (CLI run ${Math.round(r.ms)} ms)`);
    expect(json.files[0].MiBps).toBeGreaterThan(0);
    // Plain progress lines on stderr (not a terminal): the start, every 10 % or second, the end.
    expect(r.stderr).toMatch(/random-20MiB\.bin: 0% \(0 B of 20\.0 MiB\)\nrandom-20MiB\.bin: \d+% \(/);
    expect(r.stderr).toMatch(/random-20MiB\.bin: sent 20\.0 MiB in /);
  });

  it('several files in one command, names that need keyfile escaping kept exactly, an empty file', async () => {
    const names = [' leading and trailing space ', 'new\nline.txt', 'back\\slash\\n.txt', 'tab\there.txt', 'cr\rreturn.txt', '#[group]=value;x.txt', 'Grüße 世界 🎉.txt', 'empty.txt'];
    const files = names.map((n, i) => {
      writeFileSync(src(n), n === 'empty.txt' ? '' : `content of file ${i}: ${n}`);
      return src(n);
    });
    const r = await send(['--json', '--', ...files]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.files.map((f: {name: string}) => f.name)).toEqual(names);
    expect(json.files.every((f: {status: string}) => f.status === 'SUCCESS')).toBe(true);
    for (const n of names) expect(readFileSync(join(saveDir, n)).equals(readFileSync(src(n))), JSON.stringify(n)).toBe(true);
  });

  it('a name that exists already is saved by spice-vdagent as "NAME (1).EXT"', async () => {
    writeFileSync(src('twice.txt'), 'first');
    expect((await send([src('twice.txt')])).code).toBe(0);
    writeFileSync(src('twice.txt'), 'second');
    const r = await send([src('twice.txt')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(saveDir, 'twice.txt'), 'utf8')).toBe('first');
    expect(readFileSync(join(saveDir, 'twice (1).txt'), 'utf8')).toBe('second');
  });
});

describe('the guest refuses', () => {
  it('a file larger than the guest disk: NOT_ENOUGH_SPACE with the free bytes (FILE_XFER_DETAILED_ERRORS), exit 1', async () => {
    const free = statfsSync(saveDir).bavail * statfsSync(saveDir).bsize;
    const huge = src('larger-than-the-disk.bin');
    writeFileSync(huge, '');
    truncateSync(huge, Math.min(free * 2 + 2 ** 30, 15 * 2 ** 40)); // sparse: nothing is read before the refusal
    const r = await send([huge, '--json']);
    expect(r.code, r.stderr).toBe(ExitCode.EXPECTATION_FAILED);
    const json = JSON.parse(r.stdout);
    expect(json.files[0]).toMatchObject({name: 'larger-than-the-disk.bin', status: 'NOT_ENOUGH_SPACE'});
    expect(Math.abs(json.files[0].guestFreeBytes - free)).toBeLessThan(2 ** 30);
    expect(json.error.message).toMatch(/not enough space on the guest \(\d+\.\d GiB free\)/);
    expect(existsSync(join(saveDir, 'larger-than-the-disk.bin'))).toBe(false);
    // Plain output; the next file still goes.
    writeFileSync(src('after-the-refusal.txt'), 'still sent');
    const plain = await send([huge, src('after-the-refusal.txt')]);
    expect(plain.code).toBe(ExitCode.EXPECTATION_FAILED);
    expect(plain.stderr).toMatch(/spice-cli: larger-than-the-disk\.bin: the guest agent refused it \(NOT_ENOUGH_SPACE\): not enough space/);
    expect(plain.stderr).toMatch(/1 of 2 files sent/);
    expect(readFileSync(join(saveDir, 'after-the-refusal.txt'), 'utf8')).toBe('still sent');
  });

  it('a save directory that cannot be created (a file in its place): ERROR, exit 1', async () => {
    writeFileSync(src('blocked.txt'), 'blocked');
    const aside = `${saveDir}.aside`;
    renameSync(saveDir, aside);
    writeFileSync(saveDir, 'a regular file where the save directory was');
    let r;
    try {
      r = await send([src('blocked.txt'), '--json']);
    } finally {
      rmSync(saveDir);
      renameSync(aside, saveDir);
    }
    expect(r.code, r.stderr).toBe(ExitCode.EXPECTATION_FAILED);
    expect(JSON.parse(r.stdout).files[0]).toMatchObject({name: 'blocked.txt', status: 'ERROR'});
    expect(JSON.parse(r.stdout).error.message).toMatch(/blocked\.txt: the guest agent refused it \(ERROR\): the guest could not save it/);
  });
});

describe('send-file to a guest agent with file transfer disabled', () => {
  it('DISABLED: exit 1 with the reason, nothing saved in the lab HOME', async () => {
    writeFileSync(src('not-wanted.txt'), 'not wanted');
    const r = await runCli(['send-file', '--uri', noSaveDir.uri, '--timeout', '30', src('not-wanted.txt'), '--json']);
    expect(r.code, r.stderr).toBe(ExitCode.EXPECTATION_FAILED);
    const out = JSON.parse(r.stdout);
    expect(out.files[0]).toMatchObject({name: 'not-wanted.txt', status: 'DISABLED'});
    expect(out.error.message).toMatch(/not-wanted\.txt: the guest agent refused it \(DISABLED\): file transfer is disabled on the guest/);
    const home = noSaveDir.extra.home!;
    const found = execFileSync('find', [home, '-name', 'not-wanted.txt'], {encoding: 'utf8'});
    expect(found).toBe('');
  });
});

describe('the scenario step send_file', () => {
  it('sends a file named relative to the scenario (and under another name); a refusal fails the step with exit 1', async () => {
    writeFileSync(src('from-a-scenario.txt'), 'sent by a scenario step');
    const yaml = join(scratch, 'src', 'send.yaml');
    writeFileSync(yaml, 'name: send files\nsteps:\n  - send_file: from-a-scenario.txt\n  - send_file: {file: from-a-scenario.txt, name: renamed-by-the-step.txt, timeout: 20s}\n');
    const r = await runCli(['run', yaml, '--uri', t.uri, '--artifacts', join(scratch, 'art'), '--json'], {timeoutMs: 90_000});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(readFileSync(join(saveDir, 'from-a-scenario.txt'), 'utf8')).toBe('sent by a scenario step');
    expect(readFileSync(join(saveDir, 'renamed-by-the-step.txt'), 'utf8')).toBe('sent by a scenario step');

    const huge = src('too-big-for-the-step.bin');
    writeFileSync(huge, '');
    truncateSync(huge, Math.min(statfsSync(saveDir).bavail * statfsSync(saveDir).bsize * 2 + 2 ** 30, 15 * 2 ** 40));
    const refused = join(scratch, 'src', 'refused.yaml');
    writeFileSync(refused, 'name: refused\nsteps:\n  - send_file: too-big-for-the-step.bin\n');
    const f = await runCli(['run', refused, '--uri', t.uri, '--artifacts', join(scratch, 'art')], {timeoutMs: 90_000});
    expect(f.code, f.stderr).toBe(ExitCode.EXPECTATION_FAILED);
    expect(f.stderr).toMatch(/refused\.yaml:3:5: send_file: the guest agent refused too-big-for-the-step\.bin \(NOT_ENOUGH_SPACE\)/);

    const missing = join(scratch, 'src', 'missing.yaml');
    writeFileSync(missing, 'name: missing\nsteps:\n  - send_file: not-there.bin\n');
    const m = await runCli(['run', missing, '--uri', t.uri]);
    expect(m.code).toBe(ExitCode.USAGE);
    expect(m.stderr).toMatch(/send_file: no such file .*not-there\.bin/);
  });
});

describe('interruptions and errors', () => {
  it('Ctrl-C cancels the transfer on the guest (STATUS CANCELLED; the partial file is deleted) and exits 130', async () => {
    const big = src('interrupted-200MiB.bin');
    writeFileSync(big, '');
    truncateSync(big, 200 << 20);
    const child = spawn(process.execPath, [BIN, 'send-file', '--uri', t.uri, big, '--json'], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, SPICE_URI: '', SPICE_PASSWORD: ''}});
    let out = '';
    let err = '';
    let interrupted = false;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      const pct = [...err.matchAll(/: (\d+)% \(/g)].map((m) => Number(m[1]));
      if (!interrupted && pct.some((p) => p > 0 && p < 90)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`send-file did not end: ${err}`))), 90_000);
      child.on('close', (c) => (clearTimeout(timer), resolve(c)));
    });
    expect(interrupted, err).toBe(true);
    expect(code, err).toBe(130);
    const json = JSON.parse(out);
    expect(json.files[0]).toMatchObject({name: 'interrupted-200MiB.bin', status: 'CANCELLED'});
    expect(json.error.kind).toBe('interrupted');
    expect(existsSync(join(saveDir, 'interrupted-200MiB.bin'))).toBe(false);
    // spice-vdagent received our 8-byte FILE_XFER_STATUS before the client went away.
    const log = readFileSync(join(t.dir, 'vdagent.log'), 'utf8');
    const removed = log.lastIndexOf('and file ' + join(saveDir, 'interrupted-200MiB.bin'));
    expect(removed).toBeGreaterThan(0);
    expect(log.lastIndexOf('received file xfer status', removed)).toBeGreaterThan(log.lastIndexOf('Adding task', removed));
  });

  it('a stalled session agent: exit 40 after --timeout', async () => {
    const agentPid = t.pids.find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'spice-vdagent');
    expect(agentPid).toBeDefined();
    writeFileSync(src('stalled.txt'), 'never answered');
    process.kill(agentPid!, 'SIGSTOP');
    let r;
    try {
      r = await runCli(['send-file', '--uri', t.uri, '--timeout', '2', src('stalled.txt')], {timeoutMs: 60_000});
    } finally {
      process.kill(agentPid!, 'SIGCONT');
    }
    expect(r.code, r.stderr).toBe(ExitCode.TIMEOUT);
    expect(r.stderr).toMatch(/timed out after 2 s waiting for the guest's answer to FILE_XFER_START for stalled\.txt/);
  });

  it('no guest agent: exit 30', async () => {
    writeFileSync(src('nobody-listens.txt'), 'x');
    const r = await runCli(['send-file', '--uri', bare.uri, src('nobody-listens.txt')]);
    expect(r.code, r.stderr).toBe(ExitCode.NO_AGENT);
    expect(r.stderr).toMatch(/no guest agent/);
  });

  it('a missing file or a directory: exit 2 before connecting (no server needed)', async () => {
    const nowhere = 'spice://127.0.0.1:1';
    const missing = await runCli(['send-file', '--uri', nowhere, join(scratch, 'does-not-exist.bin')]);
    expect(missing.code, missing.stderr).toBe(ExitCode.USAGE);
    expect(missing.stderr).toMatch(/cannot read .*does-not-exist\.bin: no such file/);
    const dir = await runCli(['send-file', '--uri', nowhere, '--json', scratch]);
    expect(dir.code).toBe(ExitCode.USAGE);
    expect(JSON.parse(dir.stdout).error.message).toMatch(/not a regular file/);
    const none = await runCli(['send-file', '--uri', nowhere]);
    expect(none.code).toBe(ExitCode.USAGE);
  });
});
