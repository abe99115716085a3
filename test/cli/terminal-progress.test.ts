/**
 * The live (ink) progress views on a real terminal: `spice-cli send-file` draws a bar with the rate and a
 * line per finished file, `spice-cli run` the running scenario with its steps, then leaves every step's line and
 * the closing summary on the terminal (test/support/terminal-screen.ts replays what it drew). The
 * commands run under util-linux `script`, which gives them a pseudo-terminal as stdin, stdout and stderr;
 * without the CI variables (a CI job gets plain lines, as the other tests check).
 */
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {BIN} from '../support/cli.js';
import {terminalScreen} from '../support/terminal-screen.js';

const work = mkdtempSync(join(tmpdir(), 'spice-cli-tty-'));
const saveDir = join(work, 'saved');
let t: LabTarget;
beforeAll(async () => {
  t = await startXspice({fileXferDir: saveDir, clients: []});
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** Runs the CLI on a 100x30 pseudo-terminal; everything it draws comes back as one stream. */
function onTerminal(args: string[], timeoutMs = 90_000): Promise<{code: number | null; screen: string}> {
  const env: NodeJS.ProcessEnv = {...process.env, SPICE_URI: '', SPICE_PASSWORD: '', TERM: 'xterm-256color'};
  for (const k of Object.keys(env)) if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) delete env[k];
  const cmd = `stty cols 100 rows 30; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'pipe']});
    let screen = '';
    child.stdout.on('data', (d) => (screen += d));
    child.stderr.on('data', (d) => (screen += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`spice-cli ${args.join(' ')} on a terminal did not exit within ${timeoutMs} ms\n${screen}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, screen});
    });
  });
}

describe('live progress on a terminal', () => {
  it('send-file draws a progress bar with percent and rate, then a ✔ line per file', async () => {
    const big = join(work, 'sixteen-mib.bin');
    writeFileSync(big, Buffer.alloc(16 << 20, 0x5a));
    writeFileSync(join(work, 'small.txt'), 'small');
    const r = await onTerminal(['send-file', '--uri', t.uri, '--timeout', '60', big, join(work, 'small.txt')]);
    expect(r.code, r.screen).toBe(0);
    // ink redraws in place: cursor movement and erase-line sequences, not one line per update.
    expect(r.screen).toMatch(/\x1b\[(2K|1A|\d+A)/);
    const text = plain(r.screen);
    expect(text).toMatch(/sixteen-mib\.bin █+░*/);
    expect(text).toMatch(/\d+% \d+(\.\d+)? MiB\/16(\.0)? MiB/);
    expect(text).toMatch(/MiB\/s/);
    expect(text).toMatch(/✔ sixteen-mib\.bin/);
    expect(text).toMatch(/✔ small\.txt/);
    // The plain-lines view (every 10 %, "N of M files sent") is not used on a terminal.
    expect(text).not.toMatch(/of 2 files sent/);
    expect(readFileSync(join(saveDir, 'small.txt'), 'utf8')).toBe('small');
  }, 120_000);

  it('run draws the scenario with its finished steps and ends with the summary line', async () => {
    const file = join(work, 'tty.yaml');
    writeFileSync(file, 'name: on a terminal\nsteps:\n  - wait_still: 200\n  - sleep: 1000\n  - screenshot: tty-shot\n');
    const r = await onTerminal(['run', file, '--uri', t.uri, '--artifacts', join(work, 'art')]);
    expect(r.code, r.screen).toBe(0);
    const text = plain(r.screen);
    expect(text).toMatch(/▶ on a terminal/);
    // Redrawn every 200 ms: during the 1 s sleep the finished step and the one in progress are on the screen.
    expect(text).toMatch(/✔ 1 wait_still \d+ ms\r?\n {2}… 2 sleep 1000 \d+ ms/);
    expect(text).toMatch(/✔ on a terminal: passed in/);
    expect(text).toMatch(/1 passed, 0 failed/);
    // What stays on the terminal: the scenario with every step's line, its result, the summary.
    const screen = terminalScreen(r.screen)
      .filter((l) => l !== '')
      .join('\n')
      .replace(/\d+(\.\d+)? m?s\b/g, 'T');
    expect(screen).toMatch(/^▶ on a terminal\n {2}✔ 1 wait_still T\n {2}✔ 2 sleep T\n {2}✔ 3 screenshot: [\s\S]*? T\n✔ on a terminal: passed in T\n1 passed, 0 failed$/);
  }, 120_000);
});
