/**
 * pixman's source fetching for transformed images: 16.16 fixed-point affine transforms applied to pixel
 * centres (pixman_transform_point_3d), NEAREST and BILINEAR filters (7-bit weights, pixman's default
 * BILINEAR_INTERPOLATION_BITS) and the four repeat modes. Output is a8r8g8b8.
 */
import {fetchArgb, type Img} from './pixel-format.js';

/** pixman_filter_t values (also the COMPOSITE flag fields). */
export const Filter = {FAST: 0, GOOD: 1, BEST: 2, NEAREST: 3, BILINEAR: 4, CONVOLUTION: 5, SEPARABLE_CONVOLUTION: 6} as const;
/** pixman_repeat_t values. */
export const Repeat = {NONE: 0, NORMAL: 1, PAD: 2, REFLECT: 3} as const;

/** [m00, m01, m02, m10, m11, m12] in 16.16 fixed point (the third row is 0 0 1). */
export type Transform = readonly [number, number, number, number, number, number];

/** The sampling settings of a pixman image (pixman's defaults: no transform, NEAREST, repeat NONE). */
export interface PictureState {
  transform: Transform | null;
  filter: number;
  repeat: number;
}

/** pixman_image_set_transform: an identity transform is stored as none. */
export function setTransform(state: PictureState, t: Transform | null): void {
  state.transform = t && !(t[0] === 0x10000 && t[1] === 0 && t[2] === 0 && t[3] === 0 && t[4] === 0x10000 && t[5] === 0) ? t : null;
}

export interface SourcePicture {
  img: Img;
  transform: Transform | null;
  filter: number;
  repeat: number;
  /**
   * Sample the 32-bit values as they are, x byte included, instead of reading x8r8g8b8 as opaque: what
   * pixman's fast paths do for x8r8g8b8 to x8r8g8b8 SRC scaling (the x byte is carried like a channel).
   */
  raw?: boolean;
  /** A pixman solid-fill picture of this a8r8g8b8 value (img is then ignored). */
  solid?: number;
}

/** repeat(): false when a NONE coordinate falls outside. */
function wrap(mode: number, c: number, size: number): number {
  switch (mode) {
    case Repeat.NORMAL:
      c %= size;
      return c < 0 ? c + size : c;
    case Repeat.PAD:
      return c < 0 ? 0 : c >= size ? size - 1 : c;
    case Repeat.REFLECT: {
      c %= size * 2;
      if (c < 0) c += size * 2;
      return c >= size ? size * 2 - c - 1 : c;
    }
    default:
      return c;
  }
}

function pixelAt(p: SourcePicture, x: number, y: number): number {
  const {img} = p;
  if (p.repeat === Repeat.NONE) {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return 0;
  } else {
    x = wrap(p.repeat, x, img.width);
    y = wrap(p.repeat, y, img.height);
  }
  return p.raw ? img.data[y * img.stride + x]! : fetchArgb(img, x, y);
}

/** pixman's bilinear_interpolation with 8-bit weights (7-bit weights shifted left once). */
export function bilinear(tl: number, tr: number, bl: number, br: number, distx: number, disty: number): number {
  distx <<= 1;
  disty <<= 1;
  const wxy = distx * disty;
  const wxiy = distx * (256 - disty);
  const wixy = (256 - distx) * disty;
  const wixiy = (256 - distx) * (256 - disty);
  const a = ((tl >>> 24) * wixiy + (tr >>> 24) * wxiy + (bl >>> 24) * wixy + (br >>> 24) * wxy) >>> 16;
  const r = (((tl >>> 16) & 0xff) * wixiy + ((tr >>> 16) & 0xff) * wxiy + ((bl >>> 16) & 0xff) * wixy + ((br >>> 16) & 0xff) * wxy) >>> 16;
  const g = (((tl >>> 8) & 0xff) * wixiy + ((tr >>> 8) & 0xff) * wxiy + ((bl >>> 8) & 0xff) * wixy + ((br >>> 8) & 0xff) * wxy) >>> 16;
  const b = ((tl & 0xff) * wixiy + (tr & 0xff) * wxiy + (bl & 0xff) * wixy + (br & 0xff) * wxy) >>> 16;
  return ((a << 24) | (r << 16) | (g << 8) | b) >>> 0;
}

