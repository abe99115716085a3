/**
 * An emulated USB mass storage device (a USB stick) over a disk image: the UsbDevice the usb layer's UsbDeviceHost
 * serves. Endpoint 0 answers the standard requests the host's USB stack sends (descriptors, status, endpoint halt)
 * and the Bulk-Only class requests (BOT §3: Bulk-Only Mass Storage Reset, Get Max LUN); the bulk endpoints carry the
 * Bulk-Only Transport (bot.ts) of SCSI commands (scsi.ts) on the image (image.ts).
 */
import {createHash} from 'node:crypto';
import path from 'node:path';
import {UsbredirSpeed, UsbredirStatus, UsbredirEpType} from '../../wire/usbredir/protocol.js';
import type {UsbControlRequest, UsbDevice, UsbDeviceInfo, UsbTransferResult} from '../device.js';
import {BulkOnlyTransport} from './bot.js';
import {
  BULK_IN_ENDPOINT,
  BULK_MAX_PACKET,
  BULK_OUT_ENDPOINT,
  configurationDescriptor,
  DescriptorType,
  deviceDescriptor,
  deviceQualifier,
  EP0_MAX_PACKET,
  STORAGE_INTERFACE,
  type StorageStrings,
  stringDescriptor,
} from './descriptors.js';
import type {DiskImage} from './image.js';
import {ScsiDisk} from './scsi.js';
import type {ScsiIdentity} from './scsi-data.js';

/** pid.codes' test VID:PID (1209:0001), free for private testing: this device is no vendor's product. */
export const STORAGE_VENDOR_ID = 0x1209;
export const STORAGE_PRODUCT_ID = 0x0001;
export const STORAGE_STRINGS = {manufacturer: 'spice-cli', product: 'spice-cli USB storage'} as const;
export const STORAGE_INQUIRY = {vendor: 'SPICECLI', product: 'EMULATED DISK', revision: '0001'} as const;

export interface UsbStorageOptions {
  /** USB serial number (and VPD unit serial number); default: 16 hex digits of a hash of the image's absolute path. */
  serial?: string;
}

/** Standard requests (USB 2.0 table 9-4) and the Bulk-Only class requests (BOT §3.1, §3.2). */
const Request = {GET_STATUS: 0, CLEAR_FEATURE: 1, SET_FEATURE: 3, GET_DESCRIPTOR: 6, GET_CONFIGURATION: 8, GET_INTERFACE: 10} as const;
const BOMS_RESET = 0xff;
const GET_MAX_LUN = 0xfe;
const ENDPOINT_HALT = 0;

const ok = (data?: Uint8Array): UsbTransferResult => ({status: UsbredirStatus.SUCCESS, data});
const STALL: UsbTransferResult = {status: UsbredirStatus.STALL};

/** A serial number of 16 upper-case hex digits that stays the same for the same image path. */
export function defaultSerial(imagePath: string): string {
  return createHash('sha256').update(path.resolve(imagePath)).digest('hex').slice(0, 16).toUpperCase();
}

export class UsbMassStorage implements UsbDevice {
  readonly info: UsbDeviceInfo;
  readonly disk: ScsiDisk;
  readonly transport: BulkOnlyTransport;
  readonly strings: StorageStrings;

  constructor(
    readonly image: DiskImage,
    opts: UsbStorageOptions = {},
  ) {
    const serial = opts.serial ?? defaultSerial(image.info.path);
    this.strings = {...STORAGE_STRINGS, serial};
    const identity: ScsiIdentity = {...STORAGE_INQUIRY, serial};
    this.disk = new ScsiDisk(image, identity);
    this.transport = new BulkOnlyTransport(this.disk, BULK_IN_ENDPOINT, BULK_OUT_ENDPOINT);
    const bulk = (address: number) => ({address, type: UsbredirEpType.BULK, interval: 0, interface: 0, maxPacketSize: BULK_MAX_PACKET});
    this.info = {
      speed: UsbredirSpeed.HIGH,
      deviceClass: 0,
      deviceSubclass: 0,
      deviceProtocol: 0,
      vendorId: STORAGE_VENDOR_ID,
      productId: STORAGE_PRODUCT_ID,
      deviceVersion: 0x0100,
      ep0MaxPacketSize: EP0_MAX_PACKET,
      interfaces: [{number: 0, ...STORAGE_INTERFACE}],
      endpoints: [bulk(BULK_IN_ENDPOINT), bulk(BULK_OUT_ENDPOINT)],
    };
  }

  control(r: UsbControlRequest): UsbTransferResult {
    const type = r.requestType;
    if (type === 0xa1 && r.request === GET_MAX_LUN && r.value === 0 && r.index === 0) return ok(Uint8Array.of(0)); // one LUN: 0
    if (type === 0x21 && r.request === BOMS_RESET && r.value === 0 && r.index === 0 && r.length === 0) {
      this.transport.massStorageReset();
      return ok();
    }
    switch (r.request) {
      case Request.GET_DESCRIPTOR:
        return type === 0x80 ? this.descriptor(r.value >> 8, r.value & 0xff) : STALL;
      case Request.GET_STATUS:
        if (type === 0x80 || type === 0x81) return ok(Uint8Array.of(0, 0)); // bus powered, no remote wakeup
        if (type === 0x82) return ok(Uint8Array.of(this.transport.halted(r.index & 0xff) ? 1 : 0, 0));
        return STALL;
      case Request.CLEAR_FEATURE:
      case Request.SET_FEATURE:
        if (type === 0x02 && r.value === ENDPOINT_HALT && this.isBulkEndpoint(r.index & 0xff)) {
          if (r.request === Request.SET_FEATURE) this.transport.halt(r.index & 0xff);
          else this.transport.clearHalt(r.index & 0xff);
          return ok();
        }
        return type === 0x00 ? ok() : STALL; // device features (remote wakeup): accepted, nothing to do
      case Request.GET_CONFIGURATION:
        return type === 0x80 ? ok(Uint8Array.of(1)) : STALL;
      case Request.GET_INTERFACE:
        return type === 0x81 ? ok(Uint8Array.of(0)) : STALL;
      default:
        return STALL;
    }
  }

  bulk(endpoint: number, length: number, data: Uint8Array): Promise<UsbTransferResult> {
    if (endpoint === BULK_IN_ENDPOINT) return this.transport.bulkIn(length);
    if (endpoint === BULK_OUT_ENDPOINT) return this.transport.bulkOut(data);
    return Promise.resolve(STALL);
  }

  reset(): void {
    this.transport.usbReset();
  }

  private isBulkEndpoint(address: number): boolean {
    return address === BULK_IN_ENDPOINT || address === BULK_OUT_ENDPOINT;
  }

  private descriptor(type: number, index: number): UsbTransferResult {
    const d =
      type === DescriptorType.DEVICE
        ? deviceDescriptor(STORAGE_VENDOR_ID, STORAGE_PRODUCT_ID, this.info.deviceVersion)
        : type === DescriptorType.CONFIGURATION && index === 0
          ? configurationDescriptor()
          : type === DescriptorType.DEVICE_QUALIFIER
            ? deviceQualifier()
            : type === DescriptorType.STRING
              ? stringDescriptor(index, this.strings)
              : undefined;
    return d ? ok(d) : STALL;
  }
}
