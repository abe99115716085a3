import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {Args, Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {SpiceError} from '../client/errors.js';
import {artifactsFolder, executeScenario, type ScenarioResult} from '../scenarios/execute.js';
import {junitXml} from '../scenarios/junit.js';
import {capWaits, ScenarioError, type Scenario} from '../scenarios/load.js';
import {validateScenario} from '../scenarios/preflight.js';
import {checkScenarios} from '../scenarios/check.js';
import {plainProgress} from '../scenarios/progress.js';
import {stepLogText} from '../scenarios/artifacts.js';
import {liveProgress} from '../cli/terminal.js';

export default class Run extends SessionCommand {
  static override summary = 'Run YAML scenarios: screen assertions with needles, input, waits (docs/scenarios.md).';
  static override description = `Every file is read and validated first (errors name file:line:column; exit 2) and nothing is sent to a guest before all of them validate. Each scenario then runs over its own session. On failure its artifacts folder holds the last screen, the expected needle, a diff image and the step log with timings. The exit code is the first failed scenario's: 1 a failed expectation, 40 a timeout, 11 the connection lost, 2 a bad file.`;
  static override examples = [
    '<%= config.bin %> run examples/xspice-xterm.yaml --uri spice://127.0.0.1:5900',
    '<%= config.bin %> run tests/*.yaml --var USER=root --artifacts out --junit out/junit.xml',
    '<%= config.bin %> run tests/*.yaml --shard 2/3 --parallel 2 --bail',
    '<%= config.bin %> run --check tests/*.yaml',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({description: 'Scenario files (YAML).', required: true}),
  };
  static override flags = {
    var: Flags.string({description: 'Set a variable: NAME=VALUE (above the file\'s vars and the environment); repeatable.', multiple: true}),
    artifacts: Flags.string({description: 'Folder for screenshots and failure artifacts (one subfolder per scenario).', default: 'spice-artifacts'}),
    junit: Flags.string({description: 'Write a JUnit XML report to this file.'}),
    parallel: Flags.integer({description: 'Scenarios run at the same time.', default: 1, min: 1, max: 64}),
    shard: Flags.string({description: 'Run only shard I of N (I/N): the sorted files whose index mod N is I-1.'}),
    bail: Flags.boolean({description: 'Start no further scenario after the first failure.', default: false}),
    check: Flags.boolean({description: 'Only validate the files and their needles (as run does before connecting), without a server: exit 0, or 2 listing every problem.', default: false}),
  };

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Run);
    const vars = parseVars(flags.var ?? []);
    const files = selectShard([...new Set((argv as string[]).map((f) => resolve(f)))], flags.shard);
    if (flags.check) return this.check(files, vars);
    // Everything validates before anything connects.
    // Every problem of every file at once: the format, keys, layouts and needles (validateScenario).
    const scenarios: Scenario[] = [];
    const problems: string[] = [];
    for (const f of files) {
      const v = await validateScenario(f, {vars});
      problems.push(...v.problems);
      if (v.scenario) scenarios.push(v.scenario);
    }
    if (problems.length) throw new ScenarioError(problems);
    // --timeout given on the command line caps every wait of the scenarios (README: "any single wait").
    if (this.argv.some((a) => a === '--timeout' || a.startsWith('--timeout='))) for (const sc of scenarios) capWaits(sc, flags.timeout);

    const opts = await this.sessionOptions(flags);
    // A live view on a terminal; plain lines, one per step, in CI and logs.
    const live = liveProgress(flags.verbose);
    const progress = live ? (await import('../scenarios/progress-ink.js')).inkProgress(process.stderr) : plainProgress(process.stderr, scenarios.length > 1);
    const results: ScenarioResult[] = new Array(scenarios.length);
    const started = new Date();
    let failed = false;
    const signal = this.signal;
    {
      let next = 0;
      const worker = async () => {
        while (next < scenarios.length) {
          const i = next++;
          const sc = scenarios[i]!;
          if ((flags.bail && failed) || signal.aborted) {
            results[i] = {file: sc.file, name: sc.name, ok: false, skipped: true, exitCode: 0, ms: 0, steps: [], figures: {}, artifacts: []};
            continue;
          }
          progress.start(sc);
          const r = await executeScenario(sc, {
            uri: flags.uri,
            session: opts,
            artifactsDir: artifactsFolder(flags.artifacts, sc, i, scenarios),
            onProgress: (p) => progress.event(sc, p),
            signal,
            connect: (uri, o) => this.openSession(uri, o),
          });
          if (!r.ok) failed = true;
          progress.end(sc, r);
          results[i] = r;
        }
      };
      await Promise.all(Array.from({length: Math.min(flags.parallel, scenarios.length)}, worker));
    }

    if (flags.junit) {
      mkdirSync(dirname(resolve(flags.junit)), {recursive: true});
      writeFileSync(
        flags.junit,
        junitXml(
          'spice-cli run',
          results.map((r) => ({
            name: r.name,
            classname: `spice-cli.${r.file.replace(/^.*\//, '').replace(/\.ya?ml$/, '')}`,
            file: r.file,
            seconds: r.ms / 1000,
            outcome: r.skipped ? 'skipped' : r.ok ? 'passed' : r.error?.kind === 'expectation' ? 'failure' : 'error',
            message: r.skipped ? 'not run (--bail after a failure)' : r.error?.message,
            type: r.error?.kind,
            log: stepLogText(r.steps),
            figures: r.figures,
          })),
          started,
        ),
      );
    }
    const firstFailure = results.find((r) => !r.ok && !r.skipped);
    progress.summary(results);
    if (flags.json) {
      this.printJson({
        ok: !firstFailure,
        exitCode: firstFailure?.exitCode ?? 0,
        ...(firstFailure ? {error: {kind: firstFailure.error?.kind ?? 'expectation', exitCode: firstFailure.exitCode, message: `${firstFailure.name}: ${firstFailure.error?.message ?? 'failed'}`}} : {}),
        passed: results.filter((r) => r.ok).length,
        failed: results.filter((r) => !r.ok && !r.skipped).length,
        skipped: results.filter((r) => r.skipped).length,
        scenarios: results,
      });
    }
    if (firstFailure) process.exitCode = firstFailure.exitCode;
  }

  /** --check: every file validated and preflighted, every problem listed (exit 2), nothing connected. */
  private async check(files: string[], vars: Record<string, string>): Promise<void> {
    const r = await checkScenarios(files, vars);
    if (r.problems.length) {
      // The message is ScenarioError's (one problem a line); --json also lists each file's problems.
      throw new SpiceError('usage', r.problems.join('\n'), {details: {files: r.files}});
    }
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
    this.report({files: r.files}, `ok: ${n(r.files.length, 'file')} checked (${n(r.files.reduce((t, f) => t + (f.steps ?? 0), 0), 'step')}, ${n(r.files.reduce((t, f) => t + (f.needles ?? 0), 0), 'needle')})`);
  }
}

function parseVars(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(kv);
    if (!m) throw new SpiceError('usage', `--var ${kv}: expected NAME=VALUE (NAME: letters, digits, _)`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** Deterministic split for CI matrices: files sorted by path; shard I of N takes indexes ≡ I-1 (mod N). */
export function selectShard(files: string[], shard: string | undefined): string[] {
  if (!shard) return files;
  const m = /^(\d+)\/(\d+)$/.exec(shard.trim());
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw new SpiceError('usage', `--shard ${shard}: expected I/N with 1 ≤ I ≤ N (e.g. 2/3)`);
  return [...files].sort().filter((_, k) => k % n === i - 1);
}
