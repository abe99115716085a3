/**
 * What a redirected USB device is to the usb layer: its description (device_connect, interface_info and ep_info
 * are made from it) and handlers of the guest's requests. Emulated devices (mass storage, HID) and host devices
 * (node-usb) implement this; UsbDeviceHost (host.ts) speaks usbredir for them. Endpoint 0 (control) is implied.
 */

export interface UsbInterfaceInfo {
  number: number;
  class: number;
  subclass: number;
  protocol: number;
}

export interface UsbEndpointInfo {
  /** Endpoint address, bit 7 set for IN. */
  address: number;
  /** UsbredirEpType: iso 1, bulk 2, interrupt 3. */
  type: number;
  /** bInterval (non-zero for iso and interrupt endpoints). */
  interval: number;
  /** bInterfaceNumber of the interface it belongs to. */
  interface: number;
  maxPacketSize: number;
}

export interface UsbDeviceInfo {
  /** UsbredirSpeed. */
  speed: number;
  deviceClass: number;
  deviceSubclass: number;
  deviceProtocol: number;
  vendorId: number;
  productId: number;
  /** bcdDevice. */
  deviceVersion: number;
  /** bMaxPacketSize0 (64 for high speed). */
  ep0MaxPacketSize: number;
  interfaces: UsbInterfaceInfo[];
  endpoints: UsbEndpointInfo[];
}

/** A control transfer (usb_redir_control_packet's setup fields); `data` holds OUT data. */
export interface UsbControlRequest {
  endpoint: number;
  request: number;
  requestType: number;
  value: number;
  index: number;
  length: number;
  data: Uint8Array;
}

/** The outcome of a transfer: a UsbredirStatus, and for IN transfers the data read (at most the length asked). */
export interface UsbTransferResult {
  status: number;
  data?: Uint8Array;
}

export type Maybe<T> = T | Promise<T>;

export interface UsbDevice {
  readonly info: UsbDeviceInfo;
  /** Control transfers on endpoint 0 (GET_DESCRIPTOR, class requests...). SET_ADDRESS is QEMU's own. */
  control(req: UsbControlRequest): Maybe<UsbTransferResult>;
  /** Bulk transfers: OUT gets `data`, IN gets the `length` to read. Without it bulk packets stall. */
  bulk?(endpoint: number, length: number, data: Uint8Array): Maybe<UsbTransferResult>;
  /** Interrupt OUT transfers. */
  interruptOut?(endpoint: number, data: Uint8Array): Maybe<UsbTransferResult>;
  /**
   * One interrupt IN transfer, as a submitted URB: resolves when the endpoint has data (a HID report), however
   * long that takes. While the guest receives interrupts from the endpoint, the host asks again after each one.
   * `signal` cancels it (stop_interrupt_receiving, detach); a non-success status ends the stream.
   */
  interruptIn?(endpoint: number, signal: AbortSignal): Promise<UsbTransferResult>;
  /** USB port reset from the guest. */
  reset?(): Maybe<void>;
  /** SET_CONFIGURATION (usb_redir_set_configuration); a UsbredirStatus. Default: accepted. */
  setConfiguration?(configuration: number): Maybe<number>;
  /** SET_INTERFACE (usb_redir_set_alt_setting); a UsbredirStatus. Default: only alt 0 is accepted. */
  setAltSetting?(iface: number, alt: number): Maybe<number>;
}
