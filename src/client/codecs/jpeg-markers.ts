/**
 * The marker segments of a baseline JPEG (ITU T.81 B.2): frame header (SOF0/SOF1, 8-bit), quantisation
 * tables (DQT), Huffman tables (DHT), restart interval (DRI) and scan headers (SOS), and the JFIF/Adobe
 * application markers that decide the colour space the way libjpeg does. Every length is checked.
 */
import {buildHuffmanTable, type HuffmanTable} from './jpeg-huffman.js';
import {corrupt} from './pixels.js';

export const bad = (why: string) => corrupt('JPEG', why);

/** Zig-zag position → natural (row-major) index (T.81 Figure A.6), with 16 extra entries of 63. */
export const NATURAL_ORDER = (() => {
  const order: number[] = [];
  for (let s = 0; s < 15; s++) {
    const cells: number[] = [];
    for (let r = 0; r < 8; r++) {
      const c = s - r;
      if (c >= 0 && c < 8) cells.push(r * 8 + c);
    }
    // Even diagonals run bottom-left to top-right (row decreasing), odd ones top-right to bottom-left.
    order.push(...(s % 2 === 0 ? cells.reverse() : cells));
  }
  return Int32Array.from([...order, ...Array<number>(16).fill(63)]);
})();

export interface FrameComponent {
  id: number;
  h: number;
  v: number;
  tq: number;
}

export interface Frame {
  width: number;
  height: number;
  components: FrameComponent[];
}

export interface ScanHeader {
  /** Indices into the frame's components, with their DC and AC table numbers. */
  components: Array<{index: number; td: number; ta: number}>;
}

/** A segment's payload (after its 2-byte length): [start, end). */
export function segment(data: Uint8Array, pos: number): {start: number; end: number} {
  if (pos + 2 > data.length) throw bad(`marker segment at byte ${pos - 2} is truncated`);
  const len = (data[pos]! << 8) | data[pos + 1]!;
  if (len < 2 || pos + len > data.length) throw bad(`marker segment at byte ${pos - 2} has a bad length ${len}`);
  return {start: pos + 2, end: pos + len};
}

export function parseFrame(data: Uint8Array, start: number, end: number): Frame {
  if (end - start < 6) throw bad('frame header is too short');
  if (data[start] !== 8) throw bad(`${data[start]}-bit samples (only 8-bit baseline JPEG is decoded)`);
  const height = (data[start + 1]! << 8) | data[start + 2]!;
  const width = (data[start + 3]! << 8) | data[start + 4]!;
  const n = data[start + 5]!;
  if (height === 0) throw bad('frame height 0 (a DNL marker; not baseline as spice-server encodes it)');
  if (n !== 1 && n !== 3) throw bad(`${n} components (1 or 3 are decoded)`);
  if (end - start !== 6 + 3 * n) throw bad('frame header length does not match its component count');
  const components: FrameComponent[] = [];
  for (let i = 0; i < n; i++) {
    const p = start + 6 + 3 * i;
    const h = data[p + 1]! >> 4;
    const v = data[p + 1]! & 15;
    const tq = data[p + 2]!;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw bad(`component ${i} has sampling factors ${h}x${v}`);
    if (tq > 3) throw bad(`component ${i} uses quantisation table ${tq}`);
    if (components.some((c) => c.id === data[p])) throw bad(`component id ${data[p]} appears twice`);
    components.push({id: data[p]!, h, v, tq});
  }
  return {width, height, components};
}

/** DQT: stores each table (natural order) in `tables`. */
export function parseQuantTables(data: Uint8Array, start: number, end: number, tables: Array<Uint16Array | undefined>): void {
  let p = start;
  while (p < end) {
    const pq = data[p]! >> 4;
    const tq = data[p]! & 15;
    const size = pq === 0 ? 64 : 128;
    if (pq > 1 || tq > 3 || p + 1 + size > end) throw bad('bad quantisation table');
    const t = new Uint16Array(64);
    for (let k = 0; k < 64; k++) t[NATURAL_ORDER[k]!] = pq === 0 ? data[p + 1 + k]! : (data[p + 1 + 2 * k]! << 8) | data[p + 2 + 2 * k]!;
    tables[tq] = t;
    p += 1 + size;
  }
}

/** DHT: stores each table in `dc` or `ac` by its number. */
export function parseHuffmanTables(data: Uint8Array, start: number, end: number, dc: Array<HuffmanTable | undefined>, ac: Array<HuffmanTable | undefined>): void {
  let p = start;
  while (p < end) {
    if (p + 17 > end) throw bad('Huffman table is truncated');
    const tc = data[p]! >> 4;
    const th = data[p]! & 15;
    if (tc > 1 || th > 3) throw bad(`bad Huffman table class ${tc} / number ${th}`);
    const counts = data.subarray(p + 1, p + 17);
    let total = 0;
    for (const c of counts) total += c;
    if (total > 256 || p + 17 + total > end) throw bad('Huffman table is truncated');
    const values = data.subarray(p + 17, p + 17 + total);
    // DC symbols are magnitude categories (at most 15 as libjpeg accepts; 11 in baseline).
    if (tc === 0 && values.some((v) => v > 15)) throw bad('DC Huffman table has a symbol over 15');
    (tc === 0 ? dc : ac)[th] = buildHuffmanTable(counts, values);
    p += 17 + total;
  }
}

export function parseScanHeader(data: Uint8Array, start: number, end: number, frame: Frame): ScanHeader {
  const n = data[start]!;
  if (n < 1 || n > 4 || end - start !== 4 + 2 * n) throw bad('bad scan header');
  const components: ScanHeader['components'] = [];
  for (let i = 0; i < n; i++) {
    const p = start + 1 + 2 * i;
    const index = frame.components.findIndex((c) => c.id === data[p]);
    if (index < 0 || components.some((c) => c.index === index)) throw bad(`scan names component id ${data[p]}, which the frame does not have or the scan repeats`);
    components.push({index, td: data[p + 1]! >> 4, ta: data[p + 1]! & 15});
  }
  const q = start + 1 + 2 * n;
  // Baseline sequential: spectral selection 0..63, no successive approximation.
  if (data[q] !== 0 || data[q + 1] !== 63 || data[q + 2] !== 0) throw bad('scan is not sequential (Ss 0, Se 63, Ah/Al 0)');
  if (n > 1 && components.reduce((s, c) => s + frame.components[c.index]!.h * frame.components[c.index]!.v, 0) > 10) {
    throw bad('more than 10 blocks in an MCU');
  }
  return {components};
}
