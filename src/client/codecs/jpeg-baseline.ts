/**
 * A baseline sequential JPEG decoder giving the pixels libjpeg(-turbo) gives with spice-gtk's MJPEG
 * settings (channel-display-mjpeg.c: dct_method JDCT_IFAST, do_fancy_upsampling FALSE, RGB out), i.e.
 * `djpeg -dct fast -nosmooth`: Huffman decoding (jpeg-huffman.ts), the fast integer IDCT
 * (jpeg-idct-ifast.ts) and replicated chroma with libjpeg's YCbCr tables (jpeg-color.ts). Written from
 * ITU T.81 and libjpeg's documented arithmetic; test/codecs/jpeg-exact checks it against djpeg.
 *
 * Only what spice-server's encoder emits is decoded: SOF0/SOF1 with 8-bit samples, 1 (grey) or 3
 * components with integral sampling ratios, Huffman coding, restart markers. Anything else
 * (progressive, lossless, arithmetic coding, 12-bit, 4 components) is a protocol error, as is damaged
 * data; every size is checked before allocation.
 */
import {greyToRgb, planesToRgb, yccToRgb, type Plane} from './jpeg-color.js';
import {BitReader, type HuffmanTable} from './jpeg-huffman.js';
import {ifastMultipliers, idctIfast} from './jpeg-idct-ifast.js';
import {bad, NATURAL_ORDER, parseFrame, parseHuffmanTables, parseQuantTables, parseScanHeader, segment, type Frame, type ScanHeader} from './jpeg-markers.js';
import {STD_AC, STD_DC} from './jpeg-std-tables.js';
import {checkDimensions, type Pixels} from './pixels.js';

interface Component {
  h: number;
  v: number;
  tq: number;
  /** Blocks per row and per column of this component's plane. */
  blocksW: number;
  blocksH: number;
  /** Blocks that hold image data (non-interleaved scans cover only these). */
  usedW: number;
  usedH: number;
  samples: Uint8Array;
  stride: number;
}

interface State {
  frame?: Frame;
  comps: Component[];
  mcusX: number;
  mcusY: number;
  quant: Array<Uint16Array | undefined>;
  dc: Array<HuffmanTable | undefined>;
  ac: Array<HuffmanTable | undefined>;
  restartInterval: number;
  adobeTransform?: number;
  jfif: boolean;
  scans: number;
}

function setupFrame(st: State, f: Frame): void {
  checkDimensions(f.width, f.height, 'JPEG');
  const hmax = Math.max(...f.components.map((c) => c.h));
  const vmax = Math.max(...f.components.map((c) => c.v));
  for (const c of f.components) {
    if (hmax % c.h || vmax % c.v) throw bad(`fractional sampling ratio (component ${c.h}x${c.v}, max ${hmax}x${vmax})`);
  }
  st.frame = f;
  st.mcusX = Math.ceil(f.width / (8 * hmax));
  st.mcusY = Math.ceil(f.height / (8 * vmax));
  st.comps = f.components.map((c) => {
    const blocksW = st.mcusX * c.h;
    const blocksH = st.mcusY * c.v;
    const stride = blocksW * 8;
    return {
      h: c.h,
      v: c.v,
      tq: c.tq,
      blocksW,
      blocksH,
      usedW: Math.ceil(Math.ceil((f.width * c.h) / hmax) / 8),
      usedH: Math.ceil(Math.ceil((f.height * c.v) / vmax) / 8),
      samples: new Uint8Array(stride * blocksH * 8),
      stride,
    };
  });
}

/** Decodes one scan's entropy-coded data from `pos`; returns the position after it. */
function decodeScan(data: Uint8Array, pos: number, st: State, scan: ScanHeader): number {
  const single = scan.components.length === 1;
  const parts = scan.components.map(({index, td, ta}) => {
    const c = st.comps[index]!;
    // Motion-JPEG frames without DHT: libjpeg's defaults, T.81's typical tables, in slots 0 and 1.
    const dc = st.dc[td] ?? STD_DC[td];
    const ac = st.ac[ta] ?? STD_AC[ta];
    const q = st.quant[c.tq];
    if (!dc || !ac) throw bad(`scan uses Huffman table DC ${td} / AC ${ta}, which is not defined`);
    if (!q) throw bad(`component uses quantisation table ${c.tq}, which is not defined`);
    return {c, dc, ac, mult: ifastMultipliers(q), pred: 0, bw: single ? 1 : c.h, bh: single ? 1 : c.v};
  });
  const mcusX = single ? parts[0]!.c.usedW : st.mcusX;
  const mcusY = single ? parts[0]!.c.usedH : st.mcusY;
  const total = mcusX * mcusY;
  const coef = new Int16Array(64);
  const bits = new BitReader(data, pos);
  let restartsLeft = st.restartInterval;
  let nextRst = 0;
  for (let m = 0; m < total; m++) {
    if (st.restartInterval && restartsLeft === 0) {
      bits.reset();
      let p = bits.pos;
      while (p < data.length && data[p] === 0xff && data[p + 1] === 0xff) p++;
      if (data[p] !== 0xff || data[p + 1] !== 0xd0 + nextRst) throw bad(`expected restart marker RST${nextRst} at byte ${p}`);
      bits.pos = p + 2;
      nextRst = (nextRst + 1) & 7;
      restartsLeft = st.restartInterval;
      for (const part of parts) part.pred = 0;
    }
    restartsLeft--;
    const mx = m % mcusX;
    const my = (m - mx) / mcusX;
    for (const part of parts) {
      const {c, dc, ac, mult, bw, bh} = part;
      for (let by = 0; by < bh; by++) {
        for (let bx = 0; bx < bw; bx++) {
          coef.fill(0);
          const s = bits.decode(dc);
          part.pred += bits.receiveExtend(s);
          coef[0] = part.pred;
          for (let k = 1; k < 64; k++) {
            const rs = bits.decode(ac);
            const r = rs >> 4;
            const size = rs & 15;
            if (size === 0) {
              if (r !== 15) break; // EOB
              k += 15; // ZRL
              continue;
            }
            k += r;
            coef[NATURAL_ORDER[k]!] = bits.receiveExtend(size);
          }
          const col = mx * bw + bx;
          const row = my * bh + by;
          idctIfast(coef, mult, c.samples, row * 8 * c.stride + col * 8, c.stride);
        }
      }
    }
    bits.checkOverrun();
  }
  // Past the scan's data: to the next marker (0xFF followed by neither 0x00 nor another 0xFF).
  let p = bits.pos;
  while (p + 1 < data.length && !(data[p] === 0xff && data[p + 1] !== 0x00 && data[p + 1] !== 0xff)) p++;
  return p;
}

