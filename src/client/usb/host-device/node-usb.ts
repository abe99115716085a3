/**
 * The UsbBackend over node-usb 2.x's libusb API (the `usb` package, prebuilt with libusb inside: no compiler, no
 * system libusb). Loaded only through loadNodeUsbBackend() (load.ts), so everything else runs where it is missing.
 * libusb reports two kinds of numbers: LIBUSB_ERROR_* (negative) from calls and submissions, LIBUSB_TRANSFER_*
 * (positive) as a finished transfer's status; both become UsbBackendError codes or transfer statuses here.
 */
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import type * as NodeUsb from 'usb';
import {busPortName, UsbBackendError, type BackendTransferResult, type HostConfigDescriptor, type HostDeviceDescriptor, type HostDeviceHandle, type OpenedHostDevice, type UsbBackend, type UsbBackendErrorCode, type UsbSpeedName} from './backend.js';

type Usb = typeof NodeUsb;
type Device = NodeUsb.Device;

const ERRORS: Record<number, UsbBackendErrorCode> = {
  [-1]: 'IO',
  [-2]: 'INVALID_PARAM',
  [-3]: 'ACCESS',
  [-4]: 'NO_DEVICE',
  [-5]: 'NOT_FOUND',
  [-6]: 'BUSY',
  [-7]: 'TIMEOUT',
  [-8]: 'OVERFLOW',
  [-9]: 'PIPE',
  [-10]: 'INTERRUPTED',
  [-11]: 'NO_MEM',
  [-12]: 'NOT_SUPPORTED',
  [-99]: 'OTHER',
};

/** A libusb exception (or anything thrown by node-usb) → UsbBackendError. */
export function fromLibusb(e: unknown): UsbBackendError {
  if (e instanceof UsbBackendError) return e;
  const errno = (e as {errno?: unknown}).errno;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof errno === 'number') {
    if (errno < 0) return new UsbBackendError(ERRORS[errno] ?? 'OTHER', message, {cause: e});
    // a transfer status as an error: 5 is LIBUSB_TRANSFER_NO_DEVICE
    if (errno === 5) return new UsbBackendError('NO_DEVICE', message, {cause: e});
  }
  return new UsbBackendError('OTHER', message, {cause: e});
}

/** A finished transfer's libusb status (LIBUSB_TRANSFER_*) → ours; undefined when it is an error to throw. */
function transferStatus(errno: number): BackendTransferResult['status'] | undefined {
  switch (errno) {
    case 0:
      return 'ok';
    case 1:
      return 'error';
    case 2:
      return 'timeout';
    case 3:
      return 'cancelled';
    case 4:
      return 'stall';
    case 6:
      return 'overflow';
    default:
      return undefined; // 5 NO_DEVICE, negative LIBUSB_ERROR_*
  }
}

const SYSFS_SPEEDS: Record<string, UsbSpeedName> = {'1.5': 'low', '12': 'full', '480': 'high', '5000': 'super', '10000': 'super', '20000': 'super'};

/** Linux tells the speed in sysfs; node-usb 2.x does not. */
function sysfsSpeed(busPort: string): UsbSpeedName | undefined {
  try {
    return SYSFS_SPEEDS[readFileSync(`/sys/bus/usb/devices/${busPort}/speed`, 'utf8').trim()];
  } catch {
    return undefined;
  }
}

function descriptorOf(d: Device): HostDeviceDescriptor {
  const dd = d.deviceDescriptor;
  const base = {busNumber: d.busNumber, portNumbers: d.portNumbers ?? []};
  return {
    ...base,
    deviceAddress: d.deviceAddress,
    vendorId: dd.idVendor,
    productId: dd.idProduct,
    deviceVersion: dd.bcdDevice,
    usbVersion: dd.bcdUSB,
    deviceClass: dd.bDeviceClass,
    deviceSubclass: dd.bDeviceSubClass,
    deviceProtocol: dd.bDeviceProtocol,
    maxPacketSize0: dd.bMaxPacketSize0,
    speed: sysfsSpeed(busPortName(base)),
    iManufacturer: dd.iManufacturer,
    iProduct: dd.iProduct,
    iSerialNumber: dd.iSerialNumber,
    numConfigurations: dd.bNumConfigurations,
  };
}

function configsOf(d: Device): HostConfigDescriptor[] {
  let all: NodeUsb.ConfigDescriptor[];
  try {
    all = d.allConfigDescriptors;
  } catch {
    return [];
  }
  return all.map((c) => ({
    value: c.bConfigurationValue,
    interfaces: c.interfaces.flat().map((i) => ({
      number: i.bInterfaceNumber,
      altSetting: i.bAlternateSetting,
      class: i.bInterfaceClass,
      subclass: i.bInterfaceSubClass,
      protocol: i.bInterfaceProtocol,
      endpoints: i.endpoints.map((e) => ({address: e.bEndpointAddress, attributes: e.bmAttributes, maxPacketSize: e.wMaxPacketSize, interval: e.bInterval})),
    })),
  }));
}

