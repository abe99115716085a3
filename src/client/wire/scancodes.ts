/**
 * PC keyboard scancodes, set 1 (the "XT" set SPICE carries, protocol map §6), and how they go on the wire.
 *
 * A scancode here is a number: 0x01–0x7f for a plain key, 0xe0XX for a key with the E0 prefix (right
 * Ctrl, right Alt = AltGr, the arrows, Home/End, Insert/Delete, the Windows keys, keypad Enter and /).
 * Pause has no make/break pair of its own and is sent as a byte sequence (PAUSE_SEQUENCE).
 * The named-key table and the evdev translation are in src/client/input/scancodes.ts.
 */

export type Scancode = number;

/** True for a key with the E0 prefix. */
export const isExtended = (sc: Scancode): boolean => sc >> 8 === 0xe0;

/** The u32 `code` of KEY_DOWN (release = false) or KEY_UP (release = true): set-1 bytes packed little-endian. */
export function packScancode(sc: Scancode, release: boolean): number {
  const code = sc & 0x7f;
  if (sc < 0 || (sc > 0x7f && !isExtended(sc)) || code === 0) throw new RangeError(`not a set-1 scancode: 0x${sc.toString(16)}`);
  const b = release ? code | 0x80 : code;
  return isExtended(sc) ? (0xe0 | (b << 8)) >>> 0 : b;
}

/** The raw bytes of one press (release = false) or release of a key: what KEY_SCANCODE carries. */
export function scancodeBytes(sc: Scancode, release: boolean): number[] {
  const code = packScancode(sc, release);
  return isExtended(sc) ? [code & 0xff, code >> 8] : [code];
}

/**
 * Pause/Break: E1 1D 45 E1 9D C5 (press and release in one; a real keyboard sends no break code).
 * QEMU turns this sequence into its Pause key. Xspice's keyboard driver knows no E1 prefix (it would
 * post a Ctrl and a Num Lock press), so Pause is sent as the Ctrl+Break code E0 46 there, which both
 * Xspice (X keycode 127, Pause) and QEMU (qcode "pause") map to Pause: see pauseBytes().
 */
export const PAUSE_SEQUENCE = [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5] as const;
/** E0 46 / E0 C6: the Break code, which Xspice and QEMU both map to the Pause key. */
export const PAUSE_BREAK_CODE: Scancode = 0xe046;

/** Well-known scancodes. */
export const SC = {
  ESC: 0x01,
  BACKSPACE: 0x0e,
  TAB: 0x0f,
  ENTER: 0x1c,
  LCTRL: 0x1d,
  LSHIFT: 0x2a,
  RSHIFT: 0x36,
  LALT: 0x38,
  SPACE: 0x39,
  CAPSLOCK: 0x3a,
  NUMLOCK: 0x45,
  SCROLLLOCK: 0x46,
  RCTRL: 0xe01d,
  RALT: 0xe038,
  LSUPER: 0xe05b,
  RSUPER: 0xe05c,
  MENU: 0xe05d,
  PAUSE: PAUSE_BREAK_CODE,
} as const;

export function formatScancode(sc: Scancode): string {
  return isExtended(sc) ? `E0 ${hex2(sc & 0xff)}` : hex2(sc);
}
const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
