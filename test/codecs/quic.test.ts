/**
 * QUIC decoder: bit-exactness against the X framebuffer (RGB32 frames of the recordings, an RGB16 frame
 * of Xspice at depth 15) and against spice-common's quic.c (SHA-256 digests of its output in
 * test/fixtures/codecs/quic/: every recorded image, synthetic streams of all five types, damaged
 * streams), the RGBA alpha plane, hand-reasoned streams, header and size checks, and bounded seeded
 * fuzzing of real streams.
 */
import {createHash} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import sharp from 'sharp';
import {beforeAll, describe, expect, it} from 'vitest';
import {HTML5_QUIC_JS, loadHtml5Quic, RECORDINGS, recordedQuicImages, type RecordedQuic} from '../../src/bench/codec-quic.js';
import {decodeQuic, QuicType, readQuicHeader} from '../../src/client/codecs/quic.js';
import {MAX_IMAGE_SIDE} from '../../src/client/codecs/pixels.js';
import {SpiceError} from '../../src/client/errors.js';
import {mutateStream, prng, quicHeader, syntheticStream, type SyntheticSpec} from '../fixtures/codecs/quic/vectors.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'codecs', 'quic');
interface Digests {
  recordings: Array<{recording: string; index: number; width: number; height: number; sha256: string}>;
  synthetic: Array<SyntheticSpec & {sha256: string | null}>;
  mutations: Array<{image: number; seed: number; sha256: string | null}>;
}
const digests = JSON.parse(readFileSync(join(FIXTURES, 'quic-c-digests.json'), 'utf8')) as Digests;

/** RGB16 QUIC images of a lab Xspice at depth 15 (see xspice-depth15.json). */
interface Depth15 {
  images: Array<{surface: number; box: RecordedQuic['box']; width: number; height: number; bytes: number; sha256: string}>;
}
const depth15 = JSON.parse(readFileSync(join(FIXTURES, 'xspice-depth15.json'), 'utf8')) as Depth15;
const depth15Streams: Uint8Array[] = [];
{
  const all = readFileSync(join(FIXTURES, 'xspice-depth15.quic'));
  for (let at = 0; at < all.length; ) {
    const len = all.readUInt32LE(at);
    depth15Streams.push(new Uint8Array(all.subarray(at + 4, at + 4 + len)));
    at += 4 + len;
  }
}

const sha256 = (px: Uint32Array) => createHash('sha256').update(new Uint8Array(px.buffer, px.byteOffset, px.byteLength)).digest('hex');

/** Decodes, or returns the error (which must be a protocol error). */
function attempt(stream: Uint8Array): ReturnType<typeof decodeQuic> | SpiceError {
  try {
    return decodeQuic(stream);
  } catch (e) {
    if (!(e instanceof SpiceError) || e.kind !== 'protocol') throw new Error(`not a protocol error: ${String(e)}`, {cause: e});
    return e;
  }
}

let images: RecordedQuic[];
beforeAll(() => {
  images = recordedQuicImages();
});