/** Floor division by 65536 of a (possibly negative, possibly > 2^31) integer. */
const fixedFloor = (v: number) => Math.floor(v / 65536);

/**
 * Fetches `width` pixels of row `y` starting at column `x` (in the picture's untransformed destination
 * space, i.e. the composite's source coordinates) into out[0..width).
 */
export function fetchRow(p: SourcePicture, x: number, y: number, width: number, out: Uint32Array): void {
  const {img} = p;
  if (p.solid !== undefined) {
    out.fill(p.solid, 0, width);
    return;
  }
  if (!p.transform) {
    if (p.repeat === Repeat.NONE && y >= 0 && y < img.height && x >= 0 && x + width <= img.width) {
      const row = y * img.stride + x;
      if (img.fmt === 'a8r8g8b8' || (p.raw && img.fmt === 'x8r8g8b8')) {
        out.set((img.data as Uint32Array).subarray(row, row + width));
        return;
      }
      if (img.fmt === 'x8r8g8b8') {
        const d = img.data;
        for (let i = 0; i < width; i++) out[i] = (d[row + i]! | 0xff000000) >>> 0;
        return;
      }
    }
    for (let i = 0; i < width; i++) out[i] = pixelAt(p, x + i, y);
    return;
  }
  const [m00, m01, m02, m10, m11, m12] = p.transform;
  // pixman_transform_point_3d of the pixel centre (x + 0.5, y + 0.5, 1): integer parts exactly, the
  // halves' products rounded once.
  let vx = m00 * x + m01 * y + m02 + fixedFloor(m00 * 0x8000 + m01 * 0x8000 + 0x8000);
  let vy = m10 * x + m11 * y + m12 + fixedFloor(m10 * 0x8000 + m11 * 0x8000 + 0x8000);
  vx |= 0;
  vy |= 0;
  const nearest = p.filter === Filter.NEAREST || p.filter === Filter.FAST || p.filter >= Filter.CONVOLUTION;
  if ((img.fmt === 'a8r8g8b8' || img.fmt === 'x8r8g8b8') && p.repeat === Repeat.NONE) {
    // 32-bit pixels, repeat NONE: the same sampling, inlined.
    const d = img.data;
    const w = img.width;
    const h = img.height;
    const st = img.stride;
    const force = img.fmt === 'x8r8g8b8' && !p.raw ? 0xff000000 : 0;
    const at = (px: number, py: number) => (px < 0 || py < 0 || px >= w || py >= h ? 0 : (d[py * st + px]! | force) >>> 0);
    for (let i = 0; i < width; i++) {
      if (nearest) out[i] = at((vx - 1) >> 16, (vy - 1) >> 16);
      else {
        const x1 = (vx - 0x8000) | 0;
        const y1 = (vy - 0x8000) | 0;
        const ix = x1 >> 16;
        const iy = y1 >> 16;
        out[i] = bilinear(at(ix, iy), at(ix + 1, iy), at(ix, iy + 1), at(ix + 1, iy + 1), (x1 >> 9) & 0x7f, (y1 >> 9) & 0x7f);
      }
      vx = (vx + m00) | 0;
      vy = (vy + m10) | 0;
    }
    return;
  }
  for (let i = 0; i < width; i++) {
    if (nearest) {
      out[i] = pixelAt(p, (vx - 1) >> 16, (vy - 1) >> 16);
    } else {
      const x1 = (vx - 0x8000) | 0;
      const y1 = (vy - 0x8000) | 0;
      const distx = (x1 >> 9) & 0x7f;
      const disty = (y1 >> 9) & 0x7f;
      const ix = x1 >> 16;
      const iy = y1 >> 16;
      out[i] = bilinear(pixelAt(p, ix, iy), pixelAt(p, ix + 1, iy), pixelAt(p, ix, iy + 1), pixelAt(p, ix + 1, iy + 1), distx, disty);
    }
    vx = (vx + m00) | 0;
    vy = (vy + m10) | 0;
  }
}
