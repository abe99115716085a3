/**
 * A real Xspice server behind a proxy that damages its messages: spice-cli must end with a clear
 * protocol error (exit 20), connection lost (11) or timeout (40) — never a stack trace or a hang.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';
import {miniMessage, startMutatingProxy, type Mutator} from '../support/mutating-proxy.js';

const MAIN = 1;
const MAIN_INIT = 103;
let target: LabTarget;
beforeAll(async () => {
  target = await startXspice({clients: []});
});
afterAll(async () => {
  await target?.stop();
});

async function infoThrough(mutate: Mutator, extra: string[] = []) {
  const proxy = await startMutatingProxy(target.port!, mutate);
  try {
    return await runCli(['info', '--uri', `spice://127.0.0.1:${proxy.port}`, ...extra], {timeoutMs: 30_000});
  } finally {
    proxy.close();
  }
}

const noTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe('malformed server messages', () => {
  it('a truncated main INIT is a protocol error (exit 20)', async () => {
    const r = await infoThrough((m) =>
      m.channelType === MAIN && m.type === MAIN_INIT ? {action: 'replace', bytes: miniMessage(MAIN_INIT, 8, m.body.subarray(0, 8))} : {action: 'pass'},
    );
    expect(r.code).toBe(20);
    expect(r.stderr).toMatch(/main INIT: truncated message/);
    noTrace(r.stderr);
  });

  it('an absurd message size is refused before any allocation (exit 20)', async () => {
    const r = await infoThrough((m) =>
      m.channelType === MAIN && m.type === MAIN_INIT ? {action: 'replace', bytes: miniMessage(MAIN_INIT, 0xfffffff0, m.body)} : {action: 'pass'},
    );
    expect(r.code).toBe(20);
    expect(r.stderr).toMatch(/announced a 4294967280-byte message .* over the .*limit/);
    noTrace(r.stderr);
  });

  it('a server that hangs up in the middle of a message is a lost connection (exit 11)', async () => {
    const r = await infoThrough((m) =>
      m.channelType === MAIN && m.type === MAIN_INIT ? {action: 'replace', bytes: miniMessage(MAIN_INIT, 32, m.body.subarray(0, 10)), thenClose: true} : {action: 'pass'},
    );
    expect(r.code).toBe(11);
    expect(r.stderr).toMatch(/closed the connection/);
    noTrace(r.stderr);
  });

  it('a server that stops talking after the link is a timeout (exit 40) within --timeout', async () => {
    const r = await infoThrough((m) => (m.channelType === MAIN ? {action: 'drop'} : {action: 'pass'}), ['--timeout', '2']);
    expect(r.code).toBe(40);
    expect(r.stderr).toMatch(/timed out after 2 s waiting for the main channel INIT/);
    expect(r.ms).toBeLessThan(6000);
  });

  it('an unknown message type is skipped with a warning, and the session goes on', async () => {
    const r = await infoThrough((m) =>
      m.channelType === MAIN && m.type === MAIN_INIT ? {action: 'replace', bytes: Buffer.concat([miniMessage(999, 3, Buffer.from([1, 2, 3])), miniMessage(MAIN_INIT, 32, m.body)])} : {action: 'pass'},
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ignoring unknown message type 999/);
  });
});

describe('malformed display data', () => {
  const DISPLAY = 2;
  const DRAW_COPY = 304;

  it('a corrupt image ends `screenshot` with a protocol error (exit 20), no trace', async () => {
    const proxy = await startMutatingProxy(target.port!, (m) => {
      if (m.channelType !== DISPLAY || m.type !== DRAW_COPY) return {action: 'pass'};
      // Keep the draw header, destroy the compressed image: every byte after offset 80 flipped.
      const body = Buffer.from(m.body);
      for (let i = 80; i < body.length; i++) body[i] ^= 0x5a;
      return {action: 'replace', bytes: miniMessage(DRAW_COPY, body.length, body)};
    });
    try {
      const r = await runCli(['screenshot', '--uri', `spice://127.0.0.1:${proxy.port}`, '-o', '/dev/null', '--compression', 'lz', '--timeout', '5']);
      expect(r.code, r.stderr).toBe(20);
      expect(r.stderr).toMatch(/^spice-cli: .*(LZ|corrupt|truncated|image)/m);
      noTrace(r.stderr);
    } finally {
      proxy.close();
    }
  });
});
