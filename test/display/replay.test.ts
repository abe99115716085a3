/**
 * Offline: each display recording of a lab Xspice (one per image compression) replayed through the
 * decoders and the canvas ends on exactly the pixels spice-gtk's spicy-screenshot saved at the same
 * still moment (recordings/xspice-<mode>.png).
 */
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readRecording} from '../../src/client/recording/reader.js';
import {replayDisplay} from '../../src/client/recording/replay-display.js';
import {surfaceToRgb} from '../../src/client/display/export.js';
import {compareRgb, readImage} from '../support/images.js';

const dir = join(import.meta.dirname, '..', '..', 'recordings');
const LOSSLESS = ['off', 'quic', 'lz', 'glz', 'auto_lz', 'auto_glz', 'lz4', 'zlib_glz'];

async function replayed(mode: string) {
  const {renderers} = await replayDisplay(readRecording(join(dir, `xspice-${mode}.spicerec`)));
  const primary = renderers.get(0)?.primary;
  if (!primary) throw new Error(`${mode}: no primary surface after replay`);
  const ours = surfaceToRgb(primary);
  const theirs = await readImage(join(dir, `xspice-${mode}.png`));
  return compareRgb(ours, theirs);
}

describe('display recordings replayed offline', () => {
  it.each(LOSSLESS)('%s: pixel-exact with spicy-screenshot', async (mode) => {
    const c = await replayed(mode);
    expect(c.differing, JSON.stringify(c.first)).toBe(0);
  });

  it('jpeg (lossy JPEG_ALPHA draws, WAN option forced): close to spice-gtk', async () => {
    // spicy-screenshot got a fresh lossless frame; our replay keeps the lossy draws of the session.
    const c = await replayed('jpeg');
    expect(c.psnr).toBeGreaterThan(30);
  });
});
