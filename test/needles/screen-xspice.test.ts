/**
 * The screen commands against a lab Xspice, as a user runs them: wait-screen and assert-screen with a needle
 * cut from a screenshot of the lab screen (by name, by tag, by path without .json), needles that cannot
 * match (40 / 1 with the best score), wait-still, wait-change (the xterm prints after a delay typed with
 * `spice-cli type`: a SPICE server serves one client at a time, so the typing cannot overlap the wait), and a
 * wait-screen/assert-screen pair from a shell.
 */
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {LabTarget} from '../../src/lab/types.js';
import {startXspice} from '../../src/lab/xspice.js';
import {BIN, runCli} from '../support/cli.js';

const root = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'spice-cli-screen-'));
const needles = join(work, 'needles');
const json = (r: {stdout: string}) => JSON.parse(r.stdout) as Record<string, any>;
/** A needle of the lab desktop that is not on a fresh target's screen (the xterm's output of a command). */
const ABSENT = join(root, 'examples/needles/xterm-output-42');

let target: LabTarget;
beforeAll(async () => {
  // The xterm needs the X input focus for `type` (the lab's xdotool now and then fails to give it).
  for (let attempt = 1; ; attempt++) {
    target = await startXspice({stopOnExit: true, register: false});
    if (target.extra.focus === 'xterm' || attempt === 3) break;
    await target.stop();
  }
  mkdirSync(needles);
  const shot = join(work, 'lab.png');
  const s = await runCli(['screenshot', '--uri', target.uri, '-o', shot, '--still', '300']);
  expect(s.code, s.stderr).toBe(0);
  // The xlogo window (top right of the lab desktop) does not change while the xterm is used.
  const c = await runCli(['needle', 'create', '--from', shot, '--area', '770,26,140,140', '--tag', 'logo', '--tag', 'desktop', join(needles, 'xlogo')]);
  expect(c.code, c.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await target?.stop();
});

describe('wait-screen and assert-screen', () => {
  it('wait-screen finds a needle by name, by tag and by path without .json: exit 0, --json has needle, score, offset, click, ms', async () => {
    const r = await runCli(['wait-screen', '--uri', target.uri, 'xlogo', '--needles', needles, '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = json(r);
    expect(out).toMatchObject({ok: true, monitor: 0, matched: {needle: 'xlogo', found: true, score: 100, offset: {dx: 0, dy: 0}, click: {x: 840, y: 96}}});
    expect(out.matched.file).toBe(join(needles, 'xlogo.json'));
    expect(typeof out.ms).toBe('number');
    expect(out.looks).toBeGreaterThanOrEqual(1);
    const byTag = await runCli(['wait-screen', '--uri', target.uri, 'logo', '--needles', needles]);
    expect(byTag.code, byTag.stderr).toBe(0);
    expect(byTag.stdout).toMatch(/^matched xlogo score 100 offset \+0,\+0 click 840,96 after [\d.]+ ms$/m);
    const byPath = await runCli(['wait-screen', '--uri', target.uri, join(needles, 'xlogo'), ABSENT, '--json']);
    expect(byPath.code, byPath.stderr).toBe(0);
    expect(json(byPath).matched.needle).toBe('xlogo');
  });

  it('wait-screen exits 40 when no needle matched in time, with the best score in the message and the JSON', async () => {
    const r = await runCli(['wait-screen', '--uri', target.uri, ABSENT, '--timeout', '2', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(40);
    const out = json(r);
    expect(out.error).toMatchObject({kind: 'timeout', exitCode: 40});
    expect(out.error.message).toMatch(/^the needle xterm-output-42 did not match within 2 s \(best: xterm-output-42 at \d+\.\d%\)$/);
    expect(out.best).toMatchObject({needle: 'xterm-output-42', found: false});
    expect(out.best.score).toBeLessThan(100);
    expect(out.error.message).toContain(`${out.best.score.toFixed(1)}%`);
    expect(out.ms).toBeGreaterThanOrEqual(2000);
    const plain = await runCli(['wait-screen', '--uri', target.uri, ABSENT, join(needles, 'xlogo.json'), '--timeout', '1', '--match', '100']);
    expect(plain.code).toBe(0);
  });

  it('assert-screen: 0 when a needle matches now, 1 when none does (best score reported)', async () => {
    const ok = await runCli(['assert-screen', '--uri', target.uri, 'desktop', '--needles', needles, '--json']);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(json(ok)).toMatchObject({ok: true, still: true, matched: {needle: 'xlogo', score: 100}});
    const no = await runCli(['assert-screen', '--uri', target.uri, ABSENT, '--json']);
    expect(no.code, no.stderr + no.stdout).toBe(1);
    const out = json(no);
    expect(out.error.kind).toBe('expectation');
    expect(out.error.message).toMatch(/did not match after 300 ms without a draw \(best: xterm-output-42 at \d+\.\d%\)/);
    expect(out.best.score).toBeLessThan(100);
    const human = await runCli(['assert-screen', '--uri', target.uri, ABSENT]);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/^spice-cli: the needle xterm-output-42 did not match .*\(best: xterm-output-42 at/);
  });

  it('a needle that names nothing exits 2 before connecting', async () => {
    const r = await runCli(['wait-screen', '--uri', 'spice://127.0.0.1:1', 'no-such-needle', '--needles', needles]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no needle "no-such-needle": .*no needle in .* has the tag "no-such-needle"/);
  });

  it('from a shell: wait-screen && assert-screen runs the second after the first matched; a failing assert stops the chain', () => {
    const cli = `node ${BIN}`;
    const env = {...process.env, SPICE_URI: target.uri};
    const both = spawnSync('sh', ['-c', `cd ${work} && ${cli} wait-screen xlogo --timeout 10 && ${cli} assert-screen logo && echo both-passed`], {env, encoding: 'utf8', timeout: 60_000});
    expect(both.status, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/matched xlogo .*\nmatched xlogo .*\nboth-passed\n$/);
    const chain = spawnSync('sh', ['-c', `cd ${work} && ${cli} assert-screen ${ABSENT} && echo not-reached; echo "rc=$?"`], {env, encoding: 'utf8', timeout: 60_000});
    expect(chain.stdout).not.toContain('not-reached');
    expect(chain.stdout).toContain('rc=1');
  });
});

describe('wait-still and wait-change', () => {
  it('wait-still: 0 once nothing is drawn for --still ms; 40 when that cannot happen within --timeout', async () => {
    const r = await runCli(['wait-still', '--uri', target.uri, '--still', '200', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(json(r)).toMatchObject({ok: true, stillMs: 200});
    expect(json(r).ms).toBeGreaterThanOrEqual(0);
    const never = await runCli(['wait-still', '--uri', target.uri, '--still', '5000', '--timeout', '1', '--json']);
    expect(never.code, never.stderr + never.stdout).toBe(40);
    expect(json(never).error.message).toMatch(/still for 5000 ms/);
  });

  it('wait-change: 40 when nothing changes; 0 when the xterm prints (typed with spice-cli type before the wait)', async () => {
    const region = '16,16,480,300'; // the xterm
    const quiet = await runCli(['wait-change', '--uri', target.uri, '--region', region, '--timeout', '1', '--json']);
    expect(quiet.code, quiet.stderr + quiet.stdout).toBe(40);
    expect(json(quiet).error.message).toBe(`the region ${region} did not change within 1 s`);
    const outside = await runCli(['wait-change', '--uri', target.uri, '--region', '1000,0,100,100', '--timeout', '1']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/--region 1000,0,100,100 is outside monitor 0 \(1024x768\)/);
    // The shell prints 5 s after the Enter: by then the typing session has ended and wait-change looks.
    const typed = await runCli(['type', '--uri', target.uri, 'sleep 5; echo spice-cli-changed\n']);
    expect(typed.code, typed.stderr).toBe(0);
    const t0 = performance.now();
    const r = await runCli(['wait-change', '--uri', target.uri, '--region', region, '--timeout', '20', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(json(r)).toMatchObject({ok: true, monitor: 0, region: {x: 16, y: 16, width: 480, height: 300}});
    expect(json(r).ms).toBeGreaterThan(100);
    expect(performance.now() - t0).toBeLessThan(15_000);
    // The whole screen is still afterwards: the xlogo needle still matches.
    expect((await runCli(['assert-screen', '--uri', target.uri, join(needles, 'xlogo')])).code).toBe(0);
  });
});
