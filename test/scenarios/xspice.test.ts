/**
 * `spice-cli run` against real lab Xspice targets (a fresh one where the screen's history matters): the
 * examples pass; a wrong needle exits 1 leaving the screen, the needle and a diff; a wait_screen that
 * cannot match exits 40 at its timeout with the last screen; a server killed mid-scenario exits 11 with
 * the artifacts so far; shards run each scenario once; --bail, --parallel and --junit.
 */
import {spawn, spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import sharp from 'sharp';
import {afterAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';

const root = new URL('../../', import.meta.url).pathname;
const targets: LabTarget[] = [];
afterAll(async () => {
  await Promise.all(targets.map((t) => t.stop()));
});

/**
 * A fresh lab Xspice whose xterm has the X input focus. The lab gives it the focus with xdotool, which
 * now and then fails (extra.focus "failed: xterm"); such a target is replaced, as typing would go nowhere.
 */
async function start(opts: {vdagent?: boolean; password?: string} = {}): Promise<LabTarget> {
  for (let attempt = 1; ; attempt++) {
    const t = await startXspice({stopOnExit: true, register: false, ...opts});
    targets.push(t);
    if (t.extra.focus === 'xterm' || attempt === 3) return t;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'spice-cli-run-'));
cpSync(join(root, 'examples/needles'), join(dir, 'needles'), {recursive: true});

function scenario(name: string, text: string): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, text);
  return p;
}

async function png(path: string): Promise<{width: number; height: number; data: Buffer}> {
  const {data, info} = await sharp(path).ensureAlpha().raw().toBuffer({resolveWithObject: true});
  return {width: info.width, height: info.height, data};
}

describe('examples against lab Xspice', () => {
  it('xspice-xterm: types into the xterm and finds the output by needle', async () => {
    const t = await start();
    const art = join(dir, 'art-xterm');
    const r = await runCli(['run', join(root, 'examples/xspice-xterm.yaml'), '--uri', t.uri, '--artifacts', art, '--json'], {timeoutMs: 60_000});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.scenarios[0].steps.map((s: {kind: string; ok: boolean}) => `${s.kind}:${s.ok}`)).toEqual(['move:true', 'key:true', 'wait_screen:true', 'type:true', 'assert_screen:true', 'screenshot:true']);
    // Not a terminal: plain progress lines on stderr, one per step.
    expect(r.stderr.split('\n').filter((l) => /^ {2}ok {3}\d /.test(l)).map((l) => l.split(' ').filter(Boolean)[2])).toEqual(['move', 'key', 'wait_screen:', 'type:', 'assert_screen:', 'screenshot:']);
    const shot = await png(join(art, 'xterm_echo', 'after-echo.png'));
    expect([shot.width, shot.height]).toEqual([1024, 768]);
    // The needle's own check on the saved screenshot agrees with the run.
    const c = await runCli(['needle', 'check', join(art, 'xterm_echo', 'after-echo.png'), join(root, 'examples/needles/xterm-output-42.json')]);
    expect(c.code, c.stderr + c.stdout).toBe(0);
  });

  it('xspice-branch: the xlogo branch is taken, and the measure step reports a figure', async () => {
    const t = await start();
    const r = await runCli(['run', join(root, 'examples/xspice-branch.yaml'), '--uri', t.uri, '--artifacts', join(dir, 'art-branch'), '--json'], {timeoutMs: 60_000});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const sc = JSON.parse(r.stdout).scenarios[0];
    const byIndex = Object.fromEntries(sc.steps.map((s: {index: string; detail?: string}) => [s.index, s.detail]));
    // Step 2 is the examples' known-state key step (ctrl-c, ctrl-l).
    expect(byIndex['5']).toMatch(/^matched xlogo-window/);
    expect(byIndex['6']).toBe('then');
    expect(Object.keys(byIndex)).toContain('6.then.2');
    expect(Object.keys(byIndex).some((k) => k.startsWith('6.else'))).toBe(false);
    expect(sc.figures['echo-to-screen']).toBeGreaterThan(0);
  });
});

