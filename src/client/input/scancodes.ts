/**
 * Keys by name and by evdev code, as set-1 scancodes (the wire packing is src/client/wire/scancodes.ts).
 *
 * The evdev → set 1 table is the standard AT translation (the one Linux's atkbd and QEMU use): codes
 * 1–83 are equal, the rest are listed. XKB keycodes are evdev codes + 8.
 */
import {PAUSE_BREAK_CODE, SC, type Scancode} from '../wire/scancodes.js';

/** Linux evdev key code → set-1 scancode (AT translation). Codes 1–83 map to themselves. */
const EVDEV_EXTRA: Record<number, Scancode> = {
  85: 0x76, // ZENKAKUHANKAKU
  86: 0x56, // 102ND (the extra key left of Z on ISO keyboards: < > |)
  87: 0x57, // F11
  88: 0x58, // F12
  89: 0x73, // RO
  90: 0x78, // KATAKANA
  91: 0x77, // HIRAGANA
  92: 0x79, // HENKAN
  93: 0x70, // KATAKANAHIRAGANA
  94: 0x7b, // MUHENKAN
  95: 0x5c, // KPJPCOMMA
  96: 0xe01c, // KPENTER
  97: 0xe01d, // RIGHTCTRL
  98: 0xe035, // KPSLASH
  99: 0xe037, // SYSRQ (Print Screen)
  100: 0xe038, // RIGHTALT (AltGr)
  102: 0xe047, // HOME
  103: 0xe048, // UP
  104: 0xe049, // PAGEUP
  105: 0xe04b, // LEFT
  106: 0xe04d, // RIGHT
  107: 0xe04f, // END
  108: 0xe050, // DOWN
  109: 0xe051, // PAGEDOWN
  110: 0xe052, // INSERT
  111: 0xe053, // DELETE
  113: 0xe020, // MUTE
  114: 0xe02e, // VOLUMEDOWN
  115: 0xe030, // VOLUMEUP
  116: 0xe05e, // POWER
  117: 0x59, // KPEQUAL
  119: PAUSE_BREAK_CODE, // PAUSE (see PAUSE_SEQUENCE)
  121: 0x7e, // KPCOMMA
  124: 0x7d, // YEN
  125: 0xe05b, // LEFTMETA
  126: 0xe05c, // RIGHTMETA
  127: 0xe05d, // COMPOSE (Menu)
  142: 0xe05f, // SLEEP
  143: 0xe063, // WAKEUP
  163: 0xe019, // NEXTSONG
  164: 0xe022, // PLAYPAUSE
  165: 0xe010, // PREVIOUSSONG
  166: 0xe024, // STOPCD
};

/** The set-1 scancode of a Linux evdev key code, or undefined when the key has none. */
export function evdevToScancode(evdev: number): Scancode | undefined {
  if (evdev >= 1 && evdev <= 83) return evdev;
  return EVDEV_EXTRA[evdev];
}

/** Scancodes that are modifiers: held while the rest of a combination is pressed, released last. */
export const MODIFIER_SCANCODES: ReadonlySet<Scancode> = new Set([SC.LCTRL, SC.RCTRL, SC.LSHIFT, SC.RSHIFT, SC.LALT, SC.RALT, SC.LSUPER, SC.RSUPER]);

export interface NamedKey {
  /** The canonical name (what `key --list` prints). */
  name: string;
  aliases?: string[];
  scancode: Scancode;
  description: string;
}

function fn(n: number): Scancode {
  return n <= 10 ? 0x3a + n : n === 11 ? 0x57 : 0x58;
}

