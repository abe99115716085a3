/**
 * ZLIB_GLZ_RGB: zlib around a GLZ stream of exactly glz_data_size bytes. The recorded xspice-zlib_glz
 * session decodes through one window (and its images equal the same images sent otherwise: glz.test.ts);
 * here the size checks: refused before inflating when absurd, and exact after.
 */
import {deflateSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {recordedImages} from '../../src/bench/codec-lz.js';
import {decodeGlz} from '../../src/client/codecs/glz.js';
import {GlzWindow} from '../../src/client/codecs/glz-window.js';
import {decodeZlibGlz, maxGlzStreamSize} from '../../src/client/codecs/zlib-glz.js';
import {SpiceError} from '../../src/client/errors.js';
import {ImageType} from '../../src/client/wire/enums.js';

const session = () => recordedImages('zlib_glz').filter((r) => r.image.descriptor.type === ImageType.ZLIB_GLZ_RGB || r.image.descriptor.type === ImageType.GLZ_RGB);
const rejects = async (p: Promise<unknown>, re: RegExp) => {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SpiceError);
  expect((err as SpiceError).kind).toBe('protocol');
  expect((err as Error).message).toMatch(re);
};

describe('ZLIB_GLZ', () => {
  it('the recorded session decodes; each image equals its inflated GLZ stream decoded directly', async () => {
    const a = new GlzWindow(1 << 22);
    const b = new GlzWindow(1 << 22);
    let zlib = 0;
    for (const r of session()) {
      if (r.image.descriptor.type === ImageType.GLZ_RGB) {
        await decodeGlz(r.image.lz_rgb!.data, a);
        await decodeGlz(r.image.lz_rgb!.data, b);
        continue;
      }
      const z = r.image.zlib_glz!;
      const px = await decodeZlibGlz(z.data, z.glz_data_size, a);
      const glz = (await import('node:zlib')).inflateSync(z.data);
      expect(glz.length).toBe(z.glz_data_size);
      expect((await decodeGlz(glz, b)).data).toEqual(px.data);
      zlib++;
    }
    expect(zlib).toBe(35);
  });

  it('refuses an absurd glz_data_size before inflating anything', async () => {
    const window = new GlzWindow(1000);
    const bomb = deflateSync(Buffer.alloc(50 << 20)); // 50 MB of zeros, 50 kB compressed
    await rejects(decodeZlibGlz(bomb, 50 << 20, window), /over the limit/);
    await rejects(decodeZlibGlz(bomb, 2 ** 32 - 1, window), /over the limit/);
    await rejects(decodeZlibGlz(bomb, 10, window), /too small/);
    expect(maxGlzStreamSize(1000)).toBeLessThan(5000);
  });

  it('the stream must inflate to exactly glz_data_size', async () => {
    const r = session().find((x) => x.image.descriptor.type === ImageType.ZLIB_GLZ_RGB)!;
    const z = r.image.zlib_glz!;
    await rejects(decodeZlibGlz(z.data, z.glz_data_size - 1, new GlzWindow(1 << 22)), /more than glz_data_size/);
    await rejects(decodeZlibGlz(z.data, z.glz_data_size + 1, new GlzWindow(1 << 22)), /inflates to \d+ bytes/);
    await rejects(decodeZlibGlz(z.data.subarray(0, z.data.length - 5), z.glz_data_size, new GlzWindow(1 << 22)), /inflate failed|inflates to/);
    await rejects(decodeZlibGlz(new Uint8Array([1, 2, 3, 4]), 100, new GlzWindow(1 << 22)), /inflate failed/);
  });
});
