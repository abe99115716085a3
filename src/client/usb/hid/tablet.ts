/**
 * An emulated USB tablet: an absolute pointer (HID 1.11, no boot interface: subclass 0, protocol 0) with three
 * buttons, X and Y from 0 to 32767 and a wheel. Its 6-byte input report: buttons (bits 0–2), X and Y (16-bit
 * little-endian), wheel (signed 8-bit, relative). Linux's hid-input maps X/Y to ABS_X/ABS_Y with that range,
 * the buttons to BTN_LEFT/RIGHT/MIDDLE and the wheel to REL_WHEEL.
 */
import {SpiceError} from '../../errors.js';
import {HID_SUBCLASS_NONE, HidDevice} from './hid-device.js';

/** The largest X or Y (Logical Maximum). */
export const TABLET_MAX = 32767;
export const TABLET_REPORT_LENGTH = 6;

/** Button page usages 1–3 (primary, secondary, tertiary) as report bits. */
export const TabletButton = {LEFT: 1, RIGHT: 2, MIDDLE: 4} as const;

export const TABLET_REPORT_DESCRIPTOR = Uint8Array.from([
  0x05, 0x01, // Usage Page (Generic Desktop)
  0x09, 0x02, // Usage (Mouse)
  0xa1, 0x01, // Collection (Application)
  0x09, 0x01, //   Usage (Pointer)
  0xa1, 0x00, //   Collection (Physical)
  0x05, 0x09, //     Usage Page (Button)
  0x19, 0x01, //     Usage Minimum (Button 1)
  0x29, 0x03, //     Usage Maximum (Button 3)
  0x15, 0x00, //     Logical Minimum (0)
  0x25, 0x01, //     Logical Maximum (1)
  0x95, 0x03, //     Report Count (3)
  0x75, 0x01, //     Report Size (1)
  0x81, 0x02, //     Input (Data, Variable, Absolute): the buttons
  0x95, 0x01, //     Report Count (1)
  0x75, 0x05, //     Report Size (5)
  0x81, 0x01, //     Input (Constant): padding to a byte
  0x05, 0x01, //     Usage Page (Generic Desktop)
  0x09, 0x30, //     Usage (X)
  0x09, 0x31, //     Usage (Y)
  0x15, 0x00, //     Logical Minimum (0)
  0x26, 0xff, 0x7f, // Logical Maximum (32767)
  0x35, 0x00, //     Physical Minimum (0)
  0x46, 0xff, 0x7f, // Physical Maximum (32767)
  0x75, 0x10, //     Report Size (16)
  0x95, 0x02, //     Report Count (2)
  0x81, 0x02, //     Input (Data, Variable, Absolute): X, Y
  0x05, 0x01, //     Usage Page (Generic Desktop)
  0x09, 0x38, //     Usage (Wheel)
  0x15, 0x81, //     Logical Minimum (-127)
  0x25, 0x7f, //     Logical Maximum (127)
  0x35, 0x00, //     Physical Minimum (0)
  0x45, 0x00, //     Physical Maximum (0)
  0x75, 0x08, //     Report Size (8)
  0x95, 0x01, //     Report Count (1)
  0x81, 0x06, //     Input (Data, Variable, Relative): the wheel
  0xc0, //   End Collection
  0xc0, // End Collection
]);

/** The 6-byte input report. */
export function tabletReport(buttons: number, x: number, y: number, wheel = 0): Uint8Array {
  const r = new Uint8Array(TABLET_REPORT_LENGTH);
  r[0] = buttons & 7;
  r[1] = x & 0xff;
  r[2] = x >> 8;
  r[3] = y & 0xff;
  r[4] = y >> 8;
  r[5] = wheel & 0xff;
  return r;
}

/** A pixel position on a screen of `size` → tablet coordinates (0 and size-1 land on 0 and TABLET_MAX). */
export function tabletPoint(px: number, py: number, size: {width: number; height: number}): {x: number; y: number} {
  const scale = (v: number, n: number) => (n <= 1 ? 0 : Math.round((Math.min(Math.max(v, 0), n - 1) * TABLET_MAX) / (n - 1)));
  return {x: scale(px, size.width), y: scale(py, size.height)};
}

export class UsbTablet extends HidDevice {
  private x = 0;
  private y = 0;
  private buttons = 0;

  constructor(o: {serial?: string} = {}) {
    super({
      product: 'spice-cli USB Tablet',
      serial: o.serial ?? 'spice-cli-tablet',
      subclass: HID_SUBCLASS_NONE,
      protocol: 0,
      reportDescriptor: TABLET_REPORT_DESCRIPTOR,
      reportLength: TABLET_REPORT_LENGTH,
      intervalMs: 4,
    });
  }

  get position(): {x: number; y: number} {
    return {x: this.x, y: this.y};
  }

  get pressedButtons(): number {
    return this.buttons;
  }

  /** Moves to (x, y) in tablet coordinates, 0..TABLET_MAX. */
  moveTo(x: number, y: number): void {
    for (const [n, v] of [['x', x], ['y', y]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > TABLET_MAX) throw new SpiceError('usage', `tablet ${n} ${v} out of range: expected 0 to ${TABLET_MAX}`);
    }
    this.x = x;
    this.y = y;
    this.queueReport(this.stateReport());
  }

  /** Presses (down) or releases buttons (TabletButton bits). */
  setButtons(mask: number, down: boolean): void {
    this.buttons = down ? this.buttons | (mask & 7) : this.buttons & ~mask;
    this.queueReport(this.stateReport());
  }

  /** Turns the wheel by `clicks` (positive: away from the user), at most 127 per report. */
  scroll(clicks: number): void {
    for (let left = Math.trunc(clicks); left !== 0; ) {
      const step = Math.max(-127, Math.min(127, left));
      this.queueReport(tabletReport(this.buttons, this.x, this.y, step));
      left -= step;
    }
  }

  protected stateReport(): Uint8Array {
    return tabletReport(this.buttons, this.x, this.y);
  }
}
