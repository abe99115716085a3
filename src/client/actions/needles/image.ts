/** RGBA pictures of needles and screens: PNG in and out through sharp (loaded on first use). */
import {SpiceError} from '../../errors.js';

/** An RGBA picture: R, G, B, A bytes per pixel, rows top-down (what surfaceToRgba returns). */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Reads a PNG (or any picture sharp reads) as RGBA; an unreadable file is a usage error naming it. */
export async function readPngRgba(path: string): Promise<Rgba> {
  const sharp = (await import('sharp')).default;
  try {
    const {data, info} = await sharp(path).ensureAlpha().raw().toBuffer({resolveWithObject: true});
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
