/**
 * Scenario runner benchmark: steps per second on trivial scenarios over one session to a lab Xspice —
 * `sleep: 0` (the runner's own cost per step: log, progress, session guard), `check_screen` on a needle
 * found in place (grab of the 1024x768 screen + one match), and `wait_still: 0`.
 *
 * `node dist/bench/scenario-steps.js [--runs N] [--steps N]` prints JSON (progress on stderr).
 */
import {cpSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {SpiceSession} from '../client/session.js';
import {ChannelType} from '../client/wire/enums.js';
import {startXspice} from '../lab/xspice.js';
import {loadScenario} from '../scenarios/load.js';
import {preflight} from '../scenarios/preflight.js';
import {ScenarioRunner} from '../scenarios/runner.js';
import {summarize} from './stats.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

const CASES: Record<string, string> = {
  sleep0: 'sleep: 0',
  'check_screen': 'check_screen: xterm-prompt',
  'wait_still0': 'wait_still: 0',
};

export async function benchScenarioSteps(opts: {runs: number; steps: number; log?: (s: string) => void}): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'spice-cli-bench-scenario-'));
  cpSync(join(EXAMPLES, 'needles'), join(dir, 'needles'), {recursive: true});
  const target = await startXspice({register: false, stopOnExit: true});
  const out: Record<string, unknown> = {target: 'xspice (lab desktop, 1024x768)', stepsPerRun: opts.steps, runs: opts.runs};
  try {
    const session = await SpiceSession.connect(target.uri, {render: true, channelFilter: (t) => t === ChannelType.DISPLAY || t === ChannelType.INPUTS});
    try {
      await session.display!.waitFirstFrame();
      await session.display!.waitStill(200);
      for (const [name, step] of Object.entries(CASES)) {
        const file = join(dir, `${name}.yaml`);
        writeFileSync(file, `name: ${name}\nsteps:\n${`  - ${step}\n`.repeat(opts.steps)}`);
        const sc = loadScenario(file);
        await preflight(sc);
        const perSecond: number[] = [];
        const msPerStep: number[] = [];
        for (let r = 0; r < opts.runs; r++) {
          const runner = new ScenarioRunner(sc, session, {artifactsDir: dir});
          const t0 = performance.now();
          await runner.run();
          const ms = performance.now() - t0;
          runner.dispose();
          perSecond.push((opts.steps / ms) * 1000);
          msPerStep.push(ms / opts.steps);
        }
        const s = summarize(perSecond);
        out[name] = {stepsPerSecondMedian: Math.round(s.median), stepsPerSecondMin: Math.round(s.min), msPerStep: summarize(msPerStep)};
        opts.log?.(`${name}: ${Math.round(s.median)} steps/s (median of ${opts.runs})`);
      }
    } finally {
      session.close();
    }
  } finally {
    await target.stop();
    rmSync(dir, {recursive: true, force: true});
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string, def: number) => {
    const i = process.argv.indexOf(name);
    const v = i >= 0 ? Number(process.argv[i + 1]) : def;
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected a whole number ≥ 1`);
    return v;
  };
  const result = await benchScenarioSteps({runs: arg('--runs', 5), steps: arg('--steps', 200), log: (s) => process.stderr.write(`[bench] ${s}\n`)});
  process.stdout.write(JSON.stringify({node: process.version, ...result}, null, 2) + '\n');
  process.exit(0);
}
