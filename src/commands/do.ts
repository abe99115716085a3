import {resolve} from 'node:path';
import {Args, Flags} from '@oclif/core';
import {durationFlag} from '../cli/duration.js';
import {SessionCommand} from '../cli/base-command.js';
import {asSpiceError, interruptedError, SpiceError} from '../client/errors.js';
import {ChannelType} from '../client/wire/enums.js';
import {ACTIONS_SOURCE, actionMessage, actionsYaml, parseActions, type ParsedAction} from '../scenarios/actions-argv.js';
import {ScenarioError, type Scenario} from '../scenarios/load.js';
import {validateScenario} from '../scenarios/preflight.js';
import {audioChannels} from '../scenarios/audio-checks.js';
import {ScenarioRunner, type StepRecord} from '../scenarios/runner.js';

/** What `do --json` prints under {ok: true}, and what a failure's envelope holds besides its error. */
export interface DoReport {
  /** One record per step run (the scenario step log: index, kind, where, atMs, ms, ok, detail). */
  steps: StepRecord[];
  screenshots: string[];
  /** The WAV files of the audio captures (audio-capture --start NAME: NAME.wav). */
  audio: string[];
  figures: Record<string, number>;
  ms: number;
}

export default class Do extends SessionCommand {
  static override summary = 'Run several actions over one connection: do ACTION ARGS [+ ACTION ARGS]... (or YAML steps on stdin: do -).';
  static override description = `Each action is the scenario step of that name (docs/scenarios.md), written as on a command line: type, key, click, move, drag, scroll, wait-screen, assert-screen, check-screen, click-needle, wait-still, wait-change, sleep, screenshot, clipboard-set, clipboard-expect, send-file, resize, monitors, measure, audio-capture, audio-expect, audio-send... A lone "+" separates actions. Bare values fill the step's short form (type TEXT, key COMBO..., wait-screen NEEDLE..., screenshot NAME, sleep MS) or else its required fields in order (click X Y, move X Y, drag X1,Y1 X2,Y2, scroll up|down, resize W H); --FIELD VALUE sets any other field (--button right, --double, --hold 2s, --timeout 5s, --region X,Y,W,H). Strings are literal (no \${VAR}). Needles and file names are relative to the current directory; screenshot NAME writes NAME (.png added when missing).

Everything is checked before connecting (exit 2: the action is named, with a suggestion for a misspelt one). One session serves every action, so a shell script does not reconnect (and replace its own client on the server) for each step, and keys held with "key --down" stay held until "key --up" or the end of the command (which releases every key and button, also on errors and Ctrl-C: exit 130). The exit code is that of the first failing action (1 a failed expectation, 40 a timeout, 11 the connection lost...), and the later actions do not run. "-" reads a list of steps as YAML from stdin: the syntax of a scenario's steps (${'$'}{VAR} from the environment; if, repeat and measure too). Command flags (--uri, --timeout, --delay, --json...) go before the first action; --timeout is also the default limit of every wait.`;
  static override examples = [
    "<%= config.bin %> do --uri spice://127.0.0.1:5900 type 'echo hi' + key enter + wait-screen needles/prompt + screenshot out.png",
    '<%= config.bin %> do key --down shift + type abc + key --up shift        # types ABC',
    '<%= config.bin %> do click 300 40 --hold 1500 + wait-still 200 + screenshot menu',
    '<%= config.bin %> do --delay 500 move 10 10 + click 100 200 --button right + key esc',
    "<%= config.bin %> do wait-screen login --timeout 60s + type \"$USER\" + key enter + assert-screen needles/password.json",
    "<%= config.bin %> do type $'ls -l\\n' + wait-still 300 + screenshot ls    # bash: $'...' makes \\n a newline",
    "printf -- '- type: \"ls\\\\n\"\\n- wait_still: 300\\n- screenshot: ls\\n' | <%= config.bin %> do -",
    "<%= config.bin %> do --json type date + key enter + sleep 500 + screenshot date.png",
  ];
  static override strict = false;
  static override args = {
    action: Args.string({description: 'ACTION ARGS, several separated by "+"; or "-": YAML steps from stdin.', required: true}),
  };
  static override flags = {
    delay: durationFlag({name: 'delay', unit: 'ms', description: 'Pause between the actions.'}),
  };

