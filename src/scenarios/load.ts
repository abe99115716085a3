/**
 * Reads a scenario file: YAML with positions, ${VAR} interpolation, includes, and validation of every
 * step against the declarations in steps.ts. All errors of a file (and its includes) are collected and
 * reported together as `file:line:column: what was expected`; nothing connects before this succeeds.
 */
import {existsSync, readFileSync} from 'node:fs';
import {dirname, isAbsolute, relative, resolve} from 'node:path';
import {isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node} from 'yaml';
import {parseLayout, type MonitorLayout} from '../client/actions/monitors.js';
import {SpiceError} from '../client/errors.js';
import {DEFAULT_FIELDS, fieldNamed, STEP_NAMES, STEPS, TOP_FIELDS, type FieldDef} from './steps.js';
import {suggest} from '../client/suggest.js';
import {audioFieldProblems} from './audio-checks.js';
import {usbFieldProblems} from './usb-steps.js';

export interface Pos {
  file: string;
  line: number;
  col: number;
}

/** A needle reference with the folder it is relative to (resolved by needlePath). */
export interface NeedleRef {
  ref: string;
  dir: string;
}

export type Value = string | number | boolean | string[] | number[] | NeedleRef[] | Step[] | MonitorLayout[] | Record<string, string>;

export interface Step {
  kind: string;
  args: Record<string, Value>;
  pos: Pos;
}

export interface Defaults {
  timeoutMs: number;
  rate: number;
  /** '' only in ScenarioError.parsed when defaults.layout did not parse: the keyboard checks skip what uses it. */
  layout: string;
  /** Match percentage for needle areas without their own. */
  match?: number;
  monitor: number;
}

export interface Scenario {
  file: string;
  name: string;
  uri?: string;
  passwordFile?: string;
  passwordEnv?: string;
  defaults: Defaults;
  vars: Record<string, string>;
  steps: Step[];
}

/** Variables set only while running (check_screen), left in place by the loader. */
export const RUNTIME_VARS = ['MATCHED'];

export class ScenarioError extends SpiceError {
  /**
   * `parsed`: the part of a file with problems that did load (the steps without problems of their own), for
   * the checks made after loading (preflight), so that one pass reports every problem.
   */
  constructor(
    readonly problems: string[],
    readonly parsed?: Scenario,
  ) {
    super('usage', problems.join('\n'));
    this.name = 'ScenarioError';
  }
}

export const where = (p: Pos): string => `${p.file}:${p.line}:${p.col}`;

/** Problems (`file:line:column: ...`) in order of position, each file's together (files in order of appearance). */
export function byPosition(problems: readonly string[]): string[] {
  const files = new Map<string, number>();
  const keyed = problems.map((text) => {
    const m = /^(.+?):(\d+):(\d+): /.exec(text);
    const file = m?.[1] ?? text;
    if (!files.has(file)) files.set(file, files.size);
    return {text, file: files.get(file)!, line: Number(m?.[2] ?? 0), col: Number(m?.[3] ?? 0)};
  });
  return keyed.sort((a, b) => a.file - b.file || a.line - b.line || a.col - b.col).map((k) => k.text);
}

/** Where a needle reference points: NAME → DIR/NAME.json; a path ending in .json → relative to DIR. */
export function needlePath(n: NeedleRef): string {
  const file = n.ref.endsWith('.json') ? n.ref : `${n.ref}.json`;
  return isAbsolute(file) ? file : resolve(n.dir, file);
}

interface Ctx {
  file: string; // as shown in messages
  dir: string;
  lines: LineCounter;
  problems: string[];
  vars: Record<string, string>;
  /** The scenario's own and --var names (suggestions for a misspelt variable). */
  userVars: string[];
  runtime: Set<string>;
  needlesDir: string;
  stack: string[]; // absolute paths being loaded (include cycles)
}

const VAR_RE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{[^}]*\}?/g;

/** Replaces ${NAME} from `vars`; runtime names are kept; unknown names are reported. */
export function interpolate(text: string, vars: Record<string, string | undefined>, keep: Set<string>, onUnknown: (msg: string) => void, suggestFrom?: string[]): string {
  return text.replace(VAR_RE, (m, name: string | undefined) => {
    if (m === '$${') return '${';
    if (name === undefined) {
      onUnknown(`malformed variable reference "${m}": expected \${NAME} (letters, digits, _), or $\${ for a literal`);
      return m;
    }
    const v = vars[name];
    if (v !== undefined) return v;
    if (keep.has(name)) return m;
    const near = suggest(name, suggestFrom ?? []);
    onUnknown(`unknown variable \${${name}}: define it under vars:, pass --var ${name}=VALUE or set it in the environment${near ? ` (did you mean \${${near}}?)` : ''}`);
    return m;
  });
}

