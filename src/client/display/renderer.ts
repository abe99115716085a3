/**
 * The display layer of one display channel: it takes the channel's decoded messages in order, resolves
 * images (codecs, the session's pixmap cache and GLZ window, this channel's palette cache, SURFACE
 * references), draws them into surfaces with the canvas, and reports damage. Surfaces stay in the server's
 * native layout; conversion happens only on export.
 */
import {EventEmitter} from 'node:events';
import {performance} from 'node:perf_hooks';
import {SpiceError} from '../errors.js';
import type {Logger} from '../log.js';
import {decodeImage} from '../codecs/index.js';
import {GlzWindow} from '../codecs/glz-window.js';
import type {Pixels} from '../codecs/pixels.js';
import {BitmapFlags, BitmapFmt, BrushType, ClipType, ImageFlags, ImageType, SurfaceFlags} from '../wire/enums.js';
import {MessageHandlers, type MessageDef} from '../wire/message.js';
import {DisplayServer, type DisplayBase} from '../wire/messages/display.js';
import type {Brush as WireBrush, Clip, Image, QMask} from '../wire/messages/image.js';
import {ImageCache, PaletteCache} from './image-cache.js';
import {createSurface, type Surface} from './surface.js';
import type {Brush, Mask, Rect, Source} from './types.js';
import * as canvas from './canvas.js';
import {DisplayStreams, type StreamReportSink} from './streams.js';

const IMAGE_TYPE_NAMES = new Map<number, string>(Object.entries(ImageType).map(([k, v]) => [v, k]));

/** State shared by every display channel of a session (cache id 1 and GLZ dictionary id 1). */
export class SharedDisplayState {
  readonly images: ImageCache;
  readonly glz: GlzWindow;
  constructor(opts: {glzWindowPixels: number; timeoutMs: number}) {
    this.images = new ImageCache(opts.timeoutMs);
    this.glz = new GlzWindow(opts.glzWindowPixels, {timeoutMs: opts.timeoutMs});
  }
}

export interface Head {
  monitorId: number;
  surfaceId: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DamageEvent {
  channelId: number;
  surfaceId: number;
  rects: Rect[];
  /** performance.now() when the draw was applied. */
  at: number;
}

export class DisplayRenderer extends EventEmitter {
  readonly surfaces = new Map<number, Surface>();
  /** How many images of each SpiceImageType (by name, caches and surfaces included) this channel's draws used. */
  readonly imageCounts = new Map<string, number>();
  primaryId: number | undefined;
  /** MARK seen since the primary surface was (re)created: the first frame is complete. */
  marked = false;
  heads: Head[] = [];
  lastDrawAt = 0;
  draws = 0;
  private readonly palettes = new PaletteCache();
  /** Video streams (streams.ts). */
  readonly streams: DisplayStreams;

  constructor(
    readonly channelId: number,
    private readonly shared: SharedDisplayState,
    private readonly log: Logger,
    /** `reports`: the display channel, to send STREAM_REPORT (none when replaying a recording). */
    opts: {reports?: StreamReportSink} = {},
  ) {
    super();
    this.streams = new DisplayStreams({
      surface: (id) => this.surfaces.get(id),
      damaged: (dst, rects) => this.damaged(dst, rects),
      log,
      reports: opts.reports,
    });
  }

  get primary(): Surface | undefined {
    return this.primaryId === undefined ? undefined : this.surfaces.get(this.primaryId);
  }

