/**
 * A SCSI direct-access block device (SBC-3, SPC-4) over a DiskImage: a command descriptor block (CDB) becomes an
 * outcome the transport carries out: GOOD with no data, GOOD with parameter data in, GOOD with a block range to
 * read from or write to the image, or CHECK CONDITION with sense data kept for REQUEST SENSE. Image ranges are
 * checked here (LOGICAL BLOCK ADDRESS OUT OF RANGE) before any data moves; writes to a read-only image fail with
 * DATA PROTECT / WRITE PROTECTED. Unknown operation codes get ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE.
 */
import {BLOCK_SIZE, type DiskImage} from './image.js';
import {type Sense, SENSE, fixedSenseData} from './sense.js';
import {
  formatCapacities,
  modePages,
  modeParameters,
  readCapacity10,
  readCapacity16,
  reportLuns,
  type ScsiIdentity,
  standardInquiry,
  vpdPage,
} from './scsi-data.js';

/**
 * What a command asks of the transport: GOOD or CHECK CONDITION (with its sense data), and at most one of: parameter
 * data to send (`data`), image bytes to send (`read`), image bytes to receive (`write`).
 */
export interface ScsiOutcome {
  status: 'good' | 'check';
  sense?: Sense;
  data?: Uint8Array;
  read?: ByteRange;
  write?: ByteRange;
}

/** A byte range of the image, already checked to lie inside it. */
export interface ByteRange {
  offset: number;
  length: number;
}

/** Operation codes (SPC-4, SBC-3; READ FORMAT CAPACITIES from MMC/UFI). */
export const ScsiOp = {
  TEST_UNIT_READY: 0x00,
  REQUEST_SENSE: 0x03,
  READ_6: 0x08,
  WRITE_6: 0x0a,
  INQUIRY: 0x12,
  MODE_SENSE_6: 0x1a,
  START_STOP_UNIT: 0x1b,
  PREVENT_ALLOW_MEDIUM_REMOVAL: 0x1e,
  READ_FORMAT_CAPACITIES: 0x23,
  READ_CAPACITY_10: 0x25,
  READ_10: 0x28,
  WRITE_10: 0x2a,
  VERIFY_10: 0x2f,
  SYNCHRONIZE_CACHE_10: 0x35,
  MODE_SENSE_10: 0x5a,
  READ_16: 0x88,
  WRITE_16: 0x8a,
  VERIFY_16: 0x8f,
  SYNCHRONIZE_CACHE_16: 0x91,
  SERVICE_ACTION_IN_16: 0x9e,
  REPORT_LUNS: 0xa0,
  READ_12: 0xa8,
  WRITE_12: 0xaa,
  VERIFY_12: 0xaf,
} as const;

/** SERVICE ACTION IN(16)'s READ CAPACITY(16). */
const SA_READ_CAPACITY_16 = 0x10;

const GOOD: ScsiOutcome = {status: 'good'};
const check = (sense: Sense): ScsiOutcome => ({status: 'check', sense});

/** LBA and transfer length of the READ/WRITE/VERIFY forms (SBC-3 §5); READ(6)/WRITE(6) length 0 means 256. */
function blockRange(cdb: Uint8Array): {lba: number; count: number} {
  const v = new DataView(cdb.buffer, cdb.byteOffset, cdb.byteLength);
  switch (cdb.length >= 16 ? 16 : cdb.length >= 12 ? 12 : cdb.length >= 10 ? 10 : 6) {
    case 6:
      return {lba: ((cdb[1]! & 0x1f) << 16) | (cdb[2]! << 8) | cdb[3]!, count: cdb[4] || 256};
    case 10:
      return {lba: v.getUint32(2), count: v.getUint16(7)};
    case 12:
      return {lba: v.getUint32(2), count: v.getUint32(6)};
    default: {
      const lba = v.getBigUint64(2);
      return {lba: lba > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(lba), count: v.getUint32(10)};
    }
  }
}

/** The CDB length each operation code's group has (SPC-4 §4.2.5.1): group 0 is 6 bytes, 1–2 ten, 4 sixteen, 5 twelve. */
export function cdbLength(opcode: number): number {
  const group = opcode >> 5;
  return group === 0 ? 6 : group === 1 || group === 2 ? 10 : group === 4 ? 16 : group === 5 ? 12 : 0;
}

export class ScsiDisk {
  /** Sense data of the last command that ended in CHECK CONDITION, until REQUEST SENSE or the next command. */
  private sense: Sense = SENSE.NONE;
  /** Operation codes in the order they came, for logs and tests (bounded). */
  readonly history: number[] = [];

  constructor(
    readonly image: DiskImage,
    readonly identity: ScsiIdentity,
  ) {}

  /** The sense data REQUEST SENSE would return now. */
  get pendingSense(): Sense {
    return this.sense;
  }

  /** Interprets one CDB (CHECK CONDITION keeps its sense for REQUEST SENSE); data-phase I/O failures are reported through fail(). */
  async execute(cdb: Uint8Array): Promise<ScsiOutcome> {
    const op = cdb[0] ?? 0xff;
    if (this.history.length < 10_000) this.history.push(op);
    if (op !== ScsiOp.REQUEST_SENSE) this.sense = SENSE.NONE;
    const expected = cdbLength(op);
    const outcome = expected === 0 || cdb.length < expected ? check(SENSE.INVALID_OPCODE) : await this.dispatch(op, cdb.subarray(0, expected));
    if (outcome.sense) this.sense = outcome.sense;
    return outcome;
  }

