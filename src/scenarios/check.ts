/**
 * `spice-cli run --check`: every file read, validated and preflighted (needles loaded, texts and keys checked
 * against their layouts) exactly as `run` does before connecting, without a server; every problem of every
 * file is collected.
 */
import {loadScenario, ScenarioError, type NeedleRef, type Step} from './load.js';
import {preflight} from './preflight.js';

export interface CheckedFile {
  file: string;
  ok: boolean;
  /** The scenario's name, when the file loaded. */
  name?: string;
  /** Steps, nested ones included. */
  steps?: number;
  /** Needle references (without variables), nested steps included. */
  needles?: number;
  problems: string[];
}

function* walk(steps: Step[]): Generator<Step> {
  for (const s of steps) {
    yield s;
    for (const v of Object.values(s.args)) {
      if (Array.isArray(v) && v.length && typeof v[0] === 'object' && 'kind' in (v[0] as object)) yield* walk(v as Step[]);
    }
  }
}

export async function checkScenarios(files: readonly string[], vars: Record<string, string>): Promise<{files: CheckedFile[]; problems: string[]}> {
  const out: CheckedFile[] = [];
  for (const file of files) {
    const c: CheckedFile = {file, ok: false, problems: []};
    out.push(c);
    try {
      const sc = loadScenario(file, {vars});
      const steps = [...walk(sc.steps)];
      c.name = sc.name;
      c.steps = steps.length;
      c.needles = new Set(steps.flatMap((s) => ['needles', 'screen', 'until'].flatMap((f) => ((s.args[f] as NeedleRef[] | undefined) ?? []).map((r) => `${r.dir}\0${r.ref}`)))).size;
      await preflight(sc);
      c.ok = true;
    } catch (e) {
      if (e instanceof ScenarioError) c.problems.push(...e.problems);
      else throw e;
    }
  }
  return {files: out, problems: out.flatMap((c) => c.problems)};
}
