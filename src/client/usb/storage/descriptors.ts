/**
 * The USB descriptors of the emulated stick (USB 2.0 §9.6): a high-speed device with one configuration holding one
 * Mass Storage interface (class 08h, subclass 06h SCSI transparent command set, protocol 50h Bulk-Only Transport)
 * with a Bulk-In and a Bulk-Out endpoint of 512 bytes, and string descriptors for the manufacturer, product and
 * serial number (BOT §4.1.1: the serial is at least 12 hexadecimal digits).
 */

export const STORAGE_INTERFACE = {class: 0x08, subclass: 0x06, protocol: 0x50} as const;
export const BULK_IN_ENDPOINT = 0x81;
export const BULK_OUT_ENDPOINT = 0x02;
export const BULK_MAX_PACKET = 512;
export const EP0_MAX_PACKET = 64;

/** Descriptor types (USB 2.0 table 9-5). */
export const DescriptorType = {DEVICE: 1, CONFIGURATION: 2, STRING: 3, INTERFACE: 4, ENDPOINT: 5, DEVICE_QUALIFIER: 6} as const;

export interface StorageStrings {
  manufacturer: string;
  product: string;
  serial: string;
}

/** String descriptor indexes. */
const STRING_INDEX = {manufacturer: 1, product: 2, serial: 3} as const;

const le16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];

export function deviceDescriptor(vendorId: number, productId: number, bcdDevice: number): Uint8Array {
  return Uint8Array.from([
    18, DescriptorType.DEVICE, ...le16(0x0200), // bcdUSB 2.00
    0, 0, 0, // class, subclass, protocol: given by the interface
    EP0_MAX_PACKET, ...le16(vendorId), ...le16(productId), ...le16(bcdDevice),
    STRING_INDEX.manufacturer, STRING_INDEX.product, STRING_INDEX.serial,
    1, // bNumConfigurations
  ]);
}

/** The configuration descriptor with its interface and endpoint descriptors (wTotalLength bytes). */
export function configurationDescriptor(): Uint8Array {
  const endpoint = (address: number) => [7, DescriptorType.ENDPOINT, address, 0x02 /* bulk */, ...le16(BULK_MAX_PACKET), 0];
  const body = [
    9, DescriptorType.INTERFACE, 0, 0, 2, STORAGE_INTERFACE.class, STORAGE_INTERFACE.subclass, STORAGE_INTERFACE.protocol, 0,
    ...endpoint(BULK_IN_ENDPOINT),
    ...endpoint(BULK_OUT_ENDPOINT),
  ];
  const total = 9 + body.length;
  // bConfigurationValue 1, bmAttributes 80h (bus powered), bMaxPower 50 (100 mA)
  return Uint8Array.from([9, DescriptorType.CONFIGURATION, ...le16(total), 1, 1, 0, 0x80, 50, ...body]);
}

/** The device qualifier (USB 2.0 §9.6.2): what the device would be at full speed. */
export function deviceQualifier(): Uint8Array {
  return Uint8Array.from([10, DescriptorType.DEVICE_QUALIFIER, ...le16(0x0200), 0, 0, 0, EP0_MAX_PACKET, 1, 0]);
}

/** String descriptor `index` (0: the language IDs, US English only); undefined for an index not defined. */
export function stringDescriptor(index: number, strings: StorageStrings): Uint8Array | undefined {
  if (index === 0) return Uint8Array.from([4, DescriptorType.STRING, ...le16(0x0409)]);
  const text = index === STRING_INDEX.manufacturer ? strings.manufacturer : index === STRING_INDEX.product ? strings.product : index === STRING_INDEX.serial ? strings.serial : undefined;
  if (text === undefined) return undefined;
  // UTF-16LE code units, at most 126 (bLength is one byte)
  const units = Array.from({length: Math.min(text.length, 126)}, (_, i) => text.charCodeAt(i));
  return Uint8Array.from([2 + units.length * 2, DescriptorType.STRING, ...units.flatMap(le16)]);
}
