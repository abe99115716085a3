/**
 * USB Mass Storage Class Bulk-Only Transport (BOT 1.0), device side: a Command Block Wrapper (CBW, 31 bytes) on the
 * Bulk-Out pipe, an optional data phase, a Command Status Wrapper (CSW, 13 bytes) on the Bulk-In pipe. The host's
 * expectation (dCBWDataTransferLength and direction) is matched against the command's intent as in BOT §6.7's
 * thirteen cases: less data than expected ends with a short packet and a STALLed Bulk-In pipe; a disagreement in
 * direction or a device wanting more than the host allows gives a CSW with phase error. A CBW that is not valid
 * (BOT §6.6.1: wrong size, signature or command length) STALLs both pipes until Reset Recovery (Bulk-Only Mass
 * Storage Reset, then CLEAR_FEATURE(ENDPOINT_HALT) on both pipes).
 */
import {UsbredirStatus} from '../../wire/usbredir/protocol.js';
import type {UsbTransferResult} from '../device.js';
import {type ByteRange, type ScsiDisk} from './scsi.js';
import {SENSE} from './sense.js';

export const CBW_SIGNATURE = 0x43425355; // "USBC"
export const CSW_SIGNATURE = 0x53425355; // "USBS"
export const CBW_SIZE = 31;
export const CSW_SIZE = 13;

/** bCSWStatus values (BOT §5.2). */
export const CswStatus = {PASSED: 0, FAILED: 1, PHASE_ERROR: 2} as const;

/** The largest data reply to one Bulk-In request; a larger request gets a short packet (well under usbredir's limit). */
const MAX_IN_CHUNK = 16 * 1024 * 1024;

type Phase =
  | {name: 'cbw'}
  /** Device → host: `length` bytes from `data` or the image range `read`. */
  | {name: 'data-in'; tag: number; expected: number; status: number; length: number; sent: number; data?: Uint8Array; read?: ByteRange}
  /** Host → device: `expected` bytes, the first `write.length` of them into the image (none when `write` is unset). */
  | {name: 'data-out'; tag: number; expected: number; status: number; received: number; write?: ByteRange; written: number}
  | {name: 'csw'; tag: number; residue: number; status: number};

const ok = (data?: Uint8Array): UsbTransferResult => ({status: UsbredirStatus.SUCCESS, data});
const STALL: UsbTransferResult = {status: UsbredirStatus.STALL};

export class BulkOnlyTransport {
  private phase: Phase = {name: 'cbw'};
  private haltedIn = false;
  private haltedOut = false;
  /** An invalid CBW was received: the pipes stay STALLed until a Bulk-Only Mass Storage Reset. */
  private resetRecoveryNeeded = false;
  /** Commands (valid CBWs) handled, image bytes sent to and received from the host. */
  readonly stats = {commands: 0, bytesRead: 0, bytesWritten: 0};

  constructor(
    readonly disk: ScsiDisk,
    readonly inEndpoint: number,
    readonly outEndpoint: number,
  ) {}

  /** The current phase's name (for tests and logs). */
  get phaseName(): Phase['name'] {
    return this.phase.name;
  }

  /** ENDPOINT_HALT of a bulk endpoint (GET_STATUS). */
  halted(endpoint: number): boolean {
    return endpoint === this.inEndpoint ? this.haltedIn : endpoint === this.outEndpoint ? this.haltedOut : false;
  }

  /** SET_FEATURE(ENDPOINT_HALT). */
  halt(endpoint: number): void {
    if (endpoint === this.inEndpoint) this.haltedIn = true;
    if (endpoint === this.outEndpoint) this.haltedOut = true;
  }

  /** CLEAR_FEATURE(ENDPOINT_HALT): ignored while Reset Recovery is pending (BOT §6.6.1). */
  clearHalt(endpoint: number): void {
    if (this.resetRecoveryNeeded) return;
    if (endpoint === this.inEndpoint) this.haltedIn = false;
    if (endpoint === this.outEndpoint) this.haltedOut = false;
  }

  /** Bulk-Only Mass Storage Reset (BOT §3.1): ready for a CBW; STALL conditions are kept for the host to clear. */
  massStorageReset(): void {
    this.resetRecoveryNeeded = false;
    this.phase = {name: 'cbw'};
  }

  /** A USB port reset: everything back to its initial state. */
  usbReset(): void {
    this.massStorageReset();
    this.haltedIn = false;
    this.haltedOut = false;
  }

  /** A transfer on the Bulk-Out pipe: a CBW, or data of a data-out phase. */
  async bulkOut(data: Uint8Array): Promise<UsbTransferResult> {
    if (this.haltedOut) return STALL;
    if (this.phase.name === 'cbw') return this.commandBlock(data);
    if (this.phase.name === 'data-out') return this.dataOut(this.phase, data);
    return STALL; // the host sends while the device has data or a CSW for it
  }

  /** A transfer on the Bulk-In pipe of at most `length` bytes: data of a data-in phase, or the CSW. */
  async bulkIn(length: number): Promise<UsbTransferResult> {
    if (this.haltedIn) return STALL;
    const p = this.phase;
    if (p.name === 'data-in') return this.dataIn(p, length);
    if (p.name !== 'csw') return STALL;
    this.phase = {name: 'cbw'};
    return ok(commandStatus(p.tag, p.residue, p.status));
  }

  private invalidCommandBlock(): UsbTransferResult {
    this.resetRecoveryNeeded = true;
    this.haltedIn = true;
    this.haltedOut = true;
    return ok(); // the CBW itself was received; the pipes STALL from now on
  }