describe('QUIC on the recordings', () => {
  it('decodes the first full-screen frame to exactly the X framebuffer of the moment of connecting', async () => {
    for (const name of ['xspice-quic', 'xspice-jpeg']) {
      const frame = images.find(
        (i) => i.recording === name && i.surfaceId === 0 && i.box.left === 0 && i.box.top === 0 && i.box.right === 1024 && i.box.bottom === 768,
      );
      expect(frame, name).toBeDefined();
      const px = decodeQuic(frame!.data);
      expect(px).toMatchObject({width: 1024, height: 768, format: 'xrgb'});
      const {data, info} = await sharp(join(RECORDINGS, `${name}.connect.png`)).raw().toBuffer({resolveWithObject: true});
      expect([info.width, info.height]).toEqual([1024, 768]);
      let differ = 0;
      for (let i = 0, s = 0; i < px.data.length; i++, s += info.channels) {
        const want = (data[s]! << 16) | (data[s + 1]! << 8) | data[s + 2]!;
        if ((px.data[i]! & 0xffffff) !== want) differ++;
      }
      expect(differ, `${name}: pixels that differ from connect.png`).toBe(0);
      // As spice-gtk's canvas: quic.c clears the pad byte of RGB32 output.
      expect(px.data.every((p) => p >>> 24 === 0)).toBe(true);
    }
  });

  it('decodes every QUIC image to its descriptor size, format by type, as quic.c does (SHA-256 of the pixels)', () => {
    expect(images.length).toBe(digests.recordings.length);
    const types = new Map<number, number>();
    images.forEach((img, k) => {
      const header = readQuicHeader(img.data);
      types.set(header.type, (types.get(header.type) ?? 0) + 1);
      const px = decodeQuic(img.data);
      expect([px.width, px.height]).toEqual([img.width, img.height]);
      expect([header.width, header.height]).toEqual([img.width, img.height]);
      expect(px.format).toBe(header.type === QuicType.RGBA ? 'argb' : 'xrgb');
      const want = digests.recordings[k]!;
      expect([want.recording, want.width, want.height]).toEqual([img.recording, img.width, img.height]);
      expect(sha256(px.data), `${img.recording} QUIC image ${want.index}`).toBe(want.sha256);
    });
    // What the recordings hold: two full-screen RGB32 frames and 43 RGBA images (xterm text).
    expect(Object.fromEntries(types)).toEqual({[QuicType.RGB32]: 2, [QuicType.RGBA]: 43});
  });

  it('decodes the RGBA images with their own alpha plane: all 0 here, as quic.c makes it', () => {
    const rgba = images.filter((i) => readQuicHeader(i.data).type === QuicType.RGBA);
    expect(rgba.length).toBe(43);
    let coloured = 0;
    for (const img of rgba) {
      const px = decodeQuic(img.data);
      expect(px.format).toBe('argb');
      // Xorg's ARGB pixmaps behind xterm's text carry alpha 0; quic.c (whose output the digests above pin
      // down byte for byte) decodes the plane as 0 everywhere, colours intact.
      expect(px.data.every((p) => p >>> 24 === 0)).toBe(true);
      if (px.data.some((p) => (p & 0xffffff) !== 0)) coloured++;
    }
    expect(coloured).toBeGreaterThan(30);
  });

  it.skipIf(!existsSync(HTML5_QUIC_JS))('gives the same RGB and alpha as spice-html5 quic.js (Debian spice-html5)', async () => {
    const html5 = (await loadHtml5Quic())!;
    for (const img of images) {
      const ours = decodeQuic(img.data);
      const theirs = html5(img.data)!;
      const words = new Uint32Array(theirs.bytes.buffer, theirs.bytes.byteOffset, ours.width * ours.height);
      const mask = ours.format === 'argb' ? 0xffffffff : 0xffffff;
      let differ = 0;
      for (let i = 0; i < words.length; i++) if (((words[i]! ^ ours.data[i]!) & mask) !== 0) differ++;
      expect(differ).toBe(0);
    }
  });
});

describe('QUIC RGB16 from a real server (Xspice at depth 15)', () => {
  const meta = depth15;
  const streams = depth15Streams;

  it('decodes the full-screen RGB16 frame to exactly the X framebuffer, widened as spice-gtk does', async () => {
    expect(streams.length).toBe(meta.images.length);
    expect(meta.images[0]).toMatchObject({surface: 0, width: 1024, height: 768, box: {top: 0, left: 0, bottom: 768, right: 1024}});
    const px = decodeQuic(streams[0]!);
    expect(readQuicHeader(streams[0]!).type).toBe(QuicType.RGB16);
    expect(px).toMatchObject({width: 1024, height: 768, format: 'xrgb'});
    const {data, info} = await sharp(join(FIXTURES, 'xspice-depth15.connect.png')).raw().toBuffer({resolveWithObject: true});
    let differ = 0;
    for (let i = 0, s = 0; i < px.data.length; i++, s += info.channels) {
      if (px.data[i] !== ((data[s]! << 16) | (data[s + 1]! << 8) | data[s + 2]!)) differ++;
    }
    expect(differ).toBe(0);
  });

  it('decodes every recorded RGB16 image as quic.c does', () => {
    meta.images.forEach((m, k) => {
      const px = decodeQuic(streams[k]!);
      expect([px.width, px.height]).toEqual([m.width, m.height]);
      expect(sha256(px.data), `image ${k}`).toBe(m.sha256);
      // Widened 5-bit samples only: each byte is (v << 3) | (v >> 2).
      let notWidened = 0;
      for (const p of px.data) {
        for (let c = p & 0xffffff; c; c >>>= 8) if ((c & 7) !== ((c & 0xff) >> 5)) notWidened++;
      }
      expect(notWidened).toBe(0);
    });
  });
});

