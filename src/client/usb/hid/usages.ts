/**
 * PC set-1 scancodes → HID usage IDs of the Keyboard/Keypad page (0x07, HID Usage Tables §10), so the keyboard
 * layouts (input/layouts: characters → scancodes with modifiers) type through an emulated USB keyboard too. Both
 * name physical key positions, not characters: the guest's layout interprets a usage as it interprets the
 * scancode of the same key (Linux maps both to one evdev code), so the table is layout-independent.
 *
 * Keys of other usage pages (media keys: Consumer page; sleep/wake: Generic Desktop) have no usage here: a boot
 * keyboard reports the Keyboard page only.
 */
import type {Scancode} from '../../wire/scancodes.js';

/** Keyboard/Keypad page usages by set-1 scancode. */
const USAGE_BY_SCANCODE: ReadonlyMap<Scancode, number> = new Map<Scancode, number>([
  [0x01, 0x29], // Escape
  // the digit row: 1..9, 0 (Keyboard 1 and ! .. Keyboard 0 and ))
  ...Array.from({length: 10}, (_, i) => [0x02 + i, 0x1e + i] as [number, number]),
  [0x0c, 0x2d], // - and _
  [0x0d, 0x2e], // = and +
  [0x0e, 0x2a], // Backspace (Keyboard DELETE)
  [0x0f, 0x2b], // Tab
  // Q W E R T Y U I O P (letters: usage 0x04 + position in the alphabet)
  ...pairs(0x10, 'qwertyuiop'),
  [0x1a, 0x2f], // [ and {
  [0x1b, 0x30], // ] and }
  [0x1c, 0x28], // Enter (Keyboard Return)
  [0x1d, 0xe0], // Left Control
  ...pairs(0x1e, 'asdfghjkl'),
  [0x27, 0x33], // ; and :
  [0x28, 0x34], // ' and "
  [0x29, 0x35], // ` and ~ (Grave Accent and Tilde)
  [0x2a, 0xe1], // Left Shift
  // \ and |: on ISO keyboards the same scancode is the key left of Enter (Non-US # and ~, 0x32); Linux and
  // Windows map both usages to this one key, so 0x31 serves both.
  [0x2b, 0x31],
  ...pairs(0x2c, 'zxcvbnm'),
  [0x33, 0x36], // , and <
  [0x34, 0x37], // . and >
  [0x35, 0x38], // / and ?
  [0x36, 0xe5], // Right Shift
  [0x37, 0x55], // Keypad *
  [0x38, 0xe2], // Left Alt
  [0x39, 0x2c], // Spacebar
  [0x3a, 0x39], // Caps Lock
  // F1..F10
  ...Array.from({length: 10}, (_, i) => [0x3b + i, 0x3a + i] as [number, number]),
  [0x45, 0x53], // Keypad Num Lock and Clear
  [0x46, 0x47], // Scroll Lock
  [0x47, 0x5f], // Keypad 7 and Home
  [0x48, 0x60], // Keypad 8 and Up Arrow
  [0x49, 0x61], // Keypad 9 and PageUp
  [0x4a, 0x56], // Keypad -
  [0x4b, 0x5c], // Keypad 4 and Left Arrow
  [0x4c, 0x5d], // Keypad 5
  [0x4d, 0x5e], // Keypad 6 and Right Arrow
  [0x4e, 0x57], // Keypad +
  [0x4f, 0x59], // Keypad 1 and End
  [0x50, 0x5a], // Keypad 2 and Down Arrow
  [0x51, 0x5b], // Keypad 3 and PageDown
  [0x52, 0x62], // Keypad 0 and Insert
  [0x53, 0x63], // Keypad . and Delete
  [0x56, 0x64], // Non-US \ and | (the ISO key left of Z: < > | on de)
  [0x57, 0x44], // F11
  [0x58, 0x45], // F12
  [0x59, 0x67], // Keypad =
  [0x5c, 0x8c], // Keyboard International6 (keypad JP comma)
  [0x70, 0x88], // Keyboard International2 (Katakana/Hiragana)
  [0x73, 0x87], // Keyboard International1 (Ro)
  [0x76, 0x94], // Keyboard LANG5 (Zenkaku/Hankaku)
  [0x77, 0x93], // Keyboard LANG4 (Hiragana)
  [0x78, 0x92], // Keyboard LANG3 (Katakana)
  [0x79, 0x8a], // Keyboard International4 (Henkan)
  [0x7b, 0x8b], // Keyboard International5 (Muhenkan)
  [0x7d, 0x89], // Keyboard International3 (Yen)
  [0x7e, 0x85], // Keypad Comma
  [0xe01c, 0x58], // Keypad Enter
  [0xe01d, 0xe4], // Right Control
  [0xe020, 0x7f], // Mute
  [0xe02e, 0x81], // Volume Down
  [0xe030, 0x80], // Volume Up
  [0xe035, 0x54], // Keypad /
  [0xe037, 0x46], // PrintScreen
  [0xe038, 0xe6], // Right Alt (AltGr)
  [0xe046, 0x48], // Pause (the Break code spice-cli sends for Pause)
  [0xe047, 0x4a], // Home
  [0xe048, 0x52], // Up Arrow
  [0xe049, 0x4b], // PageUp
  [0xe04b, 0x50], // Left Arrow
  [0xe04d, 0x4f], // Right Arrow
  [0xe04f, 0x4d], // End
  [0xe050, 0x51], // Down Arrow
  [0xe051, 0x4e], // PageDown
  [0xe052, 0x49], // Insert
  [0xe053, 0x4c], // Delete Forward
  [0xe05b, 0xe3], // Left GUI
  [0xe05c, 0xe7], // Right GUI
  [0xe05d, 0x65], // Application (Menu)
  [0xe05e, 0x66], // Power
]);

/** [scancode, usage] for keys in a row whose letters are consecutive scancodes: a..z are usages 0x04..0x1d. */
function pairs(first: Scancode, letters: string): Array<[number, number]> {
  return [...letters].map((c, i) => [first + i, 0x04 + c.charCodeAt(0) - 0x61]);
}

/** The Keyboard/Keypad page usage of a set-1 scancode, or undefined when a boot keyboard has no such key. */
export function hidUsage(sc: Scancode): number | undefined {
  return USAGE_BY_SCANCODE.get(sc);
}

/** Every scancode with a usage (for listings and tests). */
export function scancodesWithUsage(): Scancode[] {
  return [...USAGE_BY_SCANCODE.keys()];
}

/** Modifier usages: Left Control 0xE0 .. Right GUI 0xE7, one bit each in a boot report's first byte. */
export const FIRST_MODIFIER_USAGE = 0xe0;
export const LAST_MODIFIER_USAGE = 0xe7;

export function isModifierUsage(usage: number): boolean {
  return usage >= FIRST_MODIFIER_USAGE && usage <= LAST_MODIFIER_USAGE;
}
