/**
 * Region painters on native pixel values, spice-common's pixman_utils: solid fills, tiled fills and raw
 * blits, each with a binary rop. No format conversion happens here: callers bring sources to the
 * destination's format first.
 */
import {bppOf, getRaw, type Img, setRaw} from './pixel-format.js';
import type {Box, Region} from './region.js';
import {applyRop, Rop, ropCopyRow, ropMasks, ropSolidRow} from './rop.js';

/** Truncates a solid value to the destination's pixel width (pixman_fill / the rop fillers do). */
function nativeValue(dst: Img, v: number): number {
  switch (bppOf(dst.fmt)) {
    case 32:
      return v >>> 0;
    case 16:
      return v & 0xffff;
    case 8:
      return v & 0xff;
    case 1:
      return v & 1;
  }
}

export function fillBoxes(dst: Img, boxes: readonly Box[], value: number, rop: Rop): void {
  const v = nativeValue(dst, value);
  const m = ropMasks(rop);
  for (const b of boxes) {
    if (dst.fmt === 'a1') {
      for (let y = b.y1; y < b.y2; y++) for (let x = b.x1; x < b.x2; x++) setRaw(dst, x, y, applyRop(m, v, getRaw(dst, x, y)) & 1);
      continue;
    }
    for (let y = b.y1; y < b.y2; y++) {
      const row = y * dst.stride;
      if (rop === Rop.COPY) dst.data.fill(v, row + b.x1, row + b.x2);
      else ropSolidRow(m, dst.data, row + b.x1, b.x2 - b.x1, v);
    }
  }
}

export function fillRegion(dst: Img, region: Region, value: number, rop: Rop): void {
  fillBoxes(dst, region.boxes(), value, rop);
}

/** Tiles `tile` (same pixel width as dst) over the region, tile pixel (0,0) at (offsetX, offsetY). */
export function tileRegion(dst: Img, region: Region, tile: Img, offsetX: number, offsetY: number, rop: Rop): void {
  const m = ropMasks(rop);
  const tw = tile.width;
  const th = tile.height;
  for (const b of region.boxes()) {
    let ty = (((b.y1 - offsetY) % th) + th) % th;
    const tx0 = (((b.x1 - offsetX) % tw) + tw) % tw;
    for (let y = b.y1; y < b.y2; y++) {
      let tx = tx0;
      if (dst.fmt === 'a1' || tile.fmt === 'a1') {
        for (let x = b.x1; x < b.x2; x++) {
          setRaw(dst, x, y, applyRop(m, getRaw(tile, tx, ty), getRaw(dst, x, y)) & 1);
          if (++tx === tw) tx = 0;
        }
      } else {
        const row = y * dst.stride;
        const trow = ty * tile.stride;
        const d = dst.data;
        const t = tile.data;
        for (let x = b.x1; x < b.x2; x++) {
          d[row + x] = rop === Rop.COPY ? t[trow + tx]! : applyRop(m, t[trow + tx]!, d[row + x]!);
          if (++tx === tw) tx = 0;
        }
      }
      if (++ty === th) ty = 0;
    }
  }
}

/**
 * spice_pixman_blit(_rop): for each rectangle of the region, copies the source pixels at (x - offsetX,
 * y - offsetY), clipped to the source image (pixels whose source falls outside it are left alone).
 */
export function blitRegion(dst: Img, region: Region, src: Img, offsetX: number, offsetY: number, rop: Rop): void {
  const m = ropMasks(rop);
  for (const b of region.boxes()) {
    let dx = b.x1;
    let dy = b.y1;
    let sx = b.x1 - offsetX;
    let sy = b.y1 - offsetY;
    let w = b.x2 - b.x1;
    let h = b.y2 - b.y1;
    if (sx < 0) {
      w += sx;
      dx -= sx;
      sx = 0;
    }
    if (sy < 0) {
      h += sy;
      dy -= sy;
      sy = 0;
    }
    if (sx + w > src.width) w = src.width - sx;
    if (sy + h > src.height) h = src.height - sy;
    if (w <= 0 || h <= 0) continue;
    if (dst.fmt === 'a1' || src.fmt === 'a1') {
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) setRaw(dst, dx + x, dy + y, applyRop(m, getRaw(src, sx + x, sy + y), getRaw(dst, dx + x, dy + y)) & 1);
      continue;
    }
    for (let y = 0; y < h; y++) {
      const di = (dy + y) * dst.stride + dx;
      const si = (sy + y) * src.stride + sx;
      if (rop === Rop.COPY) dst.data.set(src.data.subarray(si, si + w), di);
      else ropCopyRow(m, dst.data, di, src.data, si, w);
    }
  }
}

/** spice_pixman_blit_colorkey: copies source pixels whose colour differs from the key (RGB only on 32 bits). */
export function colorkeyRegion(dst: Img, region: Region, src: Img, offsetX: number, offsetY: number, key: number): void {
  const bpp = bppOf(dst.fmt);
  const k = bpp === 32 ? key & 0xffffff : bpp === 16 ? key & 0xffff : bpp === 8 ? key & 0xff : key & 1;
  const kmask = bpp === 32 ? 0xffffff : -1;
  for (const b of region.boxes()) {
    let dx = b.x1;
    let dy = b.y1;
    let sx = b.x1 - offsetX;
    let sy = b.y1 - offsetY;
    let w = b.x2 - b.x1;
    let h = b.y2 - b.y1;
    if (sx < 0) {
      w += sx;
      dx -= sx;
      sx = 0;
    }
    if (sy < 0) {
      h += sy;
      dy -= sy;
      sy = 0;
    }
    if (sx + w > src.width) w = src.width - sx;
    if (sy + h > src.height) h = src.height - sy;
    if (w <= 0 || h <= 0) continue;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = getRaw(src, sx + x, sy + y);
        if ((v & kmask) !== k) setRaw(dst, dx + x, dy + y, v);
      }
  }
}
