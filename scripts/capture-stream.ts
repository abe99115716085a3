/**
 * Captures a video-stream recording of a lab Xspice, with the reference screenshots of the still moment
 * after the animation has stopped:
 *   recordings/xspice-stream.spicerec   every message of a spice-cli session (STREAM_CREATE, MJPEG frames,
 *                                       STREAM_ACTIVATE_REPORT and our STREAM_REPORTs, the stream's end)
 *   recordings/xspice-stream.png        what spicy-screenshot (spice-gtk) saw once the animation stopped
 *   recordings/xspice-stream.root.png   the X framebuffer itself (xwd -root) at the same moment
 *
 *   npx tsx scripts/capture-stream.ts
 *
 * spice-server streams only with XSPICE_STREAMING_VIDEO=all (or filter) and off-screen surfaces disabled
 * (Xspice then sends every damaged framebuffer area as a DRAW_COPY of a bitmap): when 20 such draws of the
 * same box follow each other less than 200 ms apart, it turns them into an MJPEG stream. The animation is
 * ImageMagick's `animate` (package imagemagick) playing generated frames at 25 fps once, then pausing
 * (-pause 600) on its first frame again; spice-server ends the stream 1 s after that last draw and sends the
 * area again as a lossless image. The recording is about 1.9 MB: the 18 frames before the stream starts
 * are QUIC images of 65 KB, stream frames about 5.5 KB.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import sharp from 'sharp';
import {SpiceSession} from '../src/client/session.js';
import {RecordingWriter} from '../src/client/recording/writer.js';
import {DisplayCap} from '../src/client/wire/caps.js';
import {MissingPackageError, which} from '../src/lab/install.js';
import {startXspice, type XClient} from '../src/lab/xspice.js';
import {captureRoot} from '../src/lab/xwd.js';

/** Frame `f` of the animation: smooth moving colour fields with some fine texture (JPEG has work to do). */
export function animationFrame(f: number, width: number, height: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  const t = f * 0.15;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      px[i] = Math.round(128 + 100 * Math.sin(x / 23 + t) * Math.cos(y / 31 - t / 2));
      px[i + 1] = Math.round(128 + 90 * Math.sin((x + y) / 17 - t));
      px[i + 2] = Math.round(((x * 3 + y * 5 + f * 4) % 32) + 140 + 40 * Math.cos(y / 9 + t));
    }
  }
  return px;
}

/**
 * Writes `count` frames as PPM files into `dir` and returns an X client that plays them: once and then
 * paused on the first frame (`once`), or in a loop; after `delayS` seconds (the lab then does not wait
 * for its window).
 */
export function animationClient(
  dir: string,
  opts: {count: number; width: number; height: number; x: number; y: number; delayS: number; fps?: number; once?: boolean},
): XClient {
  if (!which('animate')) throw new MissingPackageError(['imagemagick'], 'cannot play the animation');
  mkdirSync(dir, {recursive: true});
  const files: string[] = [];
  for (let f = 0; f < opts.count; f++) {
    const path = join(dir, `frame-${String(f).padStart(3, '0')}.ppm`);
    writeFileSync(path, Buffer.concat([Buffer.from(`P6\n${opts.width} ${opts.height}\n255\n`, 'latin1'), animationFrame(f, opts.width, opts.height)]));
    files.push(path);
  }
  // animate's -delay is in 1/100 s; -pause: seconds to wait before playing again.
  const args = ['-delay', String(Math.round(100 / (opts.fps ?? 25))), ...(opts.once ? ['-pause', '600'] : []), '-geometry', `+${opts.x}+${opts.y}`, ...files];
  if (!opts.delayS) return {command: 'animate', args};
  return {command: 'sh', args: ['-c', `sleep ${opts.delayS}; exec animate ${args.join(' ')}`], window: false};
}

const out = join(import.meta.dirname, '..', 'recordings');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function toPng(rgb: Buffer, width: number, height: number, path: string): Promise<void> {
  await sharp(rgb, {raw: {width, height, channels: 3}}).png({compressionLevel: 9}).toFile(path);
}

function ppmToRgb(ppm: Buffer): {width: number; height: number; rgb: Buffer} {
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.toString('latin1', 0, 64));
  if (!m) throw new Error('not a P6 PPM');
  return {width: Number(m[1]), height: Number(m[2]), rgb: ppm.subarray(m[0].length)};
}

export const STREAM_CAPTURE = {
  screen: {width: 640, height: 480},
  animation: {count: 90, width: 240, height: 180, x: 200, y: 150, delayS: 2.5, fps: 25, once: true},
};

async function main(): Promise<void> {
  const work = join(out, '.work', 'stream');
  const {screen, animation} = STREAM_CAPTURE;
  const t = await startXspice({
    streaming: 'all',
    surfaces: false,
    compression: 'auto_glz',
    ...screen,
    clients: [{command: 'xlogo', args: ['-geometry', '120x120+480+20']}, animationClient(work, animation)],
  });
  try {
    execFileSync('xdotool', ['mousemove', String(screen.width - 1), String(screen.height - 1)], {env: {...process.env, DISPLAY: t.display!}});
    const path = join(out, 'xspice-stream.spicerec');
    const rec = new RecordingWriter(
      path,
      `Xspice ${screen.width}x${screen.height}, streaming-video=all, no off-screen surfaces: xlogo and an animation (${animation.count} frames ${animation.width}x${animation.height} at ${animation.fps} fps, played once) streamed as MJPEG, to the still screen after the stream ended`,
      {server: 'xspice', mode: 'stream', xspice: {streaming: 'all', surfaces: false, compression: 'auto_glz'}, animation},
    );
    // The caps the stream code implements, whether or not advertised-caps.ts lists them yet.
    const caps = [DisplayCap.SIZED_STREAM, DisplayCap.STREAM_REPORT, DisplayCap.CODEC_MJPEG];
    const s = await SpiceSession.connect(t.uri, {tap: rec.tap, timeoutMs: 15_000, render: true, display: {extraCaps: caps}});
    const r = s.display!.renderers.get(0)!;
    let created = 0;
    const deadline = Date.now() + 30_000;
    // Until a stream has come and gone, then a still second.
    for (;;) {
      if (Date.now() > deadline) throw new Error('no stream came and went within 30 s');
      created = r.streams.stats.created;
      if (created > 0 && r.streams.ids().length === 0) break;
      await sleep(100);
    }
    await s.display!.waitStill(1000, 10_000);
    s.close();
    rec.close();
    console.log(`${path}: ${rec.messages} messages, ${statSync(path).size} bytes; ${created} stream(s), ${r.streams.stats.frames} frames, ${r.streams.stats.reportsSent} reports`);

    const root = captureRoot(t.display!);
    const rgb = Buffer.alloc(root.width * root.height * 3);
    root.data.forEach((v, i) => {
      rgb[i * 3] = (v >> 16) & 255;
      rgb[i * 3 + 1] = (v >> 8) & 255;
      rgb[i * 3 + 2] = v & 255;
    });
    await toPng(rgb, root.width, root.height, join(out, 'xspice-stream.root.png'));
    const ppmPath = join(work, 'spicy.ppm');
    execFileSync('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(t.port), '-o', ppmPath], {timeout: 20_000, stdio: 'pipe'});
    const ppm = ppmToRgb(readFileSync(ppmPath));
    await toPng(ppm.rgb, ppm.width, ppm.height, join(out, 'xspice-stream.png'));
  } finally {
    await t.stop();
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main();
