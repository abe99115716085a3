/**
 * Generates the keyboard layout tables in src/client/input/layouts/ from Debian's xkb data (MIT):
 *
 *   apt-get install -y --no-install-recommends libxkbcommon-tools xkb-data x11proto-dev libx11-data
 *   npx tsx scripts/gen-keymaps.ts
 *
 * For each layout, `xkbcli compile-keymap --layout L [--variant V]` prints the fully resolved keymap:
 * keycodes (XKB keycode = Linux evdev code + 8), key types (modifiers → level), and per key its type
 * and the keysym of each level. Keys get their set-1 scancode through the AT translation table
 * (src/client/input/scancodes.ts); keysyms become characters by the X11 rules (Latin-1 as is,
 * 0x01000000 + code point, else the U+ mapping of /usr/include/X11/keysymdef.h). Dead-key compositions
 * come from X's Compose table (/usr/share/X11/locale/en_US.UTF-8/Compose, the one C.UTF-8 uses).
 *
 * Keys without an explicit type in the dump got libxkbcommon's automatic type (FindAutomaticType);
 * every resulting (key, level) → modifiers mapping is checked against `xkbcli how-to-type`, so the
 * tables agree with libxkbcommon itself. The runtime (src/client/input/layout.ts) needs no xkbcli.
 */
import {execFileSync} from 'node:child_process';
import {readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {capitalise, Mod, resolveLevel, symbolOf, type KeyRow, type KeyTypeData, type LayoutData} from '../src/client/input/layout.js';
import {evdevToScancode, SC} from '../src/client/input/scancodes.js';

const LAYOUTS: Array<{name: string; layout: string; variant?: string}> = [
  {name: 'us', layout: 'us'},
  {name: 'gb', layout: 'gb'},
  {name: 'de', layout: 'de'},
  {name: 'fr', layout: 'fr'},
  {name: 'es', layout: 'es'},
  {name: 'it', layout: 'it'},
  {name: 'dvorak', layout: 'us', variant: 'dvorak'},
];

const outDir = join(import.meta.dirname, '..', 'src', 'client', 'input', 'layouts');
const KEYSYMDEF = '/usr/include/X11/keysymdef.h';
const COMPOSE = '/usr/share/X11/locale/en_US.UTF-8/Compose';

// ---------------------------------------------------------------------------------------------------
// Keysyms

const keysymValue = new Map<string, number>();
const keysymUnicode = new Map<number, number>();
for (const line of readFileSync(KEYSYMDEF, 'utf8').split('\n')) {
  const m = /^#define XK_(\w+)\s+0x([0-9a-fA-F]+)\s*(?:\/\*\s*U\+([0-9A-Fa-f]+)\s)?/.exec(line);
  if (!m) continue;
  const v = parseInt(m[2]!, 16);
  if (!keysymValue.has(m[1]!)) keysymValue.set(m[1]!, v);
  if (m[3] && !keysymUnicode.has(v)) keysymUnicode.set(v, parseInt(m[3], 16));
}

function keysymOf(name: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(name)) return parseInt(name, 16);
  const u = /^U([0-9A-Fa-f]{4,6})$/.exec(name);
  if (u) return 0x01000000 + parseInt(u[1]!, 16);
  return keysymValue.get(name);
}

