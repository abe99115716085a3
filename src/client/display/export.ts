/**
 * Export of a surface region: the only place pixels leave the server's native layout. PNG through sharp
 * (loaded on first use), PPM (P6) directly.
 */
import {clampRegion, surfaceToRgba, type Surface} from './surface.js';
import type {Rect} from './types.js';

export interface RgbImage {
  width: number;
  height: number;
  /** R, G, B bytes per pixel, rows top-down. */
  rgb: Buffer;
}

export function surfaceToRgb(surface: Surface, region?: Rect): RgbImage {
  if (surface.fmt !== 'x8r8g8b8' && surface.fmt !== 'a8r8g8b8') return rgbaToRgb(surfaceToRgba(surface, region));
  // The 32-bit formats straight from the native xRGB words, in one pass (the common case: every screenshot).
  const {left, top, bottom, width, height} = clampRegion(surface, region);
  const rgb = Buffer.allocUnsafe(width * height * 3);
  const d = surface.data;
  let o = 0;
  for (let y = top; y < bottom; y++) {
    for (let i = y * surface.stride + left, end = i + width; i < end; i++) {
      const v = d[i]!;
      rgb[o] = v >>> 16;
      rgb[o + 1] = v >>> 8;
      rgb[o + 2] = v;
      o += 3;
    }
  }
  return {width, height, rgb};
}

function rgbaToRgb({width, height, data}: {width: number; height: number; data: Uint8Array}): RgbImage {
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
