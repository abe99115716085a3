/**
 * RGBA pictures of needles and screens: PNG (and what else sharp reads) in and out through sharp (loaded on
 * first use); binary and plain PPM/PGM (what `spice-cli screenshot -o x.ppm` writes) read here.
 */
import {readFileSync} from 'node:fs';
import {SpiceError} from '../../errors.js';

/** An RGBA picture: R, G, B, A bytes per pixel, rows top-down (what surfaceToRgba returns). */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Reads a PNG (or any picture sharp reads, or a PPM/PGM) as RGBA; an unreadable file is a usage error naming it. */
export async function readPngRgba(path: string): Promise<Rgba> {
  let head: Buffer;
  try {
    head = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpiceError('usage', `cannot read the picture ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`);
  }
  if (head[0] === 0x50 && head[1]! >= 0x32 && head[1]! <= 0x36 && head[1] !== 0x34) {
    try {
      return decodePnm(head);
    } catch (e) {
      throw new SpiceError('usage', `cannot read the picture ${path}: ${(e as Error).message}`);
    }
  }
  const sharp = (await import('sharp')).default;
  try {
    const {data, info} = await sharp(head).ensureAlpha().raw().toBuffer({resolveWithObject: true});
    return {width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length)};
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SpiceError('usage', `cannot read the picture ${path}: ${why}`);
  }
}

export async function encodePngRgba(img: Rgba): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {raw: {width: img.width, height: img.height, channels: 4}})
    .png({compressionLevel: 6})
    .toBuffer();
}

/**
 * A Netpbm picture as RGBA: P6/P3 (RGB) and P5/P2 (grey), binary or plain, maxval up to 65535 (scaled to
 * 8 bits). Comments (#) in the header are skipped.
 */
export function decodePnm(buf: Uint8Array): Rgba {
  const kind = String.fromCharCode(buf[0]!, buf[1]!);
  if (!['P2', 'P3', 'P5', 'P6'].includes(kind)) throw new Error('not a PPM/PGM picture (P2, P3, P5 or P6)');
  let i = 2;
  const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
  const token = (): number => {
    for (;;) {
      while (i < buf.length && isSpace(buf[i]!)) i++;
      if (buf[i] === 0x23) while (i < buf.length && buf[i] !== 0x0a) i++;
      else break;
    }
    const start = i;
    while (i < buf.length && buf[i]! >= 0x30 && buf[i]! <= 0x39) i++;
    if (i === start) throw new Error(`bad ${kind} header at byte ${start}`);
    return Number(new TextDecoder().decode(buf.subarray(start, i)));
  };
  const width = token();
  const height = token();
  const maxval = token();
  if (width < 1 || height < 1 || maxval < 1 || maxval > 65535) throw new Error(`bad ${kind} header: ${width}x${height}, maxval ${maxval}`);
  const channels = kind === 'P3' || kind === 'P6' ? 3 : 1;
  const samples = width * height * channels;
  const values = new Uint16Array(samples);
  if (kind === 'P5' || kind === 'P6') {
    i++; // the single whitespace after maxval
    const bytes = maxval > 255 ? 2 : 1;
    if (buf.length - i < samples * bytes) throw new Error(`truncated ${kind} data: ${width}x${height} needs ${samples * bytes} bytes, has ${buf.length - i}`);
    for (let k = 0; k < samples; k++) values[k] = bytes === 1 ? buf[i + k]! : (buf[i + 2 * k]! << 8) | buf[i + 2 * k + 1]!;
  } else {
    for (let k = 0; k < samples; k++) values[k] = token();
  }
  const data = new Uint8Array(width * height * 4);
  const scale = (v: number) => (maxval === 255 ? v : Math.round((Math.min(v, maxval) * 255) / maxval));
  for (let p = 0; p < width * height; p++) {
    const o = p * 4;
    if (channels === 3) {
      data[o] = scale(values[p * 3]!);
      data[o + 1] = scale(values[p * 3 + 1]!);
      data[o + 2] = scale(values[p * 3 + 2]!);
    } else {
      data[o] = data[o + 1] = data[o + 2] = scale(values[p]!);
    }
    data[o + 3] = 255;
  }
  return {width, height, data};
}
