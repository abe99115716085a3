/**
 * Keyboard layouts: text → keystrokes (set-1 scancodes with the modifiers to hold), for the guest's
 * layout and its current lock state.
 *
 * The data (src/client/input/layouts/*.ts) is generated from Debian's xkb-data by scripts/gen-keymaps.ts:
 * per key its XKB key type and the symbol on each shift level, and the dead-key compositions of X's
 * Compose table. Here the XKB rules decide what a key types under a set of modifiers, exactly as the
 * guest's XKB does:
 *
 * - the key type maps the effective modifiers (those it looks at) to a level;
 * - Caps Lock is one of those modifiers only for some types: ALPHABETIC maps Lock like Shift (letters),
 *   TWO_LEVEL ignores it (digits, punctuation), FOUR_LEVEL_PLUS_LOCK gives it a level of its own (German ß);
 * - a Lock the type does not consume capitalises the symbol (fr: é with Caps Lock on types É).
 *
 * So typing is correct whatever the guest's Caps Lock: a letter with Caps Lock on takes the opposite
 * Shift, and a character Caps Lock makes unreachable is typed by toggling Caps Lock around it (and the
 * original state is restored at the end).
 */
import {SpiceError} from '../errors.js';
import {SC, type Scancode} from '../wire/scancodes.js';

/** X11 real modifier bits, as XKB key types use them. */
export const Mod = {SHIFT: 1, LOCK: 2, CONTROL: 4, MOD1: 8, MOD2: 16, MOD3: 32, MOD4: 64, MOD5: 128} as const;

/** An XKB key type: which modifiers it looks at, and map entries [mods, level (1-based), preserved mods]. */
export interface KeyTypeData {
  mods: number;
  map: ReadonlyArray<readonly [mods: number, level: number, preserve: number]>;
}

/**
 * One key: its scancode, its type name, then the symbol of each level: a character, a dead key's keysym
 * name ("dead_circumflex"), or "" for a level that types nothing.
 */
export type KeyRow = readonly [scancode: Scancode, type: string, ...levels: string[]];

export interface LayoutData {
  name: string;
  description: string;
  /** The xkb layout (and variant) it was generated from: `setxkbmap LAYOUT [VARIANT]` in an X guest. */
  xkb: {layout: string; variant?: string};
  /** The key that gives level 3 (AltGr, ISO_Level3_Shift) and the real modifier it sets, when the layout has one. */
  levelThree?: {scancode: Scancode; mod: number};
  keys: readonly KeyRow[];
  /** Dead-key compositions of characters no key types directly: [character, dead key, then this keysym or character]. */
  compose: ReadonlyArray<readonly [result: string, dead: string, then: string]>;
}

/** The effective level of a key type under `mods`, and the modifiers it consumed. */
export function resolveLevel(type: KeyTypeData, mods: number): {level: number; consumed: number} {
  const relevant = mods & type.mods;
  for (const [m, level, preserve] of type.map) {
    if (m === relevant) return {level, consumed: type.mods & ~preserve};
  }
  return {level: 1, consumed: type.mods};
}

/** XKB's capitalisation of a symbol when Lock is active and not consumed (XConvertCase: one character to one). */
export function capitalise(sym: string): string {
  if (sym.length === 0 || sym.startsWith('dead_')) return sym;
  const up = sym.toUpperCase();
  return [...up].length === 1 ? up : sym;
}

/** What a key types (a character, a dead keysym name, or "") under the effective modifiers. */
export function symbolOf(row: KeyRow, types: Readonly<Record<string, KeyTypeData>>, mods: number): string {
  const type = types[row[1]];
  if (!type) throw new Error(`layout data names an unknown key type ${row[1]}`);
  const {level, consumed} = resolveLevel(type, mods);
  const sym = (row[level + 1] as string | undefined) ?? '';
  return mods & Mod.LOCK && !(consumed & Mod.LOCK) ? capitalise(sym) : sym;
}

/** One key press and release, holding `hold` (modifier keys, pressed in order) around it. */
export interface Stroke {
  scancode: Scancode;
  hold: Scancode[];
  /** The character this stroke completes (undefined for a dead key or a Caps Lock toggle). */
  text?: string;
  /** Why the stroke is there when it types nothing: a dead key, or a Caps Lock toggle. */
  note?: 'dead' | 'caps';
}

export interface Plan {
  strokes: Stroke[];
  /** Characters typed (code points). */
  chars: number;
}

interface Found {
  scancode: Scancode;
  hold: Scancode[];
  cost: number;
}

export class KeyboardLayout {
  readonly name: string;
  readonly description: string;
  private readonly direct: [Map<string, Found>, Map<string, Found>]; // index: caps lock off / on
  private readonly compose = new Map<string, readonly [string, string]>();

