/**
 * SpiceImage LZ4 (display cap LZ4_COMPRESSION). Facts from spice-common's canvas_base.c (canvas_get_lz4)
 * and spice-server's lz4-encoder.c; the block decoder is written from the LZ4 block format description.
 *
 * Payload: u8 top_down, u8 SpiceBitmapFmt (16BIT x555, 24BIT B,G,R, 32BIT B,G,R,x, RGBA B,G,R,A), then
 * one or more {u32 big-endian length, LZ4 block}. The blocks are one linked stream (the server compresses
 * with LZ4_compress_fast_continue): a match may reach back into the output of earlier blocks, so they
 * decode one after another into a single buffer. Rows are width × bytes-per-pixel long with no padding,
 * in memory order (the first row is the bottom one unless top_down). Every block must produce output and
 * the whole must cover the image; like spice-gtk, output past the image (up to its 4-byte-aligned
 * rows) is tolerated and ignored.
 *
 * Pixels as spice-gtk's canvas has them: 32BIT copied as is ('xrgb'), RGBA copied with its alpha
 * ('argb', premultiplied as pixman's a8r8g8b8), 24BIT to xRGB with a zero top byte, 16BIT widened by bit
 * replication (pixman's x1r5g5b5 conversion).
 */
import {BitmapFmt} from '../wire/enums.js';
import {copyMatch8, flipRows, MAX_UNITS_PER_BYTE, rgb555Table} from './lz-common.js';
import {checkDimensions, corrupt, type Pixels} from './pixels.js';

const LZ4 = 'LZ4';
const MIN_MATCH = 4;

/**
 * Decodes one LZ4 block src[ip..iend) into dst at op (earlier dst bytes are its dictionary); returns
 * the output position after it. Throws a protocol error on anything the format does not allow.
 */
export function lz4Block(src: Uint8Array, ip: number, iend: number, dst: Uint8Array, op: number): number {
  const oend = dst.length;
  if (ip >= iend) throw corrupt(LZ4, 'empty block');
  for (;;) {
    const token = src[ip++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b;
      do {
        if (ip >= iend) throw corrupt(LZ4, 'block ends inside a literal length');
        b = src[ip++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > 0) {
      if (lit > iend - ip) throw corrupt(LZ4, `${lit} literals, only ${iend - ip} bytes left in the block`);
      if (lit > oend - op) throw corrupt(LZ4, `${lit} literals run past the end of the image`);
      if (lit < 16) {
        for (const stop = ip + lit; ip < stop; ) dst[op++] = src[ip++]!;
      } else {
        dst.set(src.subarray(ip, ip + lit), op);
        ip += lit;
        op += lit;
      }
    }
    if (ip === iend) return op; // the last sequence has literals only
    if (iend - ip < 2) throw corrupt(LZ4, 'block ends inside a match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw corrupt(LZ4, `match offset ${offset} at output byte ${op} reaches before the start`);
    let len = token & 15;
    if (len === 15) {
      let b;
      do {
        if (ip >= iend) throw corrupt(LZ4, 'block ends inside a match length');
        b = src[ip++]!;
        len += b;
      } while (b === 255);
    }
    len += MIN_MATCH;
    if (len > oend - op) throw corrupt(LZ4, `match of ${len} bytes runs past the end of the image`);
    copyMatch8(dst, op, op - offset, len);
    op += len;
    if (ip >= iend) throw corrupt(LZ4, 'block ends after a match (the last sequence must be literals)');
  }
}

const bytesPerPixel: Record<number, number> = {
  [BitmapFmt['16BIT']]: 2,
  [BitmapFmt['24BIT']]: 3,
  [BitmapFmt['32BIT']]: 4,
  [BitmapFmt.RGBA]: 4,
};

/** Decodes an LZ4 SpiceImage payload; width and height come from the image descriptor. */
export function decodeLz4(data: Uint8Array, width: number, height: number): Pixels {
  checkDimensions(width, height, LZ4);
  if (data.length < 2) throw corrupt(LZ4, 'missing the 2-byte header');
  const topDown = data[0] !== 0;
  const fmt = data[1]!;
  const bpp = bytesPerPixel[fmt];
  if (bpp === undefined) throw corrupt(LZ4, `unsupported bitmap format ${fmt}`);
  const rowBytes = width * bpp;
  const need = rowBytes * height;
  // spice-gtk decodes into its surface: rows aligned to 4 bytes, so up to that much output is accepted.
  const capacity = ((rowBytes + 3) & ~3) * height;
  // An LZ4 sequence yields at most 255 bytes per input byte (its length bytes): refuse before allocating.
  if (need > data.length * MAX_UNITS_PER_BYTE) throw corrupt(LZ4, `${data.length} bytes cannot hold a ${width}x${height} image`);
  const pixels = new Uint32Array(width * height);
  const dst = bpp === 4 ? new Uint8Array(pixels.buffer) : new Uint8Array(capacity);
  // 32-bit rows have no padding: the pixel buffer is exactly the capacity.
  let op = 0;
  let ip = 2;
  do {
    if (data.length - ip < 4) throw corrupt(LZ4, 'block length cut short');
    const blen = ((data[ip]! << 24) | (data[ip + 1]! << 16) | (data[ip + 2]! << 8) | data[ip + 3]!) >>> 0;
    ip += 4;
    if (blen > data.length - ip) throw corrupt(LZ4, `block of ${blen} bytes, only ${data.length - ip} left`);
    const next = lz4Block(data, ip, ip + blen, dst, op);
    if (next === op) throw corrupt(LZ4, 'block decodes to nothing');
    op = next;
    ip += blen;
  } while (ip < data.length);
  if (op < need) throw corrupt(LZ4, `decoded ${op} bytes, the ${width}x${height} image needs ${need}`);

  let format: Pixels['format'] = 'xrgb';
  if (bpp === 4) {
    if (fmt === BitmapFmt.RGBA) format = 'argb';
  } else if (bpp === 3) {
    for (let i = 0, s = 0; i < pixels.length; i++, s += 3) pixels[i] = dst[s]! | (dst[s + 1]! << 8) | (dst[s + 2]! << 16);
  } else {
    const table = rgb555Table();
    for (let i = 0, s = 0; i < pixels.length; i++, s += 2) pixels[i] = table[(dst[s]! | (dst[s + 1]! << 8)) & 0x7fff]!;
  }
  if (!topDown) flipRows(pixels, width, height);
  return {width, height, format, data: pixels};
}
