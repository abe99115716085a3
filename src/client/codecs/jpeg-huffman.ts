/**
 * Huffman tables and the entropy-coded bit stream of a baseline JPEG (ITU T.81 Annex C, F.2.2).
 * Tables are built from a DHT segment's BITS and HUFFVAL; codes up to LOOKAHEAD bits long decode from one
 * table look-up, longer ones with the spec's MAXCODE/VALPTR procedure (F.2.2.3 DECODE).
 */
import {corrupt} from './pixels.js';

const LOOKAHEAD = 9;

export interface HuffmanTable {
  /** Indexed by the next LOOKAHEAD bits: (code length << 8) | symbol, 0 when the code is longer. */
  fast: Uint16Array;
  /** For code length l (1..16): the largest code of that length, -1 when none. */
  maxcode: Int32Array;
  /** For code length l: index in `values` of the first code of that length minus that code. */
  valoffset: Int32Array;
  values: Uint8Array;
}

/** Builds a table from BITS (counts of codes of each length 1..16) and HUFFVAL (C.2, Figures C.1 to C.3). */
export function buildHuffmanTable(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const fast = new Uint16Array(1 << LOOKAHEAD);
  const maxcode = new Int32Array(18).fill(-1);
  const valoffset = new Int32Array(18);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1]!;
    valoffset[len] = k - code;
    for (let i = 0; i < n; i++, k++, code++) {
      if (len <= LOOKAHEAD) {
        const shift = LOOKAHEAD - len;
        const base = code << shift;
        for (let j = 0; j < 1 << shift; j++) fast[base + j] = (len << 8) | values[k]!;
      }
    }
    if (n > 0) maxcode[len] = code - 1;
    // Every code must fit its length: more codes than 2^len is a table no encoder makes.
    if (code > 1 << len) throw corrupt('JPEG', 'Huffman table has more codes than fit their lengths');
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff; // sentinel: F.2.2.3 runs out of lengths
  return {fast, maxcode, valoffset, values};
}

/**
 * Reads the bits of one scan's entropy-coded segment: stuffed 0xFF00 bytes are one 0xFF; at a marker the
 * reader stops and supplies zero bits, counting them, so that using any of them is reported (a segment that
 * ends early) instead of read past.
 */
export class BitReader {
  private acc = 0;
  private bits = 0;
  /** Zero bits supplied after the segment's end that are still in `acc`. */
  private padding = 0;

  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    const d = this.data;
    while (this.bits <= 24) {
      let byte = 0;
      const p = this.pos;
      if (p < d.length && (d[p] !== 0xff || d[p + 1] === 0x00)) {
        byte = d[p]!;
        this.pos = byte === 0xff ? p + 2 : p + 1;
      } else this.padding += 8;
      this.acc = (this.acc << 8) | byte;
      this.bits += 8;
    }
  }

  /** Throws if a decoded value used bits past the end of the segment. */
  checkOverrun(): void {
    if (this.bits < this.padding) throw corrupt('JPEG', 'entropy-coded data ends before the last block');
  }

  /** Drops the bits left in the current byte (before a restart marker) and forgets the padding. */
  reset(): void {
    if (this.padding > this.bits) throw corrupt('JPEG', 'entropy-coded data ends before the restart marker');
    this.acc = 0;
    this.bits = 0;
    this.padding = 0;
  }

  /** Decodes one Huffman-coded symbol. */
  decode(t: HuffmanTable): number {
    if (this.bits < 16) this.fill();
    const look = (this.acc >>> (this.bits - LOOKAHEAD)) & ((1 << LOOKAHEAD) - 1);
    const e = t.fast[look]!;
    if (e !== 0) {
      this.bits -= e >> 8;
      return e & 0xff;
    }
    let len = LOOKAHEAD + 1;
    let code = (this.acc >>> (this.bits - len)) & ((1 << len) - 1);
    while (code > t.maxcode[len]!) {
      len++;
      if (len > 16) throw corrupt('JPEG', 'invalid Huffman code');
      code = (this.acc >>> (this.bits - len)) & ((1 << len) - 1);
    }
    this.bits -= len;
    const i = t.valoffset[len]! + code;
    if (i < 0 || i >= t.values.length) throw corrupt('JPEG', 'invalid Huffman code');
    return t.values[i]!;
  }

  /** RECEIVE(s) then EXTEND (F.2.2.1): an s-bit magnitude category value as a signed number. */
  receiveExtend(s: number): number {
    if (s === 0) return 0;
    if (this.bits < s) this.fill();
    this.bits -= s;
    const v = (this.acc >>> this.bits) & ((1 << s) - 1);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  /** Skips s bits (an AC value of a coefficient decoded past position 63 still occupies its bits). */
  skip(s: number): void {
    if (this.bits < s) this.fill();
    this.bits -= s;
  }
}