  constructor(
    readonly data: LayoutData,
    types: Readonly<Record<string, KeyTypeData>>,
  ) {
    this.name = data.name;
    this.description = data.description;
    // The cheapest way wins: no modifier, then Shift, then AltGr (a level-2 symbol is what a typist uses), then both.
    const combos: Array<{mods: number; hold: Scancode[]; cost: number}> = [
      {mods: 0, hold: [], cost: 0},
      {mods: Mod.SHIFT, hold: [SC.LSHIFT], cost: 1},
    ];
    const l3 = data.levelThree;
    if (l3) combos.push({mods: l3.mod, hold: [l3.scancode], cost: 2}, {mods: Mod.SHIFT | l3.mod, hold: [SC.LSHIFT, l3.scancode], cost: 3});
    this.direct = [new Map(), new Map()];
    for (const [i, caps] of [false, true].entries()) {
      const map = this.direct[i]!;
      for (const row of data.keys) {
        for (const c of combos) {
          const sym = symbolOf(row, types, c.mods | (caps ? Mod.LOCK : 0));
          if (!sym) continue;
          const prev = map.get(sym);
          if (!prev || c.cost < prev.cost) map.set(sym, {scancode: row[0], hold: c.hold, cost: c.cost});
        }
      }
    }
    for (const [result, dead, then] of data.compose) if (!this.compose.has(result)) this.compose.set(result, [dead, then]);
  }

  /** The key and modifiers that type `sym` (a character or a dead keysym name) with Caps Lock in that state. */
  find(sym: string, capsLock: boolean): {scancode: Scancode; hold: Scancode[]} | undefined {
    const f = this.direct[capsLock ? 1 : 0].get(sym);
    return f && {scancode: f.scancode, hold: [...f.hold]};
  }

  /** Whether the layout can type this character at all (directly or through a dead key). */
  canType(ch: string): boolean {
    const c = normaliseChar(ch);
    return this.find(c, false) !== undefined || this.find(c, true) !== undefined || this.compose.has(c);
  }

  /**
   * The strokes that type `text` on a guest whose Caps Lock is `capsLock`. Throws SpiceError('usage')
   * naming every character the layout cannot type, before anything is sent.
   */
  plan(text: string, capsLock: boolean): Plan {
    const chars = splitText(text);
    const missing = new Set<string>();
    const strokes: Stroke[] = [];
    let caps = capsLock;
    const toggle = () => {
      strokes.push({scancode: SC.CAPSLOCK, hold: [], note: 'caps'});
      caps = !caps;
    };
    for (const ch of chars) {
      // Directly, with the current Caps Lock, else with it toggled.
      let f = this.find(ch, caps);
      if (!f && this.find(ch, !caps)) {
        toggle();
        f = this.find(ch, caps);
      }
      if (f) {
        strokes.push({...f, text: ch});
        continue;
      }
      // Through a dead key: both keys under one Caps Lock state (a toggle between them could end the composition).
      const comp = this.compose.get(ch);
      if (comp) {
        const [dead, then] = comp;
        const both = (c: boolean) => {
          const d = this.find(dead, c);
          const t = this.find(then, c);
          return d && t ? [d, t] as const : undefined;
        };
        let pair = both(caps);
        if (!pair && both(!caps)) {
          toggle();
          pair = both(caps);
        }
        if (pair) {
          strokes.push({...pair[0], note: 'dead'}, {...pair[1], text: ch});
          continue;
        }
      }
      missing.add(ch);
    }
    if (missing.size) throw cannotType([...missing], this);
    if (caps !== capsLock) toggle();
    return {strokes, chars: chars.length};
  }
}

/** Text as the characters to type: NFC, CR LF and lone CR as one newline. */
export function splitText(text: string): string[] {
  return [...text.normalize('NFC').replace(/\r\n?/g, '\n')];
}

function normaliseChar(ch: string): string {
  return ch === '\r' ? '\n' : ch.normalize('NFC');
}

export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const u = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const shown = ch === '\n' ? '\\n' : ch === '\t' ? '\\t' : cp < 0x20 || cp === 0x7f ? '' : ch;
  return shown ? `"${shown}" (${u})` : u;
}

function cannotType(chars: string[], layout: KeyboardLayout): SpiceError {
  const shown = chars.slice(0, 10).map(describeChar).join(', ') + (chars.length > 10 ? `, and ${chars.length - 10} more` : '');
  const what = chars.length === 1 ? `the character ${shown}` : `${chars.length} characters: ${shown}`;
  return new SpiceError('usage', `the "${layout.name}" keyboard layout (${layout.description}) cannot type ${what}; nothing was sent`);
}
