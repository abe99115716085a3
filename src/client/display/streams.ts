/**
 * Video streams of one display channel (protocol map §4.4): STREAM_CREATE, STREAM_DATA, STREAM_DATA_SIZED,
 * STREAM_CLIP, STREAM_DESTROY, STREAM_DESTROY_ALL and STREAM_ACTIVATE_REPORT, with STREAM_REPORT back to
 * the server when the display cap is negotiated. Only MJPEG is decoded.
 *
 * Placement, as spice-gtk does it (channel-display.c stream_display_frame + spice-common's put_image):
 *  - the frame's own size (from its JPEG header) is the source; the stream's declared stream/src sizes and
 *    DATA_SIZED's width/height are not used for drawing;
 *  - the destination is the stream's dest rect, or the DATA_SIZED message's dest for that one frame (the
 *    stream's dest is not changed by it);
 *  - frames without the TOP_DOWN flag are bottom-up: the last row of the JPEG is drawn at the top;
 *  - a frame whose size differs from the dest is scaled NEAREST by pixman's transform (src/dest factors,
 *    no translation), composited with SRC (x8r8g8b8 source: opaque on ARGB surfaces, converted on 16-bit
 *    ones), inside the stream's clip (CLIP_TYPE_RECTS: the union of the rects; NONE: the whole dest).
 *
 * When frames are drawn: spice-gtk queues each frame until the session's multimedia time reaches the
 * frame's mm_time and drops frames that arrive late. Here every frame is drawn as soon as it is decoded, in
 * message order with the other draws: a headless client has no display clock to keep in step with, and
 * once the stream stops (the still moment a screenshot compares) the surface holds the same last frame
 * either way. Nothing is dropped, so reports count no drops; their last_frame_delay is the frame's mm_time
 * minus the session's mm-time on arrival, as spice-gtk measures it.
 *
 * `waitStill` sees frames as draws: while a video plays the screen is never still for longer than the
 * frame interval.
 *
 * Decoding: our own baseline decoder (codecs/jpeg-baseline.ts) with spice-gtk's MJPEG settings (the fast
 * integer IDCT, no fancy upsampling), so frames are pixel for pixel what spice-gtk shows (checked against
 * `djpeg -dct fast -nosmooth` on every recorded frame by test/codecs/jpeg-exact). It runs on the event
 * loop (a 640x480 frame takes a few ms).
 */
import {performance} from 'node:perf_hooks';
import {jpegSize} from '../codecs/jpeg.js';
import {decodeJpegFast} from '../codecs/jpeg-baseline.js';
import {checkDimensions, type Pixels} from '../codecs/pixels.js';
import {SpiceError} from '../errors.js';
import type {Logger} from '../log.js';
import {ClipType, nameOf, SPICE_MAX_NUM_STREAMS, StreamFlags, VideoCodecType} from '../wire/enums.js';
import {MessageHandlers, type MessageDef} from '../wire/message.js';
import {DisplayServer, type StreamCreate, type StreamData, type StreamDataSized} from '../wire/messages/display.js';
import type {Clip} from '../wire/messages/image.js';
import {clipRegion} from './clip.js';
import type {Img} from './pixel-format.js';
import {Filter, Repeat, type SourcePicture} from './sample.js';
import {compositeSrcRegion, scalePicture} from './scale.js';
import type {Surface} from './surface.js';
import type {Rect} from './types.js';
import type {StreamReport} from '../wire/messages/display.js';

/** num_frames 0 with num_drops 0xffffffff: "this client cannot decode that stream". */
export const CANNOT_DECODE = 0xffffffff;
/** audio_delay when there is no audio playback. */
export const NO_AUDIO = 0xffffffff;

/** What streams need from their display channel to report back (channels/display.ts satisfies it structurally). */
export interface StreamReportSink {
  /** Whether the display cap STREAM_REPORT was negotiated (we and the server both have it). */
  readonly streamReports: boolean;
  sendStreamReport(report: StreamReport): void;
  /** The session's multimedia time in ms (main channel), undefined before the server gave it. */
  mmTime(): number | undefined;
}

export interface StreamHost {
  surface(id: number): Surface | undefined;
  /** Reports the rectangles a frame drew (the renderer's damage event). */
  damaged(dst: Surface, rects: Rect[]): void;
  log: Logger;
  reports?: StreamReportSink;
}