  /**
   * The display messages this layer handles, one typed handler per declaration; STREAM_* go to the streams.
   * Others (MODE, GL_SCANOUT_UNIX, GL_DRAW, QUALITY_INDICATOR, …) are ignored.
   */
  private readonly handlers = new MessageHandlers()
    .on(DisplayServer.SURFACE_CREATE, (m) => {
      const s = createSurface(m.surface_id, m.width, m.height, m.format);
      this.surfaces.set(m.surface_id, s);
      if (m.flags & SurfaceFlags.PRIMARY) {
        this.primaryId = m.surface_id;
        this.marked = false;
        if (this.heads.length === 0) this.heads = [{monitorId: 0, surfaceId: m.surface_id, x: 0, y: 0, width: m.width, height: m.height}];
        this.emit('primary', s);
      }
    })
    .on(DisplayServer.SURFACE_DESTROY, (m) => {
      this.surfaces.delete(m.surface_id);
      if (m.surface_id === this.primaryId) {
        this.primaryId = undefined;
        this.marked = false;
      }
    })
    .on(DisplayServer.MARK, () => {
      this.marked = true;
      this.emit('mark');
    })
    .on(DisplayServer.RESET, () => {
      this.palettes.clear();
      this.marked = false;
    })
    .on(DisplayServer.INVAL_LIST, (m) => {
      for (const r of m.resources) this.shared.images.remove(r.id);
    })
    .on(DisplayServer.INVAL_ALL_PIXMAPS, () => {
      // The wait list was honoured by the channel before this message reached us (WAIT_FOR_CHANNELS semantics).
      this.shared.images.clear();
    })
    .on(DisplayServer.INVAL_PALETTE, (m) => {
      this.palettes.remove(m.id);
    })
    .on(DisplayServer.INVAL_ALL_PALETTES, () => {
      this.palettes.clear();
    })
    .on(DisplayServer.MONITORS_CONFIG, (m) => {
      this.heads = m.heads.map((h) => ({monitorId: h.monitor_id, surfaceId: h.surface_id, x: h.x, y: h.y, width: h.width, height: h.height}));
      this.emit('monitors', this.heads);
    })
    .on(DisplayServer.COPY_BITS, (m) => {
      const dst = this.surface(m.base.surface_id);
      this.damaged(dst, canvas.copyBits(dst, m.base.box, clipOf(m.base.clip), m.src_pos));
    })
    // Draws: each resolves its brushes, masks and images in argument order, then draws (see draw()).
    .on(DisplayServer.DRAW_FILL, ({base, data: d}) =>
      this.draw(base, async (dst, box, clip) => canvas.fill(dst, box, clip, await this.brush(d.brush), d.rop_descriptor, await this.mask(d.mask))),
    )
    .on(DisplayServer.DRAW_COPY, ({base, data: d}) =>
      this.draw(base, async (dst, box, clip) =>
        canvas.copy(dst, box, clip, await this.source(d.src_bitmap), d.src_area, d.rop_descriptor, d.scale_mode, await this.mask(d.mask)),
      ),
    )
    .on(DisplayServer.DRAW_BLEND, ({base, data: d}) =>
      this.draw(base, async (dst, box, clip) =>
        canvas.blend(dst, box, clip, await this.source(d.src_bitmap), d.src_area, d.rop_descriptor, d.scale_mode, await this.mask(d.mask)),
      ),
    )
    .on(DisplayServer.DRAW_OPAQUE, ({base, data: d}) =>
      this.draw(base, async (dst, box, clip) =>
        canvas.opaque(
          dst,
          box,
          clip,
          await this.source(d.src_bitmap),
          d.src_area,
          await this.brush(d.brush),
          d.rop_descriptor,
          d.scale_mode,
          await this.mask(d.mask),
        ),
      ),
    )
    .on(DisplayServer.DRAW_BLACKNESS, ({base, data: d}) => this.draw(base, async (dst, box, clip) => canvas.blackness(dst, box, clip, await this.mask(d.mask))))
    .on(DisplayServer.DRAW_WHITENESS, ({base, data: d}) => this.draw(base, async (dst, box, clip) => canvas.whiteness(dst, box, clip, await this.mask(d.mask))))
    .on(DisplayServer.DRAW_INVERS, ({base, data: d}) => this.draw(base, async (dst, box, clip) => canvas.invers(dst, box, clip, await this.mask(d.mask))))
    .on(DisplayServer.DRAW_ROP3, ({base, data: d}) =>
      this.draw(base, async (dst, box, clip) =>
        canvas.rop3(dst, box, clip, await this.source(d.src_bitmap), d.src_area, await this.brush(d.brush), d.rop3, d.scale_mode, await this.mask(d.mask)),
      ),
    )
    .on(DisplayServer.DRAW_TRANSPARENT, ({base, data: d}) =>
      this.draw(base, async (dst, box, clip) => canvas.transparent(dst, box, clip, await this.source(d.src_bitmap), d.src_area, d.src_color, d.true_color)),
    )
    .on(DisplayServer.DRAW_ALPHA_BLEND, ({base, data: d}) =>
      this.draw(base, async (dst, box, clip) => canvas.alphaBlend(dst, box, clip, await this.source(d.src_bitmap), d.src_area, d.alpha, d.alpha_flags)),
    )
    .on(DisplayServer.DRAW_STROKE, ({base, data: d}) =>
      this.draw(base, async (dst, box, clip) => canvas.stroke(dst, box, clip, d.path, d.attr, await this.brush(d.brush), d.fore_mode, d.back_mode)),
    )
    .on(DisplayServer.DRAW_TEXT, ({base, data: d}) =>
      this.draw(base, async (dst, box, clip) =>
        canvas.text(dst, box, clip, d.str, d.back_area, await this.brush(d.fore_brush), await this.brush(d.back_brush), d.fore_mode, d.back_mode),
      ),
    )
    .on(DisplayServer.DRAW_COMPOSITE, ({base, data: d}) =>
      this.draw(base, async (dst, box, clip) =>
        canvas.composite(dst, box, clip, {
          flags: d.flags,
          src: await this.source(d.src_bitmap),
          mask: d.mask_bitmap ? await this.source(d.mask_bitmap) : null,
          srcTransform: d.src_transform ?? null,
          maskTransform: d.mask_transform ?? null,
          srcOrigin: d.src_origin,
          maskOrigin: d.mask_origin,
        }),
      ),
    );

