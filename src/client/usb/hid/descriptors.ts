/**
 * Standard USB descriptors (USB 2.0 §9.6) and the HID class descriptor (HID 1.11 §6.2.1) as bytes, for the
 * emulated HID devices. All multi-byte fields are little-endian.
 */

/** bDescriptorType values. */
export const DescriptorType = {
  DEVICE: 1,
  CONFIGURATION: 2,
  STRING: 3,
  INTERFACE: 4,
  ENDPOINT: 5,
  /** HID 1.11 §7.1: class descriptors, read with GET_DESCRIPTOR addressed to the interface. */
  HID: 0x21,
  REPORT: 0x22,
} as const;

const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];

export interface DeviceDescriptorFields {
  /** bcdUSB. */
  usbVersion: number;
  deviceClass: number;
  deviceSubclass: number;
  deviceProtocol: number;
  maxPacketSize0: number;
  vendorId: number;
  productId: number;
  /** bcdDevice. */
  deviceVersion: number;
  /** String indexes (0: none). */
  manufacturerIndex: number;
  productIndex: number;
  serialIndex: number;
}

/** The 18-byte device descriptor with one configuration. */
export function deviceDescriptor(d: DeviceDescriptorFields): Uint8Array {
  return Uint8Array.from([
    18,
    DescriptorType.DEVICE,
    ...u16(d.usbVersion),
    d.deviceClass,
    d.deviceSubclass,
    d.deviceProtocol,
    d.maxPacketSize0,
    ...u16(d.vendorId),
    ...u16(d.productId),
    ...u16(d.deviceVersion),
    d.manufacturerIndex,
    d.productIndex,
    d.serialIndex,
    1, // bNumConfigurations
  ]);
}

/** bmAttributes of a configuration: bit 7 reserved (set), bit 6 self-powered, bit 5 remote wakeup. */
export const CONFIG_ATTRIBUTES_BUS_POWERED = 0x80;

/**
 * A configuration descriptor followed by `parts` (interface, class and endpoint descriptors), wTotalLength
 * covering them all. bMaxPower is in 2 mA units.
 */
export function configurationDescriptor(o: {value: number; interfaces: number; attributes: number; maxPowerMa: number}, parts: Uint8Array[]): Uint8Array {
  const body = parts.flatMap((p) => [...p]);
  const total = 9 + body.length;
  return Uint8Array.from([9, DescriptorType.CONFIGURATION, ...u16(total), o.interfaces, o.value, 0, o.attributes, Math.ceil(o.maxPowerMa / 2), ...body]);
}

export function interfaceDescriptor(o: {number: number; endpoints: number; class: number; subclass: number; protocol: number}): Uint8Array {
  return Uint8Array.from([9, DescriptorType.INTERFACE, o.number, 0, o.endpoints, o.class, o.subclass, o.protocol, 0]);
}

/** `attributes`: the transfer type (3: interrupt). `interval`: bInterval (frames at full speed). */
export function endpointDescriptor(o: {address: number; attributes: number; maxPacketSize: number; interval: number}): Uint8Array {
  return Uint8Array.from([7, DescriptorType.ENDPOINT, o.address, o.attributes, ...u16(o.maxPacketSize), o.interval]);
}

/** The HID descriptor (HID 1.11 §6.2.1): bcdHID 1.11, no country code, one report descriptor of `reportLength` bytes. */
export function hidDescriptor(reportLength: number): Uint8Array {
  return Uint8Array.from([9, DescriptorType.HID, ...u16(0x0111), 0, 1, DescriptorType.REPORT, ...u16(reportLength)]);
}

/** String descriptor 0: the supported LANGIDs (US English, 0x0409). */
export const LANGID_DESCRIPTOR = Uint8Array.from([4, DescriptorType.STRING, ...u16(0x0409)]);

/** A string descriptor: the text in UTF-16LE (at most 126 code units). */
export function stringDescriptor(text: string): Uint8Array {
  const units = [...text].flatMap((c) => {
    const cp = c.codePointAt(0)!;
    return cp > 0xffff ? [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)] : [cp];
  });
  if (units.length > 126) throw new RangeError(`USB string too long (${units.length} UTF-16 units, at most 126): ${text}`);
  return Uint8Array.from([2 + units.length * 2, DescriptorType.STRING, ...units.flatMap(u16)]);
}
