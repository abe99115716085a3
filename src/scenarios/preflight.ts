/**
 * Checks made before connecting, so that nothing reaches the guest from a scenario that cannot run:
 * every text and key combination is typeable on its layout, and every needle (without runtime variables)
 * loads. validateScenario runs them after loading, also over the steps that loaded from a file with problems.
 */
import {SpiceError} from '../client/errors.js';
import {checkCombos, checkKeyState, checkTypeable, layoutOf} from '../client/actions/keyboard.js';
import {byPosition, loadScenario, needlePath, ScenarioError, where, type LoadOptions, type NeedleRef, type Scenario, type Step} from './load.js';
import {loadNeedleCached} from './needle-access.js';
import {audioScenarioProblems} from './audio-checks.js';

function* walk(steps: Step[]): Generator<Step> {
  for (const s of steps) {
    yield s;
    for (const v of Object.values(s.args)) {
      if (Array.isArray(v) && v.length && typeof v[0] === 'object' && 'kind' in (v[0] as object)) yield* walk(v as Step[]);
    }
  }
}

export async function preflight(sc: Scenario): Promise<void> {
  const problems = await preflightProblems(sc);
  if (problems.length) throw new ScenarioError(byPosition(problems));
}

async function preflightProblems(sc: Scenario): Promise<string[]> {
  const problems: string[] = [];
  const needles = new Map<string, Step>();
  for (const step of walk(sc.steps)) {
    const layoutName = (step.args.layout as string | undefined) ?? sc.defaults.layout;
    // '': defaults.layout did not parse (already reported); the step's layout is unknown.
    if (layoutName) {
      try {
        const layout = layoutOf(layoutName);
        if ((step.kind === 'type' || step.kind === 'usb_type') && !(step.args.text as string).includes('${')) checkTypeable(step.args.text as string, layout);
        if (step.kind === 'key') checkCombos((step.args.keys as string[]).filter((k) => !k.includes('${')), layout);
        if (step.kind === 'key' && (step.args.down || step.args.up)) checkKeyState((step.args.keys as string[]).filter((k) => !k.includes('${')), layout, step.args.down ? 'down' : 'up');
      } catch (e) {
        problems.push(`${where(step.pos)}: ${step.kind}: ${(e as Error).message}`);
      }
    }
    for (const f of ['needles', 'screen', 'until']) {
      const refs = step.args[f] as NeedleRef[] | undefined;
      for (const r of refs ?? []) if (!r.ref.includes('${')) needles.set(needlePath(r), step);
    }
  }
  problems.push(...audioScenarioProblems(walk(sc.steps)));
  for (const [path, step] of needles) {
    try {
      await loadNeedleCached(path);
    } catch (e) {
      problems.push(`${where(step.pos)}: ${step.kind}: ${e instanceof SpiceError ? e.message : `cannot load needle ${path}: ${(e as Error).message}`}`);
    }
  }
  return problems;
}

export interface Validation {
  /** The scenario, when the file loaded (the preflight may still have found problems). */
  scenario?: Scenario;
  /** Every problem of the file (and its includes), in order of position. */
  problems: string[];
}

/**
 * loadScenario, then the preflight over every step that loaded, also when other steps did not: the format
 * problems (unknown step, wrong field type...) and those of keys, layouts and needles come in one pass.
 */
export async function validateScenario(path: string, opts: LoadOptions = {}): Promise<Validation> {
  const problems: string[] = [];
  let scenario: Scenario | undefined;
  let loaded: Scenario | undefined;
  try {
    scenario = loaded = loadScenario(path, opts);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    problems.push(...e.problems);
    loaded = e.parsed;
  }
  if (loaded) problems.push(...(await preflightProblems(loaded)));
  return {scenario, problems: byPosition(problems)};
}
