/**
 * DisplayChannel messages (spice.proto `channel DisplayChannel`): surfaces, draw commands, cache
 * invalidation, video streams, monitors and GL. Images and the shared draw pieces are in image.ts.
 */
import {CompositeFlags, LineFlags, StringFlags} from '../enums.js';
import {
  array,
  bytes,
  flagSet,
  i32,
  i64,
  imageSize,
  type Schema,
  lengthOf,
  type ReadOf,
  ptr,
  type Scope,
  struct,
  switchOn,
  u16,
  u32,
  u64,
  u8,
  when,
  type WriteOf,
} from '../schema.js';
import {empty, message} from '../message.js';
import {ChannelWait} from './common.js';
import {Brush, Clip, Image, nonNull, Point, Point16, PointFix, QMask, Rect, Transform} from './image.js';

/** Every draw message starts with the target surface, the bounding box and the clip. */
export const DisplayBase = struct('DisplayBase', {surface_id: u32, box: Rect, clip: Clip});

export const ResourceID = struct('ResourceID', {type: u8, id: u64});

export const StreamDataHeader = struct('StreamDataHeader', {id: u32, multi_media_time: u32});

export const Head = struct('Head', {
  monitor_id: u32,
  surface_id: u32,
  width: u32,
  height: u32,
  x: u32,
  y: u32,
  flags: u32,
});

// ---------------------------------------------------------------- STROKE pieces
export const PathSegment = struct('PathSegment', {flags: u8, count: lengthOf('points'), points: array(PointFix, 'count')});
/** Segments follow one another inline (spice.proto's @ptr_array is a C-side detail). */
export const Path = struct('Path', {num_segments: lengthOf('segments'), segments: array(PathSegment, 'num_segments')});

const styled = flagSet('flags', LineFlags.STYLED);
/** With STYLED: u8 style_nseg, then a pointer to style_nseg fixed28_4 dash lengths. */
export const LineAttr = struct('LineAttr', {
  flags: u8,
  style_nseg: when(styled, lengthOf('style', u8)),
  style: when(styled, ptr(array(i32, 'style_nseg'))),
});

// ---------------------------------------------------------------- TEXT pieces
const glyph = (bpp: number) =>
  struct(`RasterGlyphA${bpp}`, {
    render_pos: Point,
    glyph_origin: Point,
    width: u16,
    height: u16,
    data: bytes(imageSize(bpp, 'width', 'height')),
  });
export const RasterGlyphA1 = glyph(1);
export const RasterGlyphA4 = glyph(4);
export const RasterGlyphA8 = glyph(8);

/** The first raster bit set picks the glyph format (spice.proto tests A1, then A4, then A8). */
const rasterOf = (s: Scope): number | undefined => {
  const f = s['flags'] as number;
  if (f & StringFlags.RASTER_A1) return StringFlags.RASTER_A1;
  if (f & StringFlags.RASTER_A4) return StringFlags.RASTER_A4;
  if (f & StringFlags.RASTER_A8) return StringFlags.RASTER_A8;
  return undefined;
};

/** spice.proto's `String` (a run of glyphs). Glyphs follow one another inline. */
export const SpiceString = struct('String', {
  length: lengthOf('glyphs', u16),
  flags: u8,
  glyphs: switchOn(rasterOf, {
    [StringFlags.RASTER_A1]: array(RasterGlyphA1, 'length'),
    [StringFlags.RASTER_A4]: array(RasterGlyphA4, 'length'),
    [StringFlags.RASTER_A8]: array(RasterGlyphA8, 'length'),
  }),
});

// ---------------------------------------------------------------- draw payloads
export const Fill = struct('Fill', {brush: Brush, rop_descriptor: u16, mask: QMask});

export const Opaque = struct('Opaque', {
  src_bitmap: ptr(Image),
  src_area: Rect,
  brush: Brush,
  rop_descriptor: u16,
  scale_mode: u8,
  mask: QMask,
});

/** DRAW_COPY and DRAW_BLEND. */
export const Copy = struct('Copy', {src_bitmap: ptr(Image), src_area: Rect, rop_descriptor: u16, scale_mode: u8, mask: QMask});

/** DRAW_BLACKNESS, DRAW_WHITENESS and DRAW_INVERS. */
export const MaskOnly = struct('MaskOnly', {mask: QMask});

export const Rop3 = struct('Rop3', {src_bitmap: ptr(Image), src_area: Rect, brush: Brush, rop3: u8, scale_mode: u8, mask: QMask});

