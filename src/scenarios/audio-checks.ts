/**
 * The audio steps' checks before anything connects: which fields go together (the loader, per step), and over the
 * whole scenario (the preflight) that every capture stopped or expected was started by an earlier step and that
 * every reference WAV reads.
 */
import {readReferenceWav} from '../client/actions/audio-expect.js';
import {SpiceError} from '../client/errors.js';
import {where, type Step} from './load.js';

const EXPECTATIONS = ['silence', 'frequency', 'rms_above', 'rms_below', 'like'];
/** A field that only refines another: [field, the one it needs]. */
const REFINES: Array<[string, string]> = [
  ['tolerance', 'frequency'],
  ['floor', 'silence'],
  ['score', 'like'],
];

/** Problems of one audio step's fields (without the position); `given`: the fields written (valid or not). */
export function audioFieldProblems(kind: string, given: ReadonlySet<string>, args: Record<string, unknown>): string[] {
  const has = (f: string) => given.has(f);
  if (kind === 'audio_send') {
    if (has('file') === has('tone')) return ['audio_send needs either "file" (a WAV file) or "tone" (a frequency in Hz)'];
    return [];
  }
  if (kind === 'audio_capture') {
    if (has('start') === has('stop')) return ['audio_capture needs either "start: NAME" (begin a capture) or "stop: NAME" (end it)'];
    return [];
  }
  const problems: string[] = [];
  if (has('capture') === has('seconds')) problems.push('audio_expect needs either "capture: NAME" (a capture started by audio_capture) or "seconds" (a capture made now)');
  if (!EXPECTATIONS.some(has)) problems.push(`audio_expect needs at least one expectation: ${EXPECTATIONS.join(', ')}`);
  for (const [f, needs] of REFINES) if (has(f) && !has(needs)) problems.push(`audio_expect: "${f}" applies to "${needs}", which is not given`);
  if (typeof args.rms_above === 'number' && typeof args.rms_below === 'number' && (args.rms_above as number) >= (args.rms_below as number)) problems.push('audio_expect: rms_above must be below rms_below');
  return problems;
}

/** Captures named before they are started (in the order of the file), and reference WAVs that do not read. */
export function audioScenarioProblems(steps: Iterable<Step>): string[] {
  const problems: string[] = [];
  const started = new Set<string>();
  const fixed = (v: unknown): v is string => typeof v === 'string' && !v.includes('${');
  for (const step of steps) {
    const a = step.args;
    if (step.kind === 'audio_capture' && fixed(a.start)) started.add(a.start);
    const named = step.kind === 'audio_capture' ? a.stop : step.kind === 'audio_expect' ? a.capture : undefined;
    if (fixed(named) && !started.has(named)) {
      const known = started.size ? ` (started before it: ${[...started].join(', ')})` : '';
      problems.push(`${where(step.pos)}: ${step.kind}: no capture "${named}" is started before this step: start it with "audio_capture: {start: ${named}}"${known}`);
    }
    const wav = step.kind === 'audio_expect' ? a.like : step.kind === 'audio_send' ? a.file : undefined;
    if (fixed(wav)) {
      try {
        readReferenceWav(wav);
      } catch (e) {
        // A missing file is the loader's problem already.
        if (e instanceof SpiceError && !/no such file/.test(e.message)) problems.push(`${where(step.pos)}: ${step.kind}: ${step.kind === 'audio_send' ? 'file' : 'like'}: ${e.message}`);
      }
    }
  }
  return problems;
}

/** Whether any step (nested ones included) is one of `kinds`. */
export function usesStep(steps: Step[], kinds: readonly string[]): boolean {
  return steps.some((s) => kinds.includes(s.kind) || Object.values(s.args).some((v) => Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && 'kind' in (v[0] as object) && usesStep(v as Step[], kinds)));
}

/** The audio channels a scenario's steps need: playback (captures), record (audio_send). */
export function audioChannels(steps: Step[]): {playback: boolean; record: boolean} {
  return {playback: usesStep(steps, ['audio_capture', 'audio_expect']), record: usesStep(steps, ['audio_send'])};
}
