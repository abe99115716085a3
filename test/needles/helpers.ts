/** Pictures for the needle tests: real screenshots from recordings/ and variants made from them with sharp. */
import {fileURLToPath} from 'node:url';
import sharp from 'sharp';
import type {Rgba} from '../../src/client/actions/needles/image.js';

export const RECORDINGS = fileURLToPath(new URL('../../recordings/', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/needles/', import.meta.url));
/** spicy-screenshot (spice-gtk) of the lab Xspice desktop at the end of the session, and the X framebuffer when it connected. */
export const SHOT = `${RECORDINGS}xspice-off.png`;
export const SHOT_AT_CONNECT = `${RECORDINGS}xspice-off.connect.png`;

/** The picture moved right by dx and down by dy (black comes in), same size: sharp extend then extract. */
export async function shiftedPng(path: string, dx: number, dy: number, out: string): Promise<void> {
  const {width, height} = await sharp(path).metadata();
  const extended = await sharp(path).extend({left: dx, top: dy, background: {r: 0, g: 0, b: 0, alpha: 1}}).png().toBuffer();
  await sharp(extended).extract({left: 0, top: 0, width: width!, height: height!}).png().toFile(out);
}

export function copyRgba(img: Rgba): Rgba {
  return {width: img.width, height: img.height, data: new Uint8Array(img.data)};
}

export function pixel(img: Rgba, x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}