export const Stroke = struct('Stroke', {
  path: nonNull(ptr(Path), 'STROKE path'),
  attr: LineAttr,
  brush: Brush,
  fore_mode: u16,
  back_mode: u16,
});

export const Text = struct('Text', {
  str: nonNull(ptr(SpiceString), 'TEXT string'),
  back_area: Rect,
  fore_brush: Brush,
  back_brush: Brush,
  fore_mode: u16,
  back_mode: u16,
});

export const Transparent = struct('Transparent', {src_bitmap: ptr(Image), src_area: Rect, src_color: u32, true_color: u32});

export const AlphaBlend = struct('AlphaBlend', {alpha_flags: u8, alpha: u8, src_bitmap: ptr(Image), src_area: Rect});

export const Composite = struct('Composite', {
  flags: u32,
  src_bitmap: ptr(Image),
  mask_bitmap: when(flagSet('flags', CompositeFlags.HAS_MASK), ptr(Image)),
  src_transform: when(flagSet('flags', CompositeFlags.HAS_SRC_TRANSFORM), Transform),
  mask_transform: when(flagSet('flags', CompositeFlags.HAS_MASK_TRANSFORM), Transform),
  src_origin: Point16,
  mask_origin: Point16,
});

const draw = <L extends Schema<any, any>>(name: string, data: L) => struct(name, {base: DisplayBase, data});

const Data = struct('Data', {data: bytes('rest')});

export const DisplayServer = {
  /** Legacy; real servers use SURFACE_CREATE. */
  MODE: message(101, 'MODE', struct('DisplayMode', {x_res: u32, y_res: u32, bits: u32})),
  MARK: message(102, 'MARK', empty),
  RESET: message(103, 'RESET', empty),
  COPY_BITS: message(104, 'COPY_BITS', struct('CopyBits', {base: DisplayBase, src_pos: Point})),
  INVAL_LIST: message(
    105,
    'INVAL_LIST',
    struct('ResourceList', {count: lengthOf('resources', u16), resources: array(ResourceID, 'count')}),
  ),
  /** A wait list like WAIT_FOR_CHANNELS; then drop every cached pixmap. */
  INVAL_ALL_PIXMAPS: message(
    106,
    'INVAL_ALL_PIXMAPS',
    struct('InvalAllPixmaps', {wait_count: lengthOf('wait_list', u8), wait_list: array(ChannelWait, 'wait_count')}),
  ),
  INVAL_PALETTE: message(107, 'INVAL_PALETTE', struct('InvalOne', {id: u64})),
  INVAL_ALL_PALETTES: message(108, 'INVAL_ALL_PALETTES', empty),

  STREAM_CREATE: message(
    122,
    'STREAM_CREATE',
    struct('StreamCreate', {
      surface_id: u32,
      id: u32,
      flags: u8,
      codec_type: u8,
      stamp: u64,
      stream_width: u32,
      stream_height: u32,
      src_width: u32,
      src_height: u32,
      dest: Rect,
      clip: Clip,
    }),
  ),
  STREAM_DATA: message(
    123,
    'STREAM_DATA',
    struct('StreamData', {base: StreamDataHeader, data_size: lengthOf('data'), data: bytes('data_size')}),
  ),
  STREAM_CLIP: message(124, 'STREAM_CLIP', struct('StreamClip', {id: u32, clip: Clip})),
  STREAM_DESTROY: message(125, 'STREAM_DESTROY', struct('StreamDestroy', {id: u32})),
  STREAM_DESTROY_ALL: message(126, 'STREAM_DESTROY_ALL', empty),

  DRAW_FILL: message(302, 'DRAW_FILL', draw('DrawFill', Fill)),
  DRAW_OPAQUE: message(303, 'DRAW_OPAQUE', draw('DrawOpaque', Opaque)),
  DRAW_COPY: message(304, 'DRAW_COPY', draw('DrawCopy', Copy)),
  DRAW_BLEND: message(305, 'DRAW_BLEND', draw('DrawBlend', Copy)),
  DRAW_BLACKNESS: message(306, 'DRAW_BLACKNESS', draw('DrawBlackness', MaskOnly)),
  DRAW_WHITENESS: message(307, 'DRAW_WHITENESS', draw('DrawWhiteness', MaskOnly)),
  DRAW_INVERS: message(308, 'DRAW_INVERS', draw('DrawInvers', MaskOnly)),
  DRAW_ROP3: message(309, 'DRAW_ROP3', draw('DrawRop3', Rop3)),
  DRAW_STROKE: message(310, 'DRAW_STROKE', draw('DrawStroke', Stroke)),
  DRAW_TEXT: message(311, 'DRAW_TEXT', draw('DrawText', Text)),
  DRAW_TRANSPARENT: message(312, 'DRAW_TRANSPARENT', draw('DrawTransparent', Transparent)),
  DRAW_ALPHA_BLEND: message(313, 'DRAW_ALPHA_BLEND', draw('DrawAlphaBlend', AlphaBlend)),

  SURFACE_CREATE: message(
    314,
    'SURFACE_CREATE',
    struct('SurfaceCreate', {surface_id: u32, width: u32, height: u32, format: u32, flags: u32}),
  ),
  SURFACE_DESTROY: message(315, 'SURFACE_DESTROY', struct('SurfaceDestroy', {surface_id: u32})),
  /** Display cap SIZED_STREAM: a frame whose size or position changed. */
  STREAM_DATA_SIZED: message(
    316,
    'STREAM_DATA_SIZED',
    struct('StreamDataSized', {
      base: StreamDataHeader,
      width: u32,
      height: u32,
      dest: Rect,
      data_size: lengthOf('data'),
      data: bytes('data_size'),
    }),
  ),
  MONITORS_CONFIG: message(
    317,
    'MONITORS_CONFIG',
    struct('MonitorsConfig', {count: lengthOf('heads', u16), max_allowed: u16, heads: array(Head, 'count')}),
  ),
  DRAW_COMPOSITE: message(318, 'DRAW_COMPOSITE', draw('DrawComposite', Composite)),
  STREAM_ACTIVATE_REPORT: message(
    319,
    'STREAM_ACTIVATE_REPORT',
    struct('StreamActivateReport', {stream_id: u32, unique_id: u32, max_window_size: u32, timeout_ms: u32}),
  ),
  /**
   * The dma-buf fd (spice.proto's `unix_fd drm_dma_buf_fd`) travels out of band (SCM_RIGHTS) and takes no
   * bytes in the body.
   */
  GL_SCANOUT_UNIX: message(
    320,
    'GL_SCANOUT_UNIX',
    struct('GlScanoutUnix', {width: u32, height: u32, stride: u32, drm_fourcc_format: u32, flags: u32}),
  ),
  GL_DRAW: message(321, 'GL_DRAW', struct('GlDraw', {x: u32, y: u32, w: u32, h: u32})),
  QUALITY_INDICATOR: message(322, 'QUALITY_INDICATOR', Data),
} as const;

