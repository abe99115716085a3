/**
 * Bounded, seeded fuzz of the LZ-family decoders over real streams (recorded Xspice images and the
 * reference vectors): truncations, bit flips, overwritten, inserted and deleted bytes. Every case must
 * decode or throw a SpiceError of kind 'protocol' — never another exception (RangeError, TypeError…),
 * and never take long (no endless loop; GLZ waits are bounded by a short timeout here).
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {recordedImages} from '../../src/bench/codec-lz.js';
import {decodeGlz, readGlzHeader} from '../../src/client/codecs/glz.js';
import {GlzWindow} from '../../src/client/codecs/glz-window.js';
import {decodeLz, decodeLzAlphaInto} from '../../src/client/codecs/lz.js';
import {decodeLz4} from '../../src/client/codecs/lz4.js';
import type {Pixels} from '../../src/client/codecs/pixels.js';
import {decodeZlibGlz} from '../../src/client/codecs/zlib-glz.js';
import {SpiceError} from '../../src/client/errors.js';
import {ImageType} from '../../src/client/wire/enums.js';
import {prng} from '../support/prng.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'codecs');
// Longer runs by hand: LZ_FUZZ_SCALE=50 LZ_FUZZ_SEED=7 npx vitest run test/codecs/lz-fuzz.test.ts
const SCALE = Number(process.env['LZ_FUZZ_SCALE'] ?? 1);
const SEED = Number(process.env['LZ_FUZZ_SEED'] ?? 0);

/** A seeded PRNG (mulberry32), so failures reproduce. */
function rng(seed: number) {
  const next = prng(seed + SEED * 0x9e3779b9);
  return {next, int: (n: number) => Math.floor(next() * n)};
}
type Rng = ReturnType<typeof rng>;

/** One damaged copy of `src`; mutations favour the header, where sizes and ids live. */
function mutate(src: Uint8Array, r: Rng): {data: Uint8Array; how: string} {
  const pos = () => (r.next() < 0.4 ? r.int(Math.min(40, src.length)) : r.int(src.length));
  switch (r.int(5)) {
    case 0: {
      const n = r.int(src.length);
      return {data: src.slice(0, n), how: `truncated to ${n}`};
    }
    case 1: {
      const d = src.slice();
      const flips = 1 + r.int(4);
      const at: number[] = [];
      for (let i = 0; i < flips; i++) {
        const p = pos();
        d[p]! ^= 1 << r.int(8);
        at.push(p);
      }
      return {data: d, how: `bits flipped at ${at.join(',')}`};
    }
    case 2: {
      const d = src.slice();
      const p = pos();
      d[p] = r.int(256);
      return {data: d, how: `byte ${p} overwritten`};
    }
    case 3: {
      const p = pos();
      const d = new Uint8Array(src.length + 1);
      d.set(src.subarray(0, p));
      d[p] = r.int(256);
      d.set(src.subarray(p), p + 1);
      return {data: d, how: `byte inserted at ${p}`};
    }
    default: {
      const p = pos();
      const d = new Uint8Array(src.length - 1);
      d.set(src.subarray(0, p));
      d.set(src.subarray(p + 1), p);
      return {data: d, how: `byte ${p} deleted`};
    }
  }
}

