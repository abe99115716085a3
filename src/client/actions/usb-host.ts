/**
 * Real host USB devices (node-usb through usb/host-device/): `listHostDevices()` for `usb list`, and
 * `redirectHostDevice()` for `usb redirect --device VID:PID|BUS-PORT`: finds the device, checks the user's filter
 * and the server's (usbredir filter_filter; a filter_reject ends the redirect), claims it (kernel drivers detached),
 * plugs it into a usbredir slot for a time or until the abort, then unplugs it from the guest and gives it back to
 * the host (interfaces released, kernel drivers reattached) — on the time, Ctrl-C, the session's end, an unplug
 * (NO_DEVICE) and every error.
 */
import {SpiceError, interruptedError} from '../errors.js';
import type {SpiceSession} from '../session.js';
import type {SpicevmcReceived, UsbredirConnection} from '../usb/connection.js';
import {UsbDeviceHost} from '../usb/host.js';
import {busPortName, hex4, type HostDeviceHandle, type UsbBackend} from '../usb/host-device/backend.js';
import {HostUsbDevice, type HostDeviceCounters} from '../usb/host-device/device.js';
import {deviceNotFound, hostDeviceError, mapDeviceError} from '../usb/host-device/errors.js';
import {checkUsbFilter, describeVerdict, parseUsbFilter, type UsbFilterDevice} from '../usb/host-device/filter.js';
import {checkServerFilter, serverRejected, watchServerFilter} from '../usb/server-filter.js';
import {loadNodeUsbBackend} from '../usb/host-device/load.js';

export {parseUsbFilter, formatUsbFilter, checkUsbFilter} from '../usb/host-device/filter.js';
export type {UsbBackend} from '../usb/host-device/backend.js';

export interface HostDeviceInfo {
  bus: number;
  /** Port numbers from the root hub, dotted: "4.2". */
  portPath: string;
  /** What `--device` takes: "1-4.2". */
  busPort: string;
  address: number;
  /** Hex, 4 digits. */
  vid: string;
  pid: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  /** bDeviceClass (0: per interface) and the interfaces' classes of the first configuration. */
  class: number;
  interfaceClasses: number[];
  speed?: 'low' | 'full' | 'high' | 'super';
  /** false when this user may not open it (the strings are then unknown). */
  accessible: boolean;
  /** Interfaces bound to a kernel driver (redirecting detaches them); undefined when unknown. */
  busy?: boolean;
}

const filterDevice = (h: HostDeviceHandle): UsbFilterDevice => {
  const d = h.descriptor;
  const cfg = h.configs()[0];
  return {
    deviceClass: d.deviceClass,
    vendorId: d.vendorId,
    productId: d.productId,
    deviceVersion: d.deviceVersion,
    interfaces: (cfg?.interfaces ?? []).filter((i) => i.altSetting === 0).map((i) => ({class: i.class, subclass: i.subclass, protocol: i.protocol})),
  };
};

/** Every host USB device this machine shows (root hubs included), strings read when the device can be opened. */
export async function listHostDevices(backend?: UsbBackend): Promise<HostDeviceInfo[]> {
  const b = backend ?? (await loadNodeUsbBackend());
  const out: HostDeviceInfo[] = [];
  for (const h of await b.list()) {
    const d = h.descriptor;
    const info: HostDeviceInfo = {
      bus: d.busNumber,
      portPath: d.portNumbers.join('.'),
      busPort: busPortName(d),
      address: d.deviceAddress,
      vid: hex4(d.vendorId),
      pid: hex4(d.productId),
      class: d.deviceClass,
      interfaceClasses: filterDevice(h).interfaces.map((i) => i.class),
      speed: d.speed,
      accessible: false,
    };
    try {
      const dev = await h.open();
      try {
        info.accessible = true;
        info.manufacturer = await dev.readString(d.iManufacturer);
        info.product = await dev.readString(d.iProduct);
        info.serial = await dev.readString(d.iSerialNumber);
        const ifs = [...new Set((h.configs()[0]?.interfaces ?? []).map((i) => i.number))];
        info.busy = ifs.some((n) => {
          try {
            return dev.isKernelDriverActive(n);
          } catch {
            return false;
          }
        });
      } finally {
        dev.close();
      }
    } catch {
      // not accessible (permissions) or gone: listed without strings
    }
    out.push(info);
  }
  return out;
}

/** VID:PID (hex) or BUS-PORT (1-4.2). */
export function parseDeviceSpec(spec: string): {vendorId: number; productId: number} | {busPort: string} {
  const ids = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(spec.trim());
  if (ids) return {vendorId: parseInt(ids[1]!, 16), productId: parseInt(ids[2]!, 16)};
  if (/^\d+-\d+(\.\d+)*$/.test(spec.trim())) return {busPort: spec.trim()};
  throw new SpiceError('usage', `--device "${spec}": give VID:PID in hex (e.g. 0781:5567) or BUS-PORT (e.g. 1-4.2), as \`spice-cli usb list\` shows`);
}

export interface HostRedirectOptions {
  device: string;
  slot?: number;
  forMs?: number;
  /** spice-gtk filter rules refusing devices (no match: allowed). */
  filter?: string;
  /** Limit for the slot's hello and the guest's disconnect ack; default 10 s. */
  timeoutMs?: number;
  /** Default: node-usb, loaded on demand. */
  backend?: UsbBackend;
  onAttached?: (r: Pick<HostRedirectReport, 'slot' | 'device'>) => void;
}

