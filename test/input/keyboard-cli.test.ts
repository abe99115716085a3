/**
 * `spice-cli type` and `key` failing before anything is sent: a character the layout cannot type, an
 * unknown layout or key name, no text. A listening socket counts connections to prove nothing was sent.
 */
import {createServer, type Server} from 'node:net';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../support/cli.js';

let server: Server;
let connections = 0;
let uri = '';
beforeAll(async () => {
  server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  uri = `spice://127.0.0.1:${(server.address() as {port: number}).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('type and key refuse bad input before connecting (exit 2)', () => {
  it('names a character the layout cannot type, its code point and the layout; nothing is sent', async () => {
    const r = await runCli(['type', '--uri', uri, '--layout', 'de', '--', 'Grüße ñ']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('"de" keyboard layout (German) cannot type the character "ñ" (U+00F1); nothing was sent');
    const j = await runCli(['type', '--uri', uri, '--json', '--', 'snow ☃']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ok: false, error: {kind: 'usage', exitCode: 2}});
    expect(JSON.parse(j.stdout).error.message).toContain('"☃" (U+2603)');
    expect(connections).toBe(0);
  });

  it('reads the text from a file or stdin, and checks it too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spice-cli-type-'));
    writeFileSync(join(dir, 'in.txt'), 'line\n€\n');
    const f = await runCli(['type', '--uri', uri, '--file', join(dir, 'in.txt')]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('"us" keyboard layout (English (US)) cannot type the character "€" (U+20AC)');
    const s = await runCli(['type', '--uri', uri, '-'], {input: 'tab\there ✓'});
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('"✓" (U+2713)');
    const missing = await runCli(['type', '--uri', uri, '--file', join(dir, 'nope.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.txt/);
    expect(connections).toBe(0);
  });

  it('rejects unknown layouts, key names, rates, and empty input', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['type', '--uri', uri, '--layout', 'klingon', '--', 'x'], /unknown keyboard layout "klingon": expected one of us, gb, de, fr, es, it, dvorak/],
      [['type', '--uri', uri, '--rate', 'fast', '--', 'x'], /--rate: "fast" is not a number/],
      [['type', '--uri', uri, '--rate', '0', '--', 'x'], /invalid rate 0/],
      [['type', '--uri', uri], /nothing to type/],
      [['key', '--uri', uri, 'ctrl-alt-dlete'], /unknown key name "dlete"/],
      [['key', '--uri', uri, 'ctrl-ñ'], /has no key for "ñ"/],
      [['key', '--uri', uri], /no keys given/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(connections).toBe(0);
  });
});

describe('key --list', () => {
  it('prints every key name with its scancode', async () => {
    const r = await runCli(['key', '--list']);
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['enter', 'tab', 'esc', 'backspace', 'space', 'insert', 'delete', 'home', 'end', 'pageup', 'pagedown', 'up', 'down', 'left', 'right', 'f1', 'f12', 'printscreen', 'pause', 'menu', 'capslock', 'numlock', 'kp-0', 'kp-9', 'ctrl', 'alt', 'shift', 'super', 'altgr']) {
      expect(r.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    }
    expect(r.stdout).toMatch(/^delete\s+E0 53\s/m);
    const j = await runCli(['key', '--list', '--json']);
    expect(JSON.parse(j.stdout).ok).toBe(true);
    expect(JSON.parse(j.stdout).keys).toContainEqual({name: 'enter', aliases: ['return', 'ret'], scancode: '1C', description: 'Enter'});
  });
});