export interface LoadOptions {
  /** --var K=V, above the file's vars. */
  vars?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** Base for the file names in messages (default: the current directory). */
  cwd?: string;
  /**
   * The scenario's text, instead of reading `path` (which then only names it and places relative names):
   * spice-cli do's actions and stdin. It may also be a plain list of steps.
   */
  text?: string;
  /** Folder of needle names when the text sets no defaults.needles (default "needles"). */
  needles?: string;
}

export function loadScenario(path: string, opts: LoadOptions = {}): Scenario {
  const abs = resolve(path);
  const cwd = opts.cwd ?? process.cwd();
  const shown = relative(cwd, abs).startsWith('..') ? abs : relative(cwd, abs) || abs;
  const {doc, ctx} = openFile(abs, shown, [], opts);
  const problems = ctx.problems;
  const root = doc?.contents;
  const out: Scenario = {
    file: abs,
    name: abs.replace(/^.*\//, '').replace(/\.ya?ml$/, ''),
    defaults: {timeoutMs: 10_000, rate: 50, layout: 'us', monitor: 0},
    vars: {},
    steps: [],
  };
  if (!doc) throw new ScenarioError(problems);
  if (isSeq(root) && opts.text !== undefined) {
    const vars = {...(opts.env ?? process.env), ...(opts.vars ?? {})};
    ctx.vars = Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => e[1] !== undefined));
    out.vars = {...(opts.vars ?? {})};
    ctx.userVars = [...Object.keys(out.vars), ...ctx.runtime];
    out.steps = readSteps(ctx, root, root);
    if (problems.length) throw new ScenarioError(problems, out);
    return out;
  }
  if (!isMap(root)) {
    if (!problems.length) problems.push(`${at(ctx, root)}: expected a mapping with name, uri, defaults, vars and steps`);
    throw new ScenarioError(problems);
  }
  // vars first: everything else may use them.
  const fileVars: Record<string, string> = {};
  const varsNode = root.get('vars', true) as Node | undefined;
  if (varsNode !== undefined) readVars(ctx, varsNode, fileVars);
  const env = opts.env ?? process.env;
  const vars: Record<string, string | undefined> = {...env, ...fileVars, ...(opts.vars ?? {})};
  ctx.vars = Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => e[1] !== undefined));
  out.vars = {...fileVars, ...(opts.vars ?? {})};
  ctx.userVars = [...Object.keys(out.vars), ...ctx.runtime];
  for (const item of root.items) {
    const key = isScalar(item.key) ? String(item.key.value) : '';
    const def = TOP_FIELDS[key];
    if (!def) {
      const near = suggest(key, Object.keys(TOP_FIELDS)) ?? (STEPS[key] ? 'steps' : undefined);
      problems.push(`${at(ctx, item.key as Node)}: unknown key "${key}": expected one of ${Object.keys(TOP_FIELDS).join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`);
      continue;
    }
    const value = item.value as Node | null;
    switch (key) {
      case 'vars':
        break;
      case 'steps':
        out.steps = readSteps(ctx, value, item.key as Node);
        break;
      case 'defaults':
        readDefaults(ctx, value, out.defaults);
        break;
      default: {
        const v = readValue(ctx, def, value, key, item.key as Node);
        if (typeof v !== 'string') break;
        if (key === 'name') out.name = v;
        else if (key === 'uri') out.uri = v;
        else if (key === 'password_file') out.passwordFile = resolve(ctx.dir, v);
        else if (key === 'password_env') out.passwordEnv = v;
      }
    }
  }
  if (!root.has('steps')) problems.push(`${at(ctx, root)}: missing "steps": expected a list of steps`);
  if (problems.length) throw new ScenarioError(problems, out);
  return out;
}

