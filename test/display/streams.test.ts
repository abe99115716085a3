/**
 * Video streams in the display layer, offline: STREAM_* messages (encoded and decoded with the wire
 * layouts) through a DisplayRenderer. Frames are real JPEGs made with sharp; the expected pixels are the
 * decoder's own output placed by hand (1:1, flipped, pixman NEAREST scaling, clips), so these check
 * placement and the stream state, not the JPEG decoder (test/codecs/jpeg-exact checks that against djpeg). STREAM_REPORT goes to a fake channel.
 */
import sharp from 'sharp';
import {describe, expect, it} from 'vitest';
import {decodeJpegFast} from '../../src/client/codecs/jpeg-baseline.js';
import {DisplayRenderer, SharedDisplayState, type DamageEvent} from '../../src/client/display/renderer.js';
import {CANNOT_DECODE, NO_AUDIO, type StreamReportSink} from '../../src/client/display/streams.js';
import type {StreamReport} from '../../src/client/wire/messages/display.js';
import type {Surface} from '../../src/client/display/surface.js';
import type {Rect} from '../../src/client/display/types.js';
import {SpiceError} from '../../src/client/errors.js';
import {createLogger} from '../../src/client/log.js';
import {ClipType, StreamFlags, SurfaceFlags, SurfaceFmt, VideoCodecType} from '../../src/client/wire/enums.js';
import {decode, encode} from '../../src/client/wire/schema.js';
import type {MessageDef} from '../../src/client/wire/message.js';
import {DisplayServer} from '../../src/client/wire/messages/display.js';

const rect = (left: number, top: number, right: number, bottom: number): Rect => ({left, top, right, bottom});
const noClip = {type: ClipType.NONE};
const rectsClip = (...rects: Rect[]) => ({type: ClipType.RECTS, rects: {rects}});

class FakeChannel implements StreamReportSink {
  reports: StreamReport[] = [];
  mm = 10_000;
  constructor(readonly streamReports = true) {}
  sendStreamReport(r: StreamReport): void {
    this.reports.push(r);
  }
  mmTime(): number | undefined {
    return this.mm;
  }
}

interface Setup {
  r: DisplayRenderer;
  ch: FakeChannel;
  logs: string[];
  damage: DamageEvent[];
  /** Sends one server message through the wire layout (encode, then decode) into the renderer. */
  send: (def: MessageDef, value: unknown) => Promise<void>;
  surface: () => Surface;
}

async function setup(opts: {width?: number; height?: number; format?: number; reports?: boolean} = {}): Promise<Setup> {
  const logs: string[] = [];
  const ch = new FakeChannel(opts.reports ?? true);
  const r = new DisplayRenderer(0, new SharedDisplayState({glzWindowPixels: 1 << 16, timeoutMs: 1000}), createLogger('debug', (l) => logs.push(l)), {reports: ch});
  const damage: DamageEvent[] = [];
  r.on('damage', (ev: DamageEvent) => damage.push(ev));
  const send = async (def: MessageDef, value: unknown) => r.handle(def, decode(def.schema, encode(def.schema, value as never)));
  await send(DisplayServer.SURFACE_CREATE, {surface_id: 0, width: opts.width ?? 64, height: opts.height ?? 48, format: opts.format ?? SurfaceFmt['32_xRGB'], flags: SurfaceFlags.PRIMARY});
  return {r, ch, logs, damage, send, surface: () => r.surfaces.get(0)!};
}

/** A w x h JPEG whose pixel (x, y) is roughly fn(x, y) (0xRRGGBB), and what our decoder makes of it. */
async function jpeg(w: number, h: number, fn: (x: number, y: number) => number): Promise<{data: Uint8Array; px: Uint32Array}> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = fn(x, y);
      raw.set([(v >> 16) & 255, (v >> 8) & 255, v & 255], (y * w + x) * 3);
    }
  const data = new Uint8Array(await sharp(raw, {raw: {width: w, height: h, channels: 3}}).jpeg({quality: 90}).toBuffer());
  return {data, px: decodeJpegFast(data).data};
}

