/**
 * `usb redirect` and the scenario steps usb_attach/usb_detach: plugs emulated USB devices into the guest through
 * usbredir slots, keeps them attached for a time (or until Ctrl-C or the session ends), then unplugs them cleanly
 * (device_disconnect, the guest's ack). Emulations: `storage:IMAGE[:ro]`, a USB stick over a disk image file
 * (usb/storage/); `keyboard` and `tablet`, HID devices (usb/hid/, actions/usb-hid.ts), the keyboard typing text
 * (`type`, `keys`) once the guest reads it. Several devices go on several slots. The images are checked before
 * connecting (`prepareUsbRedirect`): missing, not a regular file, smaller than a block, not writable without `:ro`
 * are usage errors (exit 2). `listUsb` lists the slots and what can be plugged.
 */
import path from 'node:path';
import {SpiceError, interruptedError} from '../errors.js';
import type {SpiceSession} from '../session.js';
import {UsbDeviceHost} from '../usb/host.js';
import {checkServerFilter, filterDeviceOf} from '../usb/server-filter.js';
import {UsbMassStorage} from '../usb/storage/device.js';
import {checkDiskImage, DiskImage, type DiskImageInfo} from '../usb/storage/image.js';
import type {SpicevmcReceived, UsbredirConnection} from '../usb/connection.js';
import type {UsbSlot} from '../usb/slot.js';
import type {UsbKeyboard} from '../usb/hid/keyboard.js';
import type {TypeReport} from './keyboard.js';
import {attachHid, DETACH_TIMEOUT_MS, usbPressKeys, usbTypeText, type EmulatedHid, type UsbTypeOptions} from './usb-hid.js';

export interface StorageEmulation {
  emulate: 'storage';
  image: string;
  readOnly: boolean;
}
export interface HidEmulation {
  emulate: 'keyboard' | 'tablet';
}

export type UsbEmulation = StorageEmulation | HidEmulation;

/** The emulations `--emulate` names. */
export const USB_EMULATIONS = ['storage:IMAGE[:ro]', 'keyboard', 'tablet'] as const;

/** What each emulation is and takes (`usb list`). */
export const EMULATION_INFO = [
  {emulate: 'storage', spec: 'storage:IMAGE[:ro]', takes: 'a disk image file (512-byte blocks), writable or read-only with :ro', device: 'USB Mass Storage (Bulk-Only Transport, SCSI), 1209:0001 "spice-cli USB storage"'},
  {emulate: 'keyboard', spec: 'keyboard', takes: 'nothing; types --type TEXT / --keys COMBO in the guest layout (--layout)', device: 'USB HID boot keyboard "spice-cli USB Keyboard"'},
  {emulate: 'tablet', spec: 'tablet', takes: 'nothing', device: 'USB HID absolute pointer "spice-cli USB Tablet"'},
] as const;

/** Parses `storage:IMAGE[:ro]` (IMAGE may itself contain ':'; a trailing `:ro` or `:rw` is the mode), `keyboard`, `tablet`. */
export function parseEmulation(spec: string): UsbEmulation {
  const m = /^([a-z]+)(?::(.*))?$/s.exec(spec);
  if (m?.[1] === 'storage' && m[2]) {
    const mode = /:(ro|rw)$/.exec(m[2]);
    const image = mode ? m[2].slice(0, -3) : m[2];
    if (image) return {emulate: 'storage', image, readOnly: mode?.[1] === 'ro'};
  }
  if ((m?.[1] === 'keyboard' || m?.[1] === 'tablet') && m[2] === undefined) return {emulate: m[1]};
  throw new SpiceError('usage', `cannot emulate "${spec}": give ${USB_EMULATIONS.join(', ')}`);
}

/** Checks what can be checked before connecting: the storage images (a HID device needs nothing). */
export async function prepareUsbRedirect(e: UsbEmulation): Promise<DiskImageInfo | undefined> {
  return e.emulate === 'storage' ? checkDiskImage(path.resolve(e.image), e.readOnly) : undefined;
}

/** One attached device as reports show it. */
export interface UsbDeviceReport {
  /** The slot used, e.g. usbredir:0. */
  slot: string;
  device: StorageDeviceInfo | {emulate: 'keyboard' | 'tablet'; product: string};
  /** How long the device was attached (so far). */
  attachedMs: number;
  /** Storage: SCSI commands the guest sent, and image bytes it read and wrote. */
  commands?: number;
  bytesRead?: number;
  bytesWritten?: number;
  /** The slot's usbredir stream from the server: messages, and those that came LZ4-compressed (COMPRESSED_DATA). */
  received: SpicevmcReceived;
}

