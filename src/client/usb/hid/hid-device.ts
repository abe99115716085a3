/**
 * An emulated full-speed HID device (HID 1.11) with one interface and one interrupt IN endpoint, as a UsbDevice:
 * the standard requests QEMU forwards (GET_DESCRIPTOR, GET_STATUS, CLEAR/SET_FEATURE; SET_ADDRESS and the
 * configuration and interface requests are QEMU's or UsbDeviceHost's), the HID class requests (HID 1.11 §7.2:
 * GET_REPORT, SET_REPORT, GET_IDLE, SET_IDLE, GET_PROTOCOL, SET_PROTOCOL) and GET_DESCRIPTOR for the HID and
 * report descriptors (§7.1). Input reports are queued and handed out as interrupt IN transfers complete: the
 * guest's driver polls (usbredir interrupt receiving) and each report goes as soon as it is queued.
 *
 * Idle rate: only changes are reported. Linux and Windows set the idle rate to 0 (report on change only) for
 * keyboards and pointers; a non-zero rate is remembered for GET_IDLE but reports are not repeated.
 */
import {EventEmitter} from 'node:events';
import {performance} from 'node:perf_hooks';
import {interruptedError, SpiceError} from '../../errors.js';
import {UsbredirEpType, UsbredirSpeed, UsbredirStatus} from '../../wire/usbredir/protocol.js';
import type {UsbControlRequest, UsbDevice, UsbDeviceInfo, UsbTransferResult} from '../device.js';
import {
  CONFIG_ATTRIBUTES_BUS_POWERED,
  configurationDescriptor,
  deviceDescriptor,
  DescriptorType,
  endpointDescriptor,
  hidDescriptor,
  interfaceDescriptor,
  LANGID_DESCRIPTOR,
  stringDescriptor,
} from './descriptors.js';

/** bRequest of the standard requests (USB 2.0 §9.4, table 9-4) handled here. */
export const StandardRequest = {GET_STATUS: 0, CLEAR_FEATURE: 1, SET_FEATURE: 3, GET_DESCRIPTOR: 6} as const;

/** bRequest of the HID class requests (HID 1.11 §7.2). */
export const HidRequest = {GET_REPORT: 0x01, GET_IDLE: 0x02, GET_PROTOCOL: 0x03, SET_REPORT: 0x09, SET_IDLE: 0x0a, SET_PROTOCOL: 0x0b} as const;

/** Report types in the high byte of GET_REPORT/SET_REPORT's wValue (HID 1.11 §7.2.1). */
export const ReportType = {INPUT: 1, OUTPUT: 2, FEATURE: 3} as const;

/** bInterfaceClass HID, bInterfaceSubClass boot interface (HID 1.11 §4.2, §4.3). */
export const HID_CLASS = 3;
export const HID_SUBCLASS_NONE = 0;
export const HID_SUBCLASS_BOOT = 1;

/** bmRequestType fields (USB 2.0 §9.3.1). */
const DIR_IN = 0x80;
const TYPE_MASK = 0x60;
const TYPE_STANDARD = 0x00;
const TYPE_CLASS = 0x20;
const RECIPIENT_MASK = 0x1f;
const RECIPIENT_INTERFACE = 1;

/** The pid.codes test VID/PID (0x1209:0x0001), for devices that exist only in software; product strings tell them apart. */
export const EMULATED_VENDOR_ID = 0x1209;
export const EMULATED_PRODUCT_ID = 0x0001;
export const MANUFACTURER = 'spice-cli';

/** Reports kept while the guest does not poll (driver not bound or device not open); the oldest go first. */
export const MAX_QUEUED_REPORTS = 1024;

/**
 * How long after the guest starts reading (a new interrupt stream) the device counts as ready: Linux's usbhid
 * drops the reports of its first 50 ms after an open (usbhid_open: HID_RESUME_RUNNING, "in case events are
 * generated while nobody was listening"), so a tablet moved at once would not move.
 */