const gradient = (x: number, y: number) => (((x * 37) & 255) << 16) | (((y * 53) & 255) << 8) | ((x * y * 7) & 255);

function create(id: number, dest: Rect, extra: Record<string, unknown> = {}) {
  return {
    surface_id: 0,
    id,
    flags: StreamFlags.TOP_DOWN,
    codec_type: VideoCodecType.MJPEG,
    stamp: 0n,
    stream_width: dest.right - dest.left,
    stream_height: dest.bottom - dest.top,
    src_width: dest.right - dest.left,
    src_height: dest.bottom - dest.top,
    dest,
    clip: noClip,
    ...extra,
  };
}

const data = (id: number, frame: Uint8Array, mm = 10_400) => ({base: {id, multi_media_time: mm}, data: frame});

/** The surface's 32-bit value at (x, y) with the x byte dropped. */
const rgbAt = (s: Surface, x: number, y: number) => (s.data[y * s.stride + x]! & 0xffffff) >>> 0;

/** Every pixel of the surface: inside `drawn` it must be expect(x, y), elsewhere untouched (0). */
function expectSurface(s: Surface, drawn: (x: number, y: number) => boolean, want: (x: number, y: number) => number): void {
  const bad: string[] = [];
  for (let y = 0; y < s.height; y++)
    for (let x = 0; x < s.width; x++) {
      const w = drawn(x, y) ? want(x, y) & 0xffffff : 0;
      const got = rgbAt(s, x, y);
      if (got !== w && bad.length < 5) bad.push(`(${x},${y}) ${got.toString(16)} != ${w.toString(16)}`);
    }
  expect(bad).toEqual([]);
}

