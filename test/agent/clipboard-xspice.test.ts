/**
 * The clipboard through spice-vdagent on a lab Xspice, checked on the X side with xclip: Unicode text byte
 * for byte both ways (accents, CJK, emoji, right-to-left, combining marks, control characters), 1 MiB of
 * text, a PNG image pixel for pixel both ways, PRIMARY as well as CLIPBOARD, and `type --via-clipboard`
 * into an xterm. Without an agent, `clipboard get` exits 30 at once.
 */
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import sharp from 'sharp';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {ExitCode} from '../../src/client/errors.js';
import {runCli} from '../support/cli.js';
import {waitAgentOwns, xclipIn, xclipOut, type XSelection} from './support.js';
import {bigText, SAMPLES, testPng} from './samples.js';

const scratch = mkdtempSync(join(tmpdir(), 'spice-cli-clipboard-'));
let fileNo = 0;
const tmp = (ext: string) => join(scratch, `f${++fileNo}.${ext}`);

async function pixels(png: Uint8Array): Promise<{width: number; height: number; data: Buffer}> {
  const {data, info} = await sharp(Buffer.from(png)).ensureAlpha().raw().toBuffer({resolveWithObject: true});
  return {width: info.width, height: info.height, data};
}

let t: LabTarget;
let bare: LabTarget;
beforeAll(async () => {
  const shell = existsSync('/bin/bash') ? ['/bin/bash', '--noprofile', '--norc'] : ['/bin/sh'];
  [t, bare] = await Promise.all([
    startXspice({vdagent: true, clients: [{command: 'xterm', args: ['-u8', '-geometry', '100x30+0+0', '-e', ...shell], env: {LANG: 'C.UTF-8'}}]}),
    startXspice({clients: []}),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.stop(), bare?.stop()]);
});

/** guest → client through `clipboard get -o FILE`: the file holds exactly what xclip put on the selection. */
async function guestToClient(selection: XSelection, data: Buffer, kind: 'text' | 'image' = 'text'): Promise<{file: Buffer; json: any}> {
  xclipIn(t, selection, data, kind === 'image' ? 'image/png' : undefined);
  const out = tmp(kind === 'image' ? 'png' : 'txt');
  const r = await runCli(['clipboard', 'get', '--uri', t.uri, '--selection', selection, '--type', kind, '-o', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return {file: readFileSync(out), json: JSON.parse(r.stdout)};
}

/** client → guest through `clipboard set`: what an X application pastes (xclip -o) is what was set. */
async function clientToGuest(selection: XSelection, args: string[], target: string): Promise<{pasted: Buffer; json: any}> {
  const set = runCli(['clipboard', 'set', '--uri', t.uri, '--selection', selection, '--json', ...args], {timeoutMs: 60_000});
  await waitAgentOwns(t, selection, target);
  const pasted = await xclipOut(t, selection, target);
  const r = await set;
  expect(r.code, r.stderr).toBe(0);
  return {pasted, json: JSON.parse(r.stdout)};
}

describe('clipboard text, guest → client', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    it(`${name}: byte-exact`, async () => {
      const want = Buffer.from(text, 'utf8');
      const {file, json} = await guestToClient('clipboard', want);
      expect(file.equals(want), file.toString()).toBe(true);
      expect(json).toMatchObject({ok: true, selection: 'clipboard', type: 'text', guestType: 'UTF8_TEXT', bytes: want.length});
    });
  }

  it('stdout carries the text as is (no newline added)', async () => {
    xclipIn(t, 'clipboard', Buffer.from(SAMPLES.accents!, 'utf8'));
    const r = await runCli(['clipboard', 'get', '--uri', t.uri]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(SAMPLES.accents);
  });

  it('PRIMARY is read separately from CLIPBOARD', async () => {
    xclipIn(t, 'clipboard', Buffer.from('on the clipboard'));
    const {file} = await guestToClient('primary', Buffer.from(SAMPLES.rtl!, 'utf8'));
    expect(file.toString('utf8')).toBe(SAMPLES.rtl);
    const c = await guestToClient('clipboard', Buffer.from('clipboard ✓'));
    expect(c.file.toString('utf8')).toBe('clipboard ✓');
  });

  it('a second get in a new connection: spice-vdagent forgot the copy, and the error says so and what to do', async () => {
    await guestToClient('clipboard', Buffer.from('read once'));
    const r = await runCli(['clipboard', 'get', '--uri', t.uri, '--json']);
    expect(r.code).toBe(ExitCode.EXPECTATION_FAILED);
    const message = JSON.parse(r.stdout).error.message;
    expect(message).toMatch(/holds no text; the guest announced no copy during this connection, and spice-vdagent forgets a copy made before it once a client disconnects: copy again in the guest/);
    expect((await xclipOut(t, 'clipboard')).toString()).toBe('read once'); // the guest still has it
    expect((await guestToClient('clipboard', Buffer.from('copied again'))).file.toString()).toBe('copied again');
  });

  it('1 MiB of text arrives exact', async () => {
    const want = bigText(1 << 20);
    const {file} = await guestToClient('clipboard', want);
    expect(file.length).toBe(want.length);
    expect(file.equals(want)).toBe(true);
  });
});

describe('clipboard text, client → guest', () => {
  it('every sample at once, byte-exact, and set exits once the guest fetched it', async () => {
    const text = Object.values(SAMPLES).join(' | ');
    const {pasted, json} = await clientToGuest('clipboard', ['--', text], 'UTF8_STRING');
    expect(pasted.toString('utf8')).toBe(text);
    expect(pasted.equals(Buffer.from(text, 'utf8'))).toBe(true);
    expect(json).toMatchObject({ok: true, selection: 'clipboard', type: 'text', bytes: Buffer.byteLength(text), fetched: 1});
  });

  for (const [name, text] of Object.entries(SAMPLES)) {
    it(`${name} from a file on PRIMARY: byte-exact`, async () => {
      const file = tmp('txt');
      writeFileSync(file, text);
      const {pasted} = await clientToGuest('primary', ['--file', file], 'UTF8_STRING');
      expect(pasted.equals(Buffer.from(text, 'utf8')), pasted.toString()).toBe(true);
    });
  }

  it('1 MiB of text pastes exact', async () => {
    const want = bigText(1 << 20);
    const file = tmp('txt');
    writeFileSync(file, want);
    const {pasted, json} = await clientToGuest('clipboard', ['--file', file], 'UTF8_STRING');
    expect(pasted.length).toBe(want.length);
    expect(pasted.equals(want)).toBe(true);
    expect(json.bytes).toBe(1 << 20);
  });

  it('--hold serves every paste for that long', async () => {
    const set = runCli(['clipboard', 'set', '--uri', t.uri, '--hold', '6', '--json', '--', 'held ✓'], {timeoutMs: 30_000});
    await waitAgentOwns(t, 'clipboard', 'UTF8_STRING');
    for (let i = 0; i < 3; i++) expect((await xclipOut(t, 'clipboard')).toString()).toBe('held ✓');
    const r = await set;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ok: true, fetched: 3});
  });
});

