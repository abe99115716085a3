/**
 * A real host USB device behind the UsbDevice interface the emulated devices implement, over a UsbBackend (our own
 * interface; node-usb.ts is the real one, test/support/scripted-usb.ts the scripted one). Opening claims every
 * interface of the active configuration, detaching the kernel driver bound to it first; close() releases them and
 * reattaches the drivers it detached, whatever happened before (unplugged, aborted, failed). Transfers are
 * forwarded as they are: control with the guest's raw setup, bulk and interrupt by endpoint, IN interrupts as one
 * pending transfer cancelled by the host's signal. A transfer that finds the device unplugged (NO_DEVICE) fails
 * with the 'device-unplugged' error and resolves `gone`, so the redirect ends and the guest sees a disconnect.
 */
import type {SpiceError} from '../../errors.js';
import {UsbredirSpeed, UsbredirStatus} from '../../wire/usbredir/protocol.js';
import type {UsbControlRequest, UsbDevice, UsbDeviceInfo, UsbEndpointInfo, UsbInterfaceInfo, UsbTransferResult} from '../device.js';
import {busPortName, type BackendTransferResult, type HostConfigDescriptor, type HostDeviceHandle, type OpenedHostDevice} from './backend.js';
import {backendCode, mapDeviceError, type DeviceIds} from './errors.js';

const SPEEDS: Record<string, number> = {low: UsbredirSpeed.LOW, full: UsbredirSpeed.FULL, high: UsbredirSpeed.HIGH, super: UsbredirSpeed.SUPER};

/** A transfer's outcome as a usbredir status. */
export function usbredirStatus(s: BackendTransferResult['status']): number {
  switch (s) {
    case 'ok':
      return UsbredirStatus.SUCCESS;
    case 'stall':
      return UsbredirStatus.STALL;
    case 'timeout':
      return UsbredirStatus.TIMEOUT;
    case 'overflow':
      return UsbredirStatus.BABBLE;
    case 'cancelled':
      return UsbredirStatus.CANCELLED;
    default:
      return UsbredirStatus.IOERROR;
  }
}

/** What open/claim/release did, for the report and the tests. */
export interface HostDeviceLog {
  detachedDrivers: number[];
  claimed: number[];
  released: number[];
  reattachedDrivers: number[];
  /** Failures while cleaning up (after an unplug most are NO_DEVICE). */
  cleanupErrors: string[];
}

export interface HostDeviceCounters {
  control: number;
  bulk: number;
  interrupt: number;
  bytesIn: number;
  bytesOut: number;
}

export class HostUsbDevice implements UsbDevice {
  readonly info: UsbDeviceInfo;
  readonly ids: DeviceIds;
  readonly log: HostDeviceLog = {detachedDrivers: [], claimed: [], released: [], reattachedDrivers: [], cleanupErrors: []};
  readonly counters: HostDeviceCounters = {control: 0, bulk: 0, interrupt: 0, bytesIn: 0, bytesOut: 0};
  /** Resolves with the error when the device is found unplugged (NO_DEVICE) in a transfer. */
  readonly gone: Promise<SpiceError>;
  private markGone!: (e: SpiceError) => void;
  private unplugged: SpiceError | undefined;
  private closed = false;
  private configValue: number;
  private readonly alts = new Map<number, number>();
  /** Cancels every transfer in flight on close. */
  private readonly closing = new AbortController();

  private constructor(
    readonly dev: OpenedHostDevice,
    private readonly configs: HostConfigDescriptor[],
  ) {
    const d = dev.descriptor;
    this.ids = {vendorId: d.vendorId, productId: d.productId, busPort: busPortName(d)};
    this.gone = new Promise((resolve) => (this.markGone = resolve));
    this.configValue = dev.activeConfiguration() || configs[0]?.value || 0;
    this.info = {
      speed: d.speed ? (SPEEDS[d.speed] ?? UsbredirSpeed.UNKNOWN) : d.usbVersion >= 0x0300 ? UsbredirSpeed.SUPER : d.usbVersion >= 0x0200 ? UsbredirSpeed.HIGH : UsbredirSpeed.FULL,
      deviceClass: d.deviceClass,
      deviceSubclass: d.deviceSubclass,
      deviceProtocol: d.deviceProtocol,
      vendorId: d.vendorId,
      productId: d.productId,
      deviceVersion: d.deviceVersion,
      ep0MaxPacketSize: d.maxPacketSize0,
      interfaces: [],
      endpoints: [],
    };
    this.describe(new Map());
  }

