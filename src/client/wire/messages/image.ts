/**
 * Shared drawing pieces of spice.proto: geometry, Clip, Palette, the SpiceImage descriptor with its
 * per-type payloads, Brush and QMask. Pixel payloads stay raw bytes (views into the message); decoding
 * them (QUIC, LZ, GLZ, JPEG, LZ4, …) is the image decoders' job.
 *
 * Pointers (`*` in spice.proto) are ptr32 offsets from the message body start; Clip rects are inline.
 */
import {BitmapFlags, BrushType, ClipType, ImageType} from '../enums.js';
import {
  array,
  bytes,
  fieldIs,
  flagSet,
  i16,
  i32,
  imageSize,
  type Schema,
  lengthOf,
  mapped,
  not,
  type Predicate,
  ptr,
  type ReadOf,
  struct,
  u16,
  u32,
  u64,
  u8,
  when,
  type WriteOf,
} from '../schema.js';
import {WireError} from '../reader.js';

/** A pointer that spice.proto marks @nonnull: a 0 offset is a protocol error, and the value is never null. */
export function nonNull<R, W>(pointer: Schema<R | null, W | null>, what: string): Schema<R, W> {
  return mapped(
    pointer,
    `${pointer.name}!`,
    (v: R | null) => {
      if (v === null) throw new WireError(`${what}: null pointer where spice.proto requires a value`);
      return v;
    },
    (v: W) => v,
  );
}

// ---------------------------------------------------------------- geometry
export const Point = struct('Point', {x: i32, y: i32});
export const Point16 = struct('Point16', {x: i16, y: i16});
/** Coordinates in 28.4 fixed point (fixed28_4). */
export const PointFix = struct('PointFix', {x: i32, y: i32});
/** Field order is top, left, bottom, right. */
export const Rect = struct('Rect', {top: i32, left: i32, bottom: i32, right: i32});
/** A 2×3 matrix of 16.16 fixed-point numbers (pixman_transform order). */
export const Transform = struct('Transform', {t00: u32, t01: u32, t02: u32, t10: u32, t11: u32, t12: u32});

export const ClipRects = struct('ClipRects', {num_rects: lengthOf('rects'), rects: array(Rect, 'num_rects')});
/** u8 type; with RECTS, the rect list follows inline (spice.proto's @to_ptr is a C-side detail). */
export const Clip = struct('Clip', {type: u8, rects: when(fieldIs('type', ClipType.RECTS), ClipRects)});

// ---------------------------------------------------------------- images
export const Palette = struct('Palette', {unique: u64, num_ents: lengthOf('ents', u16), ents: array(u32, 'num_ents')});

const palFromCache = flagSet('flags', BitmapFlags.PAL_FROM_CACHE);

/** Raw bitmap: stride·y bytes of pixels (bottom-up unless TOP_DOWN); a palette from the cache or behind a pointer. */
export const BitmapData = struct('BitmapData', {
  format: u8,
  flags: u8,
  x: u32,
  y: u32,
  stride: u32,
  palette_id: when(palFromCache, u64),
  palette: when(not(palFromCache), ptr(Palette)),
  data: bytes(imageSize(8, 'stride', 'y')),
});

/** QUIC, LZ_RGB, GLZ_RGB, JPEG and LZ4 payloads: u32 size + the compressed stream. */
export const BinaryData = struct('BinaryData', {data_size: lengthOf('data'), data: bytes('data_size')});

export const LZPLTData = struct('LZPLTData', {
  flags: u8,
  data_size: lengthOf('data'),
  palette_id: when(palFromCache, u64),
  palette: when(not(palFromCache), nonNull(ptr(Palette), 'LZ_PLT palette')),
  data: bytes('data_size'),
});

/** glz_data_size is the size of the GLZ stream the zlib data inflates to. */
export const ZlibGlzRGBData = struct('ZlibGlzRGBData', {glz_data_size: u32, data_size: lengthOf('data'), data: bytes('data_size')});

/** data = jpeg_size bytes of JPEG, then an LZ (XXXA) alpha plane. */
export const JPEGAlphaData = struct('JPEGAlphaData', {flags: u8, jpeg_size: u32, data_size: lengthOf('data'), data: bytes('data_size')});

export const SurfaceImage = struct('Surface', {surface_id: u32});

export const ImageDescriptor = struct('ImageDescriptor', {id: u64, type: u8, flags: u8, width: u32, height: u32});

const imageIs =
  (...types: number[]): Predicate =>
  (s) =>
    types.includes((s['descriptor'] as {type: number}).type);

/**
 * SpiceImage: the descriptor, then the payload of its type (spice.proto's union `u`, one optional field per
 * case). FROM_CACHE, FROM_CACHE_LOSSLESS and RESERVED carry nothing; LZ_RGB and GLZ_RGB share `lz_rgb`.
 */
export const Image = struct('Image', {
  descriptor: ImageDescriptor,
  bitmap: when(imageIs(ImageType.BITMAP), BitmapData),
  quic: when(imageIs(ImageType.QUIC), BinaryData),
  lz_rgb: when(imageIs(ImageType.LZ_RGB, ImageType.GLZ_RGB), BinaryData),
  jpeg: when(imageIs(ImageType.JPEG), BinaryData),
  lz4: when(imageIs(ImageType.LZ4), BinaryData),
  lz_plt: when(imageIs(ImageType.LZ_PLT), LZPLTData),
  zlib_glz: when(imageIs(ImageType.ZLIB_GLZ_RGB), ZlibGlzRGBData),
  jpeg_alpha: when(imageIs(ImageType.JPEG_ALPHA), JPEGAlphaData),
  surface: when(imageIs(ImageType.SURFACE), SurfaceImage),
});
export type Image = ReadOf<typeof Image>;
export type ImageInput = WriteOf<typeof Image>;

// ---------------------------------------------------------------- brushes and masks
export const Pattern = struct('Pattern', {pat: nonNull(ptr(Image), 'Pattern image'), pos: Point});

/** u8 type; SOLID adds a u32 colour, PATTERN a Pattern. */
export const Brush = struct('Brush', {
  type: u8,
  color: when(fieldIs('type', BrushType.SOLID), u32),
  pattern: when(fieldIs('type', BrushType.PATTERN), Pattern),
});

/** A 1-bpp mask image (null: no mask) placed at pos; INVERS flag inverts it. */
export const QMask = struct('QMask', {flags: u8, pos: Point, bitmap: ptr(Image)});

// ---------------------------------------------------------------- value types (what the layouts above read)
export type Clip = ReadOf<typeof Clip>;
export type Brush = ReadOf<typeof Brush>;
export type QMask = ReadOf<typeof QMask>;
