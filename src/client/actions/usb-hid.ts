/**
 * Emulated USB HID devices on the session's USB redirection slots: attach a keyboard or a tablet (a slot's
 * usbredir stream, UsbDeviceHost describing the device), wait until the guest's driver reads it, type text through
 * the keyboard with the keyboard actions' layouts and pacing (the layout's strokes are set-1 scancodes, which the
 * device maps to HID usages), move and click with the tablet, and detach (the guest sees the unplug).
 */
import {interruptedError, SpiceError} from '../errors.js';
import {Interrupted, Keyboard, type Pacing} from '../input/keyboard.js';
import type {Stroke} from '../input/layout.js';
import {UsbDeviceHost} from '../usb/host.js';
import {checkServerFilter, filterDeviceOf} from '../usb/server-filter.js';
import type {HidDevice} from '../usb/hid/hid-device.js';
import {UsbKeyboard} from '../usb/hid/keyboard.js';
import {TABLET_MAX, TabletButton, tabletPoint, UsbTablet} from '../usb/hid/tablet.js';
import type {UsbSlot} from '../usb/slot.js';
import type {SpiceSession} from '../session.js';
import {pressWith, typeWith, type KeyboardOptions, type KeyReport, type TypeReport} from './keyboard.js';

export type EmulatedHidKind = 'keyboard' | 'tablet';

/** How long detach waits for the guest's device_disconnect_ack, ms. */
export const DETACH_TIMEOUT_MS = 5000;

export interface AttachHidOptions {
  /** The USB slot (usbredir channel id); default the first free one. */
  slot?: number;
  timeoutMs: number;
}

/** An emulated HID device plugged into a slot, until detach(). */
export class EmulatedHid<D extends HidDevice = HidDevice> {
  private detached = false;
  /** The slot's stream broke (or the session ended): the device is unplugged for its users. */
  private readonly onFailed = (e: SpiceError) => this.device.close(`USB slot ${this.slot.name} failed: ${e.message}`);

  constructor(
    readonly kind: EmulatedHidKind,
    readonly device: D,
    readonly slot: UsbSlot,
    readonly host: UsbDeviceHost,
  ) {
    host.connection.on('failed', this.onFailed);
  }

  /** Resolves once the guest's driver reads the device (bound and opened); a timeout or an abort throws. */
  whenReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.device.whenPolled(timeoutMs, signal);
  }

  /** Unplugs the device (device_disconnect, the guest's ack awaited) and frees the slot. */
  async detach(timeoutMs = DETACH_TIMEOUT_MS): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    this.host.connection.off('failed', this.onFailed);
    try {
      await this.host.detach(timeoutMs);
    } finally {
      this.device.close();
      this.slot.release();
    }
  }
}

/** Plugs an emulated keyboard or tablet into a free slot (or `slot`). */
export async function attachHid(session: SpiceSession, kind: 'keyboard', o: AttachHidOptions): Promise<EmulatedHid<UsbKeyboard>>;
export async function attachHid(session: SpiceSession, kind: 'tablet', o: AttachHidOptions): Promise<EmulatedHid<UsbTablet>>;
export async function attachHid(session: SpiceSession, kind: EmulatedHidKind, o: AttachHidOptions): Promise<EmulatedHid> {
  const {slot, connection} = await session.openUsbSlot({id: o.slot, timeoutMs: o.timeoutMs});
  const device = kind === 'keyboard' ? new UsbKeyboard() : new UsbTablet();
  const host = new UsbDeviceHost(connection, device);
  try {
    await checkServerFilter(connection, filterDeviceOf(device.info), `the emulated USB ${kind}`);
    host.attach();
  } catch (e) {
    slot.release();
    throw e;
  }
  return new EmulatedHid(kind, device, slot, host);
}

export interface UsbTypeOptions extends KeyboardOptions {
  /** How long to wait for the guest's driver to read the keyboard before typing, ms; default timeoutMs. */
  readyTimeoutMs?: number;
}

