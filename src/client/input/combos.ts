/**
 * Key combinations for `spice-cli key`: names joined by "-" or "+" (ctrl-alt-delete, shift+f10, kp-7),
 * and plain characters looked up in the layout (a, /, ctrl-c, ctrl--, alt-+). The keys before the last
 * are held while the last is pressed, and released in reverse order.
 */
import {SpiceError} from '../errors.js';
import {suggest} from '../suggest.js';
import type {KeyboardLayout, Stroke} from './layout.js';
import {allKeyNames, MODIFIER_SCANCODES, namedKey} from './scancodes.js';
import type {Scancode} from '../wire/scancodes.js';

export type ComboPart = {kind: 'key'; name: string; scancode: Scancode} | {kind: 'char'; char: string};

const NAMES = allKeyNames();

/** Splits a combination into its parts (greedy on key names, so `kp-1` is one key and `ctrl--` is Ctrl + "-"). */
export function parseCombo(combo: string): ComboPart[] {
  if (!combo) throw new SpiceError('usage', 'an empty key combination');
  const parts: ComboPart[] = [];
  let i = 0;
  const lower = combo.toLowerCase();
  while (i < combo.length) {
    const rest = lower.slice(i);
    const name = NAMES.find((n) => rest.startsWith(n) && (rest.length === n.length || rest[n.length] === '-' || rest[n.length] === '+'));
    let end: number;
    if (name) {
      const k = namedKey(name)!;
      parts.push({kind: 'key', name: k.name, scancode: k.scancode});
      end = i + name.length;
    } else {
      const ch = String.fromCodePoint(combo.codePointAt(i)!);
      const after = i + ch.length;
      if (after < combo.length && combo[after] !== '-' && combo[after] !== '+') {
        const word = combo.slice(i).split(/[-+]/)[0]!;
        const near = suggest(word, NAMES);
        throw new SpiceError('usage', `unknown key name "${word}" in "${combo}"${near ? `: did you mean "${near}"?` : ''} (spice-cli key --list prints the names)`);
      }
      parts.push({kind: 'char', char: ch});
      end = after;
    }
    if (end < combo.length) {
      if (end + 1 === combo.length) throw new SpiceError('usage', `"${combo}" ends with a separator: to press "${combo[end]}" itself, write it after another one (ctrl-${combo[end]})`);
      end++; // the separator
    }
    i = end;
  }
  return parts;
}

/**
 * The strokes of one combination. A lone character types exactly that character (caps lock and dead
 * keys included); with modifiers, it is the key that types it with Caps Lock off, plus its own Shift or
 * AltGr if it needs one (ctrl-c is Ctrl + the C key; on a German layout ctrl-@ is Ctrl + AltGr + Q).
 */
export function comboStrokes(combo: string, layout: KeyboardLayout, capsLock: boolean): Stroke[] {
  const parts = parseCombo(combo);
  const last = parts[parts.length - 1]!;
  const mods = parts.slice(0, -1);
  if (mods.length === 0 && last.kind === 'char') return layout.plan(last.char, capsLock).strokes;
  const hold: Scancode[] = [];
  for (const p of mods) {
    if (p.kind === 'char') throw new SpiceError('usage', `"${combo}": only the last key of a combination may be a character ("${p.char}" is not a key name)`);
    if (!hold.includes(p.scancode)) hold.push(p.scancode);
  }
  if (last.kind === 'key') {
    if (MODIFIER_SCANCODES.has(last.scancode) && hold.includes(last.scancode)) throw new SpiceError('usage', `"${combo}" names ${last.name} twice`);
    return [{scancode: last.scancode, hold}];
  }
  const f = layout.find(last.char, false);
  if (!f) {
    throw new SpiceError('usage', `"${combo}": the "${layout.name}" keyboard layout has no key for "${last.char}" (a character typed through a dead key cannot take modifiers)`);
  }
  for (const m of f.hold) if (!hold.includes(m)) hold.push(m);
  return [{scancode: f.scancode, hold, text: last.char}];
}
