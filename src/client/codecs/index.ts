/**
 * The codec registry: SpiceImage type → decoder. FROM_CACHE, FROM_CACHE_LOSSLESS and SURFACE are not
 * codecs (the display layer resolves them); everything else decodes here to Pixels.
 */
import {BitmapFlags, ImageType, JpegAlphaFlags} from '../wire/enums.js';
import type {Image} from '../wire/messages/image.js';
import {decodeBitmap} from './bitmap.js';
import type {GlzWindow} from './glz-window.js';
import {decodeGlz} from './glz.js';
import {decodeJpeg} from './jpeg.js';
import {decodeLz, decodeLzAlphaInto} from './lz.js';
import {decodeLz4} from './lz4.js';
import {corrupt, type Pixels} from './pixels.js';
import {decodeQuic} from './quic.js';
import {decodeZlibGlz} from './zlib-glz.js';

type PaletteRef = {flags: number; palette_id?: bigint; palette?: {unique: bigint; ents: number[]} | null};

export interface CodecContext {
  /** The session's GLZ dictionary, shared by every display channel. */
  glz: GlzWindow;
  /** Resolves a palette: from the cache (PAL_FROM_CACHE) or the one in the message (stored when PAL_CACHE_ME). */
  palette(ref: PaletteRef): Uint32Array | null;
}

export async function decodeImage(image: Image, ctx: CodecContext): Promise<Pixels> {
  const d = image.descriptor;
  let out: Pixels;
  switch (d.type) {
    case ImageType.BITMAP: {
      const b = image.bitmap!;
      out = decodeBitmap({format: b.format, flags: b.flags, width: b.x, height: b.y, stride: b.stride, data: b.data, palette: ctx.palette(b)});
      break;
    }
    case ImageType.QUIC:
      out = decodeQuic(image.quic!.data);
      break;
    case ImageType.LZ_RGB:
      out = decodeLz(image.lz_rgb!.data);
      break;
    case ImageType.LZ_PLT: {
      const p = image.lz_plt!;
      out = decodeLz(p.data, {palette: ctx.palette(p) ?? undefined});
      break;
    }
    case ImageType.GLZ_RGB:
      out = await decodeGlz(image.lz_rgb!.data, ctx.glz);
      break;
    case ImageType.ZLIB_GLZ_RGB:
      out = await decodeZlibGlz(image.zlib_glz!.data, image.zlib_glz!.glz_data_size, ctx.glz);
      break;
    case ImageType.LZ4:
      out = decodeLz4(image.lz4!.data, d.width, d.height);
      break;
    case ImageType.JPEG:
      out = await decodeJpeg(image.jpeg!.data);
      break;
    case ImageType.JPEG_ALPHA: {
      const j = image.jpeg_alpha!;
      if (j.jpeg_size > j.data.length) throw corrupt('JPEG_ALPHA', `jpeg_size ${j.jpeg_size} is past the data (${j.data.length} bytes)`);
      out = await decodeJpeg(j.data.subarray(0, j.jpeg_size));
      out.format = 'argb';
      decodeLzAlphaInto(j.data.subarray(j.jpeg_size), out, (j.flags & JpegAlphaFlags.TOP_DOWN) !== 0);
      break;
    }
    default:
      throw corrupt('image', `image type ${d.type} has no decoder`);
  }
  if (out.width !== d.width || out.height !== d.height) {
    throw corrupt('image', `decoded ${out.width}x${out.height}, the descriptor says ${d.width}x${d.height}`);
  }
  return out;
}

export {BitmapFlags};