/** The character a keysym types (X11 rules), a dead key's name, or "" when it types nothing printable. */
function symText(name: string): string {
  if (name.startsWith('dead_')) return name;
  if (name === 'Return') return '\n';
  if (name === 'Tab') return '\t';
  const v = keysymOf(name);
  if (v === undefined) return '';
  let cp: number | undefined;
  if ((v >= 0x20 && v <= 0x7e) || (v >= 0xa0 && v <= 0xff)) cp = v;
  else if (v >= 0x01000100 && v <= 0x0110ffff) cp = v - 0x01000000;
  else cp = keysymUnicode.get(v);
  if (cp === undefined || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return '';
  return String.fromCodePoint(cp);
}

const isKeypadSym = (name: string) => name.startsWith('KP_');
/** libxkbcommon's case pairs (its XConvertCase pairs ß with ẞ, which JavaScript upper-cases to "SS"). */
const upperOf = (c: string) => (c === '\u00df' ? '\u1e9e' : capitalise(c));
const isLower = (name: string) => {
  const c = symText(name);
  return c.length > 0 && !c.startsWith('dead_') && c !== upperOf(c) && c.toLowerCase() === c;
};
const isUpper = (name: string) => {
  const c = symText(name);
  return c.length > 0 && !c.startsWith('dead_') && c.toUpperCase() === c && [...c.toLowerCase()].length === 1 && c.toLowerCase() !== c;
};

// ---------------------------------------------------------------------------------------------------
// Modifiers: real ones and the virtual ones of the pc/evdev keymaps (checked against how-to-type below).

const REAL: Record<string, number> = {
  Shift: Mod.SHIFT,
  Lock: Mod.LOCK,
  Control: Mod.CONTROL,
  Mod1: Mod.MOD1,
  Mod2: Mod.MOD2,
  Mod3: Mod.MOD3,
  Mod4: Mod.MOD4,
  Mod5: Mod.MOD5,
};
const VIRTUAL: Record<string, number> = {
  NumLock: Mod.MOD2,
  Alt: Mod.MOD1,
  Meta: Mod.MOD1,
  LevelThree: Mod.MOD5,
  AltGr: Mod.MOD5,
  Super: Mod.MOD4,
  Hyper: Mod.MOD4,
  // Bound to no real modifier in these keymaps (no key sets them): entries naming only them are inactive.
  LevelFive: 0,
  ScrollLock: 0,
  LAlt: 0,
  RAlt: 0,
  LControl: 0,
  RControl: 0,
};

function parseMods(expr: string): {mask: number; named: boolean} {
  let mask = 0;
  let named = false;
  for (const part of expr.split('+').map((s) => s.trim())) {
    if (!part || part === 'none') continue;
    named = true;
    const v = REAL[part] ?? VIRTUAL[part];
    if (v === undefined) throw new Error(`unknown modifier ${part}`);
    mask |= v;
  }
  return {mask, named};
}

// ---------------------------------------------------------------------------------------------------
// The xkbcli keymap dump

interface ParsedKeymap {
  keycodes: Map<string, number>;
  types: Record<string, KeyTypeData>;
  keys: Array<{name: string; type: string; explicitType: boolean; syms: string[]}>;
  description: string;
}

function section(text: string, name: string): string {
  const start = text.indexOf(`${name} "`);
  if (start < 0) throw new Error(`no ${name} section`);
  const end = text.indexOf('\n};', start);
  return text.slice(start, end);
}

function parseKeymap(text: string): ParsedKeymap {
  const keycodes = new Map<string, number>();
  for (const m of section(text, 'xkb_keycodes').matchAll(/^\s*<([^>]+)>\s*=\s*(\d+);/gm)) keycodes.set(m[1]!, Number(m[2]));
  for (const m of section(text, 'xkb_keycodes').matchAll(/^\s*alias\s*<([^>]+)>\s*=\s*<([^>]+)>;/gm)) {
    const v = keycodes.get(m[2]!);
    if (v !== undefined && !keycodes.has(m[1]!)) keycodes.set(m[1]!, v);
  }

  const types: Record<string, KeyTypeData> = {};
  for (const m of section(text, 'xkb_types').matchAll(/type "([^"]+)" \{([\s\S]*?)\n\t\};/g)) {
    const body = m[2]!;
    const mods = parseMods(/modifiers\s*=\s*([^;]+);/.exec(body)![1]!).mask;
    const preserve = new Map<string, number>();
    for (const p of body.matchAll(/preserve\[([^\]]+)\]\s*=\s*([^;]+);/g)) preserve.set(p[1]!.trim(), parseMods(p[2]!).mask);
    const map: Array<[number, number, number]> = [];
    for (const e of body.matchAll(/map\[([^\]]+)\]\s*=\s*(\d+);/g)) {
      const {mask, named} = parseMods(e[1]!);
      // libxkbcommon: an entry naming only unbound virtual modifiers is inactive.
      if (named && mask === 0) continue;
      map.push([mask, Number(e[2]), preserve.get(e[1]!.trim()) ?? 0]);
    }
    types[m[1]!] = {mods, map};
  }

  const sym = section(text, 'xkb_symbols');
  const description = /name\[Group1\]\s*=\s*"([^"]*)"/.exec(sym)?.[1] ?? '';
  const keys: ParsedKeymap['keys'] = [];
  const lines = sym.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^\s*key <([^>]+)>\s*\{(.*)$/.exec(lines[i]!);
    if (!head) continue;
    let block = head[2]!;
    while (!/\};\s*$/.test(block)) block += '\n' + lines[++i]!;
    const typeM = /\btype(?:\[Group1\])?\s*=\s*"([^"]+)"/.exec(block);
    const symsM = /symbols\[Group1\]\s*=\s*\[([^\]]*)\]/.exec(block) ?? /^\s*\[([^\]]*)\]/.exec(block);
    if (!symsM) continue;
    if (/\{[^}]*\{/.test(symsM[1]!)) throw new Error(`key ${head[1]}: several keysyms on one level are not supported`);
    const syms = symsM[1]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    keys.push({name: head[1]!, type: typeM?.[1] ?? automaticType(syms), explicitType: !!typeM, syms});
  }
  return {keycodes, types, keys, description};
}

