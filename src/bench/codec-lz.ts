/**
 * LZ-family decoder benchmark over the committed Xspice recordings: megapixels per second (median over
 * runs) for LZ, GLZ, ZLIB_GLZ and LZ4, and Debian's spice-html5 lz.js on the same LZ_RGB inputs (loaded at
 * run time from /usr/share/spice-html5 into a vm context; skipped if it is not installed).
 *
 * `node dist/bench/codec-lz.js [--runs N]` prints the JSON; `benchLz()` is what `npm run bench` calls.
 * Also exports the recording reader the codec tests use (`recordedImages`).
 */
import {existsSync, readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {fileURLToPath, pathToFileURL} from 'node:url';
import vm from 'node:vm';
import {subMessages} from '../client/wire/sub-messages.js';
import {decodeGlz} from '../client/codecs/glz.js';
import {GlzWindow} from '../client/codecs/glz-window.js';
import {decodeLz, readLzHeader} from '../client/codecs/lz.js';
import {decodeLz4} from '../client/codecs/lz4.js';
import {decodeZlibGlz} from '../client/codecs/zlib-glz.js';
import {readRecording} from '../client/recording/reader.js';
import {ImageType} from '../client/wire/enums.js';
import {decode} from '../client/wire/schema.js';
import type {Image} from '../client/wire/messages/image.js';
import {serverMessage} from '../client/wire/messages/index.js';

export const RECORDINGS_DIR = fileURLToPath(new URL('../../recordings/', import.meta.url));
const DISPLAY = 2;
const LIST = 8;

export interface RecordedDraw {
  /** 1-based index of the draw message (in order, LIST sub-messages counted) in the recording. */
  draw: number;
  /** Draw message name, e.g. DRAW_COPY. */
  message: string;
  surfaceId: number;
  box: {top: number; left: number; bottom: number; right: number};
  clipType: number;
  /** The draw's src_area and rop descriptor when it has them (COPY and friends). */
  srcArea?: {top: number; left: number; bottom: number; right: number};
  rop?: number;
  /** Its source image, if it has one. */
  image?: Image;
}
export type RecordedImage = RecordedDraw & {image: Image};

const drawCache = new Map<string, RecordedDraw[]>();

/** Every display draw message (anything with a DisplayBase) of `recordings/xspice-<mode>.spicerec`, in order. */
export function recordedDraws(mode: string): RecordedDraw[] {
  const cached = drawCache.get(mode);
  if (cached) return cached;
  const rec = readRecording(`${RECORDINGS_DIR}xspice-${mode}.spicerec`);
  const out: RecordedDraw[] = [];
  for (const m of rec.messages) {
    if (m.dir !== 'in' || m.channelType !== DISPLAY) continue;
    const parts = m.type === LIST ? subMessages(m.body, 0) : [{type: m.type, body: m.body}];
    for (const p of parts) {
      const def = serverMessage(DISPLAY, p.type);
      if (!def) continue;
      const v = decode(def.schema, p.body) as {
        base?: {surface_id: number; box: RecordedDraw['box']; clip: {type: number}};
        data?: {src_bitmap?: Image | null; src_area?: RecordedDraw['box']; rop_descriptor?: number};
      };
      if (!v?.base?.box) continue;
      out.push({
        draw: out.length + 1,
        message: def.name,
        surfaceId: v.base.surface_id,
        box: v.base.box,
        clipType: v.base.clip.type,
        srcArea: v.data?.src_area,
        rop: v.data?.rop_descriptor,
        image: v.data?.src_bitmap ?? undefined,
      });
    }
  }
  drawCache.set(mode, out);
  return out;
}

/** The draws of `recordedDraws` that carry a source image. */
export function recordedImages(mode: string): RecordedImage[] {
  return recordedDraws(mode).filter((d): d is RecordedImage => d.image !== undefined);
}

// ---------------------------------------------------------------- spice-html5's lz.js

export const HTML5_LZ_JS = '/usr/share/spice-html5/lz.js';

interface Html5LzImage {
  type: number;
  width: number;
  height: number;
  top_down: number;
  data: ArrayBuffer;
}
interface Html5ImageData {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}
export type Html5LzDecode = (lz: Html5LzImage) => Html5ImageData | undefined;

/**
 * Loads spice-html5's LZ decoder from the Debian package at run time (nothing of it is stored here): its
 * ES-module import/export lines are dropped and it runs in a vm context given the three constants it
 * reads and a stand-in for the canvas context's createImageData. Undefined when the file is absent.
 */
export function loadHtml5Lz(path = HTML5_LZ_JS): Html5LzDecode | undefined {
  if (!existsSync(path)) return undefined;
  const source = readFileSync(path, 'utf8')
    .replace(/^\s*import\s[^;]*;\s*$/gm, '')
    .replace(/^\s*export\s*\{[^}]*\};?\s*$/gm, '');
  // Wrapped in a function of its one import so that every name it uses is a local (a vm context's
  // global lookups would slow it down unfairly).
  const factory = vm.runInThisContext(`(function (Constants) {${source}\n;return convert_spice_lz_to_web;})`, {filename: path}) as (
    constants: Record<string, number>,
  ) => (ctx: unknown, lz: Html5LzImage) => Html5ImageData | undefined;
  const convert = factory({LZ_IMAGE_TYPE_RGB32: 8, LZ_IMAGE_TYPE_RGBA: 9, LZ_IMAGE_TYPE_XXXA: 10});
  const canvas = {createImageData: (width: number, height: number) => ({width, height, data: new Uint8ClampedArray(width * height * 4)})};
  return (lz) => convert(canvas, lz);
}

