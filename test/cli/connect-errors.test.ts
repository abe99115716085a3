/**
 * What `spice-cli info` does when the other end is not a working SPICE server: each failure has its
 * exit code and a plain message, and nothing hangs past --timeout.
 */
import {createServer as createHttpServer, type Server as HttpServer} from 'node:http';
import {createServer, type Server, type Socket} from 'node:net';
import {randomBytes} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../support/cli.js';

function listen(server: Server | HttpServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as {port: number}).port)));
}

describe('connection failures', () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s)); // accepts, never answers
  const garbage = createServer((s) => s.end(randomBytes(64)));
  const http = createHttpServer((_q, r) => r.end('hello'));
  let silentPort = 0;
  let garbagePort = 0;
  let httpPort = 0;
  let closedPort = 0;

  beforeAll(async () => {
    silentPort = await listen(silent);
    garbagePort = await listen(garbage);
    httpPort = await listen(http);
    const tmp = createServer();
    closedPort = await listen(tmp);
    await new Promise((r) => tmp.close(r));
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    silent.close();
    garbage.close();
    http.close();
  });

  it('exits 10 when nothing listens', async () => {
    const r = await runCli(['info', '--uri', `spice://127.0.0.1:${closedPort}`]);
    expect(r.code).toBe(10);
    expect(r.stderr).toMatch(/cannot connect to 127\.0\.0\.1:\d+: connection refused/);
  });

  it('exits 40 within --timeout when the peer accepts and never answers', async () => {
    const r = await runCli(['info', '--uri', `spice://127.0.0.1:${silentPort}`, '--timeout', '2']);
    expect(r.code).toBe(40);
    expect(r.stderr).toMatch(/timed out after 2 s waiting for the link reply/);
    expect(r.ms).toBeLessThan(2000 + 3000); // 2 s wait plus process start-up
  });

  it('exits 20 "not a SPICE server" for an HTTP server', async () => {
    const r = await runCli(['info', '--uri', `spice://127.0.0.1:${httpPort}`]);
    expect(r.code).toBe(20);
    expect(r.stderr).toMatch(/not a SPICE server: an HTTP server answered/);
  });

  it('exits 20 "not a SPICE server" for random bytes', async () => {
    const r = await runCli(['info', '--uri', `spice://127.0.0.1:${garbagePort}`, '--json']);
    expect(r.code).toBe(20);
    const out = JSON.parse(r.stdout);
    expect(out.error).toMatchObject({kind: 'protocol', exitCode: 20});
    expect(out.error.message).toMatch(/not a SPICE server/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('exits 2 for a bad URI, an unknown flag, or no URI', async () => {
    expect((await runCli(['info', '--uri', 'http://x:1'])).code).toBe(2);
    expect((await runCli(['info', '--uri', 'spice://127.0.0.1:1', '--nope'])).code).toBe(2);
    const none = await runCli(['info']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--uri/);
  });
});