/** Plays strokes into the USB keyboard, planned for the guest's Caps Lock LED; every key is released whatever happens. */
async function playUsb(hid: EmulatedHid<UsbKeyboard>, plan: (capsLock: boolean) => Stroke[], pacing: Pacing, o: UsbTypeOptions) {
  const kb = hid.device;
  await hid.whenReady(o.readyTimeoutMs ?? o.timeoutMs, o.signal);
  const capsLock = kb.locks.capsLock;
  try {
    const report = await new Keyboard(kb, o.signal).play(plan(capsLock), pacing);
    await kb.drained(o.timeoutMs);
    return {...report, capsLock};
  } catch (e) {
    // Keyboard.play has released every key it pressed
    if (e instanceof Interrupted) throw interruptedError(e.message, {keystrokes: e.done, of: e.total});
    throw e;
  }
}

/** Types `text` through the emulated USB keyboard, as keystrokes of the guest's layout. */
export function usbTypeText(hid: EmulatedHid<UsbKeyboard>, text: string, o: UsbTypeOptions): Promise<TypeReport> {
  return typeWith((plan, pacing) => playUsb(hid, plan, pacing, o), text, o);
}

/** Presses key combinations (ctrl-alt-delete, enter, a) one after the other on the USB keyboard. */
export function usbPressKeys(hid: EmulatedHid<UsbKeyboard>, combos: readonly string[], o: UsbTypeOptions): Promise<KeyReport> {
  return pressWith((plan, pacing) => playUsb(hid, plan, pacing, o), combos, o);
}

export type TabletGesture =
  | {action: 'move'; x: number; y: number}
  | {action: 'click'; x: number; y: number; button?: 'left' | 'right' | 'middle'; holdMs?: number}
  | {action: 'scroll'; clicks: number};

export interface TabletOptions {
  /** Coordinates are pixels of a screen of this size (scaled to 0..32767); without it, tablet units. */
  screen?: {width: number; height: number};
  /** How long to wait for the guest's driver to read the tablet, ms; default timeoutMs. */
  readyTimeoutMs?: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface TabletReport {
  action: TabletGesture['action'];
  /** The tablet position after the gesture, 0..32767. */
  x: number;
  y: number;
  button?: string;
}

const BUTTONS = {left: TabletButton.LEFT, right: TabletButton.RIGHT, middle: TabletButton.MIDDLE} as const;

/** Moves, clicks or scrolls with the emulated tablet; a click's button is released whatever happens. */
export async function usbTablet(hid: EmulatedHid<UsbTablet>, g: TabletGesture, o: TabletOptions): Promise<TabletReport> {
  const t = hid.device;
  await hid.whenReady(o.readyTimeoutMs ?? o.timeoutMs, o.signal);
  const to = (x: number, y: number) => (o.screen ? tabletPoint(x, y, o.screen) : {x: Math.round(x), y: Math.round(y)});
  if (g.action === 'scroll') {
    t.scroll(g.clicks);
  } else {
    const p = to(g.x, g.y);
    if (p.x > TABLET_MAX || p.y > TABLET_MAX || p.x < 0 || p.y < 0) throw new SpiceError('usage', `point ${g.x},${g.y} is off the tablet`);
    t.moveTo(p.x, p.y);
    if (g.action === 'click') {
      const mask = BUTTONS[g.button ?? 'left'];
      t.setButtons(mask, true);
      try {
        await sleep(g.holdMs ?? 20, o.signal);
      } finally {
        if (!t.isClosed) t.setButtons(mask, false);
      }
    }
  }
  await t.drained(o.timeoutMs);
  return {action: g.action, ...t.position, ...(g.action === 'click' ? {button: g.button ?? 'left'} : {})};
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(interruptedError('interrupted before the button was released'));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(interruptedError('interrupted while the button was down; it was released'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, {once: true});
  });
}