export const SETTLE_AFTER_OPEN_MS = 100;

/** The interrupt IN endpoint of every emulated HID device: EP 1 IN. */
export const HID_IN_ENDPOINT = 0x81;

export interface HidDeviceOptions {
  product: string;
  serial: string;
  /** HID_SUBCLASS_BOOT with protocol 1 (keyboard) or 2 (mouse); HID_SUBCLASS_NONE with protocol 0 otherwise. */
  subclass: number;
  protocol: number;
  reportDescriptor: Uint8Array;
  /** Bytes of an input report (the endpoint's wMaxPacketSize). */
  reportLength: number;
  /** bInterval, ms (full speed). */
  intervalMs: number;
}

const ok = (data?: Uint8Array): UsbTransferResult => ({status: UsbredirStatus.SUCCESS, ...(data ? {data} : {})});
const STALL: UsbTransferResult = {status: UsbredirStatus.STALL};

export abstract class HidDevice extends EventEmitter implements UsbDevice {
  readonly info: UsbDeviceInfo;
  readonly reportDescriptor: Uint8Array;
  private readonly device: Uint8Array;
  private readonly configuration: Uint8Array;
  private readonly strings: Uint8Array[];
  /** SET_IDLE's duration (4 ms units; 0: report on change only). */
  private idle = 0;
  /** HID 1.11 §7.2.6: the report protocol (1) after reset; boot devices may be switched to the boot protocol (0). */
  protected protocol = 1;
  private readonly reports: Uint8Array[] = [];
  private pending?: {resolve: (r: UsbTransferResult) => void; signal: AbortSignal; onAbort: () => void};
  /** The current interrupt stream (each has its own signal) and when it started. */
  private stream?: {signal: AbortSignal; startedAt: number};
  private closedReason?: string;

  constructor(readonly options: HidDeviceOptions) {
    super();
    const o = options;
    this.reportDescriptor = o.reportDescriptor;
    this.info = {
      speed: UsbredirSpeed.FULL,
      deviceClass: 0, // class given per interface
      deviceSubclass: 0,
      deviceProtocol: 0,
      vendorId: EMULATED_VENDOR_ID,
      productId: EMULATED_PRODUCT_ID,
      deviceVersion: 0x0100,
      ep0MaxPacketSize: 64,
      interfaces: [{number: 0, class: HID_CLASS, subclass: o.subclass, protocol: o.protocol}],
      endpoints: [{address: HID_IN_ENDPOINT, type: UsbredirEpType.INTERRUPT, interval: o.intervalMs, interface: 0, maxPacketSize: o.reportLength}],
    };
    const i = this.info;
    this.device = deviceDescriptor({
      usbVersion: 0x0110,
      deviceClass: i.deviceClass,
      deviceSubclass: i.deviceSubclass,
      deviceProtocol: i.deviceProtocol,
      maxPacketSize0: i.ep0MaxPacketSize,
      vendorId: i.vendorId,
      productId: i.productId,
      deviceVersion: i.deviceVersion,
      manufacturerIndex: 1,
      productIndex: 2,
      serialIndex: 3,
    });
    this.configuration = configurationDescriptor({value: 1, interfaces: 1, attributes: CONFIG_ATTRIBUTES_BUS_POWERED, maxPowerMa: 100}, [
      interfaceDescriptor({number: 0, endpoints: 1, class: HID_CLASS, subclass: o.subclass, protocol: o.protocol}),
      hidDescriptor(o.reportDescriptor.length),
      endpointDescriptor({address: HID_IN_ENDPOINT, attributes: UsbredirEpType.INTERRUPT, maxPacketSize: o.reportLength, interval: o.intervalMs}),
    ]);
    this.strings = [LANGID_DESCRIPTOR, stringDescriptor(MANUFACTURER), stringDescriptor(o.product), stringDescriptor(o.serial)];
  }