/** libxkbcommon's FindAutomaticType (xkbcomp/symbols.c) for a key the dump gives no type. */
function automaticType(syms: string[]): string {
  const w = syms.length;
  const s = (i: number) => syms[i] ?? 'NoSymbol';
  if (w <= 1) return 'ONE_LEVEL';
  if (w === 2) {
    if (isLower(s(0)) && isUpper(s(1))) return 'ALPHABETIC';
    if (isKeypadSym(s(0)) || isKeypadSym(s(1))) return 'KEYPAD';
    return 'TWO_LEVEL';
  }
  if (w <= 4) {
    if (isLower(s(0)) && isUpper(s(1))) return isLower(s(2)) && isUpper(w === 4 ? s(3) : 'NoSymbol') ? 'FOUR_LEVEL_ALPHABETIC' : 'FOUR_LEVEL_SEMIALPHABETIC';
    if (isKeypadSym(s(0)) || isKeypadSym(s(1))) return 'FOUR_LEVEL_KEYPAD';
    return 'FOUR_LEVEL';
  }
  throw new Error(`no automatic type for a key with ${w} levels: ${syms.join(' ')}`);
}

// ---------------------------------------------------------------------------------------------------
// Cross-check with libxkbcommon: `xkbcli how-to-type --keysym NAME` lists key, level and modifier masks.

function xkbArgs(l: {layout: string; variant?: string}): string[] {
  return ['--layout', l.layout, ...(l.variant ? ['--variant', l.variant] : [])];
}

function howToType(l: {layout: string; variant?: string}, keysym: string): Array<{keycode: number; level: number; mask: number}> {
  const out = execFileSync('xkbcli', ['how-to-type', ...xkbArgs(l), '--keysym', keysym], {encoding: 'utf8'});
  const rows: Array<{keycode: number; level: number; mask: number}> = [];
  for (const line of out.split('\n')) {
    const m = /^(\d+)\s+\S+\s+1\s+.*?\s(\d+)\s+\[([^\]]*)\]\s*$/.exec(line);
    if (!m) continue;
    const mask = m[3]!.trim().split(/\s+/).filter(Boolean).reduce((a, n) => a | (REAL[n] ?? NaN), 0);
    rows.push({keycode: Number(m[1]), level: Number(m[2]), mask});
  }
  return rows;
}

