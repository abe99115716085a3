/**
 * A scripted host USB device behind our UsbBackend interface (these machines have no USB hardware): it replays a
 * real device's descriptors — a SanDisk Cruzer Blade 0781:5567 as `lsusb -v` prints it (published dumps of this
 * stick agree on these fields) — answers the standard control requests from them, and records every call, so
 * the tests can assert what the adapter did: kernel driver detached and reattached, interfaces claimed and
 * released, transfers forwarded. Failures are injected by code (ACCESS on open, BUSY on claim, NO_DEVICE on the
 * n-th transfer). Bulk transfers go to `onBulk` (default: stall).
 */
import {UsbBackendError, type BackendTransferResult, type HostConfigDescriptor, type HostDeviceDescriptor, type HostDeviceHandle, type OpenedHostDevice, type UsbBackend, type UsbBackendErrorCode} from '../../src/client/usb/host-device/backend.js';

/** `lsusb -v -d 0781:5567`, the fields a host needs, as data. */
export const CRUZER_BLADE = {
  device: {
    bcdUSB: 0x0200,
    bDeviceClass: 0,
    bDeviceSubClass: 0,
    bDeviceProtocol: 0,
    bMaxPacketSize0: 64,
    idVendor: 0x0781,
    idProduct: 0x5567,
    bcdDevice: 0x0126,
    iManufacturer: 1,
    iProduct: 2,
    iSerial: 3,
    bNumConfigurations: 1,
  },
  config: {
    bConfigurationValue: 1,
    iConfiguration: 0,
    bmAttributes: 0x80,
    MaxPower: 200, // mA
    interfaces: [
      {
        bInterfaceNumber: 0,
        bAlternateSetting: 0,
        bInterfaceClass: 8, // Mass Storage
        bInterfaceSubClass: 6, // SCSI
        bInterfaceProtocol: 80, // Bulk-Only
        iInterface: 0,
        endpoints: [
          {bEndpointAddress: 0x81, bmAttributes: 2, wMaxPacketSize: 0x0200, bInterval: 0},
          {bEndpointAddress: 0x02, bmAttributes: 2, wMaxPacketSize: 0x0200, bInterval: 1},
        ],
      },
    ],
  },
  strings: {1: ' SanDisk', 2: ' Cruzer Blade', 3: '4C530001130525113093'} as Record<number, string>,
  busNumber: 1,
  portNumbers: [4],
  deviceAddress: 5,
  speed: 'high' as const,
};

export type ScriptedDump = typeof CRUZER_BLADE;

function deviceDescriptorBytes(d: ScriptedDump['device']): Uint8Array {
  const b = Buffer.alloc(18);
  b.writeUInt8(18, 0);
  b.writeUInt8(1, 1);
  b.writeUInt16LE(d.bcdUSB, 2);
  b.writeUInt8(d.bDeviceClass, 4);
  b.writeUInt8(d.bDeviceSubClass, 5);
  b.writeUInt8(d.bDeviceProtocol, 6);
  b.writeUInt8(d.bMaxPacketSize0, 7);
  b.writeUInt16LE(d.idVendor, 8);
  b.writeUInt16LE(d.idProduct, 10);
  b.writeUInt16LE(d.bcdDevice, 12);
  b.writeUInt8(d.iManufacturer, 14);
  b.writeUInt8(d.iProduct, 15);
  b.writeUInt8(d.iSerial, 16);
  b.writeUInt8(d.bNumConfigurations, 17);
  return b;
}

function configDescriptorBytes(c: ScriptedDump['config']): Uint8Array {
  const parts: number[][] = [];
  for (const i of c.interfaces) {
    parts.push([9, 4, i.bInterfaceNumber, i.bAlternateSetting, i.endpoints.length, i.bInterfaceClass, i.bInterfaceSubClass, i.bInterfaceProtocol, i.iInterface]);
    for (const e of i.endpoints) parts.push([7, 5, e.bEndpointAddress, e.bmAttributes, e.wMaxPacketSize & 0xff, e.wMaxPacketSize >> 8, e.bInterval]);
  }
  const body = parts.flat();
  const total = 9 + body.length;
  return Uint8Array.from([9, 2, total & 0xff, total >> 8, c.interfaces.length, c.bConfigurationValue, c.iConfiguration, c.bmAttributes, c.MaxPower / 2, ...body]);
}

