/**
 * The X framebuffer of a lab Xspice display, read with `xwd -root` (x11-apps): the exact pixels X drew,
 * an oracle for lossless decoding. Only the ZPixmap 24/32-bit layout Xspice uses is read.
 */
import {execFileSync} from 'node:child_process';

export interface RootImage {
  width: number;
  height: number;
  /** 0x00RRGGBB per pixel, top-down. */
  data: Uint32Array;
}

export function parseXwd(buf: Buffer): RootImage {
  const be = (i: number) => buf.readUInt32BE(i * 4);
  const headerSize = be(0);
  const format = be(2); // 2 = ZPixmap
  const width = be(4);
  const height = be(5);
  const byteOrder = be(7); // 0 = LSBFirst
  const bitsPerPixel = be(11);
  const bytesPerLine = be(12);
  const ncolors = be(19);
  if (format !== 2 || bitsPerPixel !== 32) throw new Error(`xwd: unsupported layout (format ${format}, ${bitsPerPixel} bpp)`);
  const start = headerSize + ncolors * 12;
  const data = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = start + y * bytesPerLine;
    for (let x = 0; x < width; x++) {
      const v = byteOrder === 0 ? buf.readUInt32LE(row + x * 4) : buf.readUInt32BE(row + x * 4);
      data[y * width + x] = v & 0xffffff;
    }
  }
  return {width, height, data};
}

/** Captures the root window of DISPLAY (e.g. ":101"). */
export function captureRoot(display: string): RootImage {
  return parseXwd(execFileSync('xwd', ['-root', '-silent', '-display', display], {maxBuffer: 256 * 1024 * 1024, timeout: 15_000}));
}

/** Writes an XWD file (ZPixmap, 32 bpp, LSB first) of an RGB image, for `xwud` to show on a lab display. */
export function encodeXwd(width: number, height: number, rgb: (x: number, y: number) => number, name = 'image'): Buffer {
  const nameBytes = Buffer.from(name + '\0', 'latin1');
  const headerSize = 100 + nameBytes.length;
  const header = Buffer.alloc(100);
  const fields = [headerSize, 7, 2, 24, width, height, 0, 0, 32, 0, 32, 32, width * 4, 4, 0xff0000, 0xff00, 0xff, 8, 256, 0, width, height, 0, 0, 0];
  fields.forEach((v, i) => header.writeUInt32BE(v >>> 0, i * 4));
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.writeUInt32LE(rgb(x, y) & 0xffffff, (y * width + x) * 4);
  return Buffer.concat([header, nameBytes, pixels]);
}