export interface HostRedirectReport {
  slot: string;
  device: {busPort: string; vendorId: string; productId: string; manufacturer?: string; product?: string; serial?: string; speed?: string};
  attachedMs: number;
  transfers: HostDeviceCounters;
  /** The slot's usbredir stream from the server: messages, and those that came LZ4-compressed (COMPRESSED_DATA). */
  received: SpicevmcReceived;
  /** Interfaces whose kernel driver was detached, and reattached at the end. */
  detachedDrivers: number[];
  reattachedDrivers: number[];
  /** How the redirect ended. */
  ended: 'time' | 'interrupted' | 'session-ended' | 'unplugged' | 'rejected' | 'filtered';
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export async function redirectHostDevice(session: SpiceSession, opts: HostRedirectOptions, signal?: AbortSignal): Promise<HostRedirectReport> {
  const spec = parseDeviceSpec(opts.device);
  const userRules = opts.filter !== undefined ? parseUsbFilter(opts.filter, '--filter') : undefined;
  const backend = opts.backend ?? (await loadNodeUsbBackend());
  const handles = await backend.list();
  const handle = handles.find((h) => ('busPort' in spec ? busPortName(h.descriptor) === spec.busPort : h.descriptor.vendorId === spec.vendorId && h.descriptor.productId === spec.productId));
  if (!handle) throw deviceNotFound(opts.device, handles.map((h) => `${hex4(h.descriptor.vendorId)}:${hex4(h.descriptor.productId)} (${busPortName(h.descriptor)})`));
  if (userRules) {
    const v = checkUsbFilter(userRules, filterDevice(handle), {defaultAllow: true});
    if (!v.allowed) throw hostDeviceError('device-filtered', `--filter refuses ${opts.device} (${describeVerdict(v)})`);
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const {slot, connection} = await session.openUsbSlot({id: opts.slot, timeoutMs});
  let device: HostUsbDevice | undefined;
  let host: UsbDeviceHost | undefined;
  const t0 = Date.now();
  let attachedAt = 0;
  let ended: HostRedirectReport['ended'] = 'time';
  let failure: SpiceError | undefined;
  // the server's filter (QEMU's usb-redir filter): checked before attaching, and any new one while attached
  const asFiltered = filterDevice(handle);
  let onServerFilter: ((e: SpiceError) => void) | undefined;
  const unwatch = watchServerFilter(connection, asFiltered, opts.device, (e) => ((failure ??= e), onServerFilter?.(e)));
  try {
    await checkServerFilter(connection, asFiltered, opts.device);
    if (failure) throw failure;
    if (signal?.aborted) throw interruptedError('interrupted before the USB device was attached', {});
    device = await HostUsbDevice.open(handle);
    const d = handle.descriptor;
    const strings = {
      manufacturer: await device.dev.readString(d.iManufacturer),
      product: await device.dev.readString(d.iProduct),
      serial: await device.dev.readString(d.iSerialNumber),
    };
    const deviceReport: HostRedirectReport['device'] = {busPort: busPortName(d), vendorId: hex4(d.vendorId), productId: hex4(d.productId), ...strings, speed: d.speed};
    host = new UsbDeviceHost(connection, device);
    host.attach();
    attachedAt = Date.now();
    opts.onAttached?.({slot: slot.name, device: deviceReport});
    const dev = device;
    const h = host;
    ended = await new Promise<HostRedirectReport['ended']>((resolve) => {
      const timer = opts.forMs === undefined ? undefined : setTimeout(() => done('time'), Math.min(opts.forMs, MAX_TIMER_MS));
      const onAbort = () => done('interrupted');
      const onClosed = (err?: SpiceError | null) => ((failure = err ?? new SpiceError('connection-lost', 'the session ended')), done('session-ended'));
      const onRejected = () => ((failure = serverRejected(opts.device)), done('rejected'));
      onServerFilter = (e) => ((failure = e), done('filtered'));
      function done(why: HostRedirectReport['ended']) {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        session.off('closed', onClosed);
        connection.off('failed', onClosed);
        h.off('rejected', onRejected);
        resolve(why);
      }
      void dev.gone.then((e) => ((failure ??= e), done('unplugged')));
      if (signal?.aborted) return done('interrupted');
      if (session.isClosed) return onClosed();
      signal?.addEventListener('abort', onAbort, {once: true});
      session.once('closed', onClosed);
      connection.once('failed', onClosed);
      h.once('rejected', onRejected);
    });
    return finish(deviceReport);
  } catch (e) {
    throw e instanceof SpiceError ? e : mapDeviceError(e, {vendorId: handle.descriptor.vendorId, productId: handle.descriptor.productId, busPort: busPortName(handle.descriptor)}, 'redirecting');
  } finally {
    unwatch();
    if (host && ended !== 'session-ended') await host.detach(signal?.aborted ? 200 : timeoutMs).catch(() => undefined);
    await device?.close();
    slot.release();
  }

  function finish(deviceReport: HostRedirectReport['device']): HostRedirectReport {
    // detach and close happen in `finally`; the report is built after them through a getter-free copy
    const r: HostRedirectReport = {
      slot: slot.name,
      device: deviceReport,
      attachedMs: Date.now() - (attachedAt || t0),
      transfers: device!.counters,
      received: connection.received,
      detachedDrivers: device!.log.detachedDrivers,
      reattachedDrivers: device!.log.reattachedDrivers,
      ended,
    };
    const secs = `${(r.attachedMs / 1000).toFixed(1)} s`;
    if (failure) throw new SpiceError(failure.kind, `${failure.message} (attached for ${secs})`, {cause: failure, details: {...failure.details, ...r}});
    if (ended === 'interrupted') throw interruptedError(`interrupted: the USB device was detached after ${secs}`, {...r});
    return r;
  }
}