describe('QUIC against quic.c on synthetic and damaged streams', () => {
  it('decodes pseudo-random payloads of every type (GRAY and RGB16 included) exactly as quic.c, or refuses them as it does', () => {
    const seen = new Set<number>();
    for (const spec of digests.synthetic) {
      const got = attempt(syntheticStream(spec));
      const what = `type ${spec.type} ${spec.width}x${spec.height} seed ${spec.seed}`;
      if (spec.sha256 === null) {
        expect(got, what).toBeInstanceOf(SpiceError);
        continue;
      }
      expect(got, what).not.toBeInstanceOf(SpiceError);
      const px = got as ReturnType<typeof decodeQuic>;
      expect(sha256(px.data), what).toBe(spec.sha256);
      seen.add(spec.type);
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('decodes damaged real streams exactly as quic.c (same pixels, or refused)', () => {
    let decoded = 0;
    for (const m of digests.mutations) {
      const got = attempt(mutateStream(images[m.image]!.data, m.seed));
      if (m.sha256 === null) {
        expect(got, `image ${m.image} seed ${m.seed}`).toBeInstanceOf(SpiceError);
      } else {
        expect(got).not.toBeInstanceOf(SpiceError);
        expect(sha256((got as ReturnType<typeof decodeQuic>).data), `image ${m.image} seed ${m.seed}`).toBe(m.sha256);
        decoded++;
      }
    }
    expect(decoded).toBeGreaterThan(10);
  });
});

describe('QUIC by hand', () => {
  // A payload of zero bits, reasoned from quic.c: every plane starts with best code 7, whose escape
  // (1 zero bit then 7 value bits) is the shortest codeword for an all-zero window, so each sample reads
  // 8 bits as 128 + 0 = 128, unfolded to +64. Pixel 0 of row 0 is 0 + 64 = 0x40. The model update after
  // it gives bucket 0 the totals 26 26 26 20 13 10 9 8 (8 for code 7, still the best); pixel 1's context
  // 128 is in bucket 7, untouched, so code 7 again: 64 + its left 64 = 0x80.
  const zeros = (type: number, w: number, h: number, words: number) => quicHeader(type, w, h, words);

  it('decodes a zero payload to the values quic.c gives', () => {
    expect([...decodeQuic(zeros(QuicType.RGB32, 1, 1, 7)).data]).toEqual([0x404040]);
    expect([...decodeQuic(zeros(QuicType.RGB24, 2, 1, 8)).data]).toEqual([0x404040, 0x808080]);
    // The alpha plane is a plane of its own with the same start: 0x40 then 0x80.
    const rgba = decodeQuic(zeros(QuicType.RGBA, 2, 1, 8));
    expect(rgba.format).toBe('argb');
    expect([...rgba.data]).toEqual([0x40404040, 0x80808080]);
    // Gray: the sample in all three colours.
    expect([...decodeQuic(zeros(QuicType.GRAY, 2, 1, 8)).data]).toEqual([0x404040, 0x808080]);
    // RGB16: 5-bit code 4's escape (1 zero bit, 4 value bits) reads 16, unfolded +8, then 8 + 8 = 16;
    // widened as quic.c does onto 32-bit canvases, (v << 3) | (v >> 2): 8 → 0x42, 16 → 0x84.
    expect([...decodeQuic(zeros(QuicType.RGB16, 2, 1, 8)).data]).toEqual([0x424242, 0x848484]);
    // Row 1, pixel 0 is predicted from above; 3x2, checked against quic.c.
    expect([...decodeQuic(zeros(QuicType.RGB24, 3, 2, 16)).data]).toEqual([0x404040, 0x808080, 0xc0c0c0, 0x808080, 0xc0c0c0, 0]);
  });

  it('needs the 32-bit look-ahead inside the data, like quic.c: one word short is an error', () => {
    // 1x1 RGB: 5 header words, 24 bits of codes, and the window quic.c keeps full.
    expect(attempt(zeros(QuicType.RGB32, 1, 1, 6))).toBeInstanceOf(SpiceError);
    expect(attempt(zeros(QuicType.RGB32, 2, 1, 7))).toBeInstanceOf(SpiceError);
    expect(attempt(zeros(QuicType.RGBA, 2, 1, 7))).toBeInstanceOf(SpiceError);
    // A last partial word is never read (quic.c takes len >> 2 words).
    const odd = new Uint8Array(31);
    odd.set(zeros(QuicType.RGB32, 2, 1, 7));
    expect(attempt(odd)).toBeInstanceOf(SpiceError);
  });

  it('refuses bad headers with protocol errors', () => {
    const bad = (bytes: Uint8Array, message: RegExp) => {
      const e = attempt(bytes);
      expect(e).toBeInstanceOf(SpiceError);
      expect((e as SpiceError).message).toMatch(message);
    };
    bad(new Uint8Array(0), /too short/);
    bad(zeros(QuicType.RGB32, 1, 1, 5), /too short/);
    const magic = zeros(QuicType.RGB32, 1, 1, 7);
    magic[0] = 0x50;
    bad(magic, /bad magic/);
    const version = zeros(QuicType.RGB32, 1, 1, 7);
    version[6] = 1;
    bad(version, /version/);
    bad(zeros(0, 1, 1, 7), /unknown image type 0/);
    bad(zeros(6, 1, 1, 7), /unknown image type 6/);
    bad(zeros(QuicType.RGB32, 0, 1, 7), /invalid image size/);
    bad(zeros(QuicType.RGB32, 1, 0, 7), /invalid image size/);
  });

  it('refuses sizes over the limit, and streams too short for their height, before allocating', () => {
    const before = process.memoryUsage().arrayBuffers;
    const tooBig = [
      zeros(QuicType.RGB32, MAX_IMAGE_SIDE + 1, 1, 64),
      zeros(QuicType.RGBA, 1, MAX_IMAGE_SIDE + 1, 64),
      zeros(QuicType.RGB32, MAX_IMAGE_SIDE, MAX_IMAGE_SIDE, 64),
      zeros(QuicType.RGB32, 0xffffffff, 0xffffffff, 64),
      zeros(QuicType.RGB32, 0x80000000, 2, 64),
    ];
    for (const s of tooBig) expect((attempt(s) as SpiceError).message).toMatch(/over the limit/);
    expect((attempt(zeros(QuicType.RGB32, MAX_IMAGE_SIDE, 4096, 64)) as SpiceError).message).toMatch(/cannot hold 4096 rows/);
    // Nothing near the 256 MB those sizes would take was allocated.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('QUIC fuzzing (bounded, seeded)', () => {
  it('truncated and bit-flipped real streams decode or throw a protocol error, each in bounded time', () => {
    const rnd = prng(20240611);
    // RGBA and RGB32 from the recordings, RGB16 from the depth-15 captures.
    const small = [...images.filter((i) => i.width * i.height < 100_000), ...depth15Streams.slice(1).map((data) => ({data}))];
    const big = [...images.filter((i) => i.width * i.height >= 100_000), {data: depth15Streams[0]!}];
    let decoded = 0;
    let refused = 0;
    let slowest = 0;
    for (let k = 0; k < 3000; k++) {
      const src = k % 150 === 0 ? big[(k / 150) % big.length]! : small[rnd() % small.length]!;
      const s = new Uint8Array(src.data);
      let input: Uint8Array;
      switch (rnd() % 4) {
        case 0: // truncated anywhere (header included)
          input = s.subarray(0, rnd() % s.length);
          break;
        case 1: // a few bit flips after the header
          for (let n = 1 + (rnd() % 4); n > 0; n--) s[20 + (rnd() % (s.length - 20))] ^= 1 << (rnd() % 8);
          input = s;
          break;
        case 2: {
          // a burst of ones or zeros (long runs, long escapes)
          const at = 20 + (rnd() % (s.length - 20));
          s.fill(rnd() & 1 ? 0xff : 0, at, Math.min(s.length, at + 1 + (rnd() % 256)));
          input = s;
          break;
        }
        default: // a flipped header bit (type, width, height)
          s[8 + (rnd() % 12)] ^= 1 << (rnd() % 8);
          input = s;
      }
      const t0 = performance.now();
      const got = attempt(input);
      slowest = Math.max(slowest, performance.now() - t0);
      if (got instanceof SpiceError) refused++;
      else decoded++;
    }
    expect(decoded + refused).toBe(3000);
    expect(refused).toBeGreaterThan(1000);
    expect(decoded).toBeGreaterThan(50);
    // Work is bounded by the image size and the data: no case comes near a second (a full-screen frame
    // decodes in a few milliseconds).
    expect(slowest).toBeLessThan(1000);
  });
});