describe('clipboard images (PNG)', () => {
  it('guest → client: pixel-exact', async () => {
    const png = await testPng(123, 77);
    const {file, json} = await guestToClient('clipboard', png, 'image');
    expect(json).toMatchObject({ok: true, type: 'image', guestType: 'IMAGE_PNG'});
    const [a, b] = await Promise.all([pixels(png), pixels(file)]);
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    expect(b.data.equals(a.data)).toBe(true);
  });

  it('client → guest: pixel-exact', async () => {
    const png = await testPng(64, 200);
    const file = tmp('png');
    writeFileSync(file, png);
    const {pasted, json} = await clientToGuest('clipboard', ['--image', file], 'image/png');
    expect(json).toMatchObject({ok: true, type: 'image', fetched: 1});
    const [a, b] = await Promise.all([pixels(png), pixels(pasted)]);
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    expect(b.data.equals(a.data)).toBe(true);
  });

  it('text asked from a clipboard holding only an image: exit 1 naming it', async () => {
    xclipIn(t, 'clipboard', await testPng(8, 8), 'image/png');
    const r = await runCli(['clipboard', 'get', '--uri', t.uri, '--type', 'text']);
    expect(r.code).toBe(ExitCode.EXPECTATION_FAILED);
    expect(r.stderr).toMatch(/CLIPBOARD selection holds no text/);
  });

  it('a file that is not a PNG is a usage error', async () => {
    const file = tmp('png');
    writeFileSync(file, 'not a png');
    const r = await runCli(['clipboard', 'set', '--uri', t.uri, '--image', file]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toMatch(/not a PNG/);
  });
});

describe('clipboard get --wait', () => {
  it('waits for the guest to copy', async () => {
    // An image owner: no text until the guest copies some.
    xclipIn(t, 'clipboard', await testPng(4, 4), 'image/png');
    const get = runCli(['clipboard', 'get', '--uri', t.uri, '--wait', '20', '--json']);
    await new Promise((r) => setTimeout(r, 1500));
    xclipIn(t, 'clipboard', Buffer.from('copied later ✓'));
    const r = await get;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ok: true, text: 'copied later ✓'});
  });
});

describe('type --via-clipboard', () => {
  it('pastes text no keyboard layout types into an xterm (shift-insert)', async () => {
    const name = 'pasted.txt';
    const text = `${SAMPLES.cjk} ${SAMPLES.emoji} ${SAMPLES.combining}`;
    let r = await runCli(['type', '--uri', t.uri, '--', `cat > ${name}\n`]);
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(['type', '--uri', t.uri, '--via-clipboard', '--paste-key', 'shift-insert', '--json', '--', `${text}\n`]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ok: true, viaClipboard: true, pasteKey: 'shift-insert'});
    r = await runCli(['key', '--uri', t.uri, 'ctrl-d']);
    expect(r.code, r.stderr).toBe(0);
    const path = join(t.extra.home!, name);
    const end = Date.now() + 10_000;
    let got = '';
    while (Date.now() < end) {
      got = existsSync(path) ? readFileSync(path, 'utf8') : '';
      if (got === `${text}\n`) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(got).toBe(`${text}\n`);
  });
});

describe('no guest agent', () => {
  it('clipboard get exits 30 (not the timeout, 40) with a clear message', async () => {
    const r = await runCli(['clipboard', 'get', '--uri', bare.uri, '--timeout', '20']);
    expect(r.code).toBe(ExitCode.NO_AGENT);
    expect(r.stderr).toMatch(/no guest agent/);
  });

  it('clipboard set and type --via-clipboard too', async () => {
    const a = await runCli(['clipboard', 'set', '--uri', bare.uri, '--', 'x']);
    expect(a.code).toBe(ExitCode.NO_AGENT);
    const b = await runCli(['type', '--uri', bare.uri, '--via-clipboard', '--', 'x']);
    expect(b.code).toBe(ExitCode.NO_AGENT);
    expect(b.stderr).toMatch(/no guest agent/);
  });
});
