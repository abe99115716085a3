/**
 * The QEMU lab target against QEMU 7.2 under TCG: BIOS mode seen by spicy-screenshot, the
 * tiny Linux guest with every SPICE device checked from its serial shell, a unix socket,
 * a password and TLS. Every target is stopped in afterAll even when a test fails.
 */
import {execFile} from 'node:child_process';
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {promisify} from 'node:util';

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {ensureGuest} from '../../src/lab/guest/build.js';
import {connectSerial, type SerialShell} from '../../src/lab/guest/serial.js';
import {which} from '../../src/lab/install.js';
import {isAlive} from '../../src/lab/processes.js';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';

const execFileP = promisify(execFile);

const haveQemu = which('qemu-system-x86_64') !== undefined;
const haveScreenshot = which('spicy-screenshot') !== undefined;
// On CI the lab packages are installed first: a missing one must fail, not skip.
const runLab = haveQemu || !!process.env.CI;

const started: LabTarget[] = [];
async function start(opts: Parameters<typeof startQemu>[0]): Promise<LabTarget> {
  const t = await startQemu(opts);
  started.push(t);
  return t;
}

afterAll(async () => {
  await Promise.allSettled(started.map((t) => t.stop()));
});

/** Live (non-zombie) processes whose command line mentions the target's directory. */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(`${dir}/`) && isAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

async function expectStopped(t: LabTarget): Promise<void> {
  await t.stop();
  for (const pid of t.pids) expect(isAlive(pid), `QEMU PID ${pid} still alive`).toBe(false);
  expect(processesUsing(t.dir)).toEqual([]);
  for (const f of ['qmp.sock', 'serial.sock', 'spice.sock']) expect(existsSync(path.join(t.dir, f))).toBe(false);
}

interface Shot {
  ok: boolean;
  width?: number;
  height?: number;
  stderr: string;
}

async function screenshot(port: number, out: string, password?: string): Promise<Shot> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-o', out, ...(password !== undefined ? ['-w', password] : [])];
  try {
    await execFileP('spicy-screenshot', args, {timeout: 20_000});
  } catch (err) {
    return {ok: false, stderr: String((err as {stderr?: string}).stderr ?? err)};
  }
  const head = readFileSync(out).subarray(0, 32).toString('latin1');
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(head);
  return {ok: !!m, width: Number(m?.[1]), height: Number(m?.[2]), stderr: ''};
}