describe('progress on a terminal', () => {
  it('draws the ink view (steps, score, elapsed time) when stderr is a terminal', async () => {
    const t = await start();
    const log = join(dir, 'tty.log');
    const cmd = `stty cols 120 rows 40; node ${join(root, 'bin/run.js')} run ${join(root, 'examples/xspice-xterm.yaml')} --uri ${t.uri} --artifacts ${join(dir, 'art-tty')}`;
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION' && !k.startsWith('CI_')));
    const r = spawnSync('script', ['-qec', cmd, log], {encoding: 'utf8', timeout: 60_000, env});
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(log, 'utf8').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(text).toContain('▶ xterm echo');
    expect(text).toMatch(/✔ 3 wait_screen: xterm-prompt \(100\.0%\)/);
    expect(text).toMatch(/✔ xterm echo: passed in /);
    expect(text).toContain('1 passed, 0 failed');
  });
});

describe('steps at run time', () => {
  it('click_needle, move, repeat until, wait_change, measure still, include and a needle from a variable do what they say', async () => {
    const t = await start();
    writeFileSync(join(dir, 'part.yaml'), 'steps:\n  - type: "echo spice-cli-$((6*7))\\n"\n');
    const p = scenario(
      'steps',
      [
        'name: steps',
        'vars: {OUT: xterm-output-42}',
        'steps:',
        '  - wait_screen: xterm-prompt',
        '  - click_needle: xlogo-window        # no click point: the centre of its area (770,26 140x140)',
        '  - screenshot: after-click',
        '  - check_screen: {needles: [xterm-output-42, xlogo-window], as: FIRST}',
        '  - wait_change:',
        '      region: [16, 16, 500, 100]',
        '      timeout: 5s',
        '  - key: backspace                    # the "z" typed from outside to make the change',
        '  - repeat:',
        '      times: 3',
        '      until: ${OUT}',
        '      steps:',
        '        - include: part.yaml',
        '        - wait_still: 100',
        '  - measure: {name: still-after-key, steps: [{type: x}, {key: backspace}], still: 100ms}',
        '  - move: {x: 300, y: 400}',
        '  - check_screen: {needles: "${FIRST}", as: AGAIN}',
        '  - if: {matched: "${AGAIN}", then: [{sleep: 1}], else: [{assert_screen: {needles: xterm-prompt, timeout: 1ms}}]}',
      ].join('\n') + '\n',
    );
    // wait_change needs a change: the include's typing comes after it, so start typing from outside.
    const run = runCli(['run', p, '--uri', t.uri, '--json', '--artifacts', join(dir, 'art-steps')], {timeoutMs: 60_000});
    const x = (args: string[]) => spawnSync('xdotool', args, {env: {...process.env, DISPLAY: t.display}, encoding: 'utf8'}).stdout;
    const end = Date.now() + 20_000;
    while (!existsSync(join(dir, 'art-steps', 'steps', 'after-click.png')) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const atClick = x(['getmouselocation']);
    x(['type', '--delay', '50', 'z']);
    const r = await run;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(atClick).toMatch(/^x:840 y:96 /);
    expect(x(['getmouselocation'])).toMatch(/^x:300 y:400 /);
    const sc = JSON.parse(r.stdout).scenarios[0];
    const d = Object.fromEntries(sc.steps.map((s: {index: string; detail?: string}) => [s.index, s.detail ?? '']));
    expect(d['2']).toMatch(/^xlogo-window \(100\.0%\), clicked 840,96$/);
    expect(d['4']).toMatch(/^matched xlogo-window/);
    expect(d['7']).toBe('until matched before round 2');
    expect(Object.keys(d)).toContain('7.1.1');
    expect(Object.keys(d)).not.toContain('7.2.1');
    // The x and its erasure were drawn after the measure began.
    expect(sc.figures['still-after-key']).toBeGreaterThan(0);
    expect(d['10']).toMatch(/^matched xlogo-window/);
    expect(d['11']).toBe('then');
  });

  it('drag selects text in the xterm (the prompt needle stops matching), click clears it, if on a screen, scroll at a point', async () => {
    const t = await start();
    const p = scenario(
      'mouse',
      [
        'name: mouse',
        'steps:',
        '  - wait_screen: xterm-prompt',
        '  - drag: {from: [18, 25], to: [60, 25]}   # over "$ " and the cursor: xterm shows the selection inverted',
        '  - check_screen: {needles: xterm-prompt, timeout: 1s, as: AFTER_DRAG}',
        '  - click: {x: 200, y: 200}',
        '  - wait_screen: {needles: xterm-prompt, timeout: 5s}',
        '  - if: {screen: xlogo-window, then: [{scroll: {direction: down, clicks: 2, at: [640, 500]}}], else: [{sleep: 1}]}',
      ].join('\n') + '\n',
    );
    const r = await runCli(['run', p, '--uri', t.uri, '--json', '--artifacts', join(dir, 'art-mouse')], {timeoutMs: 60_000});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const d = Object.fromEntries(JSON.parse(r.stdout).scenarios[0].steps.map((s: {index: string; detail?: string}) => [s.index, s.detail ?? '']));
    expect(d['3']).toBe('no match');
    expect(d['5']).toMatch(/^xterm-prompt \(100\.0%\)/);
    expect(d['6']).toBe('then');
    expect(Object.keys(d)).toContain('6.then.1');
    const loc = spawnSync('xdotool', ['getmouselocation'], {env: {...process.env, DISPLAY: t.display}, encoding: 'utf8'}).stdout;
    expect(loc).toMatch(/^x:640 y:500 /);
  });

  it('xspice-clipboard: the clipboard both ways through spice-vdagent; a wrong text exits 1, no agent exits 30', async () => {
    const t = await start({vdagent: true});
    const r = await runCli(['run', join(root, 'examples/xspice-clipboard.yaml'), '--uri', t.uri, '--json', '--artifacts', join(dir, 'art-clipboard')], {timeoutMs: 60_000});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const steps = JSON.parse(r.stdout).scenarios[0].steps.map((s: {kind: string; ok: boolean}) => `${s.kind}:${s.ok}`);
    expect(steps).toContain('clipboard_expect:true');
    // The guest copies one text, the scenario expects another: a failed expectation at the timeout.
    const wrong = scenario('clip-wrong', 'name: clip wrong\nsteps:\n  - move: {x: 300, y: 150}\n  - type: "printf other-text | xclip -selection clipboard\\n"\n  - clipboard_expect: {text: something-else, timeout: 2s}\n');
    // A fresh target, so that the text read back can only come from this scenario.
    const t2 = await start({vdagent: true});
    const w = await runCli(['run', wrong, '--uri', t2.uri, '--artifacts', join(dir, 'art-clipboard')], {timeoutMs: 60_000});
    expect(w.code, w.stderr).toBe(1);
    expect(w.stderr).toMatch(/clip-wrong\.yaml:5:5: clipboard_expect: the guest clipboard holds "other-text", expected "something-else"/);
    const plain = await start();
    const set = scenario('clip-noagent', 'name: clip no agent\ndefaults: {timeout: 1s}\nsteps:\n  - clipboard_set: hello\n');
    const n = await runCli(['run', set, '--uri', plain.uri, '--artifacts', join(dir, 'art-clipboard')], {timeoutMs: 60_000});
    expect(n.code, n.stderr).toBe(30);
  });

  it('resize without a guest agent exits 30 (the step itself is tested in test/agent/resize-xspice.test.ts)', async () => {
    const p = scenario('resize', 'name: resize\ndefaults: {timeout: 1s}\nsteps:\n  - resize: {width: 800, height: 600}\n');
    const plain = await start();
    const r = await runCli(['run', p, '--uri', plain.uri, '--artifacts', join(dir, 'art-resize')], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(30);
    expect(r.stderr).toMatch(/resize\.yaml:4:5: resize: .*no guest agent/i);
  });
});

describe('failures leave artifacts and exit with the table code', () => {
  it('a wrong needle exits 1 with the screen, the needle and a diff', async () => {
    const t = await start();
    const p = scenario('wrong', 'name: wrong\nsteps:\n  - wait_screen: xterm-prompt\n  - type: "echo spice-cli-$((6*6))\\n"\n  - assert_screen: {needles: xterm-output-42, timeout: 2s}\n');
    const art = join(dir, 'art-wrong');
    const r = await runCli(['run', p, '--uri', t.uri, '--artifacts', art], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/wrong\.yaml:5:5: assert_screen: the needle xterm-output-42 did not match within 2 s \(best: xterm-output-42 at \d+(\.\d)?%\)/);
    const a = join(art, 'wrong');
    const screen = await png(join(a, 'screen.png'));
    expect([screen.width, screen.height]).toEqual([1024, 768]);
    expect(readFileSync(join(a, 'needle.json'), 'utf8')).toBe(readFileSync(join(dir, 'needles/xterm-output-42.json'), 'utf8'));
    const needle = await png(join(a, 'needle.png'));
    const original = await png(join(dir, 'needles/xterm-output-42.png'));
    expect(needle.data.equals(original.data)).toBe(true);
    // The diff marks the differing pixels red: "36" against "42" in the output line, nothing elsewhere.
    const diff = await png(join(a, 'diff.png'));
    let red = 0;
    let redOutside = 0;
    for (let y = 0; y < diff.height; y++) {
      for (let x = 0; x < diff.width; x++) {
        const i = (y * diff.width + x) * 4;
        if (diff.data[i] === 255 && diff.data[i + 1] === 0 && diff.data[i + 2] === 0) {
          red++;
          if (y < 19 || y > 58) redOutside++;
        }
      }
    }
    expect(red).toBeGreaterThan(20);
    expect(redOutside).toBe(0);
    const log = readFileSync(join(a, 'steps.log'), 'utf8');
    expect(log).toMatch(/FAIL\s+3\s+assert_screen/);
    expect(log).toMatch(/ok\s+2\s+type/);
  });

  it('a wait_screen that cannot match exits 40 at its timeout with the last screen', async () => {
    const t = await start();
    const p = scenario('never', 'name: never\nsteps:\n  - wait_screen: {needles: xterm-output-42, timeout: 2s}\n');
    const art = join(dir, 'art-never');
    const r = await runCli(['run', p, '--uri', t.uri, '--artifacts', art, '--json'], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(40);
    const out = JSON.parse(r.stdout);
    expect(out.scenarios[0].error.kind).toBe('timeout');
    expect(out.scenarios[0].steps[0].ms).toBeGreaterThanOrEqual(2000);
    const screen = await png(join(art, 'never', 'screen.png'));
    expect([screen.width, screen.height]).toEqual([1024, 768]);
    expect(existsSync(join(art, 'never', 'diff.png'))).toBe(true);
  });

  it('a server killed mid-scenario exits 11 with the artifacts so far', async () => {
    const t = await start();
    const p = scenario('killed', 'name: killed\nsteps:\n  - wait_screen: xterm-prompt\n  - screenshot: before\n  - sleep: 30s\n');
    const art = join(dir, 'art-killed');
    const run = runCli(['run', p, '--uri', t.uri, '--artifacts', art], {timeoutMs: 60_000});
    const end = Date.now() + 30_000;
    while (!existsSync(join(art, 'killed', 'before.png')) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    process.kill(t.pids[0]!, 'SIGKILL');
    const r = await run;
    expect(r.code, r.stderr).toBe(11);
    const a = join(art, 'killed');
    expect((await png(join(a, 'before.png'))).width).toBe(1024);
    expect((await png(join(a, 'screen.png'))).width).toBe(1024);
    const log = readFileSync(join(a, 'steps.log'), 'utf8');
    expect(log).toMatch(/ok\s+2\s+screenshot/);
    expect(log).toMatch(/FAIL\s+3\s+sleep/);
    // No needle was being looked for when the server went away.
    expect(existsSync(join(a, 'needle.png'))).toBe(false);
  });
});

describe('interrupts', () => {
  it('Ctrl-C ends the running wait at once: exit 130, the rest skipped, artifacts written', async () => {
    const t = await start();
    const p = scenario('interrupted', 'name: interrupted\nsteps:\n  - screenshot: started\n  - wait_screen: {needles: xterm-output-42, timeout: 60s}\n');
    const after = scenario('after-interrupt', 'name: after interrupt\nsteps:\n  - sleep: 10\n');
    const art = join(dir, 'art-int');
    const child = spawn(process.execPath, [join(root, 'bin/run.js'), 'run', p, after, '--uri', t.uri, '--artifacts', art, '--json'], {stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const end = Date.now() + 20_000;
    while (!existsSync(join(art, 'interrupted', 'started.png')) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    const out = JSON.parse(stdout);
    expect(out.scenarios.map((s: {name: string; skipped?: boolean; exitCode: number}) => [s.name, Boolean(s.skipped), s.exitCode])).toEqual([
      ['interrupted', false, 130],
      ['after interrupt', true, 0],
    ]);
    expect(existsSync(join(art, 'interrupted', 'steps.log'))).toBe(true);
    expect(existsSync(join(art, 'interrupted', 'screen.png'))).toBe(true);
  });
});

describe('connection settings in the file', () => {
  it('uri, password_file and password_env: the right password runs, a wrong one exits 3', async () => {
    const t = await start({password: 'sc3n4rio'});
    writeFileSync(join(dir, 'pw.txt'), 'sc3n4rio\n');
    writeFileSync(join(dir, 'bad-pw.txt'), 'nope\n');
    const body = 'steps:\n  - wait_screen: xterm-prompt\n';
    const byFile = scenario('pw-file', `name: pw file\nuri: \${TARGET}\npassword_file: pw.txt\n${body}`);
    const byEnv = scenario('pw-env', `name: pw env\nuri: \${TARGET}\npassword_env: SCENARIO_PW\n${body}`);
    const wrong = scenario('pw-wrong', `name: pw wrong\nuri: \${TARGET}\npassword_file: bad-pw.txt\n${body}`);
    const ok = await runCli(['run', byFile, byEnv, '--var', `TARGET=${t.uri}`, '--json', '--artifacts', join(dir, 'art-pw')], {env: {SCENARIO_PW: 'sc3n4rio'}, timeoutMs: 60_000});
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).passed).toBe(2);
    const bad = await runCli(['run', wrong, '--var', `TARGET=${t.uri}`, '--artifacts', join(dir, 'art-pw')], {timeoutMs: 60_000});
    expect(bad.code, bad.stderr).toBe(3);
    expect(bad.stderr + bad.stdout).not.toContain('nope');
  });
});

describe('several scenarios', () => {
  it('--shard 1/3, 2/3, 3/3 together run each scenario exactly once; --junit validates', async () => {
    const t = await start();
    const files = Array.from({length: 7}, (_, i) => scenario(`trivial-${i}`, `name: trivial ${i}\nsteps:\n  - wait_still: 50\n  - sleep: 10\n`));
    const ran: string[] = [];
    for (const shard of ['1/3', '2/3', '3/3']) {
      const junit = join(dir, `junit-${shard.replace('/', 'of')}.xml`);
      const r = await runCli(['run', ...files.slice().reverse(), '--uri', t.uri, '--shard', shard, '--json', '--junit', junit, '--artifacts', join(dir, 'art-shards')], {timeoutMs: 60_000});
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      ran.push(...out.scenarios.map((s: {name: string}) => s.name));
      const v = spawnSync('xmllint', ['--noout', '--schema', join(root, 'test/scenarios/junit.xsd'), junit], {encoding: 'utf8'});
      expect(v.status, v.stderr).toBe(0);
      expect(readFileSync(junit, 'utf8')).toContain(`tests="${out.scenarios.length}" failures="0" errors="0"`);
    }
    expect(ran.sort()).toEqual(Array.from({length: 7}, (_, i) => `trivial ${i}`));
  });

  it('--parallel 2 runs scenarios against two targets at once (a SPICE server takes one client at a time)', async () => {
    const a = await start();
    const b = await start();
    const files = [a, b].map((t, i) => scenario(`par-${i}`, `name: par ${i}\nuri: ${t.uri}\nsteps:\n  - wait_screen: xterm-prompt\n  - type: "echo spice-cli-$((6*7))\\n"\n  - assert_screen: xterm-output-42\n`));
    const r = await runCli(['run', ...files, '--parallel', '2', '--json', '--artifacts', join(dir, 'art-par')], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).passed).toBe(2);
  });

  it('--bail starts nothing after the first failure; the JUnit XML has the failure and the skipped ones', async () => {
    const t = await start();
    const fail = scenario('a-fails', 'name: a fails\nsteps:\n  - assert_screen: {needles: xterm-output-42, timeout: 300ms}\n');
    const later = [scenario('b-later', 'name: b later\nsteps:\n  - sleep: 10\n'), scenario('c-later', 'name: c later\nsteps:\n  - sleep: 10\n')];
    const junit = join(dir, 'junit-bail.xml');
    const r = await runCli(['run', fail, ...later, '--uri', t.uri, '--bail', '--json', '--junit', junit, '--artifacts', join(dir, 'art-bail')], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout);
    expect([out.passed, out.failed, out.skipped]).toEqual([0, 1, 2]);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('tests="3" failures="1" errors="0" skipped="2"');
    expect(xml).toMatch(/<failure message="[^"]*xterm-output-42[^"]*" type="expectation">/);
    const v = spawnSync('xmllint', ['--noout', '--schema', join(root, 'test/scenarios/junit.xsd'), junit], {encoding: 'utf8'});
    expect(v.status, v.stderr).toBe(0);
  });
});
