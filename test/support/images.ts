/** Reading reference pictures (PNG via sharp, PPM directly) and comparing them pixel by pixel. */
import {readFileSync} from 'node:fs';
import sharp from 'sharp';

export interface Rgb {
  width: number;
  height: number;
  rgb: Buffer;
}

export async function readImage(path: string): Promise<Rgb> {
  if (path.endsWith('.ppm')) return parsePpm(readFileSync(path));
  const {data, info} = await sharp(path).removeAlpha().raw().toBuffer({resolveWithObject: true});
  return {width: info.width, height: info.height, rgb: data};
}

export function parsePpm(buf: Buffer): Rgb {
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(buf.toString('latin1', 0, 64));
  if (!m) throw new Error('not a binary PPM (P6, maxval 255)');
  return {width: Number(m[1]), height: Number(m[2]), rgb: buf.subarray(m[0].length)};
}

export interface Comparison {
  differing: number;
  total: number;
  /** First differing pixel, for messages. */
  first?: {x: number; y: number; ours: string; theirs: string};
  /** PSNR in dB over RGB (Infinity when identical). */
  psnr: number;
}

export function compareRgb(a: Rgb, b: Rgb): Comparison {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let differing = 0;
  let sq = 0;
  let first: Comparison['first'];
  const hex = (buf: Buffer, i: number) => buf.subarray(i, i + 3).toString('hex');
  for (let i = 0; i < a.rgb.length; i += 3) {
    const dr = a.rgb[i]! - b.rgb[i]!;
    const dg = a.rgb[i + 1]! - b.rgb[i + 1]!;
    const db = a.rgb[i + 2]! - b.rgb[i + 2]!;
    if (dr || dg || db) {
      differing++;
      sq += dr * dr + dg * dg + db * db;
      if (!first) first = {x: (i / 3) % a.width, y: Math.floor(i / 3 / a.width), ours: hex(a.rgb, i), theirs: hex(b.rgb, i)};
    }
  }
  const mse = sq / a.rgb.length;
  return {differing, total: a.width * a.height, first, psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse)};
}