  private async commandBlock(cbw: Uint8Array): Promise<UsbTransferResult> {
    if (cbw.length !== CBW_SIZE) return this.invalidCommandBlock();
    const v = new DataView(cbw.buffer, cbw.byteOffset, cbw.byteLength);
    const cbLength = cbw[14]! & 0x1f;
    if (v.getUint32(0, true) !== CBW_SIGNATURE || cbLength < 1 || cbLength > 16) return this.invalidCommandBlock();
    this.stats.commands++;
    const tag = v.getUint32(4, true);
    const expected = v.getUint32(8, true);
    const hostIn = (cbw[12]! & 0x80) !== 0;
    const lun = cbw[13]! & 0x0f;
    const outcome = lun === 0 ? await this.disk.execute(cbw.slice(15, 15 + cbLength)) : this.disk.unsupportedLun();
    const status = outcome.status === 'good' ? CswStatus.PASSED : CswStatus.FAILED;
    const deviceIn = outcome.data?.length ?? outcome.read?.length ?? 0;
    const deviceOut = outcome.write?.length ?? 0;
    const csw = (residue: number, s: number) => (this.phase = {name: 'csw', tag, residue, status: s});

    if (expected === 0) {
      // cases 1–3: no data phase; a device wanting one reports a phase error
      csw(0, deviceIn || deviceOut ? CswStatus.PHASE_ERROR : status);
    } else if (hostIn) {
      if (deviceOut) {
        // case 8 (Hi <> Do): STALL Bulk-In, phase error
        this.haltedIn = true;
        csw(expected, CswStatus.PHASE_ERROR);
      } else if (deviceIn === 0) {
        // case 4 (Hi > Dn): no data, STALL Bulk-In
        this.haltedIn = true;
        csw(expected, status);
      } else {
        // cases 5–7: the device's data up to what the host expects; more than that is a phase error
        const length = Math.min(deviceIn, expected);
        const s = deviceIn > expected ? CswStatus.PHASE_ERROR : status;
        this.phase = {name: 'data-in', tag, expected, status: s, length, sent: 0, data: outcome.data, read: outcome.read};
      }
    } else if (deviceIn) {
      // case 10 (Ho <> Di): STALL Bulk-Out, phase error
      this.haltedOut = true;
      csw(expected, CswStatus.PHASE_ERROR);
    } else {
      // cases 9, 11, 12: accept what the host sends, the device's part into the image, the rest discarded;
      // case 13 (Ho < Do): everything discarded, phase error
      const fits = deviceOut <= expected;
      const write = fits && outcome.write ? outcome.write : undefined;
      this.phase = {name: 'data-out', tag, expected, status: fits ? status : CswStatus.PHASE_ERROR, received: 0, write, written: 0};
    }
    return ok();
  }

  private async dataIn(p: Extract<Phase, {name: 'data-in'}>, asked: number): Promise<UsbTransferResult> {
    const n = Math.min(asked, p.length - p.sent, MAX_IN_CHUNK);
    let bytes: Uint8Array;
    if (p.data) {
      bytes = p.data.subarray(p.sent, p.sent + n);
    } else {
      try {
        bytes = await this.disk.image.read(p.read!.offset + p.sent, n);
        this.stats.bytesRead += n;
      } catch {
        // the image could not be read: STALL the data, CHECK CONDITION with MEDIUM ERROR
        this.disk.fail(SENSE.READ_ERROR);
        this.haltedIn = true;
        this.phase = {name: 'csw', tag: p.tag, residue: p.expected - p.sent, status: CswStatus.FAILED};
        return STALL;
      }
    }
    p.sent += n;
    if (n < asked || p.sent === p.expected) {
      // a short packet (or all the host expected) ends the data phase; after less than expected, Bulk-In STALLs
      if (p.sent < p.expected) this.haltedIn = true;
      this.phase = {name: 'csw', tag: p.tag, residue: p.expected - p.sent, status: p.status};
    }
    return ok(bytes);
  }

  private async dataOut(p: Extract<Phase, {name: 'data-out'}>, data: Uint8Array): Promise<UsbTransferResult> {
    const take = Math.min(data.length, p.expected - p.received);
    if (p.write && p.written < p.write.length) {
      const n = Math.min(take, p.write.length - p.written);
      try {
        await this.disk.image.write(p.write.offset + p.written, data.subarray(0, n));
        p.written += n;
        this.stats.bytesWritten += n;
      } catch {
        this.disk.fail(SENSE.WRITE_ERROR);
        p.status = CswStatus.FAILED;
        p.write = undefined; // the rest is discarded
      }
    }
    p.received += take;
    if (p.received === p.expected) {
      // dCSWDataResidue: what the host sent that the device did not process
      this.phase = {name: 'csw', tag: p.tag, residue: p.expected - p.written, status: p.status};
    }
    return ok();
  }
}

/** A CSW (BOT §5.2): signature, the CBW's tag, the residue, the status. */
export function commandStatus(tag: number, residue: number, status: number): Uint8Array {
  const d = new Uint8Array(CSW_SIZE);
  const v = new DataView(d.buffer);
  v.setUint32(0, CSW_SIGNATURE, true);
  v.setUint32(4, tag, true);
  v.setUint32(8, residue, true);
  d[12] = status;
  return d;
}

/** A CBW (BOT §5.1), as a host sends it: for tests and tools. */
export function commandBlockWrapper(tag: number, expected: number, dataIn: boolean, cb: Uint8Array, lun = 0): Uint8Array {
  const d = new Uint8Array(CBW_SIZE);
  const v = new DataView(d.buffer);
  v.setUint32(0, CBW_SIGNATURE, true);
  v.setUint32(4, tag, true);
  v.setUint32(8, expected, true);
  d[12] = dataIn ? 0x80 : 0;
  d[13] = lun;
  d[14] = cb.length;
  d.set(cb, 15);
  return d;
}
