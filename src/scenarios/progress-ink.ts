/**
 * Progress of `spice-cli run` on a terminal (ink): per running scenario its steps as they finish, the
 * step in progress with the current best needle score and the elapsed time. A finished scenario stays on
 * the terminal above the running ones: its name, every step's line and its result. Drawn on stderr, so that
 * --json stays clean on stdout.
 */
import {createElement as h, type ReactNode} from 'react';
import {Box, render, Static, Text} from 'ink';
import type {Scenario} from './load.js';
import type {ScenarioResult} from './execute.js';
import {fmtMs, type Progress, type StepRecord} from './runner.js';
import type {ProgressView} from './progress.js';

interface Running {
  name: string;
  started: number;
  done: StepRecord[];
  /** Steps in progress, outermost first (if, repeat and measure hold steps). */
  stack: Array<{index: string; kind: string; label: string; started: number}>;
  score?: {needle: string; score: number};
}

interface Finished {
  key: string;
  name: string;
  steps: StepRecord[];
  /** The result line: passed, or failed with the exit code and message; the time and figures. */
  text: string;
  ok: boolean;
}

const SHOWN_STEPS = 6;

function stepLine(r: StepRecord): ReactNode {
  return h(
    Text,
    {key: r.index + r.atMs},
    h(Text, {color: r.ok ? 'green' : 'red'}, r.ok ? '  ✔ ' : '  ✘ '),
    `${r.index} ${r.kind}${r.detail ? `: ${r.detail.split('\n')[0]}` : ''} `,
    h(Text, {dimColor: true}, fmtMs(r.ms)),
  );
}

/** A finished scenario, written once (ink's Static): never redrawn, so it stays when the run ends. */
function finishedBlock(f: Finished): ReactNode {
  return h(Box, {key: f.key, flexDirection: 'column'}, h(Text, {bold: true}, `▶ ${f.name}`), ...f.steps.map(stepLine), h(Text, {color: f.ok ? 'green' : 'red'}, f.text));
}

function view(finished: Finished[], running: Running[], now: number): ReactNode {
  return h(
    Box,
    {flexDirection: 'column'},
    h(Static<Finished>, {items: finished, children: finishedBlock}),
    ...running.map((r) =>
      h(
        Box,
        {key: r.name, flexDirection: 'column'},
        h(Text, {bold: true}, `▶ ${r.name} `, h(Text, {dimColor: true}, fmtMs(now - r.started))),
        ...r.done.slice(-SHOWN_STEPS).map(stepLine),
        r.stack.length
          ? h(
              Text,
              {},
              h(Text, {color: 'yellow'}, '  … '),
              `${r.stack.at(-1)!.index} ${r.stack.at(-1)!.kind} ${r.stack.at(-1)!.label} `,
              r.score ? h(Text, {color: 'cyan'}, `${r.score.needle} ${r.score.score.toFixed(1)}% `) : '',
              h(Text, {dimColor: true}, fmtMs(now - r.stack.at(-1)!.started)),
            )
          : null,
      ),
    ),
  );
}

export function inkProgress(stream: NodeJS.WriteStream): ProgressView {
  const finished: Finished[] = [];
  const running = new Map<Scenario, Running>();
  const draw = () => app.rerender(view([...finished], [...running.values()], performance.now()));
  const app = render(view([], [], performance.now()), {stdout: stream, patchConsole: false, exitOnCtrlC: false});
  const tick = setInterval(draw, 200);
  tick.unref();
  return {
    start(sc) {
      running.set(sc, {name: sc.name, started: performance.now(), done: [], stack: []});
      draw();
    },
    event(sc, p: Progress) {
      const r = running.get(sc);
      if (!r) return;
      if (p.type === 'step-start') {
        r.stack.push({index: p.index, kind: p.kind, label: p.label, started: performance.now()});
        r.score = undefined;
      } else if (p.type === 'score') {
        r.score = {needle: p.needle, score: p.score};
      } else {
        r.done.push(p.record);
        r.stack.pop();
      }
    },
    end(sc, res: ScenarioResult) {
      const steps = running.get(sc)?.done ?? res.steps;
      running.delete(sc);
      const figures = Object.entries(res.figures).map(([k, v]) => `${k} = ${v} ms`).join(', ');
      finished.push({key: `${finished.length}`, name: sc.name, steps, ok: res.ok, text: `${res.ok ? '✔' : '✘'} ${sc.name}: ${res.ok ? 'passed' : `failed (exit ${res.exitCode}): ${res.error?.message ?? ''}`} in ${fmtMs(res.ms)}${figures ? `; ${figures}` : ''}`});
      draw();
    },
    summary(results) {
      clearInterval(tick);
      draw();
      app.unmount();
      const passed = results.filter((r) => r.ok).length;
      const skipped = results.filter((r) => r.skipped).length;
      stream.write(`${passed} passed, ${results.length - passed - skipped} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    },
  };
}