/** The keys `spice-cli key` knows by name (a plain character such as `a` or `/` is looked up in the layout instead). */
export const NAMED_KEYS: NamedKey[] = [
  {name: 'enter', aliases: ['return', 'ret'], scancode: SC.ENTER, description: 'Enter'},
  {name: 'tab', scancode: SC.TAB, description: 'Tab'},
  {name: 'esc', aliases: ['escape'], scancode: SC.ESC, description: 'Escape'},
  {name: 'backspace', aliases: ['bs'], scancode: SC.BACKSPACE, description: 'Backspace'},
  {name: 'space', aliases: ['spc'], scancode: SC.SPACE, description: 'Space bar'},
  {name: 'insert', aliases: ['ins'], scancode: 0xe052, description: 'Insert'},
  {name: 'delete', aliases: ['del'], scancode: 0xe053, description: 'Delete'},
  {name: 'home', scancode: 0xe047, description: 'Home'},
  {name: 'end', scancode: 0xe04f, description: 'End'},
  {name: 'pageup', aliases: ['pgup', 'prior'], scancode: 0xe049, description: 'Page Up'},
  {name: 'pagedown', aliases: ['pgdn', 'next'], scancode: 0xe051, description: 'Page Down'},
  {name: 'up', scancode: 0xe048, description: 'Arrow up'},
  {name: 'down', scancode: 0xe050, description: 'Arrow down'},
  {name: 'left', scancode: 0xe04b, description: 'Arrow left'},
  {name: 'right', scancode: 0xe04d, description: 'Arrow right'},
  ...Array.from({length: 12}, (_, i) => ({name: `f${i + 1}`, scancode: fn(i + 1), description: `F${i + 1}`})),
  {name: 'printscreen', aliases: ['print', 'prtsc', 'sysrq'], scancode: 0xe037, description: 'Print Screen (SysRq with Alt)'},
  {name: 'pause', aliases: ['break'], scancode: SC.PAUSE, description: 'Pause/Break'},
  {name: 'menu', aliases: ['compose', 'apps'], scancode: SC.MENU, description: 'Menu (context menu) key'},
  {name: 'capslock', aliases: ['caps'], scancode: SC.CAPSLOCK, description: 'Caps Lock'},
  {name: 'numlock', scancode: SC.NUMLOCK, description: 'Num Lock'},
  {name: 'scrolllock', aliases: ['scroll'], scancode: SC.SCROLLLOCK, description: 'Scroll Lock'},
  {name: 'ctrl', aliases: ['control', 'lctrl'], scancode: SC.LCTRL, description: 'left Ctrl (modifier)'},
  {name: 'rctrl', scancode: SC.RCTRL, description: 'right Ctrl (modifier)'},
  {name: 'shift', aliases: ['lshift'], scancode: SC.LSHIFT, description: 'left Shift (modifier)'},
  {name: 'rshift', scancode: SC.RSHIFT, description: 'right Shift (modifier)'},
  {name: 'alt', aliases: ['lalt'], scancode: SC.LALT, description: 'left Alt (modifier)'},
  {name: 'altgr', aliases: ['ralt'], scancode: SC.RALT, description: 'right Alt, AltGr on most non-US layouts (modifier)'},
  {name: 'super', aliases: ['win', 'meta', 'cmd', 'lsuper'], scancode: SC.LSUPER, description: 'left Windows/Super key (modifier)'},
  {name: 'rsuper', aliases: ['rwin'], scancode: SC.RSUPER, description: 'right Windows/Super key (modifier)'},
  ...Array.from({length: 10}, (_, i) => ({
    name: `kp-${i}`,
    scancode: [0x52, 0x4f, 0x50, 0x51, 0x4b, 0x4c, 0x4d, 0x47, 0x48, 0x49][i]!,
    description: `keypad ${i} (a digit with Num Lock on)`,
  })),
  {name: 'kp-enter', scancode: 0xe01c, description: 'keypad Enter'},
  {name: 'kp-plus', aliases: ['kp-add'], scancode: 0x4e, description: 'keypad +'},
  {name: 'kp-minus', aliases: ['kp-subtract'], scancode: 0x4a, description: 'keypad -'},
  {name: 'kp-multiply', aliases: ['kp-star'], scancode: 0x37, description: 'keypad *'},
  {name: 'kp-divide', aliases: ['kp-slash'], scancode: 0xe035, description: 'keypad /'},
  {name: 'kp-decimal', aliases: ['kp-dot', 'kp-delete'], scancode: 0x53, description: 'keypad . (Delete with Num Lock off)'},
  {name: 'mute', scancode: 0xe020, description: 'audio mute'},
  {name: 'volumedown', scancode: 0xe02e, description: 'audio volume down'},
  {name: 'volumeup', scancode: 0xe030, description: 'audio volume up'},
  {name: 'power', scancode: 0xe05e, description: 'ACPI power key'},
];

const byName = new Map<string, NamedKey>();
for (const k of NAMED_KEYS) for (const n of [k.name, ...(k.aliases ?? [])]) byName.set(n, k);

/** Looks up a key name (case-insensitive, `_` or `-` alike: `page_up`, `PageUp`, `kp_1`). */
export function namedKey(name: string): NamedKey | undefined {
  const n = name.toLowerCase();
  return byName.get(n) ?? byName.get(n.replace(/_/g, '-')) ?? byName.get(n.replace(/[-_]/g, ''));
}

/** Every name and alias, longest first (the combo parser matches greedily). */
export function allKeyNames(): string[] {
  return [...byName.keys()].sort((a, b) => b.length - a.length || a.localeCompare(b));
}