describe('MJPEG streams: placement', () => {
  it('draws a TOP_DOWN frame 1:1 at the dest, opaque (x byte 0xff), and reports damage', async () => {
    const {send, surface, damage} = await setup();
    const f = await jpeg(20, 10, gradient);
    await send(DisplayServer.STREAM_CREATE, create(5, rect(7, 3, 27, 13)));
    damage.length = 0;
    await send(DisplayServer.STREAM_DATA, data(5, f.data));
    const s = surface();
    const inside = (x: number, y: number) => x >= 7 && x < 27 && y >= 3 && y < 13;
    expectSurface(s, inside, (x, y) => f.px[(y - 3) * 20 + (x - 7)]!);
    expect(s.data[3 * s.stride + 7]! >>> 24).toBe(0xff);
    expect(damage).toHaveLength(1);
    expect(damage[0]!.rects).toEqual([rect(7, 3, 27, 13)]);
  });

  it('flips frames without TOP_DOWN (bottom-up: the last JPEG row is drawn at the top)', async () => {
    const {send, surface} = await setup();
    const f = await jpeg(16, 12, gradient);
    await send(DisplayServer.STREAM_CREATE, create(0, rect(0, 0, 16, 12), {flags: 0}));
    await send(DisplayServer.STREAM_DATA, data(0, f.data));
    expectSurface(surface(), (x, y) => x < 16 && y < 12, (x, y) => f.px[(11 - y) * 16 + x]!);
  });

  it('scales a frame of another size than the dest NEAREST, as pixman (factor src/dest, sample at pixel centres)', async () => {
    const {send, surface} = await setup();
    const f = await jpeg(12, 9, gradient);
    // Up 2x horizontally and 4/3 vertically into a 24x12 dest at (4, 30): x from floor(((i + 0.5) * 0.5)), y from floor((j + 0.5) * 0.75).
    await send(DisplayServer.STREAM_CREATE, create(1, rect(4, 30, 28, 42)));
    await send(DisplayServer.STREAM_DATA, data(1, f.data));
    const near = (i: number, factor: number) => Math.floor((i + 0.5) * factor - 1 / 65536);
    expectSurface(surface(), (x, y) => x >= 4 && x < 28 && y >= 30 && y < 42, (x, y) => f.px[near(y - 30, 9 / 12) * 12 + near(x - 4, 12 / 24)]!);
  });

  it('scales down (every other pixel for 2:1) and flips before scaling', async () => {
    const {send, surface} = await setup();
    const f = await jpeg(32, 16, gradient);
    await send(DisplayServer.STREAM_CREATE, create(2, rect(10, 10, 26, 18), {flags: 0}));
    await send(DisplayServer.STREAM_DATA, data(2, f.data));
    expectSurface(surface(), (x, y) => x >= 10 && x < 26 && y >= 10 && y < 18, (x, y) => f.px[(15 - 2 * (y - 10)) * 32 + 2 * (x - 10)]!);
  });

  it('keeps to the stream clip: rects from CREATE, replaced by STREAM_CLIP; an empty clip draws nothing, NONE everything', async () => {
    const {send, surface, damage} = await setup();
    const a = await jpeg(20, 20, gradient);
    const dest = rect(0, 0, 20, 20);
    const at = (x: number, y: number) => a.px[y * 20 + x]!;
    await send(DisplayServer.STREAM_CREATE, create(3, dest, {clip: rectsClip(rect(0, 0, 5, 5), rect(10, 10, 30, 12))}));
    await send(DisplayServer.STREAM_DATA, data(3, a.data));
    expectSurface(surface(), (x, y) => (x < 5 && y < 5) || (x >= 10 && x < 20 && y >= 10 && y < 12), at);
    expect(damage.at(-1)!.rects).toEqual([rect(0, 0, 5, 5), rect(10, 10, 20, 12)]);

    surface().data.fill(0);
    await send(DisplayServer.STREAM_CLIP, {id: 3, clip: rectsClip()});
    await send(DisplayServer.STREAM_DATA, data(3, a.data));
    expectSurface(surface(), () => false, at);
    expect(damage.at(-1)!.rects).toEqual([]);

    await send(DisplayServer.STREAM_CLIP, {id: 3, clip: noClip});
    await send(DisplayServer.STREAM_DATA, data(3, a.data));
    expectSurface(surface(), (x, y) => x < 20 && y < 20, at);
  });

  it('clips to the surface: a dest partly outside draws the part inside', async () => {
    const {send, surface} = await setup({width: 16, height: 16});
    const f = await jpeg(10, 10, gradient);
    await send(DisplayServer.STREAM_CREATE, create(4, rect(-3, 10, 7, 20)));
    await send(DisplayServer.STREAM_DATA, data(4, f.data));
    expectSurface(surface(), (x, y) => x < 7 && y >= 10, (x, y) => f.px[(y - 10) * 10 + x + 3]!);
  });

  it('STREAM_DATA_SIZED draws that frame at its own dest and size; later STREAM_DATA use the stream dest again', async () => {
    const {send, surface} = await setup();
    const small = await jpeg(8, 8, gradient);
    const big = await jpeg(16, 8, (x, y) => gradient(y, x));
    await send(DisplayServer.STREAM_CREATE, create(6, rect(0, 0, 8, 8)));
    await send(DisplayServer.STREAM_DATA_SIZED, {base: {id: 6, multi_media_time: 1}, width: 16, height: 8, dest: rect(30, 20, 46, 28), data: big.data});
    expectSurface(surface(), (x, y) => x >= 30 && x < 46 && y >= 20 && y < 28, (x, y) => big.px[(y - 20) * 16 + x - 30]!);
    await send(DisplayServer.STREAM_DATA, data(6, small.data));
    const s = surface();
    expect(rgbAt(s, 3, 4)).toBe(small.px[4 * 8 + 3]! & 0xffffff);
    expect(rgbAt(s, 31, 21)).toBe(big.px[1 * 16 + 1]! & 0xffffff);
  });

  it('draws opaque on a 32_ARGB surface and converts to a 16_565 surface', async () => {
    const f = await jpeg(8, 4, gradient);
    const argb = await setup({format: SurfaceFmt['32_ARGB']});
    await argb.send(DisplayServer.STREAM_CREATE, create(0, rect(0, 0, 8, 4)));
    await argb.send(DisplayServer.STREAM_DATA, data(0, f.data));
    expect(argb.surface().data[1 * argb.surface().stride + 2]).toBe((f.px[1 * 8 + 2]! | 0xff000000) >>> 0);

    const s565 = await setup({format: SurfaceFmt['16_565']});
    await s565.send(DisplayServer.STREAM_CREATE, create(0, rect(0, 0, 8, 4)));
    await s565.send(DisplayServer.STREAM_DATA, data(0, f.data));
    const v = f.px[3 * 8 + 5]!;
    const want = (((v >> 16) & 0xf8) << 8) | (((v >> 8) & 0xfc) << 3) | ((v & 0xff) >> 3);
    expect(s565.surface().data[3 * s565.surface().stride + 5]).toBe(want);
  });
});