  async run(): Promise<void> {
    const {head, words} = this.splitArgv();
    if (!words.length) {
      await this.parse(Do, [...head, '-']); // --help, and bad flags, as usual
      throw new SpiceError('usage', 'no actions given: e.g. `spice-cli do type "echo hi" + key enter + screenshot out.png` (spice-cli do --help)');
    }
    const actionArgv = words[0] === '-' && words.length === 1 ? undefined : words;
    const parsed = actionArgv ? parseActions(actionArgv, this.commandFlagNames()) : undefined;
    const {flags} = await this.parse(Do, [...head, ...(parsed?.commandArgv ?? []), '-']);
    const delayMs = flags.delay ?? 0;
    const cwd = process.cwd();
    const scenario = parsed ? await this.load(parsed.actions, cwd) : await this.load(undefined, cwd, await readStdin());
    scenario.defaults.timeoutMs = flags.timeout;
    const message = (m: string) => (parsed ? actionMessage(m, parsed.actions) : m);
    const screenshots: string[] = [];
    const audio: string[] = [];
    const t0 = performance.now();
    let runner: ScenarioRunner | undefined;
    const records = () => (runner?.log ?? []).map((r) => (parsed ? {...r, where: r.where.replace(new RegExp(`^${ACTIONS_SOURCE}:(\\d+):\\d+$`), 'action $1')} : r));
    try {
      const uses = audioChannels(scenario.steps);
      const channels = [ChannelType.DISPLAY, ChannelType.INPUTS, ChannelType.CURSOR, ...(uses.playback ? [ChannelType.PLAYBACK] : []), ...(uses.record ? [ChannelType.RECORD] : [])];
      await this.withSession(flags, {channels, render: true}, async (session, signal) => {
        runner = new ScenarioRunner(scenario, session, {
          artifactsDir: cwd,
          screenshotPath: (name) => resolve(cwd, /\.png$/i.test(name) ? name : `${name}.png`),
          audioPath: (name) => resolve(cwd, /\.wav$/i.test(name) ? name : `${name}.wav`),
          delayMs,
          literal: Boolean(parsed),
          signal,
        });
        try {
          await runner.run();
        } catch (e) {
          runner.releaseAll();
          throw e;
        } finally {
          runner.dispose();
          screenshots.push(...runner.screenshots);
          audio.push(...runner.audioFiles);
        }
      });
    } catch (e) {
      const details = {steps: records(), screenshots, audio, figures: runner?.figures ?? {}, ms: Math.round(performance.now() - t0)};
      if (this.signal.aborted) throw interruptedError('interrupted (Ctrl-C); every key and button was released', details);
      const err = asSpiceError(e);
      throw new SpiceError(err.kind, message(err.message), {cause: e, details: {...err.details, ...details}});
    }
    const report: DoReport = {steps: records(), screenshots, audio, figures: runner?.figures ?? {}, ms: Math.round(performance.now() - t0)};
    this.report(report, (r) => {
      for (const f of [...r.screenshots, ...r.audio]) process.stderr.write(`${f}\n`);
      for (const [k, v] of Object.entries(r.figures)) process.stderr.write(`${k}: ${v} ms\n`);
    });
  }

  /** The scenario of the actions (or of YAML steps from stdin), validated and preflighted: messages name the action. */
  private async load(actions: ParsedAction[] | undefined, cwd: string, stdin?: string): Promise<Scenario> {
    const text = actions ? actionsYaml(actions) : stdin!;
    const path = resolve(cwd, actions ? ACTIONS_SOURCE : 'stdin');
    const {scenario, problems} = await validateScenario(path, {text, needles: '.', cwd});
    if (!scenario || problems.length) throw new ScenarioError(actions ? problems.map((p) => actionMessage(p, actions)) : problems);
    scenario.name = 'do';
    return scenario;
  }

  /** This command's flags (long names and letters) and whether each takes a value. */
  private commandFlagNames(): Map<string, boolean> {
    const out = new Map<string, boolean>();
    for (const [name, f] of Object.entries({...Do.baseFlags, ...Do.flags}) as Array<[string, {type: string; char?: string}]>) {
      out.set(name, f.type === 'option');
      if (f.char) out.set(f.char, f.type === 'option');
    }
    return out;
  }

  /** The command's flags (before the first action, or after `--`) and the words of the actions. */
  private splitArgv(): {head: string[]; words: string[]} {
    const names = this.commandFlagNames();
    const argv = this.argv;
    const head: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const w = argv[i]!;
      if (w === '--') return {head, words: argv.slice(i + 1)};
      if (w === '-' || !w.startsWith('-')) return {head, words: argv.slice(i)};
      head.push(w);
      const name = w.replace(/^--?/, '').replace(/=.*$/s, '');
      if (names.get(name) && !w.includes('=') && i + 1 < argv.length) head.push(argv[++i]!);
    }
    return {head, words: []};
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('spice-cli do: reading YAML steps from stdin (end with Ctrl-D)\n');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new SpiceError('usage', 'do -: no steps on stdin: expected a YAML list of steps ("- type: hello")');
  return text;
}
