/**
 * `spice-cli do ACTION ARGS [+ ACTION ARGS]...`: the command line turned into scenario steps, so that every
 * action is exactly the scenario step of that name (steps.ts declares its fields; the loader validates them).
 *
 * - An action is a step name, with - or _ (`wait-screen` = `wait_screen`); a lone `+` separates actions
 *   (`++` is a literal `+`, `+++` is `++`, ...).
 * - `--FIELD VALUE` or `--FIELD=VALUE` sets a field; a boolean field needs no value (`--double`); a repeated
 *   list field adds to the list (`--needles a --needles b`); after `--` every word is a bare value.
 * - Bare values fill the step's short-form field (`type TEXT`, `key COMBO...`, `wait-screen NEEDLE...`,
 *   `screenshot NAME`), or else its required fields in order (`click X Y` or `click X,Y`, `drag X1,Y1 X2,Y2`, `resize W H`).
 * - Points and regions are written `X,Y` and `X,Y,W,H`.
 * - Strings are taken literally: `${NAME}` is not a variable here (the shell has its own).
 *
 * The result is the steps as YAML text (one action per line, line N = action N) for loadScenario, which
 * gives the same checks and messages as a scenario file; `actionMessage` turns its `<do>:N:C:` positions
 * into `do: action N (NAME):`.
 */
import {SpiceError} from '../client/errors.js';
import {fieldNamed, STEP_NAMES, STEPS, type FieldDef, type StepDef} from './steps.js';
import {suggest} from '../client/suggest.js';

/** The name the generated text goes by in the loader's messages. */
export const ACTIONS_SOURCE = '<do>';

export interface ParsedAction {
  /** As written (wait-screen). */
  name: string;
  /** The step (wait_screen). */
  kind: string;
  fields: Record<string, unknown>;
}

export interface ParsedActions {
  actions: ParsedAction[];
  /** The command's own flags found among the actions (e.g. a trailing --json), to parse with the command's. */
  commandArgv: string[];
}

/** Steps that hold other steps: a command line cannot write them. */
const NESTED = Object.entries(STEPS)
  .filter(([, d]) => Object.values(d.fields).some((f) => f.type === 'steps' && f.required))
  .map(([k]) => k);

const LIST_TYPES = new Set(['needles', 'strings', 'layout']);

function usage(n: number, name: string, msg: string): SpiceError {
  return new SpiceError('usage', `do: action ${n}${name ? ` (${name})` : ''}: ${msg}`);
}

/** Splits the words after the command's flags on lone `+`. */
export function splitActions(words: readonly string[]): string[][] {
  const out: string[][] = [[]];
  for (const w of words) {
    if (w === '+') out.push([]);
    else out[out.length - 1]!.push(/^\+{2,}$/.test(w) ? w.slice(1) : w);
  }
  return out;
}

/** The positional fields of a step: its short form, else its required fields in declaration order. */
export function positionalFields(def: StepDef): string[] {
  if (def.scalar) return [def.scalar];
  return Object.entries(def.fields)
    .filter(([, f]) => f.required)
    .map(([k]) => k);
}

function usageOf(kind: string, def: StepDef): string {
  const pos = positionalFields(def).map((f) => (def.scalar && LIST_TYPES.has(def.fields[f]!.type) ? `${f.toUpperCase()}...` : f.toUpperCase()));
  const opts = Object.keys(def.fields)
    .filter((f) => !positionalFields(def).includes(f))
    .map((f) => `--${f}`);
  return [kind.replace(/_/g, '-'), ...pos, ...opts.map((o) => `[${o}]`)].join(' ');
}

/**
 * Parses the actions. `commandFlags` maps the command's own flag names (long, and single letters) to
 * whether they take a value: such a flag inside an action that has no field of that name is the command's.
 */
export function parseActions(words: readonly string[], commandFlags: ReadonlyMap<string, boolean> = new Map()): ParsedActions {
  const commandArgv: string[] = [];
  const groups = splitActions(words);
  const actions = groups.map((g, i) => parseAction(g, i + 1, commandFlags, commandArgv));
  return {actions, commandArgv};
}