  /** The input report describing the device's state now (GET_REPORT(input)). */
  protected abstract stateReport(): Uint8Array;

  /** SET_REPORT(output) or an output report; a UsbredirStatus. Devices without output reports stall. */
  protected outputReport(_data: Uint8Array): number {
    return UsbredirStatus.STALL;
  }

  control(req: UsbControlRequest): UsbTransferResult {
    const type = req.requestType & TYPE_MASK;
    if (type === TYPE_STANDARD) return this.standardRequest(req);
    if (type === TYPE_CLASS && (req.requestType & RECIPIENT_MASK) === RECIPIENT_INTERFACE && req.index === 0) return this.classRequest(req);
    return STALL;
  }

  private standardRequest(req: UsbControlRequest): UsbTransferResult {
    const toInterface = (req.requestType & RECIPIENT_MASK) === RECIPIENT_INTERFACE;
    switch (req.request) {
      case StandardRequest.GET_DESCRIPTOR:
        return this.descriptor(req.value >> 8, req.value & 0xff, toInterface);
      case StandardRequest.GET_STATUS:
        // bus powered, no remote wakeup; interfaces and endpoints: all zero (not halted)
        return ok(new Uint8Array(2));
      case StandardRequest.CLEAR_FEATURE:
      case StandardRequest.SET_FEATURE:
        // ENDPOINT_HALT on the interrupt endpoint and the like: nothing to halt in software; remote wakeup is not offered
        return req.requestType === 0x00 ? STALL : ok();
      default:
        return STALL;
    }
  }

  private descriptor(type: number, index: number, toInterface: boolean): UsbTransferResult {
    if (toInterface) {
      if (type === DescriptorType.REPORT) return ok(this.reportDescriptor);
      if (type === DescriptorType.HID) return ok(hidDescriptor(this.reportDescriptor.length));
      return STALL;
    }
    if (type === DescriptorType.DEVICE) return ok(this.device);
    if (type === DescriptorType.CONFIGURATION && index === 0) return ok(this.configuration);
    if (type === DescriptorType.STRING && this.strings[index]) return ok(this.strings[index]);
    return STALL; // device qualifier (not high-speed capable), other speed, BOS (bcdUSB 1.10)
  }

  private classRequest(req: UsbControlRequest): UsbTransferResult {
    const dirIn = (req.requestType & DIR_IN) !== 0;
    const reportType = req.value >> 8;
    switch (req.request) {
      case HidRequest.GET_REPORT:
        return dirIn && reportType === ReportType.INPUT ? ok(this.stateReport()) : STALL;
      case HidRequest.SET_REPORT:
        return !dirIn && reportType === ReportType.OUTPUT ? {status: this.outputReport(req.data)} : STALL;
      case HidRequest.GET_IDLE:
        return dirIn ? ok(Uint8Array.of(this.idle)) : STALL;
      case HidRequest.SET_IDLE:
        if (dirIn) return STALL;
        this.idle = req.value >> 8;
        return ok();
      case HidRequest.GET_PROTOCOL:
        return dirIn && this.options.subclass === HID_SUBCLASS_BOOT ? ok(Uint8Array.of(this.protocol)) : STALL;
      case HidRequest.SET_PROTOCOL:
        // HID 1.11 §7.2.6: required of boot devices only
        if (dirIn || this.options.subclass !== HID_SUBCLASS_BOOT || req.value > 1) return STALL;
        this.protocol = req.value;
        return ok();
      default:
        return STALL;
    }
  }

  reset(): void {
    // HID 1.11 §7.2.6: a reset returns to the report protocol
    this.protocol = 1;
    this.idle = 0;
  }