  /**
   * Opens the device and claims every interface of its active configuration (detaching kernel drivers). On any
   * failure what was done is undone and the mapped error thrown.
   */
  static async open(handle: HostDeviceHandle): Promise<HostUsbDevice> {
    const d = handle.descriptor;
    const ids: DeviceIds = {vendorId: d.vendorId, productId: d.productId, busPort: busPortName(d)};
    let dev: OpenedHostDevice;
    try {
      dev = await handle.open();
    } catch (e) {
      throw mapDeviceError(e, ids, 'opening');
    }
    const device = new HostUsbDevice(dev, handle.configs());
    try {
      device.claimAll();
    } catch (e) {
      await device.close();
      throw e;
    }
    return device;
  }

  private get config(): HostConfigDescriptor | undefined {
    return this.configs.find((c) => c.value === this.configValue) ?? this.configs[0];
  }

  private interfaceNumbers(): number[] {
    return [...new Set((this.config?.interfaces ?? []).map((i) => i.number))];
  }

  /** interfaces and endpoints of the current configuration at the given alternate settings (default 0). */
  private describe(alts: Map<number, number>): void {
    const interfaces: UsbInterfaceInfo[] = [];
    const endpoints: UsbEndpointInfo[] = [];
    for (const n of this.interfaceNumbers()) {
      const all = (this.config?.interfaces ?? []).filter((i) => i.number === n);
      const i = all.find((a) => a.altSetting === (alts.get(n) ?? 0)) ?? all[0]!;
      interfaces.push({number: i.number, class: i.class, subclass: i.subclass, protocol: i.protocol});
      for (const e of i.endpoints) {
        const type = e.attributes & 3;
        endpoints.push({address: e.address, type, interval: e.interval, interface: i.number, maxPacketSize: e.maxPacketSize});
      }
    }
    this.info.interfaces = interfaces;
    this.info.endpoints = endpoints;
  }
  private claimAll(): void {
    for (const n of this.interfaceNumbers()) {
      try {
        if (this.dev.isKernelDriverActive(n)) {
          this.dev.detachKernelDriver(n);
          this.log.detachedDrivers.push(n);
        }
      } catch (e) {
        // NOT_SUPPORTED (not Linux) means there is nothing to detach
        if (backendCode(e) !== 'NOT_SUPPORTED') throw mapDeviceError(e, this.ids, `detaching the kernel driver of interface ${n}`);
      }
      try {
        this.dev.claimInterface(n);
        this.log.claimed.push(n);
      } catch (e) {
        throw mapDeviceError(e, this.ids, `claiming interface ${n}`);
      }
    }
  }

  private async releaseAll(): Promise<void> {
    for (const n of [...this.log.claimed].reverse()) {
      if (this.log.released.includes(n)) continue;
      try {
        await this.dev.releaseInterface(n);
        this.log.released.push(n);
      } catch (e) {
        this.log.cleanupErrors.push(`release interface ${n}: ${String(e)}`);
      }
    }
    for (const n of this.log.detachedDrivers) {
      if (this.log.reattachedDrivers.includes(n)) continue;
      try {
        this.dev.attachKernelDriver(n);
        this.log.reattachedDrivers.push(n);
      } catch (e) {
        this.log.cleanupErrors.push(`reattach the kernel driver of interface ${n}: ${String(e)}`);
      }
    }
  }

  /** Unplugged, or closed: transfers fail fast. */
  get ended(): SpiceError | undefined {
    return this.unplugged;
  }

