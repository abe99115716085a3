/**
 * The parameter data a SCSI direct-access block device returns (SPC-4 and SBC-3): standard INQUIRY data and the
 * vital product data pages, capacities, mode pages, REPORT LUNS. Pure functions of the disk's identity and size.
 */

/** How the disk names itself in INQUIRY data (ASCII, space-padded to 8/16/4 characters) and VPD page 80h. */
export interface ScsiIdentity {
  vendor: string;
  product: string;
  revision: string;
  serial: string;
}

/** VPD pages served: supported pages, unit serial number, device identification. */
export const VPD_PAGES = [0x00, 0x80, 0x83] as const;

/** Mode pages served: caching (08h) and informational exceptions control (1Ch). */
const MODE_PAGES = [0x08, 0x1c] as const;

function ascii(text: string, width: number): Uint8Array {
  const out = new Uint8Array(width).fill(0x20);
  for (let i = 0; i < Math.min(width, text.length); i++) {
    const c = text.charCodeAt(i);
    out[i] = c >= 0x20 && c < 0x7f ? c : 0x3f;
  }
  return out;
}

/** Standard INQUIRY data, 36 bytes (SPC-4 §6.6.2): direct-access block device, removable medium, SPC-4. */
export function standardInquiry(id: ScsiIdentity): Uint8Array {
  const d = new Uint8Array(36);
  d[0] = 0x00; // peripheral qualifier 0, device type 0 (direct access block device)
  d[1] = 0x80; // RMB: removable medium, as USB sticks report
  d[2] = 0x06; // VERSION: SPC-4
  d[3] = 0x02; // RESPONSE DATA FORMAT 2
  d[4] = 36 - 5; // ADDITIONAL LENGTH
  d.set(ascii(id.vendor, 8), 8);
  d.set(ascii(id.product, 16), 16);
  d.set(ascii(id.revision, 4), 32);
  return d;
}

/** A VPD page (SPC-4 §7.8): header (device type, page code, page length) and body; undefined for pages not served. */
export function vpdPage(page: number, id: ScsiIdentity): Uint8Array | undefined {
  let body: Uint8Array;
  if (page === 0x00) {
    body = Uint8Array.from(VPD_PAGES);
  } else if (page === 0x80) {
    body = ascii(id.serial, id.serial.length);
  } else if (page === 0x83) {
    // One designator: T10 vendor ID based (type 1), ASCII (code set 2), associated with the logical unit.
    const t10 = new Uint8Array([...ascii(id.vendor, 8), ...ascii(id.product, 16), ...ascii(id.serial, id.serial.length)]);
    body = new Uint8Array([0x02, 0x01, 0x00, t10.length, ...t10]);
  } else {
    return undefined;
  }
  const d = new Uint8Array(4 + body.length);
  d[1] = page;
  d[2] = body.length >> 8;
  d[3] = body.length & 0xff;
  d.set(body, 4);
  return d;
}

/** READ CAPACITY(10) data (SBC-3 §5.15.2): last LBA (FFFFFFFFh when it does not fit: use the 16-byte form), block length. */
export function readCapacity10(blocks: number, blockSize: number): Uint8Array {
  const d = new Uint8Array(8);
  const v = new DataView(d.buffer);
  v.setUint32(0, blocks - 1 > 0xfffffffe ? 0xffffffff : blocks - 1);
  v.setUint32(4, blockSize);
  return d;
}

/** READ CAPACITY(16) data, 32 bytes (SBC-3 §5.16.2): last LBA as 64 bits, block length, nothing else. */
export function readCapacity16(blocks: number, blockSize: number): Uint8Array {
  const d = new Uint8Array(32);
  const v = new DataView(d.buffer);
  v.setBigUint64(0, BigInt(blocks - 1));
  v.setUint32(8, blockSize);
  return d;
}

/** READ FORMAT CAPACITIES data (MMC/UFI): a capacity list header and the current capacity, "formatted media". */
export function formatCapacities(blocks: number, blockSize: number): Uint8Array {
  const d = new Uint8Array(12);
  const v = new DataView(d.buffer);
  d[3] = 8; // CAPACITY LIST LENGTH
  v.setUint32(4, Math.min(blocks, 0xffffffff));
  v.setUint32(8, blockSize & 0xffffff);
  d[8] = 0x02; // DESCRIPTOR CODE 10b: formatted media, current capacity
  return d;
}

/** REPORT LUNS data (SPC-4 §6.33): LUN 0 only. */
export function reportLuns(): Uint8Array {
  const d = new Uint8Array(16);
  d[3] = 8;
  return d;
}

/**
 * Mode pages for MODE SENSE (SPC-4 §7.5): one page or all (3Fh); undefined for a page not served. `changeable`
 * (page control 01b) gives the mask of changeable fields: none here. Caching reports WCE=0: every write reaches the
 * image file before its status.
 */
export function modePages(page: number, changeable: boolean): Uint8Array | undefined {
  const one = (p: number): Uint8Array => {
    if (p === 0x08) return new Uint8Array([0x08, 0x12, ...new Array<number>(0x12).fill(0)]);
    return new Uint8Array([0x1c, 0x0a, ...new Array<number>(0x0a).fill(0)]);
  };
  void changeable; // no field is changeable, and the current values are all zero too
  if (page === 0x3f) return concat(MODE_PAGES.map(one));
  return (MODE_PAGES as readonly number[]).includes(page) ? one(page) : undefined;
}

/** MODE SENSE(6) or (10) parameter data: header (WP bit when write-protected, no block descriptors), then the pages. */
export function modeParameters(pages: Uint8Array, writeProtected: boolean, ten: boolean): Uint8Array {
  const headerSize = ten ? 8 : 4;
  const d = new Uint8Array(headerSize + pages.length);
  const dataLength = d.length - (ten ? 2 : 1); // MODE DATA LENGTH excludes itself
  if (ten) {
    d[0] = dataLength >> 8;
    d[1] = dataLength & 0xff;
    d[3] = writeProtected ? 0x80 : 0; // DEVICE-SPECIFIC PARAMETER: WP (SBC-3 §6.4.1)
  } else {
    d[0] = dataLength;
    d[2] = writeProtected ? 0x80 : 0;
  }
  d.set(pages, headerSize);
  return d;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
