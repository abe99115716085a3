/**
 * Offline: recordings/xspice-stream.spicerec (a lab Xspice streaming an animation as MJPEG, see
 * scripts/capture-stream.ts) replayed through the display layer. Every stream frame decodes and shows the
 * animation frame X drew (the frames are generated, so each one is compared with its source); once the
 * animation has stopped, spice-server replaces the last lossy frame with a lossless image and the screen
 * equals spice-gtk's screenshot and the X framebuffer pixel for pixel. Each frame on the screen is what
 * spice-gtk's MJPEG decoder makes of it (libjpeg-turbo's djpeg at its settings), pixel for pixel.
 */
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {subMessages} from '../../src/client/wire/sub-messages.js';
import {surfaceToRgb} from '../../src/client/display/export.js';
import {DisplayRenderer, SharedDisplayState} from '../../src/client/display/renderer.js';
import type {Rect} from '../../src/client/display/types.js';
import {readRecording} from '../../src/client/recording/reader.js';
import {replayDisplay} from '../../src/client/recording/replay-display.js';
import {silentLogger} from '../../src/client/log.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {decode} from '../../src/client/wire/schema.js';
import {CommonServer} from '../../src/client/wire/messages/common.js';
import {DisplayServer} from '../../src/client/wire/messages/display.js';
import {serverMessage} from '../../src/client/wire/messages/index.js';
import {animationFrame} from '../../scripts/capture-stream.js';
import {compareRgb, readImage, type Rgb} from '../support/images.js';
import {djpeg, hasDjpeg, MJPEG_PATH} from '../support/djpeg.js';
import {StreamFlags} from '../../src/client/wire/enums.js';

const dir = join(import.meta.dirname, '..', '..', 'recordings');
const recording = () => readRecording(join(dir, 'xspice-stream.spicerec'));

/** The display channel's messages (LIST sub-messages expanded), in order. */
function displayMessages(rec: ReturnType<typeof readRecording>): Array<{type: number; body: Uint8Array}> {
  const out: Array<{type: number; body: Uint8Array}> = [];
  for (const m of rec.messages) {
    if (m.dir !== 'in' || m.channelType !== ChannelType.DISPLAY || m.channelId !== 0) continue;
    out.push(...(m.type === CommonServer.LIST.type ? subMessages(m.body, 0) : [{type: m.type, body: m.body}]));
  }
  return out;
}

function crop(img: Rgb, r: Rect): Rgb {
  const w = r.right - r.left;
  const h = r.bottom - r.top;
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) img.rgb.copy(rgb, y * w * 3, ((r.top + y) * img.width + r.left) * 3, ((r.top + y) * img.width + r.right) * 3);
  return {width: w, height: h, rgb};
}

describe('xspice-stream recording replayed offline', () => {
  it('decodes every stream frame and ends on spicy-screenshot and the X framebuffer, pixel for pixel', async () => {
    const rec = recording();
    const frames = displayMessages(rec).filter((m) => m.type === DisplayServer.STREAM_DATA.type || m.type === DisplayServer.STREAM_DATA_SIZED.type).length;
    expect(frames).toBeGreaterThan(50);
    const {renderers} = await replayDisplay(rec);
    const r = renderers.get(0)!;
    expect(r.streams.stats).toMatchObject({created: 1, frames, skipped: 0});
    expect(r.streams.ids()).toEqual([]);
    const ours = surfaceToRgb(r.primary!);
    for (const ref of ['xspice-stream.png', 'xspice-stream.root.png']) {
      const c = compareRgb(ours, await readImage(join(dir, ref)));
      expect(c.differing, `${ref}: ${JSON.stringify(c.first)}`).toBe(0);
    }
  });

  it('each frame shows one of the animation frames X drew, in order, close enough for MJPEG', async () => {
    const rec = recording();
    const anim = (rec.header.meta as {animation: {count: number; width: number; height: number}}).animation;
    const sources: Rgb[] = Array.from({length: anim.count}, (_, f) => ({width: anim.width, height: anim.height, rgb: animationFrame(f, anim.width, anim.height)}));
    const r = new DisplayRenderer(0, new SharedDisplayState({glzWindowPixels: 1 << 22, timeoutMs: 5000}), silentLogger);
    let dest: Rect | null = null;
    const matched: Array<{index: number; psnr: number; identical: number}> = [];
    for (const p of displayMessages(rec)) {
      const def = serverMessage(ChannelType.DISPLAY, p.type);
      if (!def || p.type < 100) continue;
      const m: any = decode(def.schema, p.body);
      await r.handle(def, m);
      if (def === DisplayServer.STREAM_CREATE) dest = m.dest;
      if (def !== DisplayServer.STREAM_DATA) continue;
      const area = crop(surfaceToRgb(r.primary!), dest!);
      let best = {index: -1, psnr: -1, identical: 0};
      sources.forEach((s, index) => {
        const c = compareRgb(area, s);
        if (c.psnr > best.psnr) best = {index, psnr: c.psnr, identical: 1 - c.differing / c.total};
      });
      matched.push(best);
    }
    expect(matched.length).toBeGreaterThan(50);
    // Each frame is a later one than the one before (spice-server may skip frames, never goes back), up to
    // the animation's last; then animate shows its first frame again and pauses: the stream's last frame.
    const order = matched.map((x) => x.index);
    expect(order.at(-1)).toBe(0);
    expect(order.at(-2)).toBe(anim.count - 1);
    for (let i = 1; i < order.length - 1; i++) expect(order[i]!).toBeGreaterThan(order[i - 1]!);
    const psnrs = matched.map((x) => x.psnr);
    expect(Math.min(...psnrs)).toBeGreaterThan(28);
    // Lossy frames: a few pixels are exact, most are not (were all exact, the stream would not be MJPEG).
    expect(Math.max(...matched.map((x) => x.identical))).toBeLessThan(0.5);
  });

  it.skipIf(!hasDjpeg && !process.env.CI)('each frame on the screen is, pixel for pixel, what spice-gtk decodes (djpeg -dct fast -nosmooth)', async () => {
    const rec = recording();
    const r = new DisplayRenderer(0, new SharedDisplayState({glzWindowPixels: 1 << 22, timeoutMs: 5000}), silentLogger);
    let stream: {dest: Rect; flags: number} | null = null;
    let frames = 0;
    for (const p of displayMessages(rec)) {
      const def = serverMessage(ChannelType.DISPLAY, p.type);
      if (!def || p.type < 100) continue;
      const m: any = decode(def.schema, p.body);
      await r.handle(def, m);
      if (def === DisplayServer.STREAM_CREATE) stream = {dest: m.dest, flags: m.flags};
      if (def !== DisplayServer.STREAM_DATA) continue;
      const theirs = djpeg(m.data, MJPEG_PATH);
      const {dest, flags} = stream!;
      expect([theirs.width, theirs.height]).toEqual([dest.right - dest.left, dest.bottom - dest.top]);
      if (!(flags & StreamFlags.TOP_DOWN)) {
        const row = theirs.width * 3;
        const flipped = Buffer.alloc(theirs.rgb.length);
        for (let y = 0; y < theirs.height; y++) theirs.rgb.copy(flipped, (theirs.height - 1 - y) * row, y * row, (y + 1) * row);
        theirs.rgb = flipped;
      }
      const c = compareRgb(crop(surfaceToRgb(r.primary!), dest), theirs);
      expect(c.differing, `frame ${frames + 1}: ${JSON.stringify(c.first)}`).toBe(0);
      frames++;
    }
    expect(frames).toBeGreaterThan(50);
  });
});