  /** Handles one display message (the channel awaits this, so WAIT_FOR_CHANNELS sees it as processed). */
  async handle(def: MessageDef, value: unknown): Promise<void> {
    const done = this.handlers.dispatch(def, value);
    if (done === false) await this.streams.handle(def, value);
    else await done;
  }

  /** One draw: its target surface (which must exist), then `paint` into it, then the damage it reports. */
  private async draw(base: DisplayBase, paint: (dst: Surface, box: Rect, clip: Rect[] | null) => Promise<Rect[] | Rect | null>): Promise<void> {
    const dst = this.surface(base.surface_id);
    const damage = await paint(dst, base.box, clipOf(base.clip));
    this.damaged(dst, damage);
  }

  private damaged(dst: Surface, damage: Rect[] | Rect | null): void {
    this.draws++;
    this.lastDrawAt = performance.now();
    const rects = damage == null ? [] : Array.isArray(damage) ? damage : [damage];
    const ev: DamageEvent = {channelId: this.channelId, surfaceId: dst.id, rects, at: this.lastDrawAt};
    this.emit('damage', ev);
  }

  private surface(id: number): Surface {
    const s = this.surfaces.get(id);
    if (!s) throw new SpiceError('protocol', `display: draw to surface ${id}, which does not exist`);
    return s;
  }

  /** Resolves a SpiceImage to pixels or a surface, keeping the pixmap cache as the server directs. */
  async source(image: Image | null): Promise<Source> {
    if (!image) throw new SpiceError('protocol', 'display: draw without a source image');
    const d = image.descriptor;
    const name = IMAGE_TYPE_NAMES.get(d.type) ?? `type ${d.type}`;
    this.imageCounts.set(name, (this.imageCounts.get(name) ?? 0) + 1);
    switch (d.type) {
      case ImageType.FROM_CACHE:
        return this.shared.images.get(d.id, false);
      case ImageType.FROM_CACHE_LOSSLESS:
        return this.shared.images.get(d.id, true);
      case ImageType.SURFACE:
        return this.surface(image.surface!.surface_id);
    }
    const pixels = await decodeImage(image, {glz: this.shared.glz, palette: (ref: Parameters<DisplayRenderer['palette']>[0]) => this.palette(ref)});
    if (d.flags & ImageFlags.HIGH_BITS_SET && pixels.format === 'xrgb') forceOpaque(pixels);
    if (d.flags & ImageFlags.CACHE_ME) this.shared.images.put(d.id, pixels, d.type === ImageType.JPEG || d.type === ImageType.JPEG_ALPHA);
    else if (d.flags & ImageFlags.CACHE_REPLACE_ME) this.shared.images.put(d.id, pixels, false);
    return pixels;
  }

  private palette(ref: {flags: number; palette_id?: bigint; palette?: {unique: bigint; ents: number[]} | null}): Uint32Array | null {
    if (ref.flags & BitmapFlags.PAL_FROM_CACHE) return this.palettes.get(ref.palette_id!);
    if (!ref.palette) return null;
    const ents = Uint32Array.from(ref.palette.ents);
    if (ref.flags & BitmapFlags.PAL_CACHE_ME) this.palettes.put(ref.palette.unique, ents);
    return ents;
  }

  /** A wire Brush resolved: its layout reads `color` exactly when the type is SOLID, `pattern` when PATTERN. */
  private async brush(b: WireBrush): Promise<Brush> {
    if (b.type === BrushType.SOLID && b.color !== undefined) return {type: 'solid', color: b.color};
    if (b.type === BrushType.PATTERN && b.pattern) return {type: 'pattern', pixels: await this.source(b.pattern.pat), pos: b.pattern.pos};
    return {type: 'none'};
  }

  /** A QMask: a 1-bit BITMAP (no palette: decodeMaskBitmap), or a cached image or surface used as a mask. */
  private async mask(q: QMask): Promise<Mask | null> {
    if (!q.bitmap) return null;
    const img = q.bitmap;
    const b = img.bitmap; // read exactly when the descriptor's type is BITMAP
    let pixels: Source;
    if (img.descriptor.type === ImageType.BITMAP && b && (b.format === BitmapFmt['1BIT_LE'] || b.format === BitmapFmt['1BIT_BE'])) {
      pixels = canvas.decodeMaskBitmap({format: b.format, flags: b.flags, width: b.x, height: b.y, stride: b.stride, data: b.data});
      if (img.descriptor.flags & ImageFlags.CACHE_ME) this.shared.images.put(img.descriptor.id, pixels, false);
    } else pixels = await this.source(img);
    return {pixels, pos: q.pos, invert: (q.flags & 1) !== 0};
  }
}

/** A wire Clip as the canvas takes it: null for none, else the rectangles (RECTS). */
function clipOf(clip: Clip): Rect[] | null {
  return clip.type === ClipType.RECTS ? (clip.rects?.rects ?? []) : null;
}

function forceOpaque(p: Pixels): void {
  const d = p.data;
  for (let i = 0; i < d.length; i++) d[i] = (d[i]! | 0xff000000) >>> 0;
}
