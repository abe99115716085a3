/**
 * Export of a surface region: the only place pixels leave the server's native layout. PNG through sharp
 * (loaded on first use), PPM (P6) directly.
 */
import {surfaceToRgba, type Surface} from './surface.js';
import type {Rect} from './types.js';

export interface RgbImage {
  width: number;
  height: number;
  /** R, G, B bytes per pixel, rows top-down. */
  rgb: Buffer;
}

export function surfaceToRgb(surface: Surface, region?: Rect): RgbImage {
  const {width, height, data} = surfaceToRgba(surface, region);
  const rgb = Buffer.allocUnsafe(width * height * 3);
  for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
    rgb[o] = data[i]!;
    rgb[o + 1] = data[i + 1]!;
    rgb[o + 2] = data[i + 2]!;
  }
  return {width, height, rgb};
}

export async function encodePng(img: RgbImage): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp(img.rgb, {raw: {width: img.width, height: img.height, channels: 3}}).png({compressionLevel: 6}).toBuffer();
}

export function encodePpm(img: RgbImage): Buffer {
  return Buffer.concat([Buffer.from(`P6\n${img.width} ${img.height}\n255\n`, 'latin1'), img.rgb]);
}
