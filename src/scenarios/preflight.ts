/**
 * Checks made before connecting, so that nothing reaches the guest from a scenario that cannot run:
 * every text and key combination is typeable on its layout, and every needle (without runtime variables)
 * loads.
 */
import {SpiceError} from '../client/errors.js';
import {checkCombos, checkKeyState, checkTypeable, layoutOf} from '../client/actions/keyboard.js';
import {needlePath, ScenarioError, where, type NeedleRef, type Scenario, type Step} from './load.js';
import {loadNeedleCached} from './needle-access.js';

function* walk(steps: Step[]): Generator<Step> {
  for (const s of steps) {
    yield s;
    for (const v of Object.values(s.args)) {
      if (Array.isArray(v) && v.length && typeof v[0] === 'object' && 'kind' in (v[0] as object)) yield* walk(v as Step[]);
    }
  }
}

export async function preflight(sc: Scenario): Promise<void> {
  const problems: string[] = [];
  const needles = new Map<string, Step>();
  for (const step of walk(sc.steps)) {
    const layoutName = (step.args.layout as string | undefined) ?? sc.defaults.layout;
    try {
      const layout = layoutOf(layoutName);
      if (step.kind === 'type' && !(step.args.text as string).includes('${')) checkTypeable(step.args.text as string, layout);
      if (step.kind === 'key') checkCombos((step.args.keys as string[]).filter((k) => !k.includes('${')), layout);
      if (step.kind === 'key' && (step.args.down || step.args.up)) checkKeyState((step.args.keys as string[]).filter((k) => !k.includes('${')), layout, step.args.down ? 'down' : 'up');
    } catch (e) {
      problems.push(`${where(step.pos)}: ${step.kind}: ${(e as Error).message}`);
    }
    for (const f of ['needles', 'screen', 'until']) {
      const refs = step.args[f] as NeedleRef[] | undefined;
      for (const r of refs ?? []) if (!r.ref.includes('${')) needles.set(needlePath(r), step);
    }
  }
  for (const [path, step] of needles) {
    try {
      await loadNeedleCached(path);
    } catch (e) {
      problems.push(`${where(step.pos)}: ${step.kind}: ${e instanceof SpiceError ? e.message : `cannot load needle ${path}: ${(e as Error).message}`}`);
    }
  }
  if (problems.length) throw new ScenarioError(problems);
}
