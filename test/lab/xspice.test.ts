/**
 * The Xspice lab target against the reference clients: spicy-screenshot (spice-gtk, no display)
 * and scripts/lab-probe.py (spice-gtk through GObject introspection, for TLS and the agent).
 */
import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {SpiceError} from '../../src/client/errors.js';
import {isAlive} from '../../src/lab/processes.js';
import {readState} from '../../src/lab/state.js';
import {generateUnrelatedCa} from '../../src/lab/tls.js';
import type {LabTarget} from '../../src/lab/types.js';
import {startXspice, type XspiceOptions} from '../../src/lab/xspice.js';

const PROBE = fileURLToPath(new URL('../../scripts/lab-probe.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const hasSpicy = existsSync('/usr/bin/spicy-screenshot');
const hasXspice = existsSync('/usr/lib/xorg/modules/drivers/spiceqxl_drv.so');
const hasGi = existsSync('/usr/lib/python3/dist-packages/gi') && existsSync('/usr/lib/x86_64-linux-gnu/girepository-1.0/SpiceClientGLib-2.0.typelib');

const labDir = mkdtempSync(join(tmpdir(), 'spice-cli-lab-test-'));
const outDir = mkdtempSync(join(tmpdir(), 'spice-cli-lab-out-'));
const targets: LabTarget[] = [];

async function start(opts: XspiceOptions = {}): Promise<LabTarget> {
  const t = await startXspice({labDir, stopOnExit: true, ...opts});
  targets.push(t);
  return t;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, {timeout: timeoutMs, encoding: 'utf8'}, (err, stdout, stderr) => {
      const code = err ? (typeof (err as {code?: unknown}).code === 'number' ? ((err as {code: number}).code) : null) : 0;
      resolve({code, stdout, stderr});
    });
  });
}

let shotNo = 0;
async function screenshot(t: LabTarget, password?: string): Promise<{code: number | null; file: string; stderr: string}> {
  const file = join(outDir, `shot-${++shotNo}.ppm`);
  const args = ['-h', '127.0.0.1', '-p', String(t.port), '-o', file];
  if (password !== undefined) args.push('-w', password);
  const r = await run('spicy-screenshot', args);
  return {code: r.code, file, stderr: r.stderr};
}

function ppmSize(file: string): {width: number; height: number; bytes: number} {
  const buf = readFileSync(file);
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(buf.subarray(0, 32).toString('latin1'));
  if (!m) throw new Error(`${file} is not a P6 PPM`);
  const width = Number(m[1]);
  const height = Number(m[2]);
  return {width, height, bytes: buf.length - m[0].length};
}

interface ProbeResult {
  ok: boolean;
  channels?: string[];
  agentConnected?: boolean;
  event?: string;
}

async function probe(args: string[]): Promise<{code: number | null; result: ProbeResult}> {
  // 30 s: under the suite's parallel QEMU load one TLS probe took longer than 10 s (exit 40, not the TLS error).
  const r = await run(PYTHON, [PROBE, ...args, '--timeout', '30'], 45_000);
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  return {code: r.code, result: JSON.parse(line) as ProbeResult};
}

afterAll(async () => {
  await Promise.allSettled(targets.map((t) => t.stop()));
  rmSync(labDir, {recursive: true, force: true});
  rmSync(outDir, {recursive: true, force: true});
}, 30_000);

