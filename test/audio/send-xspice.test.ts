/**
 * `audio send`'s refusals: a server without a record channel (Xspice never has one, even with its playback FIFO)
 * is exit 2 with the reason; input that is not a WAV of 16-bit PCM is exit 2 before anything connects (checked
 * against a port where nothing listens: a connection attempt would be exit 10).
 */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'spice-cli-send-'));

/** A WAV header with the given format tag and sample size, and some data. */
function wavFile(name: string, tag: number, bits: number): string {
  const file = join(scratch, name);
  const data = Buffer.alloc(4800);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(tag, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(48000, 24);
  h.writeUInt32LE((48000 * bits) / 8, 28);
  h.writeUInt16LE(bits / 8, 32);
  h.writeUInt16LE(bits, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([h, data]));
  return file;
}

describe('audio send: input checked before connecting', () => {
  const nowhere = 'spice://127.0.0.1:1';
  it.each([
    ['a text file', () => 'package.json', /not a WAV file/],
    ['32-bit float', () => wavFile('f32.wav', 3, 32), /unsupported WAV encoding \(format tag 0x3\)/],
    ['24-bit PCM', () => wavFile('s24.wav', 1, 24), /unsupported sample size \(24 bits\)/],
    ['A-law (compressed)', () => wavFile('alaw.wav', 6, 8), /unsupported WAV encoding \(format tag 0x6\)/],
    ['a missing file', () => join(scratch, 'none.wav'), /cannot read .*no such file/],
  ])('%s: exit 2 without connecting', async (_what, file, message) => {
    const r = await runCli(['audio', 'send', file(), '--uri', nowhere, '--json']);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(message);
  });

  it('a file and --tone, or neither: exit 2', async () => {
    expect((await runCli(['audio', 'send', '--uri', nowhere])).code).toBe(2);
    expect((await runCli(['audio', 'send', 'x.wav', '--tone', '440', '--uri', nowhere])).code).toBe(2);
    expect((await runCli(['audio', 'send', '--tone', 'loud', '--uri', nowhere])).code).toBe(2);
  });
});

describe('audio send to Xspice', () => {
  let t: LabTarget;
  beforeAll(async () => {
    t = await startXspice({audio: true, clients: []});
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('Xspice has no record channel (even with audio): exit 2 saying so', async () => {
    const r = await runCli(['audio', 'send', '--uri', t.uri, '--tone', '440', '--json'], {timeoutMs: 30_000});
    expect(r.code, r.stderr).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ok: false, error: {kind: 'usage', exitCode: 2}});
    expect(out.error.message).toMatch(/no record channel.*Xspice never has one/);
    expect(r.ms).toBeLessThan(15_000);
  }, 60_000);
});