  /** A data phase failed (the image could not be read or written): CHECK CONDITION with this sense. */
  fail(sense: Sense): void {
    this.sense = sense;
  }

  /** A command for a logical unit other than 0. */
  unsupportedLun(): ScsiOutcome {
    this.sense = SENSE.LUN_NOT_SUPPORTED;
    return check(SENSE.LUN_NOT_SUPPORTED);
  }

  private async dispatch(op: number, cdb: Uint8Array): Promise<ScsiOutcome> {
    const v = new DataView(cdb.buffer, cdb.byteOffset, cdb.byteLength);
    const blocks = this.image.blocks;
    const data = (d: Uint8Array, allocation: number): ScsiOutcome => ({status: 'good', data: d.subarray(0, allocation)});
    switch (op) {
      case ScsiOp.TEST_UNIT_READY:
      case ScsiOp.PREVENT_ALLOW_MEDIUM_REMOVAL:
      case ScsiOp.START_STOP_UNIT:
        return GOOD;
      case ScsiOp.REQUEST_SENSE: {
        const d = fixedSenseData(this.sense);
        this.sense = SENSE.NONE;
        return data(d, cdb[4]!);
      }
      case ScsiOp.INQUIRY: {
        const allocation = v.getUint16(3);
        if (!(cdb[1]! & 0x01)) return cdb[2] ? check(SENSE.INVALID_FIELD_IN_CDB) : data(standardInquiry(this.identity), allocation);
        const page = vpdPage(cdb[2]!, this.identity);
        return page ? data(page, allocation) : check(SENSE.INVALID_FIELD_IN_CDB);
      }
      case ScsiOp.READ_CAPACITY_10:
        return data(readCapacity10(blocks, BLOCK_SIZE), 8);
      case ScsiOp.SERVICE_ACTION_IN_16:
        if ((cdb[1]! & 0x1f) !== SA_READ_CAPACITY_16) return check(SENSE.INVALID_OPCODE);
        return data(readCapacity16(blocks, BLOCK_SIZE), v.getUint32(10));
      case ScsiOp.READ_FORMAT_CAPACITIES:
        return data(formatCapacities(blocks, BLOCK_SIZE), v.getUint16(7));
      case ScsiOp.REPORT_LUNS:
        return data(reportLuns(), v.getUint32(6));
      case ScsiOp.MODE_SENSE_6:
      case ScsiOp.MODE_SENSE_10: {
        const ten = op === ScsiOp.MODE_SENSE_10;
        const subpage = cdb[3]!;
        const pages = subpage === 0 || (subpage === 0xff && (cdb[2]! & 0x3f) === 0x3f) ? modePages(cdb[2]! & 0x3f, cdb[2]! >> 6 === 1) : undefined;
        if (!pages) return check(SENSE.INVALID_FIELD_IN_CDB);
        return data(modeParameters(pages, this.image.readOnly, ten), ten ? v.getUint16(7) : cdb[4]!);
      }
      case ScsiOp.READ_6:
      case ScsiOp.READ_10:
      case ScsiOp.READ_12:
      case ScsiOp.READ_16: {
        const r = this.range(cdb);
        return 'status' in r ? r : r.length ? {status: 'good', read: r} : GOOD;
      }
      case ScsiOp.WRITE_6:
      case ScsiOp.WRITE_10:
      case ScsiOp.WRITE_12:
      case ScsiOp.WRITE_16: {
        if (this.image.readOnly) return check(SENSE.WRITE_PROTECTED);
        const r = this.range(cdb);
        return 'status' in r ? r : r.length ? {status: 'good', write: r} : GOOD;
      }
      case ScsiOp.VERIFY_10:
      case ScsiOp.VERIFY_12:
      case ScsiOp.VERIFY_16: {
        // BYTCHK 00b only: the medium is checked against itself (a range check here); comparing sent data is not offered.
        if (cdb[1]! & 0x06) return check(SENSE.INVALID_FIELD_IN_CDB);
        const r = this.range(cdb);
        return 'status' in r ? r : GOOD;
      }
      case ScsiOp.SYNCHRONIZE_CACHE_10:
      case ScsiOp.SYNCHRONIZE_CACHE_16:
        try {
          await this.image.sync();
          return GOOD;
        } catch {
          return check(SENSE.WRITE_ERROR);
        }
      default:
        return check(SENSE.INVALID_OPCODE);
    }
  }

  /** The byte range of a READ/WRITE/VERIFY CDB, or LBA OUT OF RANGE when any of its blocks lies outside the image. */
  private range(cdb: Uint8Array): ByteRange | ScsiOutcome {
    const {lba, count} = blockRange(cdb);
    if (!this.image.inRange(lba, count)) return check(SENSE.LBA_OUT_OF_RANGE);
    return {offset: lba * BLOCK_SIZE, length: count * BLOCK_SIZE};
  }
}
