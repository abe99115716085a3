/**
 * JPEG decoding pixel for pixel as spice-gtk's: every JPEG payload of the recordings, decoded by us and by
 * libjpeg-turbo's djpeg (run now, on the same bytes) at spice-gtk's settings for that path.
 *  - JPEG / JPEG_ALPHA images (xspice-jpeg): sharp, against `djpeg` at libjpeg's defaults.
 *  - MJPEG stream frames (xspice-stream): our baseline decoder, against `djpeg -dct fast -nosmooth`.
 * Plus JPEGs made now by cjpeg in every layout the baseline decoder supports (subsampling, grey, RGB,
 * restart intervals, qualities, odd sizes), through both decoders, and the layouts it refuses.
 */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {decodeJpeg} from '../../src/client/codecs/jpeg.js';
import {decodeJpegFast} from '../../src/client/codecs/jpeg-baseline.js';
import {SpiceError} from '../../src/client/errors.js';
import {cjpeg, djpeg, hasDjpeg, IMAGE_PATH, MJPEG_PATH, pixelsToRgb} from '../support/djpeg.js';
import {compareRgb, type Rgb} from '../support/images.js';
import {jpegPayloads} from '../support/jpeg-payloads.js';

/** A deterministic picture with gradients, edges and noise: every IDCT and colour path gets work. */
function testPicture(width: number, height: number, seed = 1): Rgb {
  const rgb = Buffer.alloc(width * height * 3);
  let s = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const noise = (s >>> 24) & 31;
      const o = (y * width + x) * 3;
      rgb[o] = ((x * 255) / width + noise) & 255;
      rgb[o + 1] = (((x ^ y) & 16 ? 230 : 20) + noise) & 255;
      rgb[o + 2] = ((y * 255) / height + (x > width / 2 ? 90 : 0)) & 255;
    }
  }
  return {width, height, rgb};
}

function expectIdentical(ours: Rgb, theirs: Rgb, what: string): void {
  const c = compareRgb(ours, theirs);
  expect(c.differing, `${what}: ${c.differing} of ${c.total} pixels differ, first ${JSON.stringify(c.first)}`).toBe(0);
}

const needed = hasDjpeg || !!process.env.CI;

describe.skipIf(!needed)('JPEG decoding identical to spice-gtk (libjpeg-turbo djpeg)', () => {
  it('every recorded MJPEG stream frame: our decoder = djpeg -dct fast -nosmooth (spice-gtk MJPEG settings)', () => {
    const frames = jpegPayloads('xspice-stream').filter((p) => p.kind === 'frame');
    expect(frames.length).toBeGreaterThan(50);
    let islowDiffers = 0;
    for (const f of frames) {
      const theirs = djpeg(f.data, MJPEG_PATH);
      expectIdentical(pixelsToRgb(decodeJpegFast(f.data)), theirs, f.name);
      if (compareRgb(djpeg(f.data, IMAGE_PATH), theirs).differing > 0) islowDiffers++;
    }
    // The settings matter: libjpeg's defaults give other pixels on these frames.
    expect(islowDiffers).toBe(frames.length);
  });

  it('every recorded JPEG / JPEG_ALPHA image: sharp = djpeg at libjpeg defaults (spice-gtk image settings)', async () => {
    const images = jpegPayloads('xspice-jpeg').filter((p) => p.kind === 'image');
    expect(images.length).toBeGreaterThan(20);
    for (const img of images) expectIdentical(pixelsToRgb(await decodeJpeg(img.data)), djpeg(img.data, IMAGE_PATH), img.name);
  });

  it('the recorded images through our decoder too: = djpeg -dct fast -nosmooth', () => {
    for (const img of jpegPayloads('xspice-jpeg')) expectIdentical(pixelsToRgb(decodeJpegFast(img.data)), djpeg(img.data, MJPEG_PATH), img.name);
  });

  it.each([
    ['4:2:0, 97x61', 97, 61, ['-sample', '2x2']],
    ['4:2:2, 97x61', 97, 61, ['-sample', '2x1']],
    ['4:4:0, 50x37', 50, 37, ['-sample', '1x2']],
    ['4:4:4, 33x9', 33, 9, ['-sample', '1x1']],
    ['4:1:1, 71x20', 71, 20, ['-sample', '4x1']],
    ['chroma 1x1 luma 2x2 with 2x1 Cb', 64, 48, ['-sample', '2x2,2x1,1x1']],
    ['grey', 45, 30, ['-grayscale']],
    ['RGB (no YCbCr transform)', 40, 24, ['-rgb']],
    ['restart every MCU', 97, 61, ['-restart', '1B']],
    ['restart every 3 blocks, 4:2:2', 120, 40, ['-restart', '3B', '-sample', '2x1']],
    ['restart every row', 64, 64, ['-restart', '1']],
    ['quality 100 (small quantisers)', 48, 48, ['-quality', '100']],
    ['quality 3 (large quantisers)', 48, 48, ['-quality', '3', '-baseline']],
    ['1x1 pixel', 1, 1, []],
    ['640x480', 640, 480, ['-quality', '75']],
  ] as const)('cjpeg %s: our decoder = djpeg -dct fast -nosmooth, sharp = djpeg', async (name, w, h, args) => {
    const jpeg = cjpeg(testPicture(w, h), args);
    expectIdentical(pixelsToRgb(decodeJpegFast(jpeg)), djpeg(jpeg, MJPEG_PATH), name);
    expectIdentical(pixelsToRgb(await decodeJpeg(jpeg)), djpeg(jpeg, IMAGE_PATH), `${name} (sharp)`);
  });

  it('cjpeg one scan per component (sequential, non-interleaved, 4:2:0): our decoder = djpeg -dct fast -nosmooth', () => {
    const script = join(mkdtempSync(join(tmpdir(), 'spice-cli-jpeg-')), 'scans.txt');
    writeFileSync(script, '0;\n1;\n2;\n');
    const jpeg = cjpeg(testPicture(97, 61), ['-scans', script, '-sample', '2x2']);
    expect(jpeg.filter((b, i) => b === 0xff && jpeg[i + 1] === 0xda).length).toBe(3);
    expectIdentical(pixelsToRgb(decodeJpegFast(jpeg)), djpeg(jpeg, MJPEG_PATH), 'three scans');
  });

  it.each([
    ['progressive', ['-progressive'], /frame type SOF2/],
    ['arithmetic coding', ['-arithmetic'], /frame type SOF9/],
    // libjpeg (cjpeg too) refuses it: "Fractional sampling not implemented yet"; the frame header is edited.
    ['fractional sampling (3x2 luma, 2x2 chroma)', ['-sample', '1x1'], /fractional sampling ratio/, [0x32, 0x22, 0x11]],
  ] as const)('refuses %s JPEG with a protocol error', (_name, args, message, sampling?: readonly number[]) => {
    const jpeg = cjpeg(testPicture(16, 16), args);
    if (sampling) {
      const sof = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc0);
      sampling.forEach((hv, i) => (jpeg[sof + 11 + 3 * i] = hv));
    }
    let err: unknown;
    try {
      decodeJpegFast(jpeg);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpiceError);
    expect((err as SpiceError).kind).toBe('protocol');
    expect((err as SpiceError).message).toMatch(message);
  });
});