export interface StorageDeviceInfo {
  emulate: 'storage';
  image: string;
  readOnly: boolean;
  blocks: number;
  blockSize: 512;
  /** Bytes past the last whole block: not part of the disk. */
  ignoredTailBytes: number;
  vendorId: string;
  productId: string;
  product: string;
  serial: string;
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/**
 * How long a freshly plugged keyboard is left alone after the guest's driver first reads it, before typing, ms:
 * usbhid polls as soon as it binds, but the input handlers (the console's keyboard handler) connect to the new
 * input device later; under TCG keystrokes sent right away were lost.
 */
export const KEYBOARD_SETTLE_MS = 1500;

/** Waits until an attached keyboard takes keystrokes: the guest reads it, then KEYBOARD_SETTLE_MS the first time. */
export async function keyboardReady(d: AttachedUsb, timeoutMs: number, signal?: AbortSignal): Promise<EmulatedHid<UsbKeyboard>> {
  if (d.emulate !== 'keyboard' || !d.hid) throw new SpiceError('usage', `the USB device on ${d.slot.name} is a ${d.emulate}, not a keyboard`);
  const hid = d.hid as EmulatedHid<UsbKeyboard>;
  if (!settled.has(hid)) {
    await hid.whenReady(timeoutMs, signal);
    await new Promise((r) => setTimeout(r, KEYBOARD_SETTLE_MS));
    settled.add(hid);
  }
  return hid;
}
const settled = new WeakSet<EmulatedHid>();

/** An emulated device plugged into a slot until detach(). */
export interface AttachedUsb {
  readonly emulate: UsbEmulation['emulate'];
  readonly slot: UsbSlot;
  readonly connection: UsbredirConnection;
  /** The keyboard or tablet (HID emulations). */
  readonly hid?: EmulatedHid;
  report(): UsbDeviceReport;
  /** Unplugs it (the guest's ack awaited up to timeoutMs), frees the slot, closes the image; twice is harmless. */
  detach(timeoutMs?: number): Promise<void>;
}

export interface AttachUsbOptions {
  /** The usbredir slot (channel id); default the first free one. */
  slot?: number;
  /** Limit for the slot's hello. */
  timeoutMs: number;
}

/** Plugs one emulated device into a slot (a free one, or `slot`). */
export async function attachUsb(session: SpiceSession, e: UsbEmulation, o: AttachUsbOptions): Promise<AttachedUsb> {
  const t0 = Date.now();
  if (e.emulate !== 'storage') {
    const hid = e.emulate === 'keyboard' ? await attachHid(session, 'keyboard', o) : await attachHid(session, 'tablet', o);
    const product = e.emulate === 'keyboard' ? 'spice-cli USB Keyboard' : 'spice-cli USB Tablet';
    return {
      emulate: e.emulate,
      slot: hid.slot,
      connection: hid.host.connection,
      hid,
      report: () => ({slot: hid.slot.name, device: {emulate: e.emulate, product}, attachedMs: Date.now() - t0, received: hid.host.connection.received}),
      detach: (ms = DETACH_TIMEOUT_MS) => hid.detach(ms),
    };
  }
  const image = await DiskImage.open(path.resolve(e.image), e.readOnly);
  let opened: {slot: UsbSlot; connection: UsbredirConnection};
  try {
    opened = await session.openUsbSlot({id: o.slot, timeoutMs: o.timeoutMs});
  } catch (err) {
    await image.close();
    throw err;
  }
  const {slot, connection} = opened;
  const device = new UsbMassStorage(image);
  const host = new UsbDeviceHost(connection, device);
  try {
    await checkServerFilter(connection, filterDeviceOf(device.info), `the emulated USB stick (${image.info.path})`);
    host.attach();
  } catch (err) {
    slot.release();
    await image.close();
    throw err;
  }
  let detached: Promise<void> | undefined;
  return {
    emulate: 'storage',
    slot,
    connection,
    report: () => ({
      slot: slot.name,
      device: {
        emulate: 'storage',
        image: image.info.path,
        readOnly: image.readOnly,
        blocks: image.blocks,
        blockSize: 512,
        ignoredTailBytes: image.info.ignoredTailBytes,
        vendorId: hex4(device.info.vendorId),
        productId: hex4(device.info.productId),
        product: device.strings.product,
        serial: device.strings.serial,
      },
      attachedMs: Date.now() - t0,
      ...device.transport.stats,
      received: connection.received,
    }),
    detach: (ms = DETACH_TIMEOUT_MS) =>
      (detached ??= (async () => {
        try {
          if (!slot.ended) await host.detach(ms).catch(() => undefined);
        } finally {
          slot.release();
          await image.close();
        }
      })()),
  };
}

export interface UsbRedirectOptions {
  /** The devices, each on its own slot. */
  emulate: readonly UsbEmulation[];
  /** The usbredir slot (channel id) of the first device; default the first free one. */
  slot?: number;
  /** How long to stay attached; default until the signal (Ctrl-C) or the session ends, or, with `type`/`keys`, until typed. */
  forMs?: number;
  /** Text to type through the emulated keyboard once the guest reads it. */
  type?: string;
  /** Key combinations to press through it after `type`. */
  keys?: readonly string[];
  /** Layout, rate, hold of the typing. */
  keyboard?: Omit<UsbTypeOptions, 'timeoutMs' | 'signal'>;
  /** Limit for the slot's hello and the guest's disconnect ack. */
  timeoutMs: number;
  /** How long to wait for the guest's driver to read the keyboard before typing (default 60 s: a booting guest). */
  readyTimeoutMs?: number;
  signal?: AbortSignal;
  /** Called once the devices are described to the guest. */
  onAttached?: (devices: UsbDeviceReport[]) => void;
}

export interface UsbRedirectReport {
  devices: UsbDeviceReport[];
  /** How long the devices were attached (the longest). */
  attachedMs: number;
  /** What the keyboard typed (`type`), and the keys it pressed (`keys`). */
  typed?: TypeReport;
  keys?: {combos: string[]; keystrokes: number; ms: number};
}

/** Checks the options' usage before connecting: one keyboard for `type`/`keys`, `slot` with one device. */
export function checkUsbRedirect(o: Pick<UsbRedirectOptions, 'emulate' | 'type' | 'keys' | 'slot'>): void {
  if (o.emulate.length === 0) throw new SpiceError('usage', `nothing to plug in: give --emulate ${USB_EMULATIONS.join(' | ')}`);
  const keyboards = o.emulate.filter((e) => e.emulate === 'keyboard').length;
  if ((o.type !== undefined || o.keys?.length) && keyboards !== 1) throw new SpiceError('usage', `typing needs exactly one emulated keyboard (--emulate keyboard); ${keyboards} given`);
  const images = o.emulate.filter((e): e is StorageEmulation => e.emulate === 'storage').map((e) => path.resolve(e.image));
  if (new Set(images).size !== images.length) throw new SpiceError('usage', 'the same image cannot be two USB sticks at once');
}

/**
 * Attaches the emulated devices (each on a slot), types what is to be typed, holds them, detaches them. An abort
 * detaches too and throws `interrupted`; a session that ends meanwhile throws its error (connection-lost); both
 * carry the report in `details`.
 */
export async function redirectUsb(session: SpiceSession, opts: UsbRedirectOptions): Promise<UsbRedirectReport> {
  checkUsbRedirect(opts);
  const attached: AttachedUsb[] = [];
  const out: Omit<UsbRedirectReport, 'devices' | 'attachedMs'> = {};
  const report = (): UsbRedirectReport => {
    const devices = attached.map((a) => a.report());
    return {devices, attachedMs: Math.max(0, ...devices.map((d) => d.attachedMs)), ...out};
  };
  let lost: SpiceError | undefined;
  let failed: unknown;
  const t0 = Date.now();
  try {
    for (const [i, e] of opts.emulate.entries()) attached.push(await attachUsb(session, e, {slot: i === 0 ? opts.slot : undefined, timeoutMs: opts.timeoutMs}));
    opts.onAttached?.(report().devices);
    const keyboard = attached.find((a) => a.emulate === 'keyboard');
    const typing = keyboard && (opts.type !== undefined || opts.keys?.length);
    if (typing) {
      const kb = await keyboardReady(keyboard, opts.readyTimeoutMs ?? 60_000, opts.signal);
      const o = {...opts.keyboard, timeoutMs: opts.timeoutMs, signal: opts.signal};
      if (opts.type !== undefined) out.typed = await usbTypeText(kb, opts.type, o);
      if (opts.keys?.length) {
        const k = await usbPressKeys(kb, opts.keys, o);
        out.keys = {combos: [...opts.keys], keystrokes: k.keystrokes, ms: k.ms};
      }
    }
    // with typing and no --for: detach once typed; else hold for the rest of --for
    const forMs = opts.forMs === undefined ? undefined : Math.max(0, opts.forMs - (Date.now() - t0));
    // Typed without --for: the server buffers the last reports until the guest's next polls; unplugging at once
    // would drop them, so the keyboard stays a moment (LINGER_AFTER_TYPING_MS).
    const rest = typing && opts.forMs === undefined ? LINGER_AFTER_TYPING_MS : forMs;
    lost = await hold(session, attached.map((a) => a.connection), {...opts, forMs: rest});
  } catch (e) {
    failed = e;
  } finally {
    // after Ctrl-C only a short wait for the guest's ack: the command's grace is short
    const ms = opts.signal?.aborted ? 200 : opts.timeoutMs;
    await Promise.all(attached.map((a) => a.detach(lost ? 0 : ms).catch(() => undefined)));
  }
  const r = report();
  const held = `the USB device${attached.length === 1 ? ' was' : 's were'} attached for ${(r.attachedMs / 1000).toFixed(1)} s`;
  if (failed) {
    if (failed instanceof SpiceError && attached.length) throw new SpiceError(failed.kind, failed.message, {cause: failed, details: {...failed.details, ...r}});
    throw failed;
  }
  if (lost) throw new SpiceError(lost.kind, `${lost.message} (${held})`, {cause: lost, details: {...r}});
  if (opts.signal?.aborted) throw interruptedError(`interrupted: ${held}; detached`, {...r});
  return r;
}

/** How long the keyboard stays after typing without --for, so the guest reads the last reports QEMU holds, ms. */
export const LINGER_AFTER_TYPING_MS = 2000;

/** setTimeout's longest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits for the time (if any), the abort or the end of the session/streams; resolves with the end's error, if that came first. */
function hold(session: SpiceSession, connections: UsbredirConnection[], opts: {forMs?: number; signal?: AbortSignal}): Promise<SpiceError | undefined> {
  return new Promise((resolve) => {
    const timer = opts.forMs === undefined ? undefined : setTimeout(() => done(), Math.min(opts.forMs, MAX_TIMER_MS));
    const onAbort = () => done();
    const onClosed = (err?: SpiceError | null) => done(err ?? new SpiceError('connection-lost', 'the session ended'));
    function done(err?: SpiceError) {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      session.off('closed', onClosed);
      for (const c of connections) c.off('failed', onClosed);
      resolve(err);
    }
    if (opts.signal?.aborted || session.isClosed) return done(session.isClosed ? new SpiceError('connection-lost', 'the session ended') : undefined);
    opts.signal?.addEventListener('abort', onAbort, {once: true});
    session.once('closed', onClosed);
    for (const c of connections) c.once('failed', onClosed);
  });
}

/** A server slot as `usb list` shows it. */
export interface UsbSlotReport {
  slot: string;
  id: number;
  state: 'free' | 'busy' | 'ended';
}

/** A host USB device as the host-device module lists it (opaque here: the module's own report). */
export type HostDeviceLister = () => Promise<readonly object[]>;

export interface UsbListReport {
  /** The server's usbredir slots; null without a server (no --uri). */
  slots: UsbSlotReport[] | null;
  emulations: (typeof EMULATION_INFO)[number][];
  /** Host devices; null when this build has no host-device support (`hostDevicesNote` says why). */
  hostDevices: readonly object[] | null;
  hostDevicesNote?: string;
}

/** The session's slots (null without a session), the emulations, and the host devices `listHostDevices` gives. */
export async function listUsb(session: SpiceSession | undefined, listHostDevices?: HostDeviceLister): Promise<UsbListReport> {
  const slots = session?.usbSlots().map((s): UsbSlotReport => ({slot: s.name, id: s.id, state: s.ended ? 'ended' : s.busy ? 'busy' : 'free'})) ?? null;
  let hostDevices: readonly object[] | null = null;
  let hostDevicesNote: string | undefined;
  if (listHostDevices) {
    try {
      hostDevices = await listHostDevices();
    } catch (e) {
      hostDevicesNote = `host devices cannot be listed: ${(e as Error).message}`;
    }
  } else hostDevicesNote = 'host device support not available';
  return {slots, emulations: [...EMULATION_INFO], hostDevices, ...(hostDevicesNote ? {hostDevicesNote} : {})};
}