/** The object spice-html5's SpiceImage parser hands to its LZ decoder: header fields and the data after it. */
export function html5LzImage(stream: Uint8Array): Html5LzImage {
  const h = readLzHeader(stream);
  const data = stream.slice(28).buffer;
  return {type: h.type, width: h.width, height: h.height, top_down: h.topDown ? 1 : 0, data};
}

// ---------------------------------------------------------------- benchmark

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

type Codec = 'LZ' | 'GLZ' | 'ZLIB_GLZ' | 'LZ4' | 'html5LZ';

interface Inputs {
  lz: Uint8Array[];
  /** GLZ and ZLIB_GLZ images per recording, in order (they can only be decoded in sequence). */
  glzSequences: Array<Array<{type: number; data: Uint8Array; glzSize: number}>>;
  lz4: Array<{data: Uint8Array; width: number; height: number}>;
}

function collectInputs(): Inputs {
  const inputs: Inputs = {lz: [], glzSequences: [], lz4: []};
  for (const mode of ['lz', 'auto_lz', 'glz', 'auto_glz', 'zlib_glz', 'lz4', 'desktop']) {
    const seq: Inputs['glzSequences'][number] = [];
    for (const {image} of recordedImages(mode)) {
      const d = image.descriptor;
      if (d.type === ImageType.LZ_RGB) inputs.lz.push(image.lz_rgb!.data);
      else if (d.type === ImageType.GLZ_RGB) seq.push({type: d.type, data: image.lz_rgb!.data, glzSize: 0});
      else if (d.type === ImageType.ZLIB_GLZ_RGB) seq.push({type: d.type, data: image.zlib_glz!.data, glzSize: image.zlib_glz!.glz_data_size});
      else if (d.type === ImageType.LZ4) inputs.lz4.push({data: image.lz4!.data, width: d.width, height: d.height});
    }
    if (seq.length) inputs.glzSequences.push(seq);
  }
  return inputs;
}

export interface CodecFigures {
  images: number;
  megapixels: number;
  /** Megapixels per second, median over the runs. */
  mpps: number;
  mppsMin: number;
  mppsMax: number;
}

export interface LzBenchResult {
  runs: number;
  source: string;
  codecs: Partial<Record<Codec, CodecFigures>>;
  /** LZ over spice-html5's lz.js on the same LZ_RGB images: throughput ratio, median of the per-run ratios. */
  lzVsHtml5?: number;
  html5?: string;
}