  /** One interrupt IN transfer: the oldest queued report, else the next one queued. */
  interruptIn(endpoint: number, signal: AbortSignal): Promise<UsbTransferResult> {
    if (endpoint !== HID_IN_ENDPOINT) return Promise.resolve(STALL);
    if (this.stream?.signal !== signal) this.stream = {signal, startedAt: performance.now()};
    const next = this.reports.shift();
    if (next) {
      // after the host has sent this one (its await resumes first)
      if (this.reports.length === 0) setImmediate(() => this.reports.length === 0 && this.emit('drained'));
      return Promise.resolve(ok(next));
    }
    if (signal.aborted) return Promise.resolve({status: UsbredirStatus.CANCELLED});
    return new Promise((resolve) => {
      const onAbort = () => {
        if (this.pending?.signal === signal) this.pending = undefined;
        resolve({status: UsbredirStatus.CANCELLED});
      };
      signal.addEventListener('abort', onAbort, {once: true});
      this.pending = {resolve, signal, onAbort};
      this.emit('polled');
    });
  }

  /** True while the guest's driver has an interrupt transfer pending (it is reading the device). */
  get polled(): boolean {
    return this.pending !== undefined;
  }

  /** Reports queued and not yet taken by an interrupt transfer. */
  get queuedReports(): number {
    return this.reports.length;
  }

  /** Queues an input report: the pending transfer takes it at once. */
  protected queueReport(report: Uint8Array): void {
    this.requireOpen();
    const p = this.pending;
    if (p) {
      this.pending = undefined;
      p.signal.removeEventListener('abort', p.onAbort);
      p.resolve(ok(report));
      return;
    }
    if (this.reports.length >= MAX_QUEUED_REPORTS) this.reports.shift();
    this.reports.push(report);
  }

  /**
   * Resolves once the guest's driver polls the device (its interrupt transfer is pending) and has been reading it
   * for SETTLE_AFTER_OPEN_MS.
   */
  async whenPolled(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.requireOpen();
    if (!this.polled) await this.waitEvent('polled', timeoutMs, `the guest to read the emulated ${this.options.product}`, signal);
    const settle = this.stream ? this.stream.startedAt + SETTLE_AFTER_OPEN_MS - performance.now() : 0;
    if (settle > 0) await new Promise((r) => setTimeout(r, settle));
  }

  /** Resolves once every queued report was taken by an interrupt transfer. */
  drained(timeoutMs: number): Promise<void> {
    if (this.reports.length === 0) return Promise.resolve();
    return this.waitEvent('drained', timeoutMs, `the guest to read ${this.reports.length} queued reports of the emulated ${this.options.product}`);
  }

  /** Waits for `event`; the device closing, the time running out and `signal` end the wait with an error. */
  private waitEvent(event: string, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
    if (this.closedReason) return Promise.reject(new SpiceError('connection-lost', `${this.closedReason}, while waiting for ${what}`));
    if (signal?.aborted) return Promise.reject(interruptedError(`interrupted while waiting for ${what}`));
    return new Promise((resolve, reject) => {
      const end = (err?: SpiceError) => {
        clearTimeout(timer);
        this.off(event, done);
        this.off('closed', closed);
        signal?.removeEventListener('abort', aborted);
        if (err) reject(err);
        else resolve();
      };
      const done = () => end();
      const closed = () => end(new SpiceError('connection-lost', `${this.closedReason}, while waiting for ${what}`));
      const aborted = () => end(interruptedError(`interrupted while waiting for ${what}`));
      const timer = setTimeout(() => end(new SpiceError('timeout', `timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.once(event, done);
      this.once('closed', closed);
      signal?.addEventListener('abort', aborted, {once: true});
    });
  }

  /** The device was unplugged (detached, or its slot ended): reports are refused from now on. */
  close(reason = `the emulated ${this.options.product} was detached`): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.reports.length = 0;
    const p = this.pending;
    this.pending = undefined;
    p?.signal.removeEventListener('abort', p.onAbort);
    p?.resolve({status: UsbredirStatus.CANCELLED});
    this.emit('closed');
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  protected requireOpen(): void {
    if (this.closedReason) throw new SpiceError('connection-lost', this.closedReason);
  }
}