describe('MJPEG streams: lifetime and STREAM_REPORT', () => {
  it('DESTROY and DESTROY_ALL end streams; frames for a missing stream are ignored with a warning and a cannot-decode report', async () => {
    const {send, r, ch, logs, surface} = await setup();
    const f = await jpeg(8, 8, gradient);
    await send(DisplayServer.STREAM_CREATE, create(1, rect(0, 0, 8, 8)));
    await send(DisplayServer.STREAM_CREATE, create(2, rect(8, 0, 16, 8)));
    expect(r.streams.ids()).toEqual([1, 2]);
    await send(DisplayServer.STREAM_DESTROY, {id: 1});
    expect(r.streams.ids()).toEqual([2]);
    await send(DisplayServer.STREAM_DATA, data(1, f.data));
    expect(rgbAt(surface(), 0, 0)).toBe(0);
    expect(logs.join('\n')).toMatch(/STREAM_DATA for stream 1, which does not exist/);
    expect(ch.reports).toEqual([
      {stream_id: 1, unique_id: 0, start_frame_mm_time: 0, end_frame_mm_time: 0, num_frames: 0, num_drops: CANNOT_DECODE, last_frame_delay: 0, audio_delay: 0},
    ]);
    await send(DisplayServer.STREAM_DESTROY_ALL, {});
    expect(r.streams.ids()).toEqual([]);
  });

  it('without the STREAM_REPORT cap nothing is sent', async () => {
    const {send, ch} = await setup({reports: false});
    await send(DisplayServer.STREAM_CREATE, create(1, rect(0, 0, 8, 8), {codec_type: VideoCodecType.H264}));
    await send(DisplayServer.STREAM_CLIP, {id: 9, clip: noClip});
    expect(ch.reports).toEqual([]);
  });

  it('a codec other than MJPEG: one clear warning, a cannot-decode report, frames skipped', async () => {
    const {send, r, ch, logs, surface} = await setup();
    const f = await jpeg(8, 8, gradient);
    await send(DisplayServer.STREAM_CREATE, create(7, rect(0, 0, 8, 8), {codec_type: VideoCodecType.VP8}));
    await send(DisplayServer.STREAM_ACTIVATE_REPORT, {stream_id: 7, unique_id: 3, max_window_size: 1, timeout_ms: 1000});
    await send(DisplayServer.STREAM_DATA, data(7, f.data));
    await send(DisplayServer.STREAM_DESTROY, {id: 7});
    await send(DisplayServer.STREAM_CREATE, create(7, rect(0, 0, 8, 8), {codec_type: VideoCodecType.VP8}));
    expect(rgbAt(surface(), 1, 1)).toBe(0);
    expect(r.streams.stats.skipped).toBe(1);
    const warnings = logs.filter((l) => l.includes('[spice-cli warn]'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/stream 7 uses the VP8 video codec, which spice-cli cannot decode \(MJPEG only\); told the server/);
    expect(ch.reports.map((x) => [x.stream_id, x.num_frames, x.num_drops])).toEqual([
      [7, 0, CANNOT_DECODE],
      [7, 0, CANNOT_DECODE],
    ]);
  });

  it('after ACTIVATE_REPORT, reports every max_window frames: mm-times, frame count, no drops, delay = frame mm - session mm, no audio', async () => {
    const {send, ch} = await setup();
    const f = await jpeg(8, 8, gradient);
    await send(DisplayServer.STREAM_CREATE, create(3, rect(0, 0, 8, 8)));
    await send(DisplayServer.STREAM_DATA, data(3, f.data, 10_100)); // before activation: not counted
    await send(DisplayServer.STREAM_ACTIVATE_REPORT, {stream_id: 3, unique_id: 77, max_window_size: 3, timeout_ms: 60_000});
    for (let i = 0; i < 7; i++) {
      ch.mm = 10_000 + i * 40;
      await send(DisplayServer.STREAM_DATA, data(3, f.data, 10_400 + i * 40 - (i === 5 ? 500 : 0)));
    }
    expect(ch.reports).toEqual([
      {stream_id: 3, unique_id: 77, start_frame_mm_time: 10_400, end_frame_mm_time: 10_480, num_frames: 3, num_drops: 0, last_frame_delay: 400, audio_delay: NO_AUDIO},
      {stream_id: 3, unique_id: 77, start_frame_mm_time: 10_520, end_frame_mm_time: 10_100, num_frames: 3, num_drops: 0, last_frame_delay: -100, audio_delay: NO_AUDIO},
    ]);
  });

  it('reports when the window times out before it fills', async () => {
    const {send, ch} = await setup();
    const f = await jpeg(8, 8, gradient);
    await send(DisplayServer.STREAM_CREATE, create(3, rect(0, 0, 8, 8)));
    await send(DisplayServer.STREAM_ACTIVATE_REPORT, {stream_id: 3, unique_id: 1, max_window_size: 100, timeout_ms: 30});
    await send(DisplayServer.STREAM_DATA, data(3, f.data));
    await new Promise((r) => setTimeout(r, 40));
    await send(DisplayServer.STREAM_DATA, data(3, f.data));
    expect(ch.reports.map((x) => x.num_frames)).toEqual([2]);
  });

  it('a second CREATE of a live id keeps the first stream (as spice-gtk), with a warning', async () => {
    const {send, logs, surface} = await setup();
    const f = await jpeg(8, 8, gradient);
    await send(DisplayServer.STREAM_CREATE, create(3, rect(0, 0, 8, 8)));
    await send(DisplayServer.STREAM_CREATE, create(3, rect(20, 20, 28, 28)));
    await send(DisplayServer.STREAM_DATA, data(3, f.data));
    expect(rgbAt(surface(), 2, 2)).toBe(f.px[2 * 8 + 2]! & 0xffffff);
    expect(rgbAt(surface(), 22, 22)).toBe(0);
    expect(logs.join('\n')).toMatch(/STREAM_CREATE 3: that stream exists already/);
  });
});

describe('MJPEG streams: bad input is a protocol error, never a crash or a hang', () => {
  async function protocolError(p: Promise<unknown>, re: RegExp): Promise<void> {
    const e = await p.then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(SpiceError);
    expect((e as SpiceError).kind).toBe('protocol');
    expect((e as Error).message).toMatch(re);
  }

  it('stream ids of 64 and more, and streams on missing surfaces', async () => {
    const {send} = await setup();
    await protocolError(send(DisplayServer.STREAM_CREATE, create(64, rect(0, 0, 8, 8))), /names stream 64; stream ids are below 64/);
    await protocolError(send(DisplayServer.STREAM_DATA, data(200, new Uint8Array([0xff, 0xd8]))), /stream ids are below 64/);
    await protocolError(send(DisplayServer.STREAM_CREATE, {...create(1, rect(0, 0, 8, 8)), surface_id: 9}), /on surface 9, which does not exist/);
  });

  it('truncated, empty, headerless and garbage frames', async () => {
    const {send} = await setup();
    const f = await jpeg(16, 16, gradient);
    await send(DisplayServer.STREAM_CREATE, create(1, rect(0, 0, 16, 16)));
    await protocolError(send(DisplayServer.STREAM_DATA, data(1, f.data.subarray(0, f.data.length >> 1))), /stream 1 frame 1: corrupt MJPEG frame: truncated \(\d+ bytes, no EOI marker at the end\)/);
    await protocolError(send(DisplayServer.STREAM_DATA, data(1, new Uint8Array(0))), /corrupt MJPEG frame: empty/);
    await protocolError(send(DisplayServer.STREAM_DATA, data(1, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]))), /corrupt MJPEG frame: no frame header/);
    await protocolError(send(DisplayServer.STREAM_DATA, data(1, new Uint8Array([1, 2, 3, 4, 0xff, 0xd9]))), /corrupt MJPEG frame: missing SOI marker/);
    // SOI, a plausible frame header, then garbage where the scan should be.
    const sof = f.data.indexOf(0xc0, 2);
    const junk = new Uint8Array([...f.data.subarray(0, sof + 20), ...Array.from({length: 300}, (_, i) => (i * 97) & 0xfe), 0xff, 0xd9]);
    await protocolError(send(DisplayServer.STREAM_DATA, data(1, junk)), /stream 1 frame 1: JPEG: corrupt image data/);
  });

  it('refuses frame sizes before decoding: over the image limits, or out of proportion to the stream', async () => {
    const {send} = await setup();
    const f = await jpeg(16, 16, gradient);
    await send(DisplayServer.STREAM_CREATE, create(1, rect(0, 0, 16, 16)));
    const sized = (w: number, h: number) => {
      const d = Uint8Array.from(f.data);
      const sof = d.findIndex((v, i) => v === 0xff && d[i + 1] === 0xc0);
      d.set([h >> 8, h & 255, w >> 8, w & 255], sof + 5);
      return d;
    };
    await protocolError(send(DisplayServer.STREAM_DATA, data(1, sized(60000, 60000))), /image size 60000x60000 is over the limit/);
    await protocolError(send(DisplayServer.STREAM_DATA, data(1, sized(4096, 4096))), /4096x4096 MJPEG frame is out of proportion to its stream \(declared 16x16, dest 16x16\)/);
    await protocolError(
      send(DisplayServer.STREAM_DATA_SIZED, {base: {id: 1, multi_media_time: 1}, width: 16, height: 16, dest: rect(0, 0, 16, 16), data: sized(4096, 4096)}),
      /out of proportion/,
    );
  });

  it('fuzz: cut and damaged frames end in a protocol error or draw something; nothing else, nothing slow', async () => {
    const {send} = await setup();
    const f = await jpeg(48, 32, gradient);
    await send(DisplayServer.STREAM_CREATE, create(1, rect(0, 0, 48, 32)));
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const outcomes = {ok: 0, protocol: 0};
    const t0 = performance.now();
    for (let i = 0; i < 300; i++) {
      const d = Uint8Array.from(f.data);
      const kind = i % 3;
      let frame: Uint8Array;
      if (kind === 0) frame = d.subarray(0, rand(d.length));
      else if (kind === 1) {
        for (let k = 0; k < 1 + rand(8); k++) d[rand(d.length)] = rand(256);
        frame = d;
      } else {
        // Cut in the middle, the end marker put back: the JPEG library sees a short scan.
        frame = new Uint8Array([...d.subarray(0, 2 + rand(d.length - 2)), 0xff, 0xd9]);
      }
      try {
        await send(DisplayServer.STREAM_DATA, data(1, frame));
        outcomes.ok++;
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(SpiceError);
        expect((e as SpiceError).kind).toBe('protocol');
        outcomes.protocol++;
      }
    }
    expect(outcomes.ok + outcomes.protocol).toBe(300);
    expect(outcomes.protocol).toBeGreaterThan(100);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