function parseAction(words: string[], n: number, commandFlags: ReadonlyMap<string, boolean>, commandArgv: string[]): ParsedAction {
  const [name, ...rest] = words;
  if (name === undefined) throw usage(n, '', 'empty action: two "+" in a row, or a "+" at the start or the end');
  const kind = name.toLowerCase().replace(/-/g, '_');
  const def = STEPS[kind];
  if (!def) {
    // Swapped letters (kye) first: an edit distance ties them with unrelated names.
    const sorted = (w: string) => [...w].sort().join('');
    const near = STEP_NAMES.find((s) => sorted(s) === sorted(kind)) ?? suggest(kind, STEP_NAMES);
    const names = STEP_NAMES.filter((s) => !NESTED.includes(s)).map((s) => s.replace(/_/g, '-'));
    throw usage(n, '', `unknown action "${name}"${near ? `: did you mean "${near.replace(/_/g, '-')}"?` : ''} (actions: ${names.join(', ')})`);
  }
  if (NESTED.includes(kind)) throw usage(n, name, `${kind} holds other steps, which a command line cannot write: give the steps as YAML on stdin (spice-cli do -)`);
  const fields: Record<string, unknown> = {};
  const bare: string[] = [];
  let onlyBare = false;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (onlyBare || !w.startsWith('-') || w === '-' || /^-\d/.test(w)) {
      bare.push(w);
      continue;
    }
    if (w === '--') {
      onlyBare = true;
      continue;
    }
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(w)!;
    const flag = m[1]!;
    // An old spelling (--threshold) stays as written: the loader reads it, and refuses it next to the new one.
    const field = flag.replace(/-/g, '_');
    const fd: FieldDef | undefined = fieldNamed(def.fields, field)?.[1];
    if (!fd) {
      if (commandFlags.has(flag)) {
        commandArgv.push(w);
        if (commandFlags.get(flag) && m[2] === undefined && i + 1 < rest.length) commandArgv.push(rest[++i]!);
        continue;
      }
      const near = suggest(field, Object.keys(def.fields));
      throw usage(n, name, `no option ${w.replace(/=.*$/s, '')}: expected ${usageOf(kind, def)}${near ? ` (did you mean --${near}?)` : ''}`);
    }
    let value: string | boolean;
    if (m[2] !== undefined) value = m[2];
    else if (fd.type === 'boolean') value = true;
    else if (i + 1 < rest.length) value = rest[++i]!;
    else throw usage(n, name, `--${flag} needs a value (${fd.description})`);
    if (fd.type === 'steps') throw usage(n, name, `--${flag} takes steps, which a command line cannot write: give the steps as YAML on stdin (spice-cli do -)`);
    addValue(fields, field, fd, value, () => usage(n, name, `--${flag} given twice`));
  }
  const pos = positionalFields(def);
  // click/move take their point as X,Y too (the points convention), like their commands.
  if (pos.includes('x') && pos.includes('y')) bare.splice(0, bare.length, ...bare.flatMap((b) => b.split(',').filter((p) => p !== '')));
  if (bare.length) {
    if (def.scalar && LIST_TYPES.has(def.fields[def.scalar]!.type)) {
      for (const b of bare) addValue(fields, def.scalar, def.fields[def.scalar]!, b, () => undefined as never);
    } else {
      const free = pos.filter((f) => fields[f] === undefined);
      if (bare.length > free.length) {
        const extra = bare.slice(free.length).map((b) => JSON.stringify(b)).join(' ');
        throw usage(n, name, `too many values: ${extra}${free.length === 1 && def.fields[free[0]!]!.type === 'string' ? ' (quote a text with spaces as one word)' : ''}: expected ${usageOf(kind, def)}`);
      }
      bare.forEach((b, i) => addValue(fields, free[i]!, def.fields[free[i]!]!, b, () => undefined as never));
    }
  }
  return {name, kind, fields};
}

function addValue(fields: Record<string, unknown>, field: string, fd: FieldDef, raw: string | boolean, twice: () => Error): void {
  if (LIST_TYPES.has(fd.type)) {
    const list = (fields[field] as string[] | undefined) ?? [];
    list.push(String(raw));
    fields[field] = list;
    return;
  }
  if (fields[field] !== undefined) throw twice();
  if (fd.type === 'point' || fd.type === 'region') fields[field] = String(raw).split(',').map((s) => s.trim());
  else fields[field] = raw;
}

/** `${` would be a variable for the loader: argv is literal. */
function literal(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\$\{/g, '$$$${'); // "$$" is one "$" in a replacement
  if (Array.isArray(v)) return v.map(literal);
  return v;
}

/** The steps as YAML (JSON flow mappings, one action per line: line N is action N). */
export function actionsYaml(actions: readonly ParsedAction[]): string {
  return actions.map((a) => `- ${JSON.stringify({[a.kind]: Object.fromEntries(Object.entries(a.fields).map(([k, v]) => [k, literal(v)]))})}\n`).join('');
}

/**
 * A message of the loader, the preflight or the runner about the generated text, with its position
 * (`<do>:N:C: kind: ...`, `<do>:N:C: kind.field: ...`) turned into `do: action N (NAME): ...`.
 */
export function actionMessage(message: string, actions: readonly ParsedAction[]): string {
  const head = `${ACTIONS_SOURCE}:`;
  return message
    .split('\n')
    .map((line) => {
      const m = line.startsWith(head) ? /^(\d+):\d+: (.*)$/s.exec(line.slice(head.length)) : null;
      if (!m) return line;
      const n = Number(m[1]);
      const a = actions[n - 1];
      let rest = m[2]!;
      if (a && rest.startsWith(`${a.kind}: `)) rest = rest.slice(a.kind.length + 2);
      else if (a && rest.startsWith(`${a.kind}.`)) rest = rest.slice(a.kind.length + 1).replace(/^([a-z_]+):/, (_x, f: string) => `--${f.replace(/_/g, '-')}:`);
      return `do: action ${n}${a ? ` (${a.name})` : ''}: ${rest}`;
    })
    .join('\n');
}