/**
 * A frame may not have more than this many times the pixels of the larger of its stream's declared size
 * and its dest rect (at least 64x64): spice-server sends frames of the declared size, and a tiny stream
 * must not make us decode huge frames. The absolute image limits (codecs/pixels.ts) apply as well.
 */
export const FRAME_AREA_FACTOR = 4;

interface ReportState {
  uniqueId: number;
  maxWindow: number;
  timeoutMs: number;
  frames: number;
  drops: number;
  startAt: number;
  startFrameMm: number;
}

interface Stream {
  id: number;
  surfaceId: number;
  flags: number;
  codec: number;
  /** False for codecs we cannot decode: their frames are skipped. */
  decodable: boolean;
  streamWidth: number;
  streamHeight: number;
  dest: Rect;
  clip: Rect[] | null;
  frames: number;
  report?: ReportState;
}

export interface StreamStats {
  created: number;
  /** Frames decoded and drawn. */
  frames: number;
  /** Frames of streams in codecs we cannot decode (skipped). */
  skipped: number;
  /** Bytes of compressed frames decoded. */
  bytes: number;
  /** Time spent decoding and drawing frames, ms. */
  decodeMs: number;
  reportsSent: number;
}

function clipRects(clip: Clip): Rect[] | null {
  return clip.type === ClipType.RECTS ? (clip.rects?.rects ?? []) : null;
}

/**
 * Checks an MJPEG frame before anything is decoded: a JPEG (SOI, a frame header) that ends with its EOI
 * marker (a truncated frame is a protocol error, where the JPEG library would only warn), of a size within
 * the image limits and in proportion to its stream. Returns the frame's size.
 */
export function checkMjpegFrame(data: Uint8Array, what: string, declared: {width: number; height: number}, dest: Rect): {width: number; height: number} {
  const bad = (why: string) => new SpiceError('protocol', `${what}: corrupt MJPEG frame: ${why}`);
  if (data.length === 0) throw bad('empty');
  let end = data.length;
  // Fill bytes after EOI are tolerated (a few encoders pad); the last marker must be EOI.
  while (end > 2 && data.length - end < 64 && data[end - 1] === 0) end--;
  if (end < 4 || data[end - 2] !== 0xff || data[end - 1] !== 0xd9) throw bad(`truncated (${data.length} bytes, no EOI marker at the end)`);
  let size: {width: number; height: number};
  try {
    size = jpegSize(data);
  } catch (e) {
    throw bad((e as Error).message.replace(/^JPEG: corrupt image data: /, ''));
  }
  checkDimensions(size.width, size.height, `${what}: MJPEG frame`);
  const destArea = Math.max(0, dest.right - dest.left) * Math.max(0, dest.bottom - dest.top);
  const bound = FRAME_AREA_FACTOR * Math.max(declared.width * declared.height, destArea, 64 * 64);
  if (size.width * size.height > bound) {
    throw new SpiceError(
      'protocol',
      `${what}: a ${size.width}x${size.height} MJPEG frame is out of proportion to its stream (declared ${declared.width}x${declared.height}, dest ${dest.right - dest.left}x${dest.bottom - dest.top})`,
    );
  }
  return size;
}

/**
 * A decoded frame as the x8r8g8b8 image spice-gtk hands to put_image: rows in display order (bottom-up
 * frames flipped) and the x byte 0xff (libjpeg-turbo's BGRX output). Reuses the decoder's buffer.
 */
export function frameImage(p: Pixels, topDown: boolean): Img {
  const {width: w, height: h, data: d} = p;
  if (!topDown) {
    for (let top = 0, bottom = h - 1; top < bottom; top++, bottom--) {
      const a = top * w;
      const b = bottom * w;
      for (let x = 0; x < w; x++) {
        const t = d[a + x]!;
        d[a + x] = d[b + x]!;
        d[b + x] = t;
      }
    }
  }
  for (let i = 0; i < d.length; i++) d[i] = (d[i]! | 0xff000000) >>> 0;
  return {fmt: 'x8r8g8b8', width: w, height: h, data: d, stride: w};
}

