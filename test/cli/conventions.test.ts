/**
 * The CLI conventions of issue 11, each as a user meets it (README "Conventions"), against a lab Xspice where a
 * server is involved: local file errors exit 2 before connecting, durations with units, suggestions, the
 * missing-password message, TLS on a plain port, run --timeout capping waits, Ctrl-C's JSON envelope.
 */
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {LabTarget} from '../../src/lab/types.js';
import {startXspice} from '../../src/lab/xspice.js';
import {BIN, runCli} from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'spice-cli-conventions-'));
const json = (r: {stdout: string}) => JSON.parse(r.stdout) as Record<string, any>;
const SHOT = join(import.meta.dirname, '..', '..', 'recordings', 'xspice-off.png');

describe('without a server', () => {
  it('local file problems are usage errors (exit 2) naming the file, before connecting; output folders are created', async () => {
    // Nothing listens on port 1: a connect error (10) would mean the file was checked too late.
    writeFileSync(join(work, 'a-file'), 'not a folder');
    const unwritable = await runCli(['screenshot', '--uri', 'spice://127.0.0.1:1', '-o', join(work, 'a-file', 'c.png'), '--json']);
    expect(unwritable.code).toBe(2);
    expect(json(unwritable).error).toMatchObject({kind: 'usage', exitCode: 2});
    expect(json(unwritable).error.message).toMatch(/cannot write .*a-file\/c\.png: a part of its folder path is a file/);
    const jpg = await runCli(['screenshot', '--uri', 'spice://127.0.0.1:1', '-o', join(work, 'c.jpg')]);
    expect(jpg.code).toBe(2);
    expect(jpg.stderr).toMatch(/PNG \(\.png, or - for stdout\) or PPM \(\.ppm\)/);
    const ca = await runCli(['info', '--uri', 'spice://127.0.0.1:1', '--ca-file', join(work, 'no-ca.pem')]);
    expect(ca.code).toBe(2);
    expect(ca.stderr).toMatch(/--ca-file .*no-ca\.pem: no such file/);
    // README's own example, without a needles/ folder: the folder is made.
    if (existsSync(SHOT)) {
      const made = await runCli(['needle', 'create', '--from', SHOT, '--area', '0,0,10,10', join(work, 'needles', 'xterm')]);
      expect(made.code, made.stderr).toBe(0);
      expect(existsSync(join(work, 'needles', 'xterm.json'))).toBe(true);
    }
    const missing = await runCli(['needle', 'create', '--from', join(work, 'nope.png'), '--area', '0,0,10,10', join(work, 'n2'), '--json']);
    expect(missing.code).toBe(2);
    expect(json(missing).error.kind).toBe('usage');
  });

  it('durations take units; a bad one names the flag (exit 2)', async () => {
    const bad = await runCli(['info', '--uri', 'spice://127.0.0.1:1', '--timeout', 'soon', '--json']);
    expect(bad.code).toBe(2);
    expect(json(bad).error.message).toMatch(/--timeout soon: expected a duration such as 500ms, 2s or 1m/);
    const ok = await runCli(['info', '--uri', 'spice://127.0.0.1:1', '--timeout', '1.5s', '--json']);
    expect(json(ok).error.kind).toBe('connect');
    const help = await runCli(['screenshot', '--help']);
    expect(help.stdout).toMatch(/--still=DURATION\s+\[default: 100ms\]/);
    expect(help.stdout).toMatch(/--timeout=DURATION\s+\[default: 10s\]/);
    for (const cmd of [['wait-screen'], ['assert-screen'], ['compare'], ['needle', 'check']]) {
      const h = await runCli([...cmd, '--help']);
      expect(h.stdout, cmd.join(' ')).toMatch(/--match=PCT\s+\[default: 100\][^]*--threshold\s+is\s+the\s+old\s+spelling/);
    }
  });

  it('suggests the nearest flag and key name', async () => {
    const flag = await runCli(['screenshot', '-o', join(work, 'x.png'), '--regoin', '0,0,1,1']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Nonexistent flag: --regoin \(did you mean --region\?\)/);
    // A misspelt old spelling (--threshold) gets the flag's name.
    const old = await runCli(['compare', SHOT, SHOT, '--treshold', '99']);
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(/Nonexistent flag: --treshold \(did you mean --match\?\)/);
    const key = await runCli(['key', '--uri', 'spice://127.0.0.1:1', 'ctlr-c']);
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/unknown key name "ctlr" in "ctlr-c": did you mean "ctrl"\?/);
  });
});

