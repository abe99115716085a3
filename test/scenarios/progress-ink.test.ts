/**
 * `spice-cli run`'s live view (progress-ink.ts) drawn into a fake terminal (a stream with isTTY and a size),
 * without a server: once the run ends, the terminal keeps every step's line of each scenario as the live view
 * showed it, with the scenario's result and the summary (issue 11: it used to collapse to one line).
 */
import {PassThrough} from 'node:stream';
import {afterAll, describe, expect, it, vi} from 'vitest';
import type {ScenarioResult} from '../../src/scenarios/execute.js';
import type {Scenario} from '../../src/scenarios/load.js';
import type {StepRecord} from '../../src/scenarios/runner.js';
import {terminalScreen} from '../support/terminal-screen.js';

// ink draws in place only outside CI (it reads the variables when it is first imported).
vi.stubEnv('CI', 'false');
vi.stubEnv('CONTINUOUS_INTEGRATION', 'false');
const {inkProgress} = await import('../../src/scenarios/progress-ink.js');
afterAll(() => vi.unstubAllEnvs());

function fakeTerminal() {
  const stream = Object.assign(new PassThrough(), {isTTY: true, columns: 100, rows: 30});
  let output = '';
  stream.on('data', (d: Buffer) => (output += d.toString()));
  return {stream: stream as unknown as NodeJS.WriteStream, screen: () => terminalScreen(output)};
}

const step = (index: string, kind: string, ms: number, ok = true, detail?: string): StepRecord => ({index, kind, where: `t.yaml:${index}:5`, atMs: 0, ms, ok, detail});

describe('run on a terminal (ink)', () => {
  it('keeps every step line (status, name, duration) of each scenario after the run', async () => {
    const {stream, screen} = fakeTerminal();
    const view = inkProgress(stream);
    const login = {name: 'login', file: '/t/login.yaml'} as Scenario;
    const steps = [step('1', 'wait_screen', 812, true, 'login-prompt 100%'), step('2', 'type', 468, true, '24 characters'), step('3.1', 'key', 52), step('3', 'repeat', 1200), step('4', 'assert_screen', 10_000, false, 'needle "desktop" not found')];
    view.start(login);
    for (const r of steps) {
      view.event(login, {type: 'step-start', index: r.index, kind: r.kind, where: r.where, label: ''});
      view.event(login, {type: 'step-end', record: r});
    }
    // The live view redraws every 200 ms: let it draw the steps before the scenario ends.
    await new Promise((r) => setTimeout(r, 300));
    expect(screen()).toContain('  ✔ 2 type: 24 characters 468 ms');
    const result: ScenarioResult = {file: login.file, name: 'login', ok: false, exitCode: 1, error: {kind: 'expectation', message: 'needle "desktop" not found'}, ms: 12_600, steps, figures: {}, artifacts: []};
    view.end(login, result);
    const logout = {name: 'logout', file: '/t/logout.yaml'} as Scenario;
    view.start(logout);
    view.event(logout, {type: 'step-end', record: step('1', 'key', 50)});
    view.end(logout, {...result, file: logout.file, name: 'logout', ok: true, exitCode: 0, error: undefined, ms: 60, steps: [step('1', 'key', 50)]});
    view.summary([result, {...result, ok: true}]);

    const lines = screen().filter((l) => l !== '');
    expect(lines).toEqual([
      '▶ login',
      '  ✔ 1 wait_screen: login-prompt 100% 812 ms',
      '  ✔ 2 type: 24 characters 468 ms',
      '  ✔ 3.1 key 52 ms',
      '  ✔ 3 repeat 1.2 s',
      '  ✘ 4 assert_screen: needle "desktop" not found 10 s',
      '✘ login: failed (exit 1): needle "desktop" not found in 12.6 s',
      '▶ logout',
      '  ✔ 1 key 50 ms',
      '✔ logout: passed in 60 ms',
      '1 passed, 1 failed',
    ]);
  });
});