/**
 * spice-common's put_image: `frame` onto `dst` at `dest`, scaled NEAREST when the sizes differ, inside the
 * clip (null: none; []: nothing). Returns the rectangles drawn.
 */
export function putFrame(dst: Surface, frame: Img, dest: Rect, clip: readonly Rect[] | null): Rect[] {
  const dw = dest.right - dest.left;
  const dh = dest.bottom - dest.top;
  if (dw <= 0 || dh <= 0) return [];
  const region = clipRegion(dst, dest, clip);
  if (region.isEmpty) return [];
  let pic: SourcePicture;
  if (dw === frame.width && dh === frame.height) {
    pic = {img: frame, transform: null, filter: Filter.NEAREST, repeat: Repeat.NONE};
  } else {
    const g = {srcX: 0, srcY: 0, srcW: frame.width, srcH: frame.height, dstX: dest.left, dstY: dest.top, dstW: dw, dstH: dh};
    pic = {...scalePicture(frame, g, 1, dst.fmt), filter: Filter.NEAREST, raw: false};
  }
  compositeSrcRegion(dst, region, pic, dest.left, dest.top);
  return region.rects();
}

export class DisplayStreams {
  private readonly streams = new Map<number, Stream>();
  readonly stats: StreamStats = {created: 0, frames: 0, skipped: 0, bytes: 0, decodeMs: 0, reportsSent: 0};
  private readonly warnedCodecs = new Set<number>();

  constructor(private readonly host: StreamHost) {}

  /** Ids of the live streams. */
  ids(): number[] {
    return [...this.streams.keys()].sort((a, b) => a - b);
  }

  /** The STREAM_* messages, one typed handler per declaration. */
  private readonly handlers = new MessageHandlers()
    .on(DisplayServer.STREAM_CREATE, (m) => this.create(m))
    .on(DisplayServer.STREAM_DATA, (m) => this.frame(m, null))
    .on(DisplayServer.STREAM_DATA_SIZED, (m) => this.frame(m, {width: m.width, height: m.height, dest: m.dest}))
    .on(DisplayServer.STREAM_CLIP, (m) => {
      const st = this.find(m.id, 'STREAM_CLIP');
      if (st) st.clip = clipRects(m.clip);
    })
    .on(DisplayServer.STREAM_DESTROY, (m) => {
      this.checkId(m.id, 'STREAM_DESTROY');
      if (!this.streams.delete(m.id)) this.host.log.debug(`display: STREAM_DESTROY of stream ${m.id}, which does not exist`);
    })
    .on(DisplayServer.STREAM_DESTROY_ALL, () => {
      this.streams.clear();
    })
    .on(DisplayServer.STREAM_ACTIVATE_REPORT, (m) => {
      const st = this.find(m.stream_id, 'STREAM_ACTIVATE_REPORT');
      if (st?.decodable) {
        st.report = {uniqueId: m.unique_id, maxWindow: m.max_window_size, timeoutMs: m.timeout_ms, frames: 0, drops: 0, startAt: 0, startFrameMm: 0};
      }
    });

  /** Handles one STREAM_* message (decoded from `def`'s layout); false for a message that is not one. */
  async handle(def: MessageDef, value: unknown): Promise<boolean> {
    const done = this.handlers.dispatch(def, value);
    if (done === false) return false;
    await done;
    return true;
  }

  private checkId(id: number, what: string): void {
    if (id >= SPICE_MAX_NUM_STREAMS) throw new SpiceError('protocol', `display: ${what} names stream ${id}; stream ids are below ${SPICE_MAX_NUM_STREAMS}`);
  }

  /** The stream, or undefined after telling the server (as spice-gtk does) that it does not exist. */
  private find(id: number, what: string): Stream | undefined {
    this.checkId(id, what);
    const st = this.streams.get(id);
    if (!st) {
      this.host.log.warn(`display: ${what} for stream ${id}, which does not exist; ignored`);
      this.reportCannotDecode(id);
    }
    return st;
  }

  private reportCannotDecode(id: number): void {
    const sink = this.host.reports;
    if (!sink?.streamReports) return;
    sink.sendStreamReport({
      stream_id: id,
      unique_id: 0,
      start_frame_mm_time: 0,
      end_frame_mm_time: 0,
      num_frames: 0,
      num_drops: CANNOT_DECODE,
      last_frame_delay: 0,
      audio_delay: 0,
    });
    this.stats.reportsSent++;
  }