export async function benchLz(opts: {runs?: number} = {}): Promise<LzBenchResult> {
  const runs = Math.max(1, opts.runs ?? 15);
  const inputs = collectInputs();
  const html5 = loadHtml5Lz();
  const html5Inputs = html5 ? inputs.lz.map(html5LzImage) : [];
  const samples: Record<Codec, number[]> = {LZ: [], GLZ: [], ZLIB_GLZ: [], LZ4: [], html5LZ: []};
  const pixels: Record<Codec, number> = {LZ: 0, GLZ: 0, ZLIB_GLZ: 0, LZ4: 0, html5LZ: 0};
  const images: Record<Codec, number> = {LZ: 0, GLZ: 0, ZLIB_GLZ: 0, LZ4: 0, html5LZ: 0};

  const ratios: number[] = [];
  for (let run = -3; run < runs; run++) {
    // Alternate the order of ours and spice-html5's so neither always runs on a warmer machine.
    const order: Array<() => Promise<void> | void> = [];
    const time: Record<Codec, number> = {LZ: 0, GLZ: 0, ZLIB_GLZ: 0, LZ4: 0, html5LZ: 0};
    const px: Record<Codec, number> = {LZ: 0, GLZ: 0, ZLIB_GLZ: 0, LZ4: 0, html5LZ: 0};
    const n: Record<Codec, number> = {LZ: 0, GLZ: 0, ZLIB_GLZ: 0, LZ4: 0, html5LZ: 0};
    order.push(() => {
      const t0 = performance.now();
      for (const d of inputs.lz) {
        const p = decodeLz(d);
        px.LZ += p.width * p.height;
        n.LZ++;
      }
      time.LZ += performance.now() - t0;
    });
    if (html5) {
      order.push(() => {
        const t0 = performance.now();
        for (const d of html5Inputs) {
          const p = html5(d)!;
          px.html5LZ += p.width * p.height;
          n.html5LZ++;
        }
        time.html5LZ += performance.now() - t0;
      });
    }
    if (run % 2 !== 0) order.reverse();
    order.push(async () => {
      for (const seq of inputs.glzSequences) {
        const window = new GlzWindow((16 * 1024 * 1024) / 4);
        for (const img of seq) {
          const codec: Codec = img.type === ImageType.GLZ_RGB ? 'GLZ' : 'ZLIB_GLZ';
          const t0 = performance.now();
          const p = codec === 'GLZ' ? await decodeGlz(img.data, window) : await decodeZlibGlz(img.data, img.glzSize, window);
          time[codec] += performance.now() - t0;
          px[codec] += p.width * p.height;
          n[codec]++;
        }
      }
    });
    order.push(() => {
      const t0 = performance.now();
      for (const d of inputs.lz4) {
        const p = decodeLz4(d.data, d.width, d.height);
        px.LZ4 += p.width * p.height;
        n.LZ4++;
      }
      time.LZ4 += performance.now() - t0;
    });
    for (const step of order) await step();
    if (run < 0) continue; // warm-up (JIT, and the allocator settling on its heap size)
    if (n.html5LZ) ratios.push(time.html5LZ / px.html5LZ / (time.LZ / px.LZ));
    for (const c of Object.keys(samples) as Codec[]) {
      if (n[c] === 0) continue;
      samples[c].push(px[c] / 1e6 / (time[c] / 1000));
      pixels[c] = px[c];
      images[c] = n[c];
    }
  }

  const codecs: LzBenchResult['codecs'] = {};
  for (const c of Object.keys(samples) as Codec[]) {
    if (samples[c].length === 0) continue;
    codecs[c] = {images: images[c], megapixels: r2(pixels[c] / 1e6), mpps: r2(median(samples[c])), mppsMin: r2(Math.min(...samples[c])), mppsMax: r2(Math.max(...samples[c]))};
  }
  return {
    runs,
    source: 'images of recordings/xspice-{lz,auto_lz,glz,auto_glz,zlib_glz,lz4,desktop}.spicerec, each codec on its own images',
    codecs,
    lzVsHtml5: ratios.length ? r2(median(ratios)) : undefined,
    html5: html5 ? HTML5_LZ_JS : `${HTML5_LZ_JS} not found (apt-get install spice-html5)`,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : undefined;
  benchLz({runs}).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
