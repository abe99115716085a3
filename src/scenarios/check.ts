/**
 * `spice-cli run --check`: every file read, validated and preflighted (needles loaded, texts and keys checked
 * against their layouts) exactly as `run` does before connecting, without a server; every problem of every
 * file is collected (validateScenario).
 */
import type {NeedleRef, Step} from './load.js';
import {validateScenario} from './preflight.js';

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
    const {scenario: sc, problems} = await validateScenario(file, {vars});
    const c: CheckedFile = {file, ok: problems.length === 0, problems};
    out.push(c);
    if (!sc) continue;
    const steps = [...walk(sc.steps)];
    c.name = sc.name;
    c.steps = steps.length;
    c.needles = new Set(steps.flatMap((s) => ['needles', 'screen', 'until'].flatMap((f) => ((s.args[f] as NeedleRef[] | undefined) ?? []).map((r) => `${r.dir}\0${r.ref}`)))).size;
  }
  return {files: out, problems: out.flatMap((c) => c.problems)};
}
