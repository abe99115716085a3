/**
 * The layer checker behind test/architecture/layers.test.ts: every .ts file under src/client belongs to one
 * layer (its folder; session.ts and actions/ are layers of their own; errors.ts and log.ts are a base every
 * layer may use). A file may import only from its own layer, earlier layers and the base. Codecs, display and audio
 * also stay away from the network (transport, link, channels), and no file of the client touches the
 * process (exit codes, signals, stdout/stderr belong to src/cli).
 *
 * The checker works on a map path → text, so a test can feed it a made-up tree.
 */
import {readdirSync, readFileSync} from 'node:fs';
import {join, posix, relative} from 'node:path';

/** Bottom first. */
export const LAYERS = ['wire', 'transport', 'link', 'channels', 'codecs', 'display', 'audio', 'input', 'agent', 'usb', 'recording', 'session', 'actions'] as const;
export type Layer = (typeof LAYERS)[number] | 'base';

/** Layers that decode, draw or analyse only: they may not reach the network. */
const PURE: ReadonlySet<Layer> = new Set(['codecs', 'display', 'audio']);
const NETWORK: ReadonlySet<Layer> = new Set(['transport', 'link', 'channels']);

export interface Violation {
  file: string;
  line: number;
  rule: 'upward' | 'network' | 'process' | 'outside' | 'unknown-layer' | 'unresolved' | 'front-end';
  message: string;
}

/** Layer of a path relative to src/client (posix separators), or undefined when it has none. */
export function layerOf(rel: string): Layer | undefined {
  if (rel === 'errors.ts' || rel === 'log.ts' || rel === 'suggest.ts') return 'base';
  if (rel === 'session.ts') return 'session';
  const top = rel.split('/')[0]!;
  if (rel.includes('/') && (LAYERS as readonly string[]).includes(top) && top !== 'session') return top as Layer;
  return undefined;
}

function rank(l: Layer): number {
  return l === 'base' ? -1 : LAYERS.indexOf(l);
}

export interface ImportRef {
  specifier: string;
  line: number;
}

/** Strips comments (keeping newlines so line numbers hold) without touching string contents. */
function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && n === '*') {
      i += 2;
      while (i < src.length && !(src[i] === '*' && src[i + 1] === '/')) out += src[i++] === '\n' ? '\n' : '';
      i += 2;
    } else if (c === '"' || c === "'" || c === '`') {
      const q = c;
      out += src[i++];
      while (i < src.length && src[i] !== q) {
        if (src[i] === '\\') out += src[i++];
        out += src[i++];
      }
      out += src[i++] ?? '';
    } else {
      out += src[i++];
    }
  }
  return out;
}

const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Every module specifier the file names: import/export ... from, side-effect imports, import type, import(). */
export function importsOf(text: string): ImportRef[] {
  const src = stripComments(text);
  const refs: ImportRef[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*(['"])([^'"]+)\1/g,
    /\bimport\s*(['"])([^'"]+)\1/g,
    /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of src.matchAll(re)) refs.push({specifier: m[2]!, line: lineAt(src, m.index! + m[0].indexOf(m[1]! + m[2]!))});
  }
  refs.sort((a, b) => a.line - b.line);
  return refs;
}

/** Uses of the process the client may not make (they belong to src/cli). */
const PROCESS_USES: Array<{re: RegExp; what: string}> = [
  {re: /\bprocess\s*\.\s*(on|once|off|addListener|removeListener|removeAllListeners|prependListener)\s*\(/g, what: 'process signal/event handling'},
  {re: /\bprocess\s*\.\s*exit\s*\(/g, what: 'process.exit'},
  {re: /\bprocess\s*\.\s*exitCode\b/g, what: 'process.exitCode'},
  {re: /\bprocess\s*\.\s*(stdout|stderr|stdin)\b/g, what: 'process stdio'},
  {re: /\bprocess\s*\.\s*(kill|abort)\s*\(/g, what: 'process.kill/abort'},
];

/** Resolves a relative specifier of `from` (both relative to src/client) to a file of `files`. */
function resolve(from: string, spec: string, files: ReadonlySet<string>): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(from), spec));
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => files.has(c));
}

/**
 * Checks a tree: `files` maps paths relative to src/client (posix) to their text. Packages and node:
 * modules are not layer edges; a relative import that leaves src/client (src/cli, src/lab, ...) is reported,
 * as is one that cannot be resolved inside the tree.
 */
export function checkLayers(files: ReadonlyMap<string, string>): Violation[] {
  const names = new Set(files.keys());
  const out: Violation[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    if (!from) {
      out.push({file, line: 1, rule: 'unknown-layer', message: `${file}: not in any layer (${LAYERS.join(', ')}, or errors.ts/log.ts)`});
      continue;
    }
    for (const {specifier, line} of importsOf(text)) {
      if (!specifier.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      if (target.startsWith('../')) {
        out.push({file, line, rule: 'outside', message: `${file}:${line}: '${specifier}' leaves src/client: the client imports nothing of the CLI, commands or lab`});
        continue;
      }
      const resolved = resolve(file, specifier, names);
      if (!resolved) {
        out.push({file, line, rule: 'unresolved', message: `${file}:${line}: cannot resolve '${specifier}'`});
        continue;
      }
      const to = layerOf(resolved);
      if (!to) continue; // reported for the file itself
      if (rank(to) > rank(from)) {
        out.push({file, line, rule: 'upward', message: `${file}:${line}: ${from} → ${to} (${resolved}) goes up the layer order`});
      } else if (PURE.has(from) && NETWORK.has(to)) {
        out.push({file, line, rule: 'network', message: `${file}:${line}: ${from} → ${to} (${resolved}): codecs, display and audio may not reach the network`});
      }
    }
    const src = stripComments(text);
    for (const {re, what} of PROCESS_USES) {
      for (const m of src.matchAll(re)) {
        const line = lineAt(src, m.index!);
        out.push({file, line, rule: 'process', message: `${file}:${line}: ${what} (${m[0].replace(/\s*\($/, "")}) belongs to src/cli`});
      }
    }
  }
  return out.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

/** Reads every .ts file under `root` into the map checkLayers takes. */
export function readTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, {withFileTypes: true})) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.ts')) files.set(relative(root, p).split('\\').join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return files;
}

/** What a front end (src/commands, src/scenarios, src/cli) may import of src/client: actions and the facade. */
export const FRONT_END_ALLOWED = [/^actions\//, /^errors\.ts$/, /^log\.ts$/, /^suggest\.ts$/, /^session\.ts$/, /^wire\/enums\.ts$/];

/**
 * Checks front-end files (`files`: paths relative to src, posix): an import into src/client must name an
 * action, the session facade, errors, log or the wire enums; everything else a front end needs is reached
 * through an action, so an operation is written once.
 */
export function checkFrontEnds(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of files) {
    for (const {specifier, line} of importsOf(text)) {
      if (!specifier.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      if (!target.startsWith('client/')) continue;
      const inClient = target.slice('client/'.length).replace(/\.js$/, '.ts');
      if (!FRONT_END_ALLOWED.some((re) => re.test(inClient))) {
        out.push({file, line, rule: 'front-end', message: `${file}:${line}: '${specifier}' reaches past the actions and the session facade (client/${inClient})`});
      }
    }
  }
  return out.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}