describe.skipIf(!hasXspice || !hasSpicy)('Xspice lab target', () => {
  describe('default options', () => {
    let t: LabTarget;
    let startMs = 0;
    beforeAll(async () => {
      const t0 = performance.now();
      t = await start();
      startMs = performance.now() - t0;
      console.log(`Xspice: listening after ${t.extra.listenMs} ms, ready with clients after ${startMs.toFixed(0)} ms`);
    }, 20_000);

    it('reports its facts', () => {
      expect(t.kind).toBe('xspice');
      expect(t.host).toBe('127.0.0.1');
      expect(t.uri).toBe(`spice://127.0.0.1:${t.port}`);
      expect(t.display).toMatch(/^:\d+$/);
      expect(t.password).toBeUndefined();
      expect(t.tlsPort).toBeUndefined();
      expect(t.pids.length).toBe(3); // Xorg, xterm, xlogo
      for (const pid of t.pids) expect(isAlive(pid)).toBe(true);
      expect(Number(t.extra.listenMs)).toBeLessThan(5000);
      expect(startMs).toBeLessThan(10_000);
      expect(readFileSync(`/proc/${t.pids[0]}/cmdline`, 'utf8')).toContain('Xorg');
    });

    it('listens on 127.0.0.1 only', () => {
      const env = readFileSync(`/proc/${t.pids[0]}/environ`, 'utf8').split('\0');
      expect(env).toContain('XSPICE_ADDR=127.0.0.1');
      expect(env).toContain('XSPICE_DISABLE_TICKETING=1');
      expect(env).toContain(`XSPICE_PORT=${t.port}`);
    });

    it('is recorded in the lab state file', () => {
      const entry = readState(labDir).find((x) => x.name === t.name);
      expect(entry?.uri).toBe(t.uri);
      expect(entry?.pids).toEqual(t.pids);
    });

    it('serves a 1024x768 screen to spicy-screenshot', async () => {
      const r = await screenshot(t);
      expect(r.code, r.stderr).toBe(0);
      expect(ppmSize(r.file)).toEqual({width: 1024, height: 768, bytes: 1024 * 768 * 3});
    });
  });

  describe('password', () => {
    let t: LabTarget;
    beforeAll(async () => {
      t = await start({password: 'lab-secret', clients: []});
    }, 20_000);

    it('accepts the right password', async () => {
      expect(t.password).toBe('lab-secret');
      const r = await screenshot(t, 'lab-secret');
      expect(r.code, r.stderr).toBe(0);
      expect(ppmSize(r.file).width).toBe(1024);
    });

    it('refuses a wrong or missing password', async () => {
      const wrong = await screenshot(t, 'not-it');
      expect(wrong.code).not.toBe(0);
      expect(existsSync(wrong.file)).toBe(false);
      const none = await screenshot(t);
      expect(none.code).not.toBe(0);
      expect(existsSync(none.file)).toBe(false);
    });

    it('does not store the password in the state file', () => {
      const text = readFileSync(join(labDir, 'state.json'), 'utf8');
      expect(text).not.toContain('lab-secret');
      expect(readState(labDir).find((x) => x.name === t.name)?.extra.passwordRequired).toBe('1');
    });
  });

  describe('audio', () => {
    let t: LabTarget;
    beforeAll(async () => {
      t = await start({audio: true, clients: []});
    }, 20_000);

    it('creates the playback FIFO', () => {
      const fifo = t.extra.audioFifo;
      expect(fifo).toBeDefined();
      expect(statSync(fifo!).isFIFO()).toBe(true);
      const env = readFileSync(`/proc/${t.pids[0]}/environ`, 'utf8').split('\0');
      expect(env).toContain(`XSPICE_PLAYBACK_FIFO_DIR=${join(t.dir, 'audio')}`);
    });

    it.skipIf(!hasGi)('offers a playback channel', async () => {
      const {code, result} = await probe(['--port', String(t.port)]);
      expect(code).toBe(0);
      expect(result.channels).toContain('playback');
    }, 30_000);
  });

  describe('vdagent and TLS', () => {
    let t: LabTarget;
    beforeAll(async () => {
      t = await start({vdagent: true, tls: true, fileXferDir: join(outDir, 'xfer')});
    }, 30_000);

    it('runs spice-vdagentd and spice-vdagent on the virtio socket', () => {
      const comms = t.pids.map((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
      expect(comms).toEqual(expect.arrayContaining(['Xorg', 'spice-vdagentd', 'spice-vdagent']));
      for (const pid of t.pids) expect(isAlive(pid)).toBe(true);
      expect(statSync(t.extra.vdagentVirtio!).isSocket()).toBe(true);
      expect(statSync(t.extra.vdagentSocket!).isSocket()).toBe(true);
      expect(existsSync(join(outDir, 'xfer'))).toBe(true);
    });

    it.skipIf(!hasGi)('the client sees the agent', async () => {
      const {code, result} = await probe(['--port', String(t.port), '--wait-agent']);
      expect(code).toBe(0);
      expect(result.agentConnected).toBe(true);
    }, 30_000);

    it('opens a TLS port with the lab certificate', () => {
      expect(t.uri).toBe(`spice://127.0.0.1:${t.port}?tls-port=${t.tlsPort}`);
      expect(t.hostSubject).toBe('C=XX,O=spice-cli lab,CN=127.0.0.1');
      expect(existsSync(t.caFile!)).toBe(true);
      for (const f of ['ca-cert.pem', 'server-cert.pem', 'server-key.pem']) expect(existsSync(join(t.dir, 'tls', f))).toBe(true);
    });

    it.skipIf(!hasGi)('TLS: verifies with the lab CA and host subject, fails with another CA', async () => {
      const good = await probe(['--tls-port', String(t.tlsPort), '--ca-file', t.caFile!, '--host-subject', t.hostSubject!]);
      expect(good.code).toBe(0);
      expect(good.result.ok).toBe(true);
      const other = await generateUnrelatedCa(join(outDir, 'other-ca'));
      const bad = await probe(['--tls-port', String(t.tlsPort), '--ca-file', other.caFile]);
      expect(bad.code).toBe(10);
      expect(bad.result.event).toBe('ERROR_TLS');
    }, 100_000);
  });

  describe('display settings', () => {
    it('applies compression, WAN, streaming, surfaces and screen size', async () => {
      const t = await start({
        compression: 'lz',
        jpegWan: 'never',
        zlibGlzWan: 'always',
        streaming: 'all',
        surfaces: false,
        width: 800,
        height: 600,
        clients: [{command: 'xclock', args: ['-geometry', '120x120+10+10']}],
      });
      const env = readFileSync(`/proc/${t.pids[0]}/environ`, 'utf8').split('\0');
      expect(env).toEqual(
        expect.arrayContaining([
          'XSPICE_IMAGE_COMPRESSION=lz',
          'XSPICE_JPEG_WAN_COMPRESSION=never',
          'XSPICE_ZLIB_GLZ_WAN_COMPRESSION=always',
          'XSPICE_STREAMING_VIDEO=all',
        ]),
      );
      expect(readFileSync(join(t.dir, 'xorg.conf'), 'utf8')).toMatch(/Option "EnableSurfaces" "False"/);
      expect(readFileSync(`/proc/${t.pids[1]}/comm`, 'utf8').trim()).toBe('xclock');
      const r = await screenshot(t);
      expect(r.code, r.stderr).toBe(0);
      expect(ppmSize(r.file)).toMatchObject({width: 800, height: 600});
    }, 30_000);

    it('rejects bad options with a usage error', async () => {
      await expect(startXspice({labDir, compression: 'zip' as never})).rejects.toSatisfy(
        (e: unknown) => e instanceof SpiceError && e.kind === 'usage' && e.exitCode === 2 && /compression/.test(e.message),
      );
      await expect(startXspice({labDir, streaming: 'some' as never})).rejects.toBeInstanceOf(SpiceError);
      await expect(startXspice({labDir, width: 3})).rejects.toBeInstanceOf(SpiceError);
    });

    it('names a missing X client', async () => {
      await expect(startXspice({labDir, clients: [{command: 'no-such-x-client'}]})).rejects.toThrow(/no-such-x-client/);
    });
  });

  describe('several targets and stop()', () => {
    it('runs targets side by side and stop() leaves nothing behind', async () => {
      const [a, b] = await Promise.all([start({vdagent: true, audio: true}), start()]);
      expect(a!.port).not.toBe(b!.port);
      expect(a!.display).not.toBe(b!.display);
      const [ra, rb] = await Promise.all([screenshot(a!), screenshot(b!)]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rb.code, rb.stderr).toBe(0);

      const n = a!.display!.slice(1);
      expect(existsSync(`/tmp/.X${n}-lock`)).toBe(true);
      const t0 = performance.now();
      await a!.stop();
      console.log(`Xspice with vdagent: stopped in ${(performance.now() - t0).toFixed(0)} ms`);
      for (const pid of a!.pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
      expect(existsSync(`/tmp/.X${n}-lock`)).toBe(false);
      expect(existsSync(`/tmp/.X11-unix/X${n}`)).toBe(false);
      expect(existsSync(a!.dir)).toBe(false);
      expect(readState(labDir).some((x) => x.name === a!.name)).toBe(false);
      await a!.stop(); // idempotent

      // b is unaffected.
      for (const pid of b!.pids) expect(isAlive(pid)).toBe(true);
      const again = await screenshot(b!);
      expect(again.code, again.stderr).toBe(0);
      await b!.stop();
      for (const pid of b!.pids) expect(isAlive(pid)).toBe(false);
    }, 40_000);

    it('refuses a name that is already running', async () => {
      const t = await start({name: 'lab-test-fixed', clients: []});
      await expect(start({name: 'lab-test-fixed', clients: []})).rejects.toSatisfy((e: unknown) => e instanceof SpiceError && e.kind === 'usage');
      await t.stop();
    }, 20_000);
  });
});
