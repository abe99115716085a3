/**
 * Progress of `spice-cli run` for logs and CI: one plain line per step (and per scenario) on stderr.
 */
import type {Scenario} from './load.js';
import type {ScenarioResult} from './execute.js';
import {fmtMs, type Progress} from './runner.js';

export interface ProgressView {
  start(sc: Scenario): void;
  event(sc: Scenario, p: Progress): void;
  end(sc: Scenario, r: ScenarioResult): void;
  summary(results: ScenarioResult[]): void;
}

export function plainProgress(out: NodeJS.WritableStream, prefixed: boolean): ProgressView {
  const tag = (sc: Scenario) => (prefixed ? `[${sc.name}] ` : '');
  return {
    start: (sc) => out.write(`${tag(sc)}▶ ${sc.name} (${sc.file.replace(/^.*\//, '')})\n`),
    event(sc, p) {
      if (p.type !== 'step-end') return;
      const r = p.record;
      const depth = r.index.split('.').length - 1;
      out.write(`${tag(sc)}${'  '.repeat(depth + 1)}${r.ok ? 'ok  ' : 'FAIL'} ${r.index} ${r.kind}${r.detail ? `: ${r.detail.split('\n')[0]}` : ''} (${fmtMs(r.ms)})\n`);
    },
    end: (sc, r) => out.write(`${tag(sc)}${r.ok ? '✔ passed' : `✘ failed (exit ${r.exitCode})`} in ${fmtMs(r.ms)}${Object.keys(r.figures).length ? `; ${Object.entries(r.figures).map(([k, v]) => `${k} = ${v} ms`).join(', ')}` : ''}\n`),
    summary(results) {
      const passed = results.filter((r) => r.ok).length;
      const skipped = results.filter((r) => r.skipped).length;
      const failed = results.length - passed - skipped;
      for (const r of results) if (!r.ok && !r.skipped) out.write(`spice-cli: ${r.name}: ${r.error?.message ?? 'failed'}\n`);
      out.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    },
  };
}
