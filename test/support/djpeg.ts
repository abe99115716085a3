/**
 * libjpeg-turbo's djpeg and cjpeg (Debian libjpeg-turbo-progs, the library spice-gtk links): the oracle of
 * the JPEG tests. `djpeg -rgb` is spice-gtk's image path (decode-jpeg.c: libjpeg's defaults, JCS_RGB);
 * with `-dct fast -nosmooth` its MJPEG path (channel-display-mjpeg.c: JDCT_IFAST, no fancy upsampling).
 * djpeg's -nosmooth sets do_fancy_upsampling = FALSE; spice-gtk's do_block_smoothing = FALSE concerns only
 * progressive JPEGs (not baseline ones), and its JCS_EXT_BGRX output is the same values as -rgb's JCS_RGB
 * in another byte order.
 */
import {spawnSync} from 'node:child_process';
import type {Pixels} from '../../src/client/codecs/pixels.js';
import {parsePpm, type Rgb} from './images.js';

export const hasDjpeg = spawnSync('djpeg', ['-version']).status === 0;

export const IMAGE_PATH: readonly string[] = [];
export const MJPEG_PATH: readonly string[] = ['-dct', 'fast', '-nosmooth'];

function run(cmd: string, args: readonly string[], input: Uint8Array): Buffer {
  const r = spawnSync(cmd, args, {input, maxBuffer: 1 << 28});
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (Debian package libjpeg-turbo-progs)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** What libjpeg-turbo decodes `jpeg` to, as RGB. */
export function djpeg(jpeg: Uint8Array, args: readonly string[]): Rgb {
  return parsePpm(run('djpeg', [...args, '-rgb', '-ppm'], jpeg));
}

/** Encodes an RGB image with libjpeg-turbo (`cjpeg` options such as -sample 2x1, -restart 1, -progressive). */
export function cjpeg(img: Rgb, args: readonly string[]): Uint8Array {
  const ppm = Buffer.concat([Buffer.from(`P6\n${img.width} ${img.height}\n255\n`, 'latin1'), img.rgb]);
  return new Uint8Array(run('cjpeg', args, ppm));
}

/** Our xRGB pixels as RGB, for compareRgb. */
export function pixelsToRgb(p: Pixels): Rgb {
  const rgb = Buffer.alloc(p.width * p.height * 3);
  for (let i = 0, o = 0; i < p.data.length; i++, o += 3) {
    const v = p.data[i]!;
    rgb[o] = (v >> 16) & 255;
    rgb[o + 1] = (v >> 8) & 255;
    rgb[o + 2] = v & 255;
  }
  return {width: p.width, height: p.height, rgb};
}
