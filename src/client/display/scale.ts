/**
 * Scaled blits (spice-gtk's scale_image / scale_image_rop): the source area is mapped onto the destination
 * box by a pixman scale transform (16.16 factors truncated: src_size * 65536 / dest_size), sampled with
 * NEAREST or BILINEAR (INTERPOLATE; pixman's GOOD filter is bilinear), repeat NONE (samples outside the
 * source image are transparent black) and stored with pixman's SRC operator.
 */
import {ImageScaleMode} from '../wire/enums.js';
import {allocImg, fromArgb, type Img, setRaw} from './pixel-format.js';
import {blitRegion} from './paint.js';
import type {Region} from './region.js';
import {Rop} from './rop.js';
import {fetchRow, Filter, Repeat, type SourcePicture} from './sample.js';

export interface ScaleGeometry {
  srcX: number;
  srcY: number;
  srcW: number;
  srcH: number;
  dstX: number;
  dstY: number;
  dstW: number;
  dstH: number;
}

/** `dstFmt`: the format the samples are stored in (x8r8g8b8 to x8r8g8b8 samples raw values). */
export function scalePicture(src: Img, g: ScaleGeometry, scaleMode: number, dstFmt: Img['fmt']): SourcePicture {
  const fsx = Math.floor((g.srcW * 65536) / g.dstW) | 0;
  const fsy = Math.floor((g.srcH * 65536) / g.dstH) | 0;
  return {
    img: src,
    transform: [fsx, 0, (g.srcX * 65536) | 0, 0, fsy, (g.srcY * 65536) | 0],
    filter: scaleMode === ImageScaleMode.NEAREST ? Filter.NEAREST : Filter.BILINEAR,
    repeat: Repeat.NONE,
    raw: src.fmt === 'x8r8g8b8' && dstFmt === 'x8r8g8b8',
  };
}

/** pixman_image_composite32(SRC, picture, NULL, dst) over the region, picture origin at (originX, originY) of dst. */
export function compositeSrcRegion(dst: Img, region: Region, pic: SourcePicture, originX: number, originY: number): void {
  let row = new Uint32Array(0);
  for (const b of region.boxes()) {
    const w = b.x2 - b.x1;
    if (row.length < w) row = new Uint32Array(w);
    for (let y = b.y1; y < b.y2; y++) {
      fetchRow(pic, b.x1 - originX, y - originY, w, row);
      if (dst.fmt === 'a8r8g8b8' || dst.fmt === 'x8r8g8b8') {
        dst.data.set(row.subarray(0, w), y * dst.stride + b.x1);
      } else {
        for (let i = 0; i < w; i++) setRaw(dst, b.x1 + i, y, fromArgb(dst.fmt, row[i]!));
      }
    }
  }
}

/** Draws src's area scaled onto the box, inside `region`, with a binary rop. */
export function scaleRegion(dst: Img, region: Region, src: Img, g: ScaleGeometry, scaleMode: number, rop: Rop): void {
  if (rop === Rop.COPY) {
    const pic = scalePicture(src, g, scaleMode, dst.fmt);
    compositeSrcRegion(dst, region, pic, g.dstX, g.dstY);
    return;
  }
  // spice-gtk scales into a temporary image of the source's format (the box's size; here only the part
  // the region needs), then blits it with the rop.
  const pic = scalePicture(src, g, scaleMode, src.fmt);
  const ext = region.extents();
  if (!ext) return;
  const scaled = allocImg(src.fmt, ext.x2 - ext.x1, ext.y2 - ext.y1);
  compositeSrcRegion(scaled, region.translate(-ext.x1, -ext.y1), pic, g.dstX - ext.x1, g.dstY - ext.y1);
  blitRegion(dst, region, scaled, ext.x1, ext.y1, rop);
}
