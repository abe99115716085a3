/**
 * Every command's --json output has the same envelope: `{ok: true, ...}` on success, `{ok: false, error: {kind,
 * exitCode, message}, ...}` on failure. The commands are enumerated from the oclif manifest, so a new command
 * cannot skip this test: a session command needs an entry in SESSION_ARGS (its minimal valid arguments).
 * No server: failures are a bad flag (usage, exit 2) and nothing listening (connect, exit 10).
 */
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {runCli} from '../support/cli.js';

const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../oclif.manifest.json', import.meta.url)), 'utf8')) as {
  commands: Record<string, {flags: Record<string, unknown>; hidden?: boolean}>;
};
const ids = Object.keys(manifest.commands).sort();
const words = (id: string) => id.split(':');

/** Minimal valid arguments of each command that connects (has --uri). */
const SESSION_ARGS: Record<string, string[]> = {
  click: ['5', '5'],
  'clipboard:get': [],
  'clipboard:set': ['--', 'x'],
  do: ['sleep', '1'],
  drag: ['1', '1', '5', '5'],
  info: [],
  key: ['enter'],
  monitors: [],
  move: ['5', '5'],
  resize: ['800x600'],
  run: ['examples/xspice-xterm.yaml'],
  screenshot: ['-o', '/tmp/spice-cli-json-envelope.png'],
  scroll: ['up'],
  'send-file': ['package.json'],
  'assert-screen': ['examples/needles/xterm-prompt.json'],
  'audio:capture': ['-o', '/tmp/spice-cli-json-envelope.wav', '--seconds', '1'],
  'audio:send': ['--tone', '440', '--seconds', '1'],
  'wait-screen': ['examples/needles/xterm-prompt.json'],
  type: ['--', 'x'],
  'usb:list': [],
  'usb:redirect': ['--emulate', 'storage:package.json:ro', '--for', '1'],
  'wait-change': [],
  'wait-still': [],
};

/** The envelope of a failure: ok false, error {kind, exitCode, message} with the process's exit code. */
function expectFailure(stdout: string, code: number | null, kind: string, exitCode: number): void {
  let out: {ok?: unknown; error?: {kind?: unknown; exitCode?: unknown; message?: unknown}};
  try {
    out = JSON.parse(stdout);
  } catch {
    throw new Error(`not JSON on stdout: ${JSON.stringify(stdout.slice(0, 300))}`);
  }
  expect(out.ok).toBe(false);
  expect(out.error?.kind).toBe(kind);
  expect(out.error?.exitCode).toBe(exitCode);
  expect(typeof out.error?.message).toBe('string');
  expect(code).toBe(exitCode);
}

describe('the JSON envelope of every command', () => {
  it('the manifest lists the commands', () => {
    expect(ids.length).toBeGreaterThan(20);
    expect(ids).toContain('screenshot');
  });

  // Concurrent: each case is a separate process waiting mostly on Node's start-up.
  it.concurrent.each(ids)('%s: a bad flag is {ok: false, error: {kind: usage, exitCode: 2}}', async (id) => {
    const r = await runCli([...words(id), '--json', '--no-such-flag']);
    expectFailure(r.stdout, r.code, 'usage', 2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/no-such-flag/);
  });

  it('every command with --uri has minimal arguments here', () => {
    const session = ids.filter((id) => 'uri' in manifest.commands[id]!.flags);
    expect(session.filter((id) => !(id in SESSION_ARGS))).toEqual([]);
    expect(Object.keys(SESSION_ARGS).filter((id) => !session.includes(id))).toEqual([]);
  });

  it.concurrent.each(Object.keys(SESSION_ARGS))('%s: nothing listening is {ok: false, error: {kind: connect, exitCode: 10}}', async (id) => {
    const r = await runCli([...words(id), '--uri', 'spice://127.0.0.1:1', '--json', ...SESSION_ARGS[id]!]);
    if (id === 'run') {
      // run reports per scenario, with the first failure's error in the envelope.
      const out = JSON.parse(r.stdout);
      expect(out.ok).toBe(false);
      expect(out.error).toMatchObject({kind: 'connect', exitCode: 10});
      expect(r.code).toBe(10);
      return;
    }
    expectFailure(r.stdout, r.code, 'connect', 10);
  });

  it('a misspelled command is a usage error with a suggestion, in JSON too', async () => {
    const r = await runCli(['clipbaord', 'get', '--json']);
    expectFailure(r.stdout, r.code, 'usage', 2);
    expect(JSON.parse(r.stdout).error.suggestion).toBe('clipboard get');
    const plain = await runCli(['screnshot']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/did you mean "screenshot"/);
  });

  it('offline commands answer with ok: true (key --list, lab status)', async () => {
    for (const args of [['key', '--list', '--json'], ['lab', 'status', '--json']]) {
      const r = await runCli(args, {env: {SPICE_CLI_LAB_DIR: '/tmp/spice-cli-json-envelope-lab'}});
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).ok).toBe(true);
    }
  });
});