describe.skipIf(!runLab)('QEMU lab target', () => {
  describe.skipIf(!haveScreenshot && !process.env.CI)('BIOS mode', () => {
    it('serves the SeaBIOS text screen (720x400) to spicy-screenshot, and stop() leaves no QEMU', async () => {
      const t = await start({});
      expect(t.kind).toBe('qemu');
      expect(t.uri).toBe(`spice://127.0.0.1:${t.port}`);
      expect(t.pids).toHaveLength(1);
      expect(isAlive(t.pids[0]!)).toBe(true);
      expect(existsSync(t.extra.qmp!)).toBe(true);
      console.info(`[qemu] BIOS mode: SPICE port up ${t.extra.portUpMs} ms after start`);
      // The first frame may still be the 640x480 mode SeaBIOS starts in: retry until text mode.
      const out = path.join(t.dir, 'bios.ppm');
      let shot: Shot = {ok: false, stderr: ''};
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        shot = await screenshot(t.port!, out);
        if (shot.ok && shot.width === 720 && shot.height === 400) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(shot).toMatchObject({ok: true, width: 720, height: 400});
      expect(statSync(out).size).toBeGreaterThanOrEqual(720 * 400 * 3);
      await expectStopped(t);
    });

    it('password: the right one connects, a wrong one and none are refused', async () => {
      const t = await start({password: 'lab-Pw-1'});
      expect(t.password).toBe('lab-Pw-1');
      const out = path.join(t.dir, 'pw.ppm');
      expect((await screenshot(t.port!, out, 'lab-Pw-1')).ok).toBe(true);
      expect((await screenshot(t.port!, out, 'wrong')).ok).toBe(false);
      expect((await screenshot(t.port!, out)).ok).toBe(false);
      await expectStopped(t);
    });
  });

  it('unix mode: SPICE on a unix socket in the target dir that accepts connections', async () => {
    const t = await start({unix: true});
    expect(t.unixPath).toBe(path.join(t.dir, 'spice.sock'));
    expect(t.uri).toBe(`spice+unix://${t.unixPath}`);
    expect(t.port).toBeUndefined();
    expect(statSync(t.unixPath!).isSocket()).toBe(true);
    // The server speaks first only after the client's link message: send a bogus one and
    // check that it answers (or closes) rather than the connect being refused.
    await new Promise<void>((resolve, reject) => {
      const s = net.createConnection(t.unixPath!);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    });
    await expectStopped(t);
  });

  it('TLS: a generated lab CA verifies the server certificate on the tls-port', async () => {
    const t = await start({tls: true});
    expect(t.uri).toBe(`spice://127.0.0.1:${t.port}?tls-port=${t.tlsPort}`);
    expect(t.hostSubject).toBe('C=XX,O=spice-cli lab,CN=127.0.0.1');
    expect(existsSync(t.caFile!)).toBe(true);
    const verify = execFileP(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${t.tlsPort}`, '-CAfile', t.caFile!, '-verify_return_error', '-verify_ip', '127.0.0.1'],
      {timeout: 15_000},
    );
    verify.child.stdin?.end();
    const stdout = await verify.then(
      (r) => r.stdout,
      (err: {stdout?: string; stderr?: string}) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
    expect(String(stdout)).toMatch(/Verify return code: 0 \(ok\)/);
    await expectStopped(t);
  });

  describe('linux mode with all devices', () => {
    let t: LabTarget;
    let shell: SerialShell;

    beforeAll(async () => {
      const t0 = Date.now();
      await ensureGuest();
      console.info(`[qemu] ensureGuest: ${Date.now() - t0} ms`);
      const t1 = Date.now();
      t = await start({mode: 'linux', allDevices: true, ports: ['org.spice-space.webdav.0', 'org.example.test']});
      shell = await connectSerial(t.extra.serial!);
      // 120 s: a CI run under the suite's parallel load once waited 60 s for the TCG guest's shell in vain.
      const bootMs = await shell.waitForShell(120_000);
      console.info(`[qemu] linux mode: port up ${t.extra.portUpMs} ms, shell on the serial console ${Date.now() - t1} ms after start`);
      expect(bootMs).toBeLessThan(120_000);
    }, 210_000);

    afterAll(() => shell?.close());

    it('the guest runs on qxl (PCI vendor 0x1b36) with a DRM card', async () => {
      const out = await shell.run('cat /sys/class/drm/card0/device/vendor || ls /sys/class/drm');
      expect(out.trim()).toBe('0x1b36');
    });

    it('the agent port and the named ports are virtio-serial ports', async () => {
      const vports = await shell.run('ls /dev/vport*');
      expect(vports).toMatch(/\/dev\/vport\d+p1/);
      const named = await shell.run('ls /dev/virtio-ports');
      expect(named.split(/\s+/).sort()).toEqual(['com.redhat.spice.0', 'org.example.test', 'org.spice-space.webdav.0']);
    });

    it('USB (tablet, smartcard reader) and HDA audio devices are seen by the guest', async () => {
      const products = await shell.run('cat /sys/bus/usb/devices/*/product');
      expect(products).toContain('QEMU USB Tablet');
      expect(products).toContain('QEMU USB CCID');
      const snd = await shell.exec('ls /dev/snd');
      expect(snd.status).toBe(0);
      expect(snd.output).toMatch(/pcmC0D0p/);
      expect(snd.output).toMatch(/pcmC0D0c/);
    });

    it('run() reports exit status and output without a trailing newline', async () => {
      expect(await shell.exec('printf abc')).toEqual({output: 'abc', status: 0});
      expect((await shell.exec('false')).status).toBe(1);
      expect(await shell.run('echo one; echo two')).toBe('one\ntwo');
    });

    it('stop() quits QEMU and removes its sockets', async () => {
      shell.close();
      await expectStopped(t);
    });
  });
});