function openFile(abs: string, shown: string, stack: string[], opts: LoadOptions, parent?: Ctx) {
  const ctx: Ctx = {
    file: shown,
    dir: dirname(abs),
    lines: new LineCounter(),
    problems: parent?.problems ?? [],
    vars: parent?.vars ?? {},
    userVars: parent?.userVars ?? [],
    runtime: parent?.runtime ?? new Set(RUNTIME_VARS),
    needlesDir: opts.needles ?? 'needles',
    stack: [...stack, abs],
  };
  let text: string;
  try {
    text = opts.text ?? readFileSync(abs, 'utf8');
  } catch (e) {
    ctx.problems.push(`${shown}: cannot read the scenario file: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    return {doc: undefined, ctx};
  }
  const doc = parseDocument(text, {lineCounter: ctx.lines, prettyErrors: false, uniqueKeys: true});
  for (const err of doc.errors) {
    const p = ctx.lines.linePos(err.pos[0]);
    ctx.problems.push(`${shown}:${p.line}:${p.col}: invalid YAML: ${err.message.split('\n')[0]}`);
  }
  if (doc.errors.length) return {doc: undefined, ctx};
  // Names stored by `as:` are runtime variables, like MATCHED.
  visit(doc, {
    Pair(_k, pair) {
      if (isScalar(pair.key) && pair.key.value === 'as' && isScalar(pair.value)) ctx.runtime.add(String(pair.value.value));
    },
  });
  // defaults.needles changes where this file's needle names are looked up.
  const root = doc.contents;
  if (isMap(root)) {
    const d = root.get('defaults', true);
    if (isMap(d)) {
      const n = d.get('needles', true);
      if (isScalar(n) && typeof n.value === 'string') ctx.needlesDir = n.value;
    }
  }
  return {doc, ctx};
}

function at(ctx: Ctx, node: Node | null | undefined): string {
  const off = node?.range?.[0] ?? 0;
  const p = ctx.lines.linePos(off);
  return `${ctx.file}:${p.line}:${p.col}`;
}

function posOf(ctx: Ctx, node: Node | null | undefined): Pos {
  const p = ctx.lines.linePos(node?.range?.[0] ?? 0);
  return {file: ctx.file, line: p.line, col: p.col};
}

function readVars(ctx: Ctx, node: Node, into: Record<string, string>): void {
  if (!isMap(node)) {
    ctx.problems.push(`${at(ctx, node)}: "vars" must be a mapping of NAME: value`);
    return;
  }
  for (const item of node.items) {
    const k = isScalar(item.key) ? String(item.key.value) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) ctx.problems.push(`${at(ctx, item.key as Node)}: variable name "${k}": expected letters, digits and _`);
    const v = item.value;
    if (!isScalar(v) || v.value === null || typeof v.value === 'object') {
      ctx.problems.push(`${at(ctx, (v as Node) ?? (item.key as Node))}: variable ${k}: expected a string, number or boolean`);
      continue;
    }
    into[k] = String(v.value);
  }
}

function readDefaults(ctx: Ctx, node: Node | null, d: Defaults): void {
  if (!isMap(node)) {
    ctx.problems.push(`${at(ctx, node)}: "defaults" must be a mapping of ${Object.keys(DEFAULT_FIELDS).join(', ')}`);
    d.layout = '';
    return;
  }
  const given = new Map<string, string>();
  for (const item of node.items) {
    const written = isScalar(item.key) ? String(item.key.value) : '';
    const named = fieldNamed(DEFAULT_FIELDS, written);
    if (!named) {
      const near = suggestField(written, DEFAULT_FIELDS);
      ctx.problems.push(`${at(ctx, item.key as Node)}: unknown default "${written}": expected one of ${Object.keys(DEFAULT_FIELDS).join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`);
      continue;
    }
    const [k, def] = named;
    if (!noteGiven(ctx, given, k, written, item.key as Node, 'defaults')) continue;
    const v = readValue(ctx, def, item.value as Node, written, item.key as Node);
    if (v === undefined) {
      if (k === 'layout') d.layout = '';
      continue;
    }
    if (k === 'timeout') d.timeoutMs = v as number;
    else if (k === 'rate') d.rate = v as number;
    else if (k === 'layout') d.layout = v as string;
    else if (k === 'match') d.match = v as number;
    else if (k === 'monitor') d.monitor = v as number;
  }
}

/** The nearest field name to a misspelt one, old spellings included (answered with the field's name). */
function suggestField(word: string, fields: Record<string, FieldDef>): string | undefined {
  const near = suggest(word, [...Object.keys(fields), ...Object.values(fields).flatMap((f) => f.aliases ?? [])]);
  return near === undefined ? undefined : fieldNamed(fields, near)?.[0];
}

/** Records field `f` as given (spelt `written`); false, with a problem, when it was already given under its other spelling. */
function noteGiven(ctx: Ctx, given: Map<string, string>, f: string, written: string, keyNode: Node, what: string): boolean {
  const before = given.get(f);
  given.set(f, written);
  if (before === undefined || before === written) return true;
  const old = written === f ? before : written;
  ctx.problems.push(`${at(ctx, keyNode)}: ${what}: "${f}" and its old spelling "${old}" both given: keep only "${f}"`);
  return false;
}

function readSteps(ctx: Ctx, node: Node | null, keyNode: Node): Step[] {
  if (!isSeq(node)) {
    ctx.problems.push(`${at(ctx, node ?? keyNode)}: expected a list of steps ("- type: hello" ...)`);
    return [];
  }
  const out: Step[] = [];
  for (const item of node.items as Node[]) {
    for (const s of readStep(ctx, item)) {
      if (s.kind === 'include') out.push(...includeSteps(ctx, s));
      else out.push(s);
    }
  }
  return out;
}

/**
 * The step; or, when it has problems of its own (reported), the steps nested in it without problems, which
 * only ScenarioError.parsed holds, for the checks after loading.
 */
function readStep(ctx: Ctx, node: Node): Step[] {
  if (isScalar(node) && typeof node.value === 'string' && STEPS[node.value] && !STEPS[node.value]!.fields[STEPS[node.value]!.scalar ?? '']?.required) {
    return [{kind: node.value, args: {}, pos: posOf(ctx, node)}];
  }
  if (!isMap(node) || node.items.length !== 1) {
    const extra = isMap(node) && node.items.length > 1 ? ` (found ${node.items.length} keys: ${node.items.map((i) => String((i.key as {value?: unknown})?.value)).join(', ')}; indent the step's fields under it)` : '';
    ctx.problems.push(`${at(ctx, node)}: expected a step: a mapping with one step name (${STEP_NAMES.slice(0, 6).join(', ')}, ...)${extra}`);
    return [];
  }
  const pair = node.items[0]!;
  const kind = isScalar(pair.key) ? String(pair.key.value) : '';
  const def = STEPS[kind];
  if (!def) {
    const near = suggest(kind, STEP_NAMES);
    ctx.problems.push(`${at(ctx, pair.key as Node)}: unknown step "${kind}"${near ? `: did you mean "${near}"?` : ''} (steps: ${STEP_NAMES.join(', ')})`);
    return [];
  }
  const pos = posOf(ctx, pair.key as Node);
  const value = pair.value as Node | null;
  const args: Record<string, Value> = {};
  const given = new Map<string, string>();
  const problemsBefore = ctx.problems.length;
  let nestedProblems = 0;
  const read = (fd: FieldDef, n: Node | null, what: string, keyNode: Node) => {
    const start = ctx.problems.length;
    const v = readValue(ctx, fd, n, what, keyNode);
    if (fd.type === 'steps') nestedProblems += ctx.problems.length - start;
    return v;
  };
  if (isMap(value)) {
    for (const item of value.items) {
      if (!isPair(item)) continue;
      const written = isScalar(item.key) ? String(item.key.value) : '';
      const named = fieldNamed(def.fields, written);
      if (!named) {
        const near = suggestField(written, def.fields);
        ctx.problems.push(`${at(ctx, item.key as Node)}: ${kind} has no field "${written}": expected ${Object.keys(def.fields).join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`);
        continue;
      }
      const [f, fd] = named;
      if (!noteGiven(ctx, given, f, written, item.key as Node, kind)) continue;
      const v = read(fd, item.value as Node, `${kind}.${written}`, item.key as Node);
      if (v !== undefined) args[f] = v;
    }
  } else if (def.scalar && value !== null) {
    given.set(def.scalar, def.scalar);
    const v = read(def.fields[def.scalar]!, value, `${kind}`, pair.key as Node);
    if (v !== undefined) args[def.scalar] = v;
  } else {
    ctx.problems.push(`${at(ctx, value ?? (pair.key as Node))}: ${kind} expects a mapping of ${Object.keys(def.fields).join(', ')}${def.scalar ? ` or a single ${def.scalar}` : ''}`);
    return [];
  }
  for (const [f, fd] of Object.entries(def.fields)) {
    if (fd.required && !given.has(f)) {
      ctx.problems.push(`${at(ctx, pair.key as Node)}: ${kind} needs "${f}" (${fd.description})`);
    }
  }
  if (kind === 'if' && args.screen === undefined && args.matched === undefined) ctx.problems.push(`${where(pos)}: if needs a condition: "screen" (needles) or "matched" (a needle name)`);
  if (kind === 'send_file' && typeof args.file === 'string' && !args.file.includes('${')) {
    args.file = resolve(ctx.dir, args.file);
    if (!existsSync(args.file)) ctx.problems.push(`${where(pos)}: send_file: no such file ${shortPath(args.file)}`);
  }
  if (kind === 'key' && args.down && args.up) ctx.problems.push(`${where(pos)}: key: "down" and "up" exclude each other`);
  if (kind === 'key' && (args.down || args.up) && args.hold !== undefined) ctx.problems.push(`${where(pos)}: key: "hold" is the length of a press; with "${args.down ? 'down' : 'up'}" the keys stay down until a key step with "up"`);
  if (kind === 'measure' && args.until === undefined && args.still === undefined) ctx.problems.push(`${where(pos)}: measure needs "until" (needles) or "still" (a duration)`);
  if (kind === 'audio_capture' || kind === 'audio_expect' || kind === 'audio_send') ctx.problems.push(...audioFieldProblems(kind, new Set(given.keys()), args).map((p) => `${where(pos)}: ${p}`));
  if (kind === 'usb_attach') ctx.problems.push(...usbFieldProblems(kind, new Set(given.keys()), args, ctx.dir).map((p) => `${where(pos)}: ${p}`));
  const wavField = kind === 'audio_expect' ? 'like' : kind === 'audio_send' ? 'file' : undefined;
  const wav = wavField && args[wavField];
  if (wavField && typeof wav === 'string' && !wav.includes('${')) {
    args[wavField] = resolve(ctx.dir, wav);
    if (!existsSync(args[wavField] as string)) ctx.problems.push(`${where(pos)}: ${kind}: no such file ${shortPath(args[wavField] as string)} (${wavField}: a WAV file, relative to the scenario file)`);
  }
  if (ctx.problems.length - problemsBefore === nestedProblems) return [{kind, args, pos}];
  return Object.entries(def.fields).flatMap(([f, fd]) => (fd.type === 'steps' ? ((args[f] as Step[] | undefined) ?? []) : []));
}

function includeSteps(ctx: Ctx, step: Step): Step[] {
  const file = step.args.file as string | undefined;
  if (file === undefined) return [];
  const abs = resolve(ctx.dir, file);
  if (ctx.stack.includes(abs)) {
    ctx.problems.push(`${where(step.pos)}: include of ${file} loops back (${[...ctx.stack, abs].map((s) => s.replace(/^.*\//, '')).join(' → ')})`);
    return [];
  }
  const {doc, ctx: sub} = openFile(abs, shortPath(abs), ctx.stack, {}, ctx);
  if (!doc) {
    if (!existsSync(abs)) ctx.problems.push(`${where(step.pos)}: included from here`);
    return [];
  }
  const root = doc.contents;
  if (isSeq(root)) return readSteps(sub, root, root);
  if (isMap(root) && root.has('steps')) {
    for (const item of root.items) {
      const k = isScalar(item.key) ? String(item.key.value) : '';
      if (k !== 'steps' && k !== 'defaults' && k !== 'name') sub.problems.push(`${at(sub, item.key as Node)}: an included file holds only steps (and name, defaults.needles); "${k}" belongs to the including scenario`);
    }
    return readSteps(sub, root.get('steps', true) as Node, root);
  }
  sub.problems.push(`${at(sub, root)}: an included file must be a list of steps or a mapping with "steps"`);
  return [];
}

function shortPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r.startsWith('..') ? p : r;
}

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/;

function readValue(ctx: Ctx, def: FieldDef, node: Node | null, what: string, keyNode: Node): Value | undefined {
  const fail = (expected: string, n: Node | null = node) => {
    ctx.problems.push(`${at(ctx, n ?? keyNode)}: ${what}: expected ${expected}`);
    return undefined;
  };
  const scalarText = (n: Node | null): string | number | boolean | undefined => {
    if (!isScalar(n) || n.value === null || typeof n.value === 'object') return undefined;
    if (typeof n.value !== 'string') return n.value as number | boolean;
    return interpolate(n.value, ctx.vars, ctx.runtime, (msg) => ctx.problems.push(`${at(ctx, n)}: ${msg}`), ctx.userVars);
  };
  const num = (n: Node | null, integer: boolean): number | undefined => {
    const s = scalarText(n);
    const v = typeof s === 'string' && s.trim() !== '' ? Number(s) : s;
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) return undefined;
    if ((def.min !== undefined && v < def.min) || (def.max !== undefined && v > def.max)) return undefined;
    return v;
  };
  const range = def.min !== undefined || def.max !== undefined ? ` in ${def.min ?? '-∞'}..${def.max ?? '∞'}` : '';
  switch (def.type) {
    case 'string': {
      const s = scalarText(node);
      if (s === undefined) return fail('a string');
      const str = String(s);
      if (def.values && !def.values.includes(str)) {
        const near = suggest(str, def.values);
        return fail(`one of ${def.values.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}, not "${str}"`);
      }
      return str;
    }
    case 'integer':
    case 'number': {
      const v = num(node, def.type === 'integer');
      return v === undefined ? fail(`${def.type === 'integer' ? 'a whole number' : 'a number'}${range}`) : v;
    }
    case 'boolean': {
      const s = scalarText(node);
      if (typeof s === 'boolean') return s;
      if (s === 'true' || s === 'false') return s === 'true';
      return fail('true or false');
    }
    case 'duration': {
      const s = scalarText(node);
      if (typeof s === 'number' && s >= 0) return s;
      const m = typeof s === 'string' ? DURATION_RE.exec(s.trim()) : null;
      if (!m) return fail('a duration: milliseconds (500) or a string such as "250ms", "5s", "2m"');
      const n = Number(m[1]);
      return m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
    }
    case 'strings':
    case 'needles': {
      const items = isSeq(node) ? (node.items as Node[]) : [node];
      if (isSeq(node) && items.length === 0) return fail('at least one entry');
      const out: string[] = [];
      for (const it of items) {
        const s = scalarText(it);
        if (s === undefined || s === '') return fail(def.type === 'needles' ? 'a needle name or a list of needle names' : 'a string or a list of strings', it);
        out.push(String(s));
      }
      if (def.type === 'strings') return out;
      const refs = out.map((ref) => ({ref, dir: resolve(ctx.dir, ctx.needlesDir)}));
      refs.forEach((r, i) => {
        if (!r.ref.includes('${') && !existsSync(needlePath(r))) ctx.problems.push(`${at(ctx, items[i]!)}: needle "${r.ref}" not found: expected ${shortPath(needlePath(r))} (and the PNG beside it)`);
      });
      return refs;
    }
    case 'point':
    case 'region': {
      const n = def.type === 'point' ? 2 : 4;
      const shape = def.type === 'point' ? '[x, y]' : '[x, y, width, height]';
      if (!isSeq(node) || node.items.length !== n) return fail(`${shape} in pixels`);
      const nums = (node.items as Node[]).map((it) => {
        const s = scalarText(it);
        const v = typeof s === 'string' ? Number(s) : s;
        return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : NaN;
      });
      if (nums.some((v) => Number.isNaN(v)) || (def.type === 'region' && (nums[2] === 0 || nums[3] === 0))) return fail(`${shape}: whole numbers ≥ 0 (width and height ≥ 1)`);
      return nums;
    }
    case 'layout': {
      const items = isSeq(node) ? (node.items as Node[]) : [node];
      const texts = items.map((it) => scalarText(it));
      if (items.length === 0 || texts.some((s) => typeof s !== 'string' || s.trim() === '')) return fail('monitors as "WIDTHxHEIGHT+X+Y,..." or a list of them');
      const layout: MonitorLayout[] = [];
      for (const [i, text] of texts.entries()) {
        try {
          layout.push(...parseLayout(String(text)));
        } catch (e) {
          ctx.problems.push(`${at(ctx, items[i]!)}: ${what}: ${(e as Error).message}`);
          return undefined;
        }
      }
      return layout.length > 16 ? fail('at most 16 monitors') : layout;
    }
    case 'steps':
      return readSteps(ctx, node, keyNode);
    case 'vars':
      return fail('a mapping');
  }
}

/**
 * `run --timeout N` given on the command line: no wait of the scenario may take longer (its defaults.timeout
 * and every step's own timeout are capped; shorter ones stay).
 */
export function capWaits(sc: Scenario, maxMs: number): void {
  sc.defaults.timeoutMs = Math.min(sc.defaults.timeoutMs, maxMs);
  const walk = (steps: Step[]) => {
    for (const s of steps) {
      if (typeof s.args.timeout === 'number') s.args.timeout = Math.min(s.args.timeout, maxMs);
      for (const v of Object.values(s.args)) if (Array.isArray(v) && v.length && typeof v[0] === 'object' && v[0] !== null && 'kind' in v[0]) walk(v as unknown as Step[]);
    }
  };
  walk(sc.steps);
}
