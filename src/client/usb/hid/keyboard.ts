/**
 * An emulated USB keyboard: a boot keyboard (HID 1.11 §4.2: subclass 1, protocol 1) whose report descriptor
 * describes exactly the boot report (Appendix B.1: modifier byte, reserved byte, six key usages; five LED bits
 * out), so the report and boot protocols send the same 8 bytes. It is a KeySink: input/keyboard.ts plays a
 * layout's strokes into it (set-1 scancodes, mapped to usages by usages.ts), and every key event queues the
 * report of the keys held now. The guest's LED output report gives the lock state (Caps Lock for planning).
 */
import type {LockState} from '../../channels/inputs.js';
import {SpiceError} from '../../errors.js';
import type {KeySink} from '../../input/keyboard.js';
import {formatScancode, type Scancode} from '../../wire/scancodes.js';
import {UsbredirStatus} from '../../wire/usbredir/protocol.js';
import {HID_SUBCLASS_BOOT, HidDevice} from './hid-device.js';
import {FIRST_MODIFIER_USAGE, hidUsage, isModifierUsage} from './usages.js';

/** bInterfaceProtocol of a boot keyboard. */
export const BOOT_PROTOCOL_KEYBOARD = 1;

/** Bytes of the boot keyboard input report. */
export const KEYBOARD_REPORT_LENGTH = 8;

/** Keys (not modifiers) a boot report carries at once; more is the ErrorRollOver state. */
export const BOOT_REPORT_KEYS = 6;

/** Keyboard/Keypad page usage 0x01: every key slot holds it while too many keys are down (HID Usage Tables §10). */
export const ERROR_ROLL_OVER = 0x01;

/** LED page usages Num Lock (1), Caps Lock (2), Scroll Lock (3) as bits 0–2 of the output report. */
export const Led = {NUM_LOCK: 1, CAPS_LOCK: 2, SCROLL_LOCK: 4} as const;

/** The boot keyboard report descriptor, items as in HID 1.11 Appendix B.1 with the key array widened to usages 0–255. */
export const KEYBOARD_REPORT_DESCRIPTOR = Uint8Array.from([
  0x05, 0x01, // Usage Page (Generic Desktop)
  0x09, 0x06, // Usage (Keyboard)
  0xa1, 0x01, // Collection (Application)
  0x05, 0x07, //   Usage Page (Keyboard/Keypad)
  0x19, 0xe0, //   Usage Minimum (Left Control)
  0x29, 0xe7, //   Usage Maximum (Right GUI)
  0x15, 0x00, //   Logical Minimum (0)
  0x25, 0x01, //   Logical Maximum (1)
  0x75, 0x01, //   Report Size (1)
  0x95, 0x08, //   Report Count (8)
  0x81, 0x02, //   Input (Data, Variable, Absolute): the modifier byte
  0x95, 0x01, //   Report Count (1)
  0x75, 0x08, //   Report Size (8)
  0x81, 0x01, //   Input (Constant): the reserved byte
  0x95, 0x05, //   Report Count (5)
  0x75, 0x01, //   Report Size (1)
  0x05, 0x08, //   Usage Page (LEDs)
  0x19, 0x01, //   Usage Minimum (Num Lock)
  0x29, 0x05, //   Usage Maximum (Kana)
  0x91, 0x02, //   Output (Data, Variable, Absolute): the LED bits
  0x95, 0x01, //   Report Count (1)
  0x75, 0x03, //   Report Size (3)
  0x91, 0x01, //   Output (Constant): padding to a byte
  0x95, 0x06, //   Report Count (6)
  0x75, 0x08, //   Report Size (8)
  0x15, 0x00, //   Logical Minimum (0)
  0x26, 0xff, 0x00, // Logical Maximum (255)
  0x05, 0x07, //   Usage Page (Keyboard/Keypad)
  0x19, 0x00, //   Usage Minimum (0)
  0x2a, 0xff, 0x00, // Usage Maximum (255)
  0x81, 0x00, //   Input (Data, Array): the six key slots
  0xc0, // End Collection
]);

/** The 8-byte boot report of the usages held (modifier usages as bits, others in press order). */
export function bootKeyboardReport(usages: readonly number[]): Uint8Array {
  const r = new Uint8Array(KEYBOARD_REPORT_LENGTH);
  const keys: number[] = [];
  for (const u of usages) {
    if (isModifierUsage(u)) r[0]! |= 1 << (u - FIRST_MODIFIER_USAGE);
    else if (!keys.includes(u)) keys.push(u);
  }
  if (keys.length > BOOT_REPORT_KEYS) r.fill(ERROR_ROLL_OVER, 2);
  else r.set(keys, 2);
  return r;
}

export class UsbKeyboard extends HidDevice implements KeySink {
  private readonly held: Scancode[] = [];
  private leds = 0;
  keyEventsSent = 0;
  /** No raw scancode sequences: Pause is a usage like any key. */
  readonly hasKeyScancode = false;

  constructor(o: {serial?: string} = {}) {
    super({
      product: 'spice-cli USB Keyboard',
      serial: o.serial ?? 'spice-cli-keyboard',
      subclass: HID_SUBCLASS_BOOT,
      protocol: BOOT_PROTOCOL_KEYBOARD,
      reportDescriptor: KEYBOARD_REPORT_DESCRIPTOR,
      reportLength: KEYBOARD_REPORT_LENGTH,
      intervalMs: 4,
    });
  }

  /** True when every scancode has a usage (the keys a boot keyboard has). */
  static canPress(sc: Scancode): boolean {
    return hidUsage(sc) !== undefined;
  }

  get heldKeys(): readonly Scancode[] {
    return this.held;
  }

  /** The guest's lock LEDs, from its last output report. */
  get locks(): LockState {
    return {capsLock: (this.leds & Led.CAPS_LOCK) !== 0, numLock: (this.leds & Led.NUM_LOCK) !== 0, scrollLock: (this.leds & Led.SCROLL_LOCK) !== 0};
  }

  keyDown(sc: Scancode): void {
    usageOf(sc);
    this.requireOpen();
    if (!this.held.includes(sc)) this.held.push(sc);
    this.sendState();
  }

  keyUp(sc: Scancode): void {
    usageOf(sc);
    this.requireOpen();
    const i = this.held.indexOf(sc);
    if (i >= 0) this.held.splice(i, 1);
    this.sendState();
  }

  scancodes(): void {
    throw new SpiceError('protocol', 'a USB keyboard sends usages, not raw scancode sequences');
  }

  /** Releases every key held. */
  releaseAll(): void {
    if (this.held.length === 0 || this.isClosed) return;
    this.held.length = 0;
    this.sendState();
  }

  protected stateReport(): Uint8Array {
    return bootKeyboardReport(this.held.map(usageOf));
  }

  /** The LED report (one byte; with the boot protocol or our descriptor alike). */
  protected override outputReport(data: Uint8Array): number {
    if (data.length < 1) return UsbredirStatus.STALL;
    const leds = data[0]!;
    if (leds !== this.leds) {
      this.leds = leds;
      this.emit('leds', this.locks);
    }
    return UsbredirStatus.SUCCESS;
  }

  private sendState(): void {
    this.queueReport(this.stateReport());
    this.keyEventsSent++;
  }
}

function usageOf(sc: Scancode): number {
  const u = hidUsage(sc);
  if (u === undefined) throw new SpiceError('usage', `key ${formatScancode(sc)} has no USB keyboard usage (a media or system key?)`);
  return u;
}