  /** A transfer's failure: NO_DEVICE marks the device gone. Always throws (the host answers ioerror). */
  private failed(e: unknown, during: string): never {
    const err = mapDeviceError(e, this.ids, during);
    if (backendCode(e) === 'NO_DEVICE' && !this.unplugged) {
      this.unplugged = err;
      this.markGone(err);
    }
    throw err;
  }

  private result(r: BackendTransferResult, inDir: boolean): UsbTransferResult {
    const status = usbredirStatus(r.status);
    if (inDir) this.counters.bytesIn += r.data?.length ?? 0;
    else this.counters.bytesOut += r.written ?? 0;
    return inDir ? {status, data: r.data ?? new Uint8Array(0)} : {status};
  }

  private check(): void {
    if (this.unplugged) throw this.unplugged;
  }

  async control(req: UsbControlRequest): Promise<UsbTransferResult> {
    this.check();
    this.counters.control++;
    const inDir = (req.requestType & 0x80) !== 0;
    try {
      const r = await this.dev.control(req.requestType, req.request, req.value, req.index, inDir ? req.length : req.data);
      return this.result(r, inDir);
    } catch (e) {
      this.failed(e, 'in a control transfer');
    }
  }

  async bulk(endpoint: number, length: number, data: Uint8Array): Promise<UsbTransferResult> {
    this.check();
    this.counters.bulk++;
    const inDir = (endpoint & 0x80) !== 0;
    try {
      return this.result(await this.dev.transfer('bulk', endpoint, inDir ? length : data, this.closing.signal), inDir);
    } catch (e) {
      this.failed(e, 'in a bulk transfer');
    }
  }

  async interruptOut(endpoint: number, data: Uint8Array): Promise<UsbTransferResult> {
    this.check();
    this.counters.interrupt++;
    try {
      return this.result(await this.dev.transfer('interrupt', endpoint, data, this.closing.signal), false);
    } catch (e) {
      this.failed(e, 'in an interrupt transfer');
    }
  }

  async interruptIn(endpoint: number, signal: AbortSignal): Promise<UsbTransferResult> {
    this.check();
    this.counters.interrupt++;
    const size = this.info.endpoints.find((e) => e.address === endpoint)?.maxPacketSize ?? 64;
    try {
      return this.result(await this.dev.transfer('interrupt', endpoint, size, AbortSignal.any([signal, this.closing.signal])), true);
    } catch (e) {
      this.failed(e, 'in an interrupt transfer');
    }
  }

  async reset(): Promise<void> {
    this.check();
    try {
      await this.dev.reset();
    } catch (e) {
      // libusb reports NOT_FOUND when the reset made the device re-enumerate: that is an unplug to us
      this.failed(e, 'resetting');
    }
  }

  async setConfiguration(value: number): Promise<number> {
    this.check();
    if (value === this.configValue) return UsbredirStatus.SUCCESS;
    if (!this.configs.some((c) => c.value === value)) return UsbredirStatus.STALL;
    await this.releaseAll();
    this.log.claimed.length = 0;
    this.log.released.length = 0;
    try {
      await this.dev.setConfiguration(value);
    } catch (e) {
      this.failed(e, `setting configuration ${value}`);
    }
    this.configValue = value;
    this.alts.clear();
    this.describe(this.alts);
    this.claimAll();
    return UsbredirStatus.SUCCESS;
  }

  async setAltSetting(iface: number, alt: number): Promise<number> {
    this.check();
    const exists = (this.config?.interfaces ?? []).some((i) => i.number === iface && i.altSetting === alt);
    if (!exists) return UsbredirStatus.STALL;
    try {
      await this.dev.setAltSetting(iface, alt);
    } catch (e) {
      if (backendCode(e) === 'PIPE') return UsbredirStatus.STALL;
      this.failed(e, `setting alternate setting ${alt} of interface ${iface}`);
    }
    this.alts.set(iface, alt);
    this.describe(this.alts);
    return UsbredirStatus.SUCCESS;
  }

  /** Cancels transfers in flight, releases the interfaces, reattaches the kernel drivers, closes. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    await this.releaseAll();
    try {
      this.dev.close();
    } catch (e) {
      this.log.cleanupErrors.push(`close: ${String(e)}`);
    }
  }
}

