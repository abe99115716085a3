/** The lab helpers Xspice is built on: ports, waits, processes, certificates, packages, state. */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {SpiceError} from '../../src/client/errors.js';
import {installCommand, MissingPackageError, missingLabPackages, requirePrograms} from '../../src/lab/install.js';
import {displayInUse, freeDisplay, freePort, freePorts, isListeningProc, waitFor, waitForPath, waitForPort} from '../../src/lab/ports.js';
import {isAlive, liveGroupMembers, processStartTime, spawnDetached, stopProcess} from '../../src/lab/processes.js';
import {addToState, readState, removeFromState} from '../../src/lab/state.js';
import {generateLabTls, generateUnrelatedCa} from '../../src/lab/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'spice-cli-lab-helpers-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('ports and waits', () => {
  it('hands out distinct free ports and free displays', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(p).toBeGreaterThan(1023);
    const d = freeDisplay();
    expect(displayInUse(d)).toBe(false);
    expect(freeDisplay()).not.toBe(d);
  });

  it('waitForPort sees a listener and times out clearly on a free port', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as {port: number}).port;
    expect(isListeningProc('127.0.0.1', port)).toBe(true);
    await waitForPort('127.0.0.1', port, 1000);
    server.close();
    const free = await freePort();
    const t0 = Date.now();
    await expect(waitForPort('127.0.0.1', free, 150)).rejects.toSatisfy(
      (e: unknown) => e instanceof SpiceError && e.kind === 'timeout' && e.message.includes(`127.0.0.1:${free}`),
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(waitForPort('127.0.0.1', free, 5000, {abortIf: () => 'server died'})).rejects.toThrow('server died');
  });

  it('waitForPath', async () => {
    const p = join(dir, 'later');
    setTimeout(() => writeFileSync(p, ''), 50);
    await waitForPath(p, 2000);
    await expect(waitForPath(join(dir, 'never'), 100)).rejects.toThrow(/never to appear/);
  });
});

/** Live (non-zombie) processes whose process group is `pgid`. */

describe('processes', () => {
  it('spawns detached with a log, stops the whole group, and ignores a TERM-proof child', async () => {
    const log = join(dir, 'sh.log');
    // A shell that ignores SIGTERM and has a child of its own in its process group.
    const p = await spawnDetached('/bin/sh', ['-c', 'trap "" TERM; echo started; sleep 60 & wait'], {logFile: log});
    expect(isAlive(p.pid)).toBe(true);
    expect(p.startTime).toBe(processStartTime(p.pid));
    expect(isAlive(p.pid, '1')).toBe(false); // another start time: not the same process
    // Under load the shell may not have run `echo` yet when the log file appears: wait for the line.
    await waitFor('the shell to start', () => existsSync(log) && readFileSync(log, 'utf8').includes('started'), 5000);
    const t0 = Date.now();
    await stopProcess(p.pid, {graceMs: 300});
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(isAlive(p.pid)).toBe(false);
    expect(liveGroupMembers(p.pid)).toEqual([]);
    expect(readFileSync(log, 'utf8')).toContain('started');
  });

  it('reports a missing program', async () => {
    await expect(spawnDetached('/no/such/program', [], {logFile: join(dir, 'x.log')})).rejects.toThrow(/cannot start \/no\/such\/program/);
  });
});

describe('certificates', () => {
  it('makes a lab CA and a 127.0.0.1 server certificate, and an unrelated CA', async () => {
    const tls = await generateLabTls(join(dir, 'tls'));
    expect(tls.hostSubject).toBe('C=XX,O=spice-cli lab,CN=127.0.0.1');
    for (const f of ['ca-cert.pem', 'ca-key.pem', 'server-cert.pem', 'server-key.pem']) expect(existsSync(join(dir, 'tls', f))).toBe(true);
    const text = execFileSync('openssl', ['x509', '-in', tls.certFile, '-noout', '-subject', '-ext', 'subjectAltName'], {encoding: 'utf8'});
    expect(text).toMatch(/subject=C = XX, O = spice-cli lab, CN = 127\.0\.0\.1/);
    expect(text).toMatch(/IP Address:127\.0\.0\.1/);
    expect(text).toMatch(/DNS:localhost/);
    expect(execFileSync('openssl', ['verify', '-CAfile', tls.caFile, tls.certFile], {encoding: 'utf8'})).toMatch(/OK/);
    const other = await generateUnrelatedCa(join(dir, 'other'));
    expect(() => execFileSync('openssl', ['verify', '-CAfile', other.caFile, tls.certFile], {stdio: 'pipe'})).toThrow();
  });
});

describe('packages', () => {
  it('names missing packages and the install command', async () => {
    expect(await missingLabPackages(['no-such-package-spice-cli'])).toEqual(['no-such-package-spice-cli']);
    expect(() => requirePrograms([{path: '/no/such/bin', pkg: 'some-pkg'}], 'cannot start X')).toThrow(
      /cannot start X: missing Debian package some-pkg\. Install with `spice-cli lab install`/,
    );
    const e = new MissingPackageError(['a', 'b']);
    expect(e.packages).toEqual(['a', 'b']);
    expect(installCommand(['a', 'b'], false)).toBe('sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends a b');
    expect(installCommand(['a'], true)).not.toContain('sudo');
  });
});

describe('state file', () => {
  it('adds, lists (pruning dead servers) and removes targets', async () => {
    const root = join(dir, 'state');
    const live = await spawnDetached('/bin/sleep', ['30'], {logFile: join(dir, 'sleep.log')});
    const base = {kind: 'xspice' as const, host: '127.0.0.1', dir: root, extra: {}, startedAt: new Date().toISOString()};
    addToState({...base, name: 'live', uri: 'spice://127.0.0.1:1', pids: [live.pid], password: 'pw', extra: {pidStartTimes: live.startTime ?? ''}}, root);
    addToState({...base, name: 'dead', uri: 'spice://127.0.0.1:2', pids: [2 ** 22 + 12345]}, root);
    expect(readFileSync(join(root, 'state.json'), 'utf8')).not.toContain('"pw"');
    expect(readState(root).map((t) => t.name)).toEqual(['live']);
    expect(readState(root)[0]!.extra.passwordRequired).toBe('1');
    removeFromState('live', root);
    expect(readState(root)).toEqual([]);
    await stopProcess(live.pid);
  });
});
