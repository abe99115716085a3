/**
 * QUIC decoder benchmark over the committed Xspice recordings (every QUIC image of xspice-quic and
 * xspice-jpeg): megapixels per second, median over runs, for spice-cli's decoder and for Debian's
 * spice-html5 quic.js on the same streams, and their ratio. quic.js is loaded at run time from
 * /usr/share/spice-html5 (nothing of it is stored here) as the ES module it is, unmodified, and called the
 * way spice-html5's SpiceImage parser calls it (SpiceQuic.from_dv); skipped if it is not installed.
 *
 * Rounds alternate the two decoders. Each is timed by the wall clock and by this process's CPU time (the
 * CPU figure holds steadier on a busy machine); `ratio` uses the wall clock, `ratioCpu` the CPU time.
 * Also reported: the same split into the RGB images (full-screen RGB32 frames) and the RGBA ones (small
 * xterm text images), and whether quic.js gave the same pixels (RGB and alpha).
 *
 * `node dist/bench/codec-quic.js [--runs N]` prints the JSON; `benchQuic()` is what `npm run bench` calls.
 * `recordedQuicImages()` is also what the QUIC tests read the recordings with.
 */
import {existsSync, readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {subMessages} from '../client/wire/sub-messages.js';
import {decodeQuic, QuicType, readQuicHeader} from '../client/codecs/quic.js';
import {readRecording} from '../client/recording/reader.js';
import {decode} from '../client/wire/schema.js';
import {serverMessage} from '../client/wire/messages/index.js';

export const RECORDINGS = fileURLToPath(new URL('../../recordings/', import.meta.url));
/** The recordings holding QUIC images: the QUIC capture, and the JPEG one (its lossless first frame). */
export const QUIC_RECORDINGS = ['xspice-quic', 'xspice-jpeg'];
const DISPLAY = 2;
const LIST = 8;
const IMAGE_QUIC = 1;

export interface RecordedQuic {
  recording: string;
  /** Draw message name (DRAW_COPY, ...) and its target. */
  message: string;
  surfaceId: number;
  box: {top: number; left: number; bottom: number; right: number};
  /** The SpiceImage descriptor's size. */
  width: number;
  height: number;
  /** The QUIC stream (SpiceImage QUIC data). */
  data: Uint8Array;
}

/** Every QUIC source image of the display draws in recordings/<name>.spicerec, in order. */
export function recordedQuicImages(names: string[] = QUIC_RECORDINGS): RecordedQuic[] {
  const out: RecordedQuic[] = [];
  for (const recording of names) {
    for (const m of readRecording(`${RECORDINGS}${recording}.spicerec`).messages) {
      if (m.dir !== 'in' || m.channelType !== DISPLAY) continue;
      const parts = m.type === LIST ? subMessages(m.body, 0) : [{type: m.type, body: m.body}];
      for (const p of parts) {
        const def = serverMessage(DISPLAY, p.type);
        if (!def) continue;
        const v = decode(def.schema, p.body) as {
          base?: {surface_id: number; box: RecordedQuic['box']};
          data?: {src_bitmap?: {descriptor: {type: number; width: number; height: number}; quic?: {data: Uint8Array}} | null};
        };
        const img = v?.data?.src_bitmap;
        if (!v?.base || !img || img.descriptor.type !== IMAGE_QUIC || !img.quic) continue;
        out.push({
          recording,
          message: def.name,
          surfaceId: v.base.surface_id,
          box: v.base.box,
          width: img.descriptor.width,
          height: img.descriptor.height,
          data: img.quic.data,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- spice-html5's quic.js

export const HTML5_QUIC_JS = '/usr/share/spice-html5/quic.js';

/** Decodes one QUIC stream with spice-html5; its output is 4 bytes a pixel in memory order B, G, R, A. */
export type Html5QuicDecode = (stream: Uint8Array) => {width: number; height: number; type: number; bytes: Uint8Array} | undefined;

/**
 * Loads spice-html5's QUIC decoder from the Debian package at run time, as the unmodified ES module the
 * browser loads (from a data: URL), and wraps SpiceQuic.from_dv: it reads the u32 data size and the
 * stream after it from a DataView, as spice-html5's SpiceImage parser hands it over. Undefined when the
 * file is absent.
 */
export async function loadHtml5Quic(path = HTML5_QUIC_JS): Promise<Html5QuicDecode | undefined> {
  if (!existsSync(path)) return undefined;
  const url = `data:text/javascript;base64,${readFileSync(path).toString('base64')}`;
  const mod = (await import(url)) as {
    SpiceQuic: new () => {from_dv(dv: DataView, at: number, mb: ArrayBuffer): number; outptr?: Uint8Array; width: number; height: number; type: number};
  };
  return (stream) => {
    const mb = new ArrayBuffer(4 + stream.length);
    const dv = new DataView(mb);
    dv.setUint32(0, stream.length, true);
    new Uint8Array(mb, 4).set(stream);
    const q = new mod.SpiceQuic();
    q.from_dv(dv, 0, mb);
    return q.outptr ? {width: q.width, height: q.height, type: q.type, bytes: q.outptr} : undefined;
  };
}

// ---------------------------------------------------------------- the benchmark

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

interface Timing {
  /** Megapixels per second: median over runs of (pixels / time for the whole set). */
  mpxPerSec: number;
  /** The same from this process's CPU time. */
  mpxPerSecCpu: number;
  /** Milliseconds per run (median). */
  msPerRun: number;
}

function timeRuns(decodeAll: () => void, runs: number, mpx: number, interleave?: () => void): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    decodeAll();
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    wall.push(t);
    cpu.push((c.user + c.system) / 1000);
    interleave?.();
  }
  return {mpxPerSec: round((mpx * 1000) / median(wall)), mpxPerSecCpu: round((mpx * 1000) / median(cpu)), msPerRun: round(median(wall), 2)};
}

/** True when quic.js decoded every stream to the same RGB and alpha bytes as spice-cli. */
function sameOutput(images: RecordedQuic[], html5: Html5QuicDecode): boolean {
  for (const img of images) {
    const ours = decodeQuic(img.data);
    const theirs = html5(img.data);
    if (!theirs || theirs.width !== ours.width || theirs.height !== ours.height) return false;
    const mask = ours.format === 'argb' ? 0xffffffff : 0x00ffffff;
    const words = new Uint32Array(theirs.bytes.buffer, theirs.bytes.byteOffset, ours.width * ours.height);
    for (let i = 0; i < words.length; i++) if (((words[i]! ^ ours.data[i]!) & mask) !== 0) return false;
  }
  return true;
}

interface SetResult {
  images: number;
  megapixels: number;
  spiceCli: Timing;
  html5?: Timing;
  /** spice-cli throughput / quic.js throughput (wall clock medians; > 1: spice-cli is faster). */
  ratio?: number;
  ratioCpu?: number;
}

function benchSet(images: RecordedQuic[], runs: number, html5: Html5QuicDecode | undefined): SetResult {
  const mpx = images.reduce((s, i) => s + i.width * i.height, 0) / 1e6;
  const ours = () => {
    for (const img of images) decodeQuic(img.data);
  };
  const theirs = () => {
    for (const img of images) html5!(img.data);
  };
  // Warm both up (JIT), then alternate: each spice-cli round is followed by a quic.js round.
  for (let r = 0; r < 3; r++) {
    ours();
    if (html5) theirs();
  }
  const html5Times: Array<{wall: number; cpu: number}> = [];
  const spiceCli = timeRuns(ours, runs, mpx, () => {
    if (!html5) return;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    theirs();
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    html5Times.push({wall: t, cpu: (c.user + c.system) / 1000});
  });
  const result: SetResult = {images: images.length, megapixels: round(mpx, 3), spiceCli};
  if (html5) {
    const wall = median(html5Times.map((t) => t.wall));
    const cpu = median(html5Times.map((t) => t.cpu));
    result.html5 = {mpxPerSec: round((mpx * 1000) / wall), mpxPerSecCpu: round((mpx * 1000) / cpu), msPerRun: round(wall, 2)};
    result.ratio = round(result.spiceCli.mpxPerSec / result.html5.mpxPerSec, 2);
    result.ratioCpu = round(result.spiceCli.mpxPerSecCpu / result.html5.mpxPerSecCpu, 2);
  }
  return result;
}

export async function benchQuic(opts: {runs?: number} = {}): Promise<object> {
  const runs = Math.max(1, opts.runs ?? 15);
  const images = recordedQuicImages();
  const html5 = await loadHtml5Quic();
  const rgba = images.filter((i) => readQuicHeader(i.data).type === QuicType.RGBA);
  const rgb = images.filter((i) => readQuicHeader(i.data).type !== QuicType.RGBA);
  return {
    codec: 'QUIC',
    recordings: QUIC_RECORDINGS.map((r) => `recordings/${r}.spicerec`),
    runs,
    node: process.version,
    html5: html5 ? HTML5_QUIC_JS : 'not installed (apt-get install spice-html5)',
    html5SameOutput: html5 ? sameOutput(images, html5) : undefined,
    all: benchSet(images, runs, html5),
    /** The full-screen RGB32 frames. */
    rgb: benchSet(rgb, runs, html5),
    /** The small RGBA images (xterm text lines). */
    rgba: benchSet(rgba, runs, html5),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : undefined;
  if (runs !== undefined && !(Number.isInteger(runs) && runs > 0)) {
    process.stderr.write('usage: node dist/bench/codec-quic.js [--runs N]\n');
    process.exit(2);
  }
  benchQuic({runs}).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