  private create(m: StreamCreate): void {
    this.checkId(m.id, 'STREAM_CREATE');
    if (!this.host.surface(m.surface_id)) throw new SpiceError('protocol', `display: STREAM_CREATE ${m.id} on surface ${m.surface_id}, which does not exist`);
    if (this.streams.has(m.id)) {
      // spice-gtk keeps the existing stream and ignores the new one.
      this.host.log.warn(`display: STREAM_CREATE ${m.id}: that stream exists already; ignored`);
      return;
    }
    const decodable = m.codec_type === VideoCodecType.MJPEG;
    const st: Stream = {
      id: m.id,
      surfaceId: m.surface_id,
      flags: m.flags,
      codec: m.codec_type,
      decodable,
      streamWidth: m.stream_width,
      streamHeight: m.stream_height,
      dest: {...m.dest},
      clip: clipRects(m.clip),
      frames: 0,
    };
    this.streams.set(m.id, st);
    this.stats.created++;
    if (!decodable) {
      const codec = nameOf(VideoCodecType, m.codec_type);
      const reports = Boolean(this.host.reports?.streamReports);
      const text =
        `display: stream ${m.id} uses the ${codec} video codec, which spice-cli cannot decode (MJPEG only); ` +
        (reports ? 'told the server (STREAM_REPORT), which then sends the area as images' : 'its frames are skipped and the area keeps what was drawn before');
      if (this.warnedCodecs.has(m.codec_type)) this.host.log.debug(text);
      else this.host.log.warn(text);
      this.warnedCodecs.add(m.codec_type);
      this.reportCannotDecode(m.id);
    }
  }

  private async frame(m: StreamData | StreamDataSized, sized: {width: number; height: number; dest: Rect} | null): Promise<void> {
    const what = sized ? 'STREAM_DATA_SIZED' : 'STREAM_DATA';
    const st = this.find(m.base.id, what);
    if (!st) return;
    if (!st.decodable) {
      this.stats.skipped++;
      return;
    }
    const frameMm = m.base.multi_media_time >>> 0;
    const now = this.host.reports?.mmTime();
    const margin = now === undefined ? 0 : (frameMm - now) | 0;
    const dest = sized ? sized.dest : st.dest;
    const label = `display: stream ${st.id} frame ${st.frames + 1}`;
    const data = m.data;
    checkMjpegFrame(data, label, sized ?? {width: st.streamWidth, height: st.streamHeight}, dest);
    const dst = this.host.surface(st.surfaceId);
    if (!dst) throw new SpiceError('protocol', `${label}: its surface ${st.surfaceId} does not exist any more`);
    const t0 = performance.now();
    let pixels: Pixels;
    try {
      pixels = decodeJpegFast(data);
    } catch (e) {
      if (e instanceof SpiceError) throw new SpiceError('protocol', `${label}: ${e.message}`);
      throw e;
    }
    const rects = putFrame(dst, frameImage(pixels, (st.flags & StreamFlags.TOP_DOWN) !== 0), dest, st.clip);
    st.frames++;
    this.stats.frames++;
    this.stats.bytes += data.length;
    this.stats.decodeMs += performance.now() - t0;
    this.host.damaged(dst, rects);
    this.count(st, frameMm, margin);
  }

  /** Counts a frame in the report window and sends STREAM_REPORT when the window is full or timed out. */
  private count(st: Stream, frameMm: number, margin: number): void {
    const r = st.report;
    const sink = this.host.reports;
    if (!r || !sink?.streamReports) return;
    const now = performance.now();
    if (r.frames === 0) {
      r.startAt = now;
      r.startFrameMm = frameMm;
    }
    r.frames++;
    if (r.frames < r.maxWindow && now - r.startAt < r.timeoutMs) return;
    sink.sendStreamReport({
      stream_id: st.id,
      unique_id: r.uniqueId,
      start_frame_mm_time: r.startFrameMm,
      end_frame_mm_time: frameMm,
      num_frames: r.frames,
      num_drops: r.drops,
      last_frame_delay: margin,
      audio_delay: NO_AUDIO,
    });
    this.stats.reportsSent++;
    r.frames = 0;
    r.drops = 0;
  }
}