/** Decodes a baseline JPEG as `djpeg -dct fast -nosmooth` does: 0x00RRGGBB pixels. */
export function decodeJpegFast(data: Uint8Array): Pixels {
  const st: State = {comps: [], mcusX: 0, mcusY: 0, quant: [], dc: [], ac: [], restartInterval: 0, jfif: false, scans: 0};
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) throw bad('missing SOI marker');
  let pos = 2;
  for (;;) {
    if (pos + 1 >= data.length) throw bad('no EOI marker');
    if (data[pos] !== 0xff) throw bad(`bad marker at byte ${pos}`);
    const marker = data[pos + 1]!;
    pos += 2;
    if (marker === 0xff) {
      pos--; // fill byte
      continue;
    }
    if (marker === 0xd9) break; // EOI
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // TEM, stray RSTn: no segment
    const {start, end} = segment(data, pos);
    pos = end;
    switch (marker) {
      case 0xc0:
      case 0xc1:
        if (st.frame) throw bad('second frame header');
        setupFrame(st, parseFrame(data, start, end));
        break;
      case 0xc4:
        parseHuffmanTables(data, start, end, st.dc, st.ac);
        break;
      case 0xdb:
        parseQuantTables(data, start, end, st.quant);
        break;
      case 0xdd:
        if (end - start !== 2) throw bad('bad DRI segment');
        st.restartInterval = (data[start]! << 8) | data[start + 1]!;
        break;
      case 0xda:
        if (!st.frame) throw bad('scan before the frame header');
        pos = decodeScan(data, end, st, parseScanHeader(data, start, end, st.frame));
        st.scans++;
        break;
      case 0xe0:
        if (end - start >= 5 && String.fromCharCode(...data.subarray(start, start + 5)) === 'JFIF\0') st.jfif = true;
        break;
      case 0xee:
        if (end - start >= 12 && String.fromCharCode(...data.subarray(start, start + 5)) === 'Adobe') st.adobeTransform = data[start + 11]!;
        break;
      default:
        if ((marker >= 0xe1 && marker <= 0xef) || marker === 0xfe) break; // other APPn, COM
        if (marker >= 0xc0 && marker <= 0xcf) throw bad(`frame type SOF${marker - 0xc0} (only baseline sequential JPEG is decoded)`);
        throw bad(`unexpected marker 0x${marker.toString(16)}`);
    }
  }
  const f = st.frame;
  if (!f || st.scans === 0) throw bad('no frame or no scan');
  const out = new Uint32Array(f.width * f.height);
  const hmax = Math.max(...st.comps.map((c) => c.h));
  const vmax = Math.max(...st.comps.map((c) => c.v));
  const planes: Plane[] = st.comps.map((c) => ({samples: c.samples, stride: c.stride, hRatio: hmax / c.h, vRatio: vmax / c.v}));
  if (planes.length === 1) greyToRgb(planes[0]!, f.width, f.height, out);
  else if (isRgb(st, f)) planesToRgb(planes[0]!, planes[1]!, planes[2]!, f.width, f.height, out);
  else yccToRgb(planes[0]!, planes[1]!, planes[2]!, f.width, f.height, out);
  return {width: f.width, height: f.height, format: 'xrgb', data: out};
}

/** libjpeg's guess for 3 components: JFIF is YCbCr; else Adobe's transform flag; else ids 'R','G','B'. */
function isRgb(st: State, f: Frame): boolean {
  if (st.jfif) return false;
  if (st.adobeTransform !== undefined) return st.adobeTransform === 0;
  const [a, b, c] = f.components.map((x) => x.id);
  return a === 0x52 && b === 0x47 && c === 0x42;
}
