/**
 * `usb redirect`: plugs an emulated USB device into the guest through a usbredir slot, keeps it attached for a time
 * (or until Ctrl-C or the session ends), then unplugs it cleanly (device_disconnect, the guest's ack). Emulations:
 * `storage:IMAGE[:ro]`, a USB stick over a disk image file (usb/storage/). The image is checked before connecting
 * (`prepareUsbRedirect`): missing, not a regular file, smaller than a block, not writable without `:ro` are usage
 * errors (exit 2).
 */
import path from 'node:path';
import {SpiceError, interruptedError} from '../errors.js';
import type {SpiceSession} from '../session.js';
import {UsbDeviceHost} from '../usb/host.js';
import {UsbMassStorage} from '../usb/storage/device.js';
import {checkDiskImage, DiskImage, type DiskImageInfo} from '../usb/storage/image.js';
import type {UsbredirConnection} from '../usb/connection.js';

export interface StorageEmulation {
  emulate: 'storage';
  image: string;
  readOnly: boolean;
}

export type UsbEmulation = StorageEmulation;

/** The emulations `--emulate` names; keyboard and tablet come with the HID devices. */
export const USB_EMULATIONS = ['storage:IMAGE[:ro]'] as const;

/** Parses `storage:IMAGE[:ro]` (IMAGE may itself contain ':'; a trailing `:ro` or `:rw` is the mode). */
export function parseEmulation(spec: string): UsbEmulation {
  const m = /^([a-z]+)(?::(.*))?$/s.exec(spec);
  if (m?.[1] === 'storage' && m[2]) {
    const mode = /:(ro|rw)$/.exec(m[2]);
    const image = mode ? m[2].slice(0, -3) : m[2];
    if (image) return {emulate: 'storage', image, readOnly: mode?.[1] === 'ro'};
  }
  throw new SpiceError('usage', `cannot emulate "${spec}": give ${USB_EMULATIONS.join(', ')}`);
}

/** Checks what can be checked before connecting: the storage image. */
export async function prepareUsbRedirect(e: UsbEmulation): Promise<DiskImageInfo> {
  return checkDiskImage(path.resolve(e.image), e.readOnly);
}

export interface UsbRedirectOptions {
  emulate: UsbEmulation;
  /** The usbredir slot (channel id); default the first free one. */
  slot?: number;
  /** How long to stay attached; default until the signal (Ctrl-C) or the session ends. */
  forMs?: number;
  /** Limit for the slot's hello and the guest's disconnect ack. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called once the device is described to the guest. */
  onAttached?: (r: Pick<UsbRedirectReport, 'slot' | 'device'>) => void;
}

export interface UsbRedirectReport {
  /** The slot used, e.g. usbredir:0. */
  slot: string;
  device: {
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
  };
  /** How long the device was attached. */
  attachedMs: number;
  /** SCSI commands the guest sent, and image bytes it read and wrote. */
  commands: number;
  bytesRead: number;
  bytesWritten: number;
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/**
 * Attaches the emulated device, holds it, detaches it. An abort detaches too and throws `interrupted`; a session that
 * ends meanwhile throws its error (connection-lost); both carry the report in `details`.
 */
export async function redirectUsb(session: SpiceSession, opts: UsbRedirectOptions): Promise<UsbRedirectReport> {
  const e = opts.emulate;
  const image = await DiskImage.open(path.resolve(e.image), e.readOnly);
  try {
    const {slot, connection} = await session.openUsbSlot({id: opts.slot, timeoutMs: opts.timeoutMs});
    const device = new UsbMassStorage(image);
    const host = new UsbDeviceHost(connection, device);
    const t0 = Date.now();
    const report = (): UsbRedirectReport => ({
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
    });
    let lost: SpiceError | undefined;
    try {
      host.attach();
      opts.onAttached?.(report());
      lost = await hold(session, connection, opts);
      // after Ctrl-C only a short wait for the guest's ack: the command's grace is short
      if (!lost) await host.detach(opts.signal?.aborted ? 200 : opts.timeoutMs).catch(() => undefined);
    } finally {
      slot.release();
    }
    const r = report();
    if (lost) throw new SpiceError(lost.kind, `${lost.message} (the USB device was attached for ${(r.attachedMs / 1000).toFixed(1)} s)`, {cause: lost, details: {...r}});
    if (opts.signal?.aborted) throw interruptedError(`interrupted: the USB device was detached after ${(r.attachedMs / 1000).toFixed(1)} s`, {...r});
    return r;
  } finally {
    await image.close();
  }
}

/** setTimeout's longest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits for the time (if any), the abort or the end of the session/stream; resolves with the end's error, if that came first. */
function hold(session: SpiceSession, connection: UsbredirConnection, opts: UsbRedirectOptions): Promise<SpiceError | undefined> {
  return new Promise((resolve) => {
    const timer = opts.forMs === undefined ? undefined : setTimeout(() => done(), Math.min(opts.forMs, MAX_TIMER_MS));
    const onAbort = () => done();
    const onClosed = (err?: SpiceError | null) => done(err ?? new SpiceError('connection-lost', 'the session ended'));
    function done(err?: SpiceError) {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      session.off('closed', onClosed);
      connection.off('failed', onClosed);
      resolve(err);
    }
    if (opts.signal?.aborted || session.isClosed) return done(session.isClosed ? new SpiceError('connection-lost', 'the session ended') : undefined);
    opts.signal?.addEventListener('abort', onAbort, {once: true});
    session.once('closed', onClosed);
    connection.once('failed', onClosed);
  });
}