/** Runs a case: it must succeed or fail with a protocol error, quickly. */
async function check(what: string, f: () => unknown): Promise<'ok' | 'error'> {
  const t0 = performance.now();
  let outcome: 'ok' | 'error' = 'ok';
  try {
    await f();
  } catch (err) {
    if (!(err instanceof SpiceError) || err.kind !== 'protocol') {
      throw new Error(`${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, {cause: err});
    }
    outcome = 'error';
  }
  const ms = performance.now() - t0;
  if (ms > 2000) throw new Error(`${what}: took ${Math.round(ms)} ms`);
  return outcome;
}

// Small streams only: a damaged size field may legitimately make a decoder allocate up to 255 pixels
// per stream byte before finding out, and a full screen times thousands of cases is slow for no gain.
const small = (d: Uint8Array) => d.length <= 20_000;

describe('LZ-family fuzz (seeded)', () => {
  it('LZ: 3000 damaged streams (RGB32/RGBA recorded, all 11 types from the reference vectors)', async () => {
    const sources: Array<{data: Uint8Array; palette?: Uint32Array}> = [];
    for (const r of recordedImages('lz')) if (r.image.descriptor.type === ImageType.LZ_RGB && small(r.image.lz_rgb!.data)) sources.push({data: r.image.lz_rgb!.data});
    const manifest = JSON.parse(readFileSync(join(FIXTURES, 'lz', 'manifest.json'), 'utf8')) as Array<{file: string; palette?: number[]}>;
    for (const v of manifest) sources.push({data: new Uint8Array(readFileSync(join(FIXTURES, 'lz', v.file))), palette: v.palette ? Uint32Array.from(v.palette) : undefined});
    const r = rng(0x4c5a);
    const outcomes = {ok: 0, error: 0};
    for (let i = 0; i < 3000 * SCALE; i++) {
      const s = sources[r.int(sources.length)]!;
      const {data, how} = mutate(s.data, r);
      outcomes[await check(`LZ case ${i} (${how})`, () => decodeLz(data, {palette: s.palette}))]++;
    }
    expect(outcomes.error).toBeGreaterThan(1000 * SCALE);
  });

  it('JPEG_ALPHA alpha planes: 500 damaged streams', async () => {
    const planes = recordedImages('jpeg')
      .filter((r) => r.image.descriptor.type === ImageType.JPEG_ALPHA)
      .map((r) => ({data: r.image.jpeg_alpha!.data.subarray(r.image.jpeg_alpha!.jpeg_size), w: r.image.descriptor.width, h: r.image.descriptor.height}));
    const r = rng(0xa1fa);
    for (let i = 0; i < 500 * SCALE; i++) {
      const p = planes[r.int(planes.length)]!;
      const {data, how} = mutate(p.data, r);
      const px: Pixels = {width: p.w, height: p.h, format: 'xrgb', data: new Uint32Array(p.w * p.h)};
      await check(`alpha case ${i} (${how})`, () => decodeLzAlphaInto(data, px, true));
    }
  });

  it('LZ4: 1500 damaged streams (recorded, and the reference vectors in every format)', async () => {
    const sources: Array<{data: Uint8Array; w: number; h: number}> = [];
    for (const r of recordedImages('lz4')) if (r.image.descriptor.type === ImageType.LZ4 && small(r.image.lz4!.data)) sources.push({data: r.image.lz4!.data, w: r.image.descriptor.width, h: r.image.descriptor.height});
    const manifest = JSON.parse(readFileSync(join(FIXTURES, 'lz4', 'manifest.json'), 'utf8')) as Array<{file: string; width: number; height: number}>;
    for (const v of manifest) sources.push({data: new Uint8Array(readFileSync(join(FIXTURES, 'lz4', v.file))), w: v.width, h: v.height});
    const r = rng(0x1234);
    for (let i = 0; i < 1500 * SCALE; i++) {
      const s = sources[r.int(sources.length)]!;
      const {data, how} = mutate(s.data, r);
      await check(`LZ4 case ${i} (${how})`, () => decodeLz4(data, s.w, s.h));
    }
  });

  it('GLZ and ZLIB_GLZ: 2000 damaged streams, each in a window holding what the original referenced', async () => {
    // Decode the sessions once in order, keeping every image, so a case can get exactly its window.
    type Kept = {id: bigint; data: Uint32Array; whd: number};
    const sources: Array<{data: Uint8Array; glzSize?: number; window: Kept[]}> = [];
    const sessions: Array<Array<{data: Uint8Array; glzSize?: number}>> = [];
    for (const mode of ['glz', 'zlib_glz']) {
      sessions.push(
        recordedImages(mode)
          .filter((r) => r.image.descriptor.type === ImageType.GLZ_RGB || r.image.descriptor.type === ImageType.ZLIB_GLZ_RGB)
          .map((r) => (r.image.descriptor.type === ImageType.GLZ_RGB ? {data: r.image.lz_rgb!.data} : {data: r.image.zlib_glz!.data, glzSize: r.image.zlib_glz!.glz_data_size})),
      );
    }
    const manifest = JSON.parse(readFileSync(join(FIXTURES, 'glz', 'manifest.json'), 'utf8')) as {images: Array<{file: string}>};
    sessions.push(manifest.images.map((v) => ({data: new Uint8Array(readFileSync(join(FIXTURES, 'glz', v.file)))})));
    const {inflateSync} = await import('node:zlib');
    for (const session of sessions) {
      const kept: Kept[] = [];
      const w = new GlzWindow(1 << 22);
      for (const img of session) {
        const glz = img.glzSize === undefined ? img.data : new Uint8Array(inflateSync(img.data));
        const h = readGlzHeader(glz);
        const px = await decodeGlz(glz, w);
        const reach = kept.filter((k) => k.id >= h.id - BigInt(h.winHeadDist));
        if (small(img.data)) sources.push({...img, window: reach});
        // What the window keeps is in stream order; the tests only need the same pixels back.
        kept.push({id: h.id, data: h.topDown ? px.data : flip(px), whd: h.winHeadDist});
      }
    }
    const r = rng(0x617a);
    const outcomes = {ok: 0, error: 0};
    for (let i = 0; i < 2000 * SCALE; i++) {
      const s = sources[r.int(sources.length)]!;
      const {data, how} = mutate(s.data, r);
      const window = new GlzWindow(1 << 22, {timeoutMs: 5});
      for (const k of s.window) window.add(k.id, k.data, k.whd);
      outcomes[
        await check(`GLZ case ${i} (${how})`, () => (s.glzSize === undefined ? decodeGlz(data, window) : decodeZlibGlz(data, s.glzSize, window)))
      ]++;
      expect(window.stats.waiting).toBe(0);
    }
    expect(outcomes.error).toBeGreaterThan(700 * SCALE);
  });
});

function flip(px: Pixels): Uint32Array {
  const out = new Uint32Array(px.data.length);
  for (let y = 0; y < px.height; y++) out.set(px.data.subarray(y * px.width, (y + 1) * px.width), (px.height - 1 - y) * px.width);
  return out;
}
