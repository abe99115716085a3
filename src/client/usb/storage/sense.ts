/**
 * SCSI sense data (SPC-4 §4.5): the sense key and additional sense code (ASC/ASCQ) a CHECK CONDITION leaves for
 * REQUEST SENSE, in fixed format (response code 70h, 18 bytes).
 */

export interface Sense {
  key: number;
  asc: number;
  ascq: number;
}

/** Sense keys (SPC-4 table 48). */
export const SenseKey = {
  NO_SENSE: 0x0,
  NOT_READY: 0x2,
  MEDIUM_ERROR: 0x3,
  ILLEGAL_REQUEST: 0x5,
  UNIT_ATTENTION: 0x6,
  DATA_PROTECT: 0x7,
} as const;

const sense = (key: number, asc: number, ascq = 0): Sense => ({key, asc, ascq});

/** The sense data this disk reports (key/ASC/ASCQ as in SPC-4 annex D). */
export const SENSE = {
  NONE: sense(SenseKey.NO_SENSE, 0x00),
  /** 05/20/00 INVALID COMMAND OPERATION CODE */
  INVALID_OPCODE: sense(SenseKey.ILLEGAL_REQUEST, 0x20),
  /** 05/21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE */
  LBA_OUT_OF_RANGE: sense(SenseKey.ILLEGAL_REQUEST, 0x21),
  /** 05/24/00 INVALID FIELD IN CDB */
  INVALID_FIELD_IN_CDB: sense(SenseKey.ILLEGAL_REQUEST, 0x24),
  /** 05/25/00 LOGICAL UNIT NOT SUPPORTED */
  LUN_NOT_SUPPORTED: sense(SenseKey.ILLEGAL_REQUEST, 0x25),
  /** 07/27/00 WRITE PROTECTED */
  WRITE_PROTECTED: sense(SenseKey.DATA_PROTECT, 0x27),
  /** 03/11/00 UNRECOVERED READ ERROR */
  READ_ERROR: sense(SenseKey.MEDIUM_ERROR, 0x11),
  /** 03/0C/00 WRITE ERROR */
  WRITE_ERROR: sense(SenseKey.MEDIUM_ERROR, 0x0c),
} as const;

/** Fixed-format sense data: response code 70h (current error), additional sense length 10. */
export function fixedSenseData(s: Sense): Uint8Array {
  const d = new Uint8Array(18);
  d[0] = 0x70;
  d[2] = s.key & 0x0f;
  d[7] = 10;
  d[12] = s.asc;
  d[13] = s.ascq;
  return d;
}
