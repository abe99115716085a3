/**
 * The live (ink) progress views on a real terminal: `spice-cli send-file` draws a bar with the rate and a
 * line per finished file, `spice-cli run` the running scenario with its steps, then leaves every step's line and
 * the closing summary on the terminal (test/support/terminal-screen.ts replays what it drew). The
 * commands run under util-linux `script`, which gives them a pseudo-terminal as stdin, stdout and stderr;
 * without the CI variables (a CI job gets plain lines, as the other tests check).
 */
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {terminalScreen} from '../support/terminal-screen.js';
import {onTerminal, plain} from '../support/terminal.js';

const work = mkdtempSync(join(tmpdir(), 'spice-cli-tty-'));
const saveDir = join(work, 'saved');
let t: LabTarget;
beforeAll(async () => {
  t = await startXspice({fileXferDir: saveDir, clients: []});
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

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
