/**
 * SpiceImage JPEG and JPEG_ALPHA (baseline JFIF, RGB). spice-gtk decodes them with libjpeg at its defaults
 * (islow IDCT, fancy upsampling, JCS_RGB); sharp decodes with libjpeg-turbo at the same defaults, off the
 * event loop on libuv's thread pool, to the same pixels (test/codecs/jpeg-exact checks every recorded image
 * against `djpeg`). MJPEG stream frames use other settings: jpeg-baseline.ts. The result is xRGB with a
 * zero top byte.
 */
import {checkDimensions, corrupt, type Pixels} from './pixels.js';

type Sharp = typeof import('sharp');
let sharpModule: Promise<Sharp> | undefined;
/** sharp is loaded on the first JPEG only, so commands that never see one start faster. */
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((m) => (m as unknown as {default: Sharp}).default);
  return sharpModule;
}

/** Reads the frame size from the SOF marker without decoding, to check it before any allocation. */
export function jpegSize(data: Uint8Array): {width: number; height: number} {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) throw corrupt('JPEG', 'missing SOI marker');
  let i = 2;
  while (i + 9 < data.length) {
    if (data[i] !== 0xff) throw corrupt('JPEG', `bad marker at byte ${i}`);
    const marker = data[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const len = (data[i + 2]! << 8) | data[i + 3]!;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return {height: (data[i + 5]! << 8) | data[i + 6]!, width: (data[i + 7]! << 8) | data[i + 8]!};
    }
    i += 2 + len;
  }
  throw corrupt('JPEG', 'no frame header');
}

export async function decodeJpeg(data: Uint8Array): Promise<Pixels> {
  const {width, height} = jpegSize(data);
  checkDimensions(width, height, 'JPEG');
  const sharp = await loadSharp();
  let raw: {data: Buffer; info: {width: number; height: number; channels: number}};
  try {
    raw = await sharp(data, {failOn: 'none', limitInputPixels: width * height})
      .toColourspace('srgb')
      .raw()
      .toBuffer({resolveWithObject: true});
  } catch (e) {
    throw corrupt('JPEG', (e as Error).message);
  }
  const {info} = raw;
  if (info.width !== width || info.height !== height) throw corrupt('JPEG', `decoded ${info.width}x${info.height}, header said ${width}x${height}`);
  const n = width * height;
  const out = new Uint32Array(n);
  const src = raw.data;
  const ch = info.channels;
  if (ch === 1) {
    for (let p = 0; p < n; p++) {
      const v = src[p]!;
      out[p] = (v << 16) | (v << 8) | v;
    }
  } else {
    for (let p = 0, i = 0; p < n; p++, i += ch) out[p] = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
  }
  return {width, height, format: 'xrgb', data: out};
}