const cb = <T = void>(f: (done: (error?: unknown, value?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((error, value) => (error ? reject(fromLibusb(error)) : resolve(value as T))));

/** Control transfers wait this long (libusb's timeout); bulk and interrupt transfers wait until cancelled. */
const CONTROL_TIMEOUT_MS = 5000;

class NodeUsbOpened implements OpenedHostDevice {
  readonly descriptor: HostDeviceDescriptor;
  constructor(
    private readonly usb: Usb,
    private readonly d: Device,
  ) {
    this.descriptor = descriptorOf(d);
    d.timeout = CONTROL_TIMEOUT_MS;
  }

  private sync<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw fromLibusb(e);
    }
  }

  readString(index: number): Promise<string | undefined> {
    if (!index) return Promise.resolve(undefined);
    return cb<string>((done) => this.d.getStringDescriptor(index, done)).catch(() => undefined);
  }
  activeConfiguration(): number {
    try {
      return this.d.__getConfigDescriptor()?.bConfigurationValue ?? 0;
    } catch {
      return 0;
    }
  }
  isKernelDriverActive(iface: number): boolean {
    return this.sync(() => this.d.__isKernelDriverActive(iface));
  }
  detachKernelDriver(iface: number): void {
    this.sync(() => this.d.__detachKernelDriver(iface));
  }
  attachKernelDriver(iface: number): void {
    this.sync(() => this.d.__attachKernelDriver(iface));
  }
  claimInterface(iface: number): void {
    this.sync(() => this.d.__claimInterface(iface));
  }
  releaseInterface(iface: number): Promise<void> {
    return cb((done) => this.d.__releaseInterface(iface, done));
  }
  setConfiguration(value: number): Promise<void> {
    return cb((done) => this.d.__setConfiguration(value, done));
  }
  setAltSetting(iface: number, alt: number): Promise<void> {
    return cb((done) => this.d.__setInterface(iface, alt, done));
  }
  clearHalt(endpoint: number): Promise<void> {
    return cb((done) => this.d.__clearHalt(endpoint, done));
  }
  reset(): Promise<void> {
    return cb((done) => this.d.reset(done));
  }
  close(): void {
    this.sync(() => this.d.__close());
  }

  control(requestType: number, request: number, value: number, index: number, dataOrLength: Uint8Array | number): Promise<BackendTransferResult> {
    const arg = typeof dataOrLength === 'number' ? dataOrLength : Buffer.from(dataOrLength);
    return new Promise((resolve, reject) => {
      try {
        this.d.controlTransfer(requestType, request, value, index, arg, (error, buf) => {
          if (error) {
            const s = transferStatus(error.errno);
            return s ? resolve({status: s}) : reject(fromLibusb(error));
          }
          if (typeof buf === 'number') resolve({status: 'ok', written: buf});
          else resolve({status: 'ok', data: buf ? new Uint8Array(buf) : new Uint8Array(0), written: typeof arg === 'number' ? 0 : arg.length});
        });
      } catch (e) {
        reject(fromLibusb(e));
      }
    });
  }

  transfer(type: 'bulk' | 'interrupt', endpoint: number, dataOrLength: Uint8Array | number, signal?: AbortSignal): Promise<BackendTransferResult> {
    const kind = type === 'bulk' ? this.usb.usb.LIBUSB_TRANSFER_TYPE_BULK : this.usb.usb.LIBUSB_TRANSFER_TYPE_INTERRUPT;
    const inDir = (endpoint & 0x80) !== 0;
    const buffer = typeof dataOrLength === 'number' ? Buffer.alloc(dataOrLength) : Buffer.from(dataOrLength);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return resolve({status: 'cancelled'});
      let t: NodeUsb.Transfer | undefined;
      const onAbort = () => t?.cancel();
      try {
        t = new this.usb.Transfer(this.d, endpoint, kind, 0, (error, buf, actual) => {
          signal?.removeEventListener('abort', onAbort);
          if (error) {
            const s = transferStatus(error.errno);
            return s ? resolve({status: s}) : reject(fromLibusb(error));
          }
          resolve(inDir ? {status: 'ok', data: new Uint8Array(buf.subarray(0, actual))} : {status: 'ok', written: actual});
        });
        signal?.addEventListener('abort', onAbort, {once: true});
        t.submit(buffer);
      } catch (e) {
        signal?.removeEventListener('abort', onAbort);
        reject(fromLibusb(e));
      }
    });
  }
}

export class NodeUsbBackend implements UsbBackend {
  readonly name: string;
  constructor(
    private readonly usb: Usb,
    version: string,
  ) {
    this.name = `node-usb ${version}`;
  }

  list(): Promise<HostDeviceHandle[]> {
    const devices = this.usb.getDeviceList();
    return Promise.resolve(
      devices.map((d) => ({
        descriptor: descriptorOf(d),
        configs: () => configsOf(d),
        open: async () => {
          try {
            d.__open();
          } catch (e) {
            throw fromLibusb(e);
          }
          return new NodeUsbOpened(this.usb, d);
        },
      })),
    );
  }
}

/** The `usb` package's version, for the backend's name. */
export function nodeUsbVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('usb/package.json') as {version: string}).version;
  } catch {
    return '?';
  }
}
