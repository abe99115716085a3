/**
 * Uncompressed Windows bitmaps (a BMP file, or a bare DIB as CF_DIB holds) → RGBA, for clipboard images a
 * guest offers as VD_AGENT_CLIPBOARD_IMAGE_BMP (sharp does not read BMP). 24- and 32-bit BI_RGB and
 * BI_BITFIELDS, 1/4/8-bit paletted; sizes are checked against the data before anything is allocated.
 */
import {SpiceError} from '../errors.js';

export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const MAX_PIXELS = 1 << 28;

function bad(why: string): SpiceError {
  return new SpiceError('protocol', `the guest's BMP image is not readable: ${why}`);
}

export function decodeBmp(buf: Uint8Array): Rgba {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const need = (n: number) => {
    if (buf.length < n) throw bad('truncated');
  };
  let base = 0;
  let pixelOffset: number | undefined;
  need(2);
  if (buf[0] === 0x42 && buf[1] === 0x4d) {
    need(14);
    pixelOffset = v.getUint32(10, true);
    base = 14;
  }
  need(base + 16);
  const headerSize = v.getUint32(base, true);
  if (headerSize < 40) throw bad(`unsupported header size ${headerSize}`);
  need(base + 40);
  const width = v.getInt32(base + 4, true);
  const rawHeight = v.getInt32(base + 8, true);
  const bpp = v.getUint16(base + 14, true);
  const compression = v.getUint32(base + 16, true);
  const colorsUsed = v.getUint32(base + 32, true);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height <= 0 || width * height > MAX_PIXELS) throw bad(`size ${width}x${rawHeight}`);
  if (![1, 4, 8, 24, 32].includes(bpp)) throw bad(`${bpp} bits per pixel`);
  if (compression !== BI_RGB && !(compression === BI_BITFIELDS && bpp === 32)) throw bad(`compression ${compression}`);

  let masks = [0xff0000, 0xff00, 0xff, 0];
  let after = base + headerSize;
  if (compression === BI_BITFIELDS) {
    const at = headerSize === 40 ? after : base + 40;
    need(at + 12);
    masks = [v.getUint32(at, true), v.getUint32(at + 4, true), v.getUint32(at + 8, true), headerSize >= 56 ? v.getUint32(base + 52, true) : 0];
    if (headerSize === 40) after += 12;
  }
  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const n = colorsUsed || 1 << bpp;
    if (n > 256) throw bad(`${n} palette colours`);
    need(after + n * 4);
    palette = buf.subarray(after, after + n * 4);
    after += n * 4;
  }
  const start = pixelOffset ?? after;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  need(start + stride * height);

  const shiftOf = (m: number) => (m ? 31 - Math.clz32(m & -m) : 0);
  const widthOf = (m: number) => (m ? 32 - Math.clz32(m >>> shiftOf(m)) : 0);
  const chan = masks.map((m) => ({m: m >>> 0, s: shiftOf(m), max: (2 ** widthOf(m)) - 1}));
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = start + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (bpp === 24) {
        const p = row + x * 3;
        out[o] = buf[p + 2]!;
        out[o + 1] = buf[p + 1]!;
        out[o + 2] = buf[p]!;
        out[o + 3] = 255;
      } else if (bpp === 32) {
        const px = v.getUint32(row + x * 4, true);
        for (let c = 0; c < 3; c++) out[o + c] = Math.round((((px & chan[c]!.m) >>> chan[c]!.s) * 255) / chan[c]!.max);
        out[o + 3] = chan[3]!.m ? Math.round((((px & chan[3]!.m) >>> chan[3]!.s) * 255) / chan[3]!.max) : 255;
      } else {
        const bit = x * bpp;
        const byte = buf[row + (bit >> 3)]!;
        const idx = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        if (idx * 4 + 3 >= palette!.length) throw bad('palette index out of range');
        out[o] = palette![idx * 4 + 2]!;
        out[o + 1] = palette![idx * 4 + 1]!;
        out[o + 2] = palette![idx * 4]!;
        out[o + 3] = 255;
      }
    }
  }
  return {width, height, data: out};
}