function stringDescriptor(s: string): Uint8Array {
  const utf16 = Buffer.from(s, 'utf16le');
  return Uint8Array.from([2 + utf16.length, 3, ...utf16]);
}

export interface ScriptOptions {
  /** Interfaces bound to a kernel driver at the start (usb-storage on interface 0). */
  kernelDrivers?: number[];
  openError?: UsbBackendErrorCode;
  claimError?: UsbBackendErrorCode;
  /** The n-th transfer (control, bulk or interrupt; 1-based) and every later one fails with NO_DEVICE. */
  unplugAtTransfer?: number;
  onBulk?: (endpoint: number, dataOrLength: Uint8Array | number) => BackendTransferResult | Promise<BackendTransferResult>;
}

export class ScriptedUsbDevice implements OpenedHostDevice {
  readonly descriptor: HostDeviceDescriptor;
  /** Every call, in order: "open", "detach 0", "claim 0", "control 80 06 0100 0000 64", ... */
  readonly calls: string[] = [];
  readonly kernelDrivers: Set<number>;
  readonly claimed = new Set<number>();
  opened = false;
  private transfers = 0;
  unplugged = false;

  constructor(
    readonly dump: ScriptedDump = CRUZER_BLADE,
    readonly opts: ScriptOptions = {},
  ) {
    const d = dump.device;
    this.descriptor = {
      busNumber: dump.busNumber,
      portNumbers: dump.portNumbers,
      deviceAddress: dump.deviceAddress,
      vendorId: d.idVendor,
      productId: d.idProduct,
      deviceVersion: d.bcdDevice,
      usbVersion: d.bcdUSB,
      deviceClass: d.bDeviceClass,
      deviceSubclass: d.bDeviceSubClass,
      deviceProtocol: d.bDeviceProtocol,
      maxPacketSize0: d.bMaxPacketSize0,
      speed: dump.speed,
      iManufacturer: d.iManufacturer,
      iProduct: d.iProduct,
      iSerialNumber: d.iSerial,
      numConfigurations: d.bNumConfigurations,
    };
    this.kernelDrivers = new Set(opts.kernelDrivers ?? [0]);
  }

  configs(): HostConfigDescriptor[] {
    const c = this.dump.config;
    return [
      {
        value: c.bConfigurationValue,
        interfaces: c.interfaces.map((i) => ({
          number: i.bInterfaceNumber,
          altSetting: i.bAlternateSetting,
          class: i.bInterfaceClass,
          subclass: i.bInterfaceSubClass,
          protocol: i.bInterfaceProtocol,
          endpoints: i.endpoints.map((e) => ({address: e.bEndpointAddress, attributes: e.bmAttributes, maxPacketSize: e.wMaxPacketSize, interval: e.bInterval})),
        })),
      },
    ];
  }

  private fail(code: UsbBackendErrorCode, what: string): never {
    throw new UsbBackendError(code, `LIBUSB_ERROR_${code} (${what})`);
  }

  private countTransfer(): void {
    this.transfers++;
    if (this.opts.unplugAtTransfer !== undefined && this.transfers >= this.opts.unplugAtTransfer) this.unplugged = true;
    if (this.unplugged) this.fail('NO_DEVICE', 'unplugged');
  }