describe('against a lab Xspice', () => {
  let plain: LabTarget;
  let locked: LabTarget;
  beforeAll(async () => {
    writeFileSync(join(work, 'pw.txt'), 'sesame\n');
    [plain, locked] = await Promise.all([
      startXspice({stopOnExit: true, register: false, vdagent: true}),
      startXspice({stopOnExit: true, register: false, password: 'sesame', clients: []}),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled([plain?.stop(), locked?.stop()]);
  });

  it('a missing password says it is required and how to give it (exit 3)', async () => {
    const r = await runCli(['info', '--uri', locked.uri, '--json']);
    expect(r.code).toBe(3);
    expect(json(r).error.message).toMatch(/requires a password: give it with --password-file FILE or the SPICE_PASSWORD environment variable/);
    const right = await runCli(['info', '--uri', locked.uri, '--password-file', join(work, 'pw.txt')]);
    expect(right.code, right.stderr).toBe(0);
  });

  it('TLS spoken to the plain port says so (exit 10)', async () => {
    const r = await runCli(['info', '--uri', plain.uri.replace('spice://', 'spice+tls://'), '--insecure']);
    expect(r.code).toBe(10);
    expect(r.stderr).toMatch(/did not answer the TLS handshake: is this the plain \(non-TLS\) port\?/);
    expect(r.stderr).not.toMatch(/ssl3_get_record|wrong version number/);
  });

  it('run --timeout caps every wait of a scenario (a wait_screen of the default 10 s ends in 2 s)', async () => {
    const sc = join(work, 'never.yaml');
    writeFileSync(sc, 'name: never\nsteps:\n  - wait_screen: never-there.json\n');
    mkdirSync(join(work, 'needles'), {recursive: true});
    writeFileSync(join(work, 'needles', 'never-there.json'), JSON.stringify({areas: [{x: 0, y: 0, width: 8, height: 8, type: 'match'}]}));
    // A needle picture that is not on the screen: one magenta 8x8 square.
    const {default: sharp} = await import('sharp');
    await sharp({create: {width: 8, height: 8, channels: 3, background: {r: 255, g: 0, b: 255}}}).png().toFile(join(work, 'needles', 'never-there.png'));
    const t0 = Date.now();
    const r = await runCli(['run', sc, '--uri', plain.uri, '--timeout', '2s', '--artifacts', join(work, 'art')]);
    expect(r.code, r.stderr).toBe(40);
    expect(r.stderr).toMatch(/did not match within 2 s/);
    expect(Date.now() - t0).toBeLessThan(9000);
  });

  it('scroll --help example works as printed (--at X,Y)', async () => {
    const help = await runCli(['scroll', '--help']);
    expect(help.stdout).toMatch(/scroll down 3 --at 200,200/);
    const r = await runCli(['scroll', '--uri', plain.uri, 'down', '3', '--at', '200,200', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ok: true, action: 'scroll', direction: 'down', clicks: 3, x: 200, y: 200});
  });

  it('Ctrl-C and SIGTERM during clipboard set --hold end with the JSON envelope (130 / 143)', async () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const child = spawn(process.execPath, [BIN, 'clipboard', 'set', '--uri', plain.uri, '--hold', '30s', '--json', '--', 'held'], {
        env: {...process.env, SPICE_URI: '', SPICE_PASSWORD: ''},
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      // The offer is made once the agent is open: wait for the session (stderr is quiet with --json), then signal.
      await new Promise((r) => setTimeout(r, 3000));
      child.kill(signal);
      const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(exit, stderr).toBe(code);
      expect(JSON.parse(stdout)).toMatchObject({ok: false, interrupted: true, error: {kind: 'interrupted', exitCode: code}});
    }
  });
});
