/**
 * Damaged input never crashes or hangs the display pipeline: recorded messages of real servers, truncated
 * and bit-flipped, go through the decoders and the canvas and either draw or raise a SpiceError of kind
 * 'protocol' (exit 20) — never a TypeError, RangeError or an endless wait.
 */
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {SpiceError} from '../../src/client/errors.js';
import {decodeBitmap} from '../../src/client/codecs/bitmap.js';
import {decodeJpeg} from '../../src/client/codecs/jpeg.js';
import {readRecording, type Recording} from '../../src/client/recording/reader.js';
import {replayDisplay} from '../../src/client/recording/replay-display.js';
import {BitmapFmt} from '../../src/client/wire/enums.js';
import {prng} from '../support/prng.js';

const dir = join(import.meta.dirname, '..', '..', 'recordings');

function expectProtocolErrorOrSuccess(e: unknown, what: string): void {
  if (!(e instanceof SpiceError) || e.kind !== 'protocol') {
    throw new Error(`${what}: expected a protocol SpiceError, got ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
  }
}

function mutate(rec: Recording, index: number, body: Uint8Array): Recording {
  return {header: rec.header, messages: rec.messages.map((m, i) => (i === index ? {...m, body} : m))};
}

describe('damaged display messages', () => {
  it.each(['lz', 'quic', 'glz', 'lz4', 'off', 'zlib_glz', 'jpeg'])('%s recording: truncations and bit flips of draws', async (mode) => {
    const rec = readRecording(join(dir, `xspice-${mode}.spicerec`));
    const draws = rec.messages.map((m, i) => ({m, i})).filter(({m}) => m.dir === 'in' && m.channelType === 2 && m.body.length > 40);
    const rnd = prng(mode.length * 7919);
    for (let n = 0; n < 24; n++) {
      const {m, i} = draws[Math.floor(rnd() * draws.length)]!;
      const body = new Uint8Array(m.body);
      let damaged: Uint8Array;
      if (n % 3 === 0) damaged = body.subarray(0, Math.floor(rnd() * body.length));
      else {
        damaged = body.slice();
        for (let k = 0; k < 1 + Math.floor(rnd() * 8); k++) damaged[Math.floor(rnd() * damaged.length)]! ^= 1 << Math.floor(rnd() * 8);
      }
      try {
        await replayDisplay(mutate(rec, i, damaged), {timeoutMs: 300});
      } catch (e) {
        expectProtocolErrorOrSuccess(e, `${mode} message ${i} case ${n}`);
      }
    }
  }, 60_000);
});

describe('bitmap decoder', () => {
  it('refuses short data, bad strides, unknown formats and missing palettes with protocol errors', () => {
    const ok = {format: BitmapFmt['32BIT'], flags: 0, width: 4, height: 2, stride: 16, data: new Uint8Array(32)};
    expect(decodeBitmap(ok).data.length).toBe(8);
    for (const bad of [
      {...ok, data: new Uint8Array(31)},
      {...ok, stride: 15},
      {...ok, format: 42},
      {...ok, format: BitmapFmt['8BIT'], stride: 4, data: new Uint8Array(8)},
      {...ok, width: 100000, stride: 400000},
      {...ok, width: 0},
    ]) {
      try {
        decodeBitmap(bad);
        throw new Error('accepted a bad bitmap');
      } catch (e) {
        expectProtocolErrorOrSuccess(e, 'bitmap');
      }
    }
  });

  it('reads bottom-up rows, 16-bit x555 with bit replication, and 1/4/8-bit palettes', () => {
    // Two rows, bottom-up: the first stored row is the bottom one.
    const rows = decodeBitmap({format: BitmapFmt['32BIT'], flags: 0, width: 1, height: 2, stride: 4, data: new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0])});
    expect([...rows.data]).toEqual([2, 1]);
    // x555 0x7fff → white; 0x0421 (1,1,1) → each channel 0b00001000 | 0b00000000 = 8.
    const w = decodeBitmap({format: BitmapFmt['16BIT'], flags: 4, width: 2, height: 1, stride: 4, data: new Uint8Array([0xff, 0x7f, 0x21, 0x04])});
    expect([...w.data]).toEqual([0xffffff, 0x080808]);
    const pal = Uint32Array.from([0x000000, 0xff0000, 0x00ff00, 0x0000ff]);
    const p1 = decodeBitmap({format: BitmapFmt['1BIT_BE'], flags: 4, width: 8, height: 1, stride: 1, data: new Uint8Array([0b10000001]), palette: pal});
    expect([...p1.data]).toEqual([0xff0000, 0, 0, 0, 0, 0, 0, 0xff0000]);
    const p4 = decodeBitmap({format: BitmapFmt['4BIT_BE'], flags: 4, width: 2, height: 1, stride: 1, data: new Uint8Array([0x32]), palette: pal});
    expect([...p4.data]).toEqual([0x0000ff, 0x00ff00]);
  });
});

describe('JPEG decoder', () => {
  it('damaged JPEG streams decode or fail with a protocol error', async () => {
    const rec = readRecording(join(dir, 'xspice-jpeg.spicerec'));
    // JPEG_ALPHA payloads begin with the JPEG's SOI marker inside DRAW_COPY bodies.
    const jpegs: Uint8Array[] = [];
    for (const m of rec.messages) {
      if (m.dir !== 'in' || m.channelType !== 2) continue;
      const b = Buffer.from(m.body);
      const at = b.indexOf(Buffer.from([0xff, 0xd8, 0xff]));
      const end = b.indexOf(Buffer.from([0xff, 0xd9]), at);
      if (at >= 0 && end > at) jpegs.push(new Uint8Array(b.subarray(at, end + 2)));
      if (jpegs.length >= 5) break;
    }
    expect(jpegs.length).toBeGreaterThan(0);
    const good = await decodeJpeg(jpegs[0]!);
    expect(good.width).toBeGreaterThan(0);
    const rnd = prng(42);
    for (let n = 0; n < 60; n++) {
      const src = jpegs[n % jpegs.length]!;
      const d = n % 2 ? src.subarray(0, Math.floor(rnd() * src.length)) : src.slice();
      if (!(n % 2)) for (let k = 0; k < 6; k++) d[Math.floor(rnd() * d.length)]! ^= 0xff;
      try {
        await decodeJpeg(d);
      } catch (e) {
        expectProtocolErrorOrSuccess(e, `jpeg case ${n}`);
      }
    }
  });
});