export const DisplayClient = {
  /** Cache sizes are in pixels. */
  INIT: message(
    101,
    'INIT',
    struct('DisplayInit', {pixmap_cache_id: u8, pixmap_cache_size: i64, glz_dictionary_id: u8, glz_dictionary_window_size: i32}),
  ),
  /** num_frames 0 with num_drops 0xffffffff means the client cannot decode the stream. */
  STREAM_REPORT: message(
    102,
    'STREAM_REPORT',
    struct('StreamReport', {
      stream_id: u32,
      unique_id: u32,
      start_frame_mm_time: u32,
      end_frame_mm_time: u32,
      num_frames: u32,
      num_drops: u32,
      last_frame_delay: i32,
      audio_delay: u32,
    }),
  ),
  PREFERRED_COMPRESSION: message(103, 'PREFERRED_COMPRESSION', struct('PreferredCompression', {image_compression: u8})),
  GL_DRAW_DONE: message(104, 'GL_DRAW_DONE', empty),
  PREFERRED_VIDEO_CODEC_TYPE: message(
    105,
    'PREFERRED_VIDEO_CODEC_TYPE',
    struct('PreferredVideoCodecType', {num_of_codecs: lengthOf('codecs', u8), codecs: array(u8, 'num_of_codecs')}),
  ),
} as const;

/** The client's STREAM_REPORT, as its declaration writes it. */
export type StreamReport = WriteOf<typeof DisplayClient.STREAM_REPORT.schema>;

// ---------------------------------------------------------------- value types (what the declarations above read)
export type DisplayBase = ReadOf<typeof DisplayBase>;
export type StreamCreate = ReadOf<typeof DisplayServer.STREAM_CREATE.schema>;
export type StreamData = ReadOf<typeof DisplayServer.STREAM_DATA.schema>;
export type StreamDataSized = ReadOf<typeof DisplayServer.STREAM_DATA_SIZED.schema>;
