/**
 * What the host-device adapter (device.ts) needs from a USB library: our own small interface, so the adapter is
 * tested with a scripted device (test/support/scripted-usb.ts) and the library (node-usb, node-usb.ts) is loaded
 * only when a real device is wanted. Failures are thrown as UsbBackendError with a libusb-like code.
 */

/** libusb's error names, without the prefix (LIBUSB_ERROR_ACCESS → 'ACCESS'). */
export type UsbBackendErrorCode =
  | 'IO'
  | 'INVALID_PARAM'
  | 'ACCESS'
  | 'NO_DEVICE'
  | 'NOT_FOUND'
  | 'BUSY'
  | 'TIMEOUT'
  | 'OVERFLOW'
  | 'PIPE'
  | 'INTERRUPTED'
  | 'NO_MEM'
  | 'NOT_SUPPORTED'
  | 'CANCELLED'
  | 'OTHER';

export class UsbBackendError extends Error {
  constructor(
    readonly code: UsbBackendErrorCode,
    message: string,
    options?: {cause?: unknown},
  ) {
    super(message, options);
    this.name = 'UsbBackendError';
  }
}

/** Where a device is and what it says about itself (descriptor fields, no I/O beyond the strings). */
export interface HostDeviceDescriptor {
  busNumber: number;
  /** Port numbers from the root hub: [1, 4] is bus-1.4. */
  portNumbers: number[];
  deviceAddress: number;
  vendorId: number;
  productId: number;
  /** bcdDevice. */
  deviceVersion: number;
  /** bcdUSB. */
  usbVersion: number;
  deviceClass: number;
  deviceSubclass: number;
  deviceProtocol: number;
  maxPacketSize0: number;
  /** 'low' | 'full' | 'high' | 'super', undefined when the library does not say. */
  speed?: UsbSpeedName;
  iManufacturer: number;
  iProduct: number;
  iSerialNumber: number;
  numConfigurations: number;
}

export type UsbSpeedName = 'low' | 'full' | 'high' | 'super';

export interface HostEndpointDescriptor {
  address: number;
  /** bmAttributes (transfer type in bits 0-1). */
  attributes: number;
  maxPacketSize: number;
  interval: number;
}

export interface HostInterfaceDescriptor {
  number: number;
  altSetting: number;
  class: number;
  subclass: number;
  protocol: number;
  endpoints: HostEndpointDescriptor[];
}

export interface HostConfigDescriptor {
  value: number;
  /** Every alternate setting of every interface. */
  interfaces: HostInterfaceDescriptor[];
}

/** One transfer's outcome; `data` for IN transfers. A stall is status 'stall', not a throw. */
export interface BackendTransferResult {
  status: 'ok' | 'stall' | 'timeout' | 'overflow' | 'cancelled' | 'error';
  data?: Uint8Array;
  /** Bytes written, for OUT transfers. */
  written?: number;
}

export interface IsoPacketResult {
  status: BackendTransferResult['status'];
  data?: Uint8Array;
}

/** A device found by `list()`: its descriptor and how to open it. */
export interface HostDeviceHandle {
  readonly descriptor: HostDeviceDescriptor;
  /** The configuration descriptors (no I/O: libusb's cached copies). */
  configs(): HostConfigDescriptor[];
  open(): Promise<OpenedHostDevice>;
}

/** An opened device; every method may throw UsbBackendError (NO_DEVICE once it is unplugged). */
export interface OpenedHostDevice {
  readonly descriptor: HostDeviceDescriptor;
  readString(index: number): Promise<string | undefined>;
  /** The active configuration value (0: unconfigured). */
  activeConfiguration(): number;
  isKernelDriverActive(iface: number): boolean;
  detachKernelDriver(iface: number): void;
  attachKernelDriver(iface: number): void;
  claimInterface(iface: number): void;
  releaseInterface(iface: number): Promise<void>;
  setConfiguration(value: number): Promise<void>;
  setAltSetting(iface: number, alt: number): Promise<void>;
  /** A control transfer with the raw setup; IN returns up to `length` bytes. */
  control(requestType: number, request: number, value: number, index: number, dataOrLength: Uint8Array | number): Promise<BackendTransferResult>;
  /** A bulk or interrupt transfer: IN reads up to `length`, OUT writes `data`. `signal` cancels it. */
  transfer(type: 'bulk' | 'interrupt', endpoint: number, dataOrLength: Uint8Array | number, signal?: AbortSignal): Promise<BackendTransferResult>;
  /** An isochronous transfer of `packets` packets (optional: libraries without iso leave it out). */
  isoTransfer?(endpoint: number, packetLengths: number[], data: Uint8Array | undefined, signal?: AbortSignal): Promise<IsoPacketResult[]>;
  clearHalt(endpoint: number): Promise<void>;
  reset(): Promise<void>;
  close(): void;
}

export interface UsbBackend {
  /** A short name for messages ("node-usb 2.18.0"). */
  readonly name: string;
  list(): Promise<HostDeviceHandle[]>;
}

/** bus-port path as Linux names it under /sys/bus/usb/devices: 1-4.2. */
export function busPortName(d: Pick<HostDeviceDescriptor, 'busNumber' | 'portNumbers'>): string {
  return `${d.busNumber}-${d.portNumbers.join('.') || '0'}`;
}

export const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
