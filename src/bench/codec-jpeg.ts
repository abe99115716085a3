/**
 * JPEG decoder benchmark over the committed recordings: the MJPEG frames of xspice-stream.spicerec decoded
 * by our baseline decoder (jpeg-baseline.ts, spice-gtk's MJPEG settings, on the event loop) and by sharp
 * (libjpeg-turbo with SIMD at its defaults, one frame at a time on libuv's thread pool, as jpeg.ts uses it
 * for images); frames per second and megapixels per second, median over runs. The same for the JPEG
 * images of xspice-jpeg.spicerec (larger: how the two compare per pixel).
 *
 * `node dist/bench/codec-jpeg.js [--runs N]` prints the JSON; `benchJpeg()` is what `npm run bench` calls.
 */
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';
import {subMessages} from '../client/wire/sub-messages.js';
import {decodeJpegFast} from '../client/codecs/jpeg-baseline.js';
import {decodeJpeg, jpegSize} from '../client/codecs/jpeg.js';
import {readRecording} from '../client/recording/reader.js';
import {decode} from '../client/wire/schema.js';
import {serverMessage} from '../client/wire/messages/index.js';
import {ImageType} from '../client/wire/enums.js';
import {RECORDINGS_DIR, recordedImages} from './codec-lz.js';

const DISPLAY = 2;
const LIST = 8;
const STREAM_DATA = 123;
const STREAM_DATA_SIZED = 316;

/** The MJPEG frames of a recording, in order. */
export function recordedFrames(file = 'xspice-stream.spicerec'): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of readRecording(`${RECORDINGS_DIR}${file}`).messages) {
    if (m.dir !== 'in' || m.channelType !== DISPLAY) continue;
    for (const p of m.type === LIST ? subMessages(m.body, 0) : [{type: m.type, body: m.body}]) {
      if (p.type !== STREAM_DATA && p.type !== STREAM_DATA_SIZED) continue;
      out.push((decode(serverMessage(DISPLAY, p.type)!.schema, p.body) as {data: Uint8Array}).data);
    }
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

export interface JpegDecoderFigures {
  /** Frames per second, median over the runs (min, max). */
  fps: number;
  fpsMin: number;
  fpsMax: number;
  mpps: number;
}

export interface JpegSetFigures {
  /** JPEGs in the set, their total megapixels, their sizes. */
  count: number;
  megapixels: number;
  sizes: string;
  ours: JpegDecoderFigures;
  sharp: JpegDecoderFigures;
  /** sharp's speed over ours (median of the per-run ratios): above 1, sharp is faster. */
  sharpOverOurs: number;
}

export interface JpegBenchResult {
  runs: number;
  /** MJPEG frames of xspice-stream.spicerec. */
  frames: JpegSetFigures;
  /** JPEG / JPEG_ALPHA images of xspice-jpeg.spicerec. */
  images: JpegSetFigures;
  notes: string[];
}

/** The JPEG parts of the images drawn in xspice-jpeg.spicerec. */
export function recordedJpegImages(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const {image} of recordedImages('jpeg')) {
    if (image.descriptor.type === ImageType.JPEG) out.push(image.jpeg!.data);
    else if (image.descriptor.type === ImageType.JPEG_ALPHA) out.push(image.jpeg_alpha!.data.subarray(0, image.jpeg_alpha!.jpeg_size));
  }
  return out;
}

async function benchSet(jpegs: Uint8Array[], runs: number): Promise<JpegSetFigures> {
  const sizes = jpegs.map(jpegSize);
  const pixels = sizes.reduce((s, f) => s + f.width * f.height, 0);
  const samples = {ours: [] as number[], sharp: [] as number[]};
  const ratios: number[] = [];
  for (let run = -2; run < runs; run++) {
    const order: Array<['ours' | 'sharp', () => Promise<void> | void]> = [
      ['ours', () => void jpegs.forEach((f) => decodeJpegFast(f))],
      [
        'sharp',
        async () => {
          for (const f of jpegs) await decodeJpeg(f);
        },
      ],
    ];
    if (run % 2) order.reverse(); // neither always runs on a warmer machine
    const ms = {ours: 0, sharp: 0};
    for (const [name, step] of order) {
      const t0 = performance.now();
      await step();
      ms[name] = performance.now() - t0;
    }
    if (run < 0) continue; // warm-up
    samples.ours.push((jpegs.length * 1000) / ms.ours);
    samples.sharp.push((jpegs.length * 1000) / ms.sharp);
    ratios.push(ms.ours / ms.sharp);
  }
  const figures = (xs: number[]): JpegDecoderFigures => ({
    fps: r1(median(xs)),
    fpsMin: r1(Math.min(...xs)),
    fpsMax: r1(Math.max(...xs)),
    mpps: r1((median(xs) * pixels) / jpegs.length / 1e6),
  });
  const counts = new Map<string, number>();
  for (const s of sizes) counts.set(`${s.width}x${s.height}`, (counts.get(`${s.width}x${s.height}`) ?? 0) + 1);
  return {
    count: jpegs.length,
    megapixels: Math.round(pixels / 1e4) / 100,
    sizes: [...counts].map(([k, n]) => (n > 1 ? `${n}x ${k}` : k)).join(', '),
    ours: figures(samples.ours),
    sharp: figures(samples.sharp),
    sharpOverOurs: Math.round(median(ratios) * 100) / 100,
  };
}

export async function benchJpeg(opts: {runs?: number} = {}): Promise<JpegBenchResult> {
  const runs = Math.max(1, opts.runs ?? 10);
  return {
    runs,
    frames: await benchSet(recordedFrames(), runs),
    images: await benchSet(recordedJpegImages(), runs),
    notes: [
      'fps = JPEGs decoded per second (median over runs), mpps = megapixels per second',
      'ours: codecs/jpeg-baseline.ts (fast integer IDCT, replicated chroma; identical to spice-gtk / djpeg -dct fast -nosmooth), on the event loop, used for MJPEG stream frames',
      'sharp: libjpeg-turbo with SIMD at its defaults (islow IDCT, fancy upsampling), one JPEG after another through the thread pool, used for JPEG images',
    ],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : undefined;
  benchJpeg({runs}).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