  readString(index: number): Promise<string | undefined> {
    return Promise.resolve(this.dump.strings[index]);
  }
  activeConfiguration(): number {
    return this.dump.config.bConfigurationValue;
  }
  isKernelDriverActive(iface: number): boolean {
    return this.kernelDrivers.has(iface);
  }
  detachKernelDriver(iface: number): void {
    this.calls.push(`detach ${iface}`);
    this.kernelDrivers.delete(iface);
  }
  attachKernelDriver(iface: number): void {
    this.calls.push(`attach ${iface}`);
    if (this.unplugged) this.fail('NO_DEVICE', 'unplugged');
    this.kernelDrivers.add(iface);
  }
  claimInterface(iface: number): void {
    this.calls.push(`claim ${iface}`);
    if (this.opts.claimError) this.fail(this.opts.claimError, `claim ${iface}`);
    this.claimed.add(iface);
  }
  releaseInterface(iface: number): Promise<void> {
    this.calls.push(`release ${iface}`);
    this.claimed.delete(iface);
    return Promise.resolve();
  }
  setConfiguration(value: number): Promise<void> {
    this.calls.push(`set-configuration ${value}`);
    return Promise.resolve();
  }
  setAltSetting(iface: number, alt: number): Promise<void> {
    this.calls.push(`set-alt ${iface} ${alt}`);
    return Promise.resolve();
  }
  clearHalt(endpoint: number): Promise<void> {
    this.calls.push(`clear-halt ${endpoint.toString(16)}`);
    return Promise.resolve();
  }
  reset(): Promise<void> {
    this.calls.push('reset');
    return Promise.resolve();
  }
  close(): void {
    this.calls.push('close');
    this.opened = false;
  }

  control(requestType: number, request: number, value: number, index: number, dataOrLength: Uint8Array | number): Promise<BackendTransferResult> {
    const h2 = (n: number) => n.toString(16).padStart(2, '0');
    const h4 = (n: number) => n.toString(16).padStart(4, '0');
    this.calls.push(`control ${h2(requestType)} ${h2(request)} ${h4(value)} ${h4(index)} ${typeof dataOrLength === 'number' ? dataOrLength : `out:${dataOrLength.length}`}`);
    this.countTransfer();
    const length = typeof dataOrLength === 'number' ? dataOrLength : 0;
    const reply = (bytes: Uint8Array) => Promise.resolve<BackendTransferResult>({status: 'ok', data: bytes.subarray(0, length)});
    if (requestType === 0x80 && request === 6) {
      const type = value >> 8;
      const i = value & 0xff;
      if (type === 1) return reply(deviceDescriptorBytes(this.dump.device));
      if (type === 2 && i === 0) return reply(configDescriptorBytes(this.dump.config));
      if (type === 3 && i === 0) return reply(Uint8Array.from([4, 3, 0x09, 0x04]));
      if (type === 3 && this.dump.strings[i] !== undefined) return reply(stringDescriptor(this.dump.strings[i]));
      return Promise.resolve({status: 'stall'});
    }
    if (requestType === 0x80 && request === 0) return reply(Uint8Array.from([0, 0])) // GET_STATUS: bus-powered, no remote wakeup;
    if (requestType === 0xa1 && request === 0xfe) return reply(Uint8Array.from([0])); // Bulk-Only GET_MAX_LUN
    if ((requestType & 0x80) === 0) return Promise.resolve({status: 'ok', written: typeof dataOrLength === 'number' ? 0 : dataOrLength.length});
    return Promise.resolve({status: 'stall'});
  }

  async transfer(type: 'bulk' | 'interrupt', endpoint: number, dataOrLength: Uint8Array | number, signal?: AbortSignal): Promise<BackendTransferResult> {
    this.calls.push(`${type} ${endpoint.toString(16)} ${typeof dataOrLength === 'number' ? dataOrLength : `out:${dataOrLength.length}`}`);
    this.countTransfer();
    if (signal?.aborted) return {status: 'cancelled'};
    if (type === 'bulk' && this.opts.onBulk) return this.opts.onBulk(endpoint, dataOrLength);
    return {status: 'stall'};
  }
}

/** A UsbBackend listing scripted devices. */
export class ScriptedUsbBackend implements UsbBackend {
  readonly name = 'scripted';
  constructor(readonly devices: ScriptedUsbDevice[]) {}
  list(): Promise<HostDeviceHandle[]> {
    return Promise.resolve(
      this.devices.map((d) => ({
        descriptor: d.descriptor,
        configs: () => d.configs(),
        open: () => {
          d.calls.push('open');
          if (d.opts.openError) throw new UsbBackendError(d.opts.openError, `LIBUSB_ERROR_${d.opts.openError} (open)`);
          d.opened = true;
          return Promise.resolve(d);
        },
      })),
    );
  }
}