/** The masks our type data gives for a level, as libxkbcommon's xkb_keymap_key_get_mods_for_level does. */
function masksForLevel(type: KeyTypeData, level: number): Set<number> {
  const out = new Set<number>();
  if (level === 1) out.add(0);
  for (const [m, l] of type.map) if (l === level) out.add(m);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Compose

interface ComposeEntry {
  dead: string;
  then: string; // a keysym name
  result: string;
}

function parseCompose(): ComposeEntry[] {
  const out: ComposeEntry[] = [];
  for (const line of readFileSync(COMPOSE, 'utf8').split('\n')) {
    const m = /^<(dead_\w+)>\s*<(\w+)>\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line);
    if (!m) continue;
    const result = m[3]!.replace(/\\(.)/g, '$1');
    // One character, and not a lone combining mark (text is typed in NFC).
    if ([...result].length !== 1 || /\p{M}/u.test(result)) continue;
    out.push({dead: m[1]!, then: m[2]!, result});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

/** A single-quoted TypeScript string literal. */
const q = (s: string) =>
  "'" +
  [...s]
    .map((c) => (c === "'" || c === '\\' ? '\\' + c : c === '\n' ? '\\n' : c === '\t' ? '\\t' : c))
    .join('') +
  "'";
const hex = (n: number) => '0x' + n.toString(16).padStart(2, '0');

function generate(): void {
  mkdirSync(outDir, {recursive: true});
  const compose = parseCompose();
  let sharedTypes: Record<string, KeyTypeData> | undefined;
  const usedTypes = new Set<string>();
  const summaries: string[] = [];

  for (const l of LAYOUTS) {
    const dump = execFileSync('xkbcli', ['compile-keymap', ...xkbArgs(l)], {encoding: 'utf8', maxBuffer: 16 << 20});
    const km = parseKeymap(dump);
    if (sharedTypes && JSON.stringify(sharedTypes) !== JSON.stringify(km.types)) throw new Error(`${l.name}: key types differ from the first layout's`);
    sharedTypes ??= km.types;

    const rows: KeyRow[] = [];
    let levelThree: LayoutData['levelThree'];
    const checks: Array<{keysym: string; keycode: number; level: number; type: KeyTypeData}> = [];
    for (const k of km.keys) {
      const keycode = km.keycodes.get(k.name);
      if (keycode === undefined) continue;
      const sc = evdevToScancode(keycode - 8);
      if (sc === undefined) continue;
      if (k.syms[0] === 'ISO_Level3_Shift' && (!levelThree || sc === SC.RALT)) levelThree = {scancode: sc, mod: Mod.MOD5};
      if (k.syms.some(isKeypadSym)) continue; // text is typed on the main block, whatever Num Lock is
      const type = km.types[k.type];
      if (!type) throw new Error(`${l.name}: key ${k.name} has unknown type ${k.type}`);
      const levels = k.syms.map(symText);
      while (levels.length && !levels[levels.length - 1]) levels.pop();
      if (!levels.some((s) => s)) continue;
      rows.push([sc, k.type, ...levels]);
      usedTypes.add(k.type);
      k.syms.forEach((s, i) => {
        if (levels[i]) checks.push({keysym: s, keycode, level: i + 1, type});
      });
    }
    if (levelThree) {
      // The AltGr key must set the modifier the types call LevelThree.
      const rows3 = howToType(l, 'ISO_Level3_Shift');
      if (!rows3.length) throw new Error(`${l.name}: how-to-type does not find ISO_Level3_Shift`);
    }

    // Cross-check every (key, level) with libxkbcommon.
    const bySym = new Map<string, typeof checks>();
    for (const c of checks) bySym.set(c.keysym, [...(bySym.get(c.keysym) ?? []), c]);
    let checked = 0;
    for (const [keysym, cs] of bySym) {
      if (keysym === 'Return' || keysym === 'Tab') continue;
      const ref = howToType(l, keysym);
      for (const c of cs) {
        const theirs = new Set(ref.filter((r) => r.keycode === c.keycode && r.level === c.level).map((r) => r.mask));
        const ours = masksForLevel(c.type, c.level);
        const same = theirs.size === ours.size && [...ours].every((m) => theirs.has(m));
        if (!same) {
          throw new Error(
            `${l.name}: ${keysym} on keycode ${c.keycode} level ${c.level}: libxkbcommon gives masks [${[...theirs].join(',')}], the tables [${[...ours].join(',')}]`,
          );
        }
        checked++;
      }
    }

    const types = sharedTypes;
    // What the layout types directly, with Caps Lock off or on.
    const direct = new Set<string>();
    const costOff = new Map<string, number>();
    const combos = [0, Mod.SHIFT, ...(levelThree ? [levelThree.mod, Mod.SHIFT | levelThree.mod] : [])];
    for (const row of rows) {
      for (const caps of [0, Mod.LOCK]) {
        for (const c of combos) {
          const s = symbolOf(row, types, c | caps);
          if (!s) continue;
          direct.add(s);
          if (!caps) {
            const cost = (c & Mod.SHIFT ? 1 : 0) + (c & Mod.MOD5 ? 2 : 0); // as KeyboardLayout ranks them
            costOff.set(s, Math.min(cost, costOff.get(s) ?? 9));
          }
        }
      }
    }
    // Dead-key compositions for the characters no key types, both keys on this layout; the cheapest sequence wins.
    const best = new Map<string, {e: ComposeEntry; then: string; cost: number}>();
    for (const e of compose) {
      if (direct.has(e.result) || !direct.has(e.dead)) continue;
      const then = symText(e.then);
      if (!then || !direct.has(then)) continue;
      const cost = (costOff.get(e.dead) ?? 5) + (costOff.get(then) ?? 5);
      const prev = best.get(e.result);
      if (!prev || cost < prev.cost) best.set(e.result, {e, then, cost});
    }
    const composeRows = [...best.entries()].sort((a, b) => a[0].codePointAt(0)! - b[0].codePointAt(0)!);

    const data = {
      name: l.name,
      description: km.description,
      xkb: {layout: l.layout, ...(l.variant ? {variant: l.variant} : {})},
      levelThree,
      keys: rows.sort((a, b) => a[0] - b[0]),
    };
    const lines = [
      `// Generated by scripts/gen-keymaps.ts from xkb-data (xkeyboard-config, MIT) with libxkbcommon's xkbcli: do not edit.`,
      `// xkb layout "${l.layout}"${l.variant ? ` variant "${l.variant}"` : ''} (${km.description}); ${rows.length} keys, ${composeRows.length} dead-key compositions.`,
      `// Keys: [set-1 scancode, XKB key type, symbol on level 1, level 2, ...]; a symbol is a character, a dead key, or "".`,
      `import type {LayoutData} from '../layout.js';`,
      ``,
      `export const ${l.name}: LayoutData = {`,
      `  name: ${q(data.name)},`,
      `  description: ${q(data.description)},`,
      `  xkb: {layout: ${q(l.layout)}${l.variant ? `, variant: ${q(l.variant)}` : ''}},`,
      ...(levelThree ? [`  levelThree: {scancode: ${hex(levelThree.scancode)}, mod: ${levelThree.mod}},`] : []),
      `  keys: [`,
      ...data.keys.map(([sc, type, ...lv]) => `    [${hex(sc)}, ${q(type)}, ${lv.map(q).join(', ')}],`),
      `  ],`,
      `  compose: [`,
      ...composeRows.map(([r, b]) => `    [${q(r)}, ${q(b.e.dead)}, ${q(b.then)}],`),
      `  ],`,
      `};`,
      ``,
    ];
    writeFileSync(join(outDir, `${l.name}.ts`), lines.join('\n'));
    summaries.push(`${l.name}: ${rows.length} keys, ${direct.size} symbols, ${composeRows.length} compositions, ${checked} levels checked with how-to-type`);
  }

  // The key types the layouts use.
  const typeLines = [
    `// Generated by scripts/gen-keymaps.ts from xkb-data (xkeyboard-config, MIT): do not edit.`,
    `// XKB key types: the modifiers each looks at (X11 real modifier bits: Shift 1, Lock 2, Control 4, Mod1 8,`,
    `// Mod2 16 = NumLock, Mod3 32, Mod4 64, Mod5 128 = LevelThree/AltGr) and its map entries [mods, level, preserved mods].`,
    `import type {KeyTypeData} from '../layout.js';`,
    ``,
    `export const KEY_TYPES: Record<string, KeyTypeData> = {`,
    ...[...usedTypes].sort().map((name) => {
      const t = sharedTypes![name]!;
      return `  ${q(name)}: {mods: ${t.mods}, map: [${t.map.map((e) => `[${e.join(', ')}]`).join(', ')}]},`;
    }),
    `};`,
    ``,
  ];
  writeFileSync(join(outDir, 'types.ts'), typeLines.join('\n'));
  const index = [
    `// Generated by scripts/gen-keymaps.ts: do not edit.`,
    ...LAYOUTS.map((l) => `import {${l.name}} from './${l.name}.js';`),
    `import type {LayoutData} from '../layout.js';`,
    `export {KEY_TYPES} from './types.js';`,
    ``,
    `export const LAYOUT_DATA: Record<string, LayoutData> = {${LAYOUTS.map((l) => l.name).join(', ')}};`,
    ``,
  ];
  writeFileSync(join(outDir, 'index.ts'), index.join('\n'));
  for (const s of summaries) console.log(s);
  void resolveLevel;
}

generate();
