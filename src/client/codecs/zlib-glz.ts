/**
 * SpiceImage ZLIB_GLZ_RGB: a zlib (RFC 1950) stream that inflates to a GLZ stream of exactly
 * glz_data_size bytes (spice-gtk's decode-zlib.c inflates into a buffer of that size).
 *
 * glz_data_size is checked before inflating: a GLZ image never exceeds the dictionary window (the server
 * refuses larger ones), and its stream is at most about 4 bytes per pixel plus one control byte per 32
 * literals and the header; inflating stops at that size (maxOutputLength), so a zlib bomb costs nothing.
 */
import {inflate, inflateSync} from 'node:zlib';
import {promisify} from 'node:util';
import {decodeGlz, GLZ_HEADER_SIZE, type GlzOptions} from './glz.js';
import type {GlzWindow} from './glz-window.js';
import {corrupt, MAX_IMAGE_PIXELS, type Pixels} from './pixels.js';

const ZLIB_GLZ = 'ZLIB_GLZ';
const inflateAsync = promisify(inflate);
/** Inputs up to this size inflate synchronously (the thread pool round trip costs more than the work). */
const SYNC_INPUT = 64 * 1024;

/** Largest GLZ stream an image of `pixels` pixels can need: 4 bytes a pixel (RGBA), a control byte per 32, header. */
export function maxGlzStreamSize(pixels: number): number {
  return GLZ_HEADER_SIZE + 4 * pixels + Math.ceil(pixels / 32) * 2 + 64;
}

export async function decodeZlibGlz(data: Uint8Array, glzSize: number, window: GlzWindow, opts: GlzOptions = {}): Promise<Pixels> {
  const limit = maxGlzStreamSize(Math.min(window.size, MAX_IMAGE_PIXELS));
  if (!Number.isInteger(glzSize) || glzSize < GLZ_HEADER_SIZE) throw corrupt(ZLIB_GLZ, `glz_data_size ${glzSize} is too small for a GLZ stream`);
  if (glzSize > limit) throw corrupt(ZLIB_GLZ, `glz_data_size ${glzSize} is over the limit for a ${window.size}-pixel window (${limit} bytes)`);
  let glz: Uint8Array;
  try {
    glz = data.length <= SYNC_INPUT ? inflateSync(data, {maxOutputLength: glzSize}) : await inflateAsync(data, {maxOutputLength: glzSize});
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw corrupt(ZLIB_GLZ, `inflates to more than glz_data_size (${glzSize} bytes)`);
    throw corrupt(ZLIB_GLZ, `inflate failed: ${e.message}`);
  }
  if (glz.length !== glzSize) throw corrupt(ZLIB_GLZ, `inflates to ${glz.length} bytes, glz_data_size says ${glzSize}`);
  return decodeGlz(glz, window, opts);
}
