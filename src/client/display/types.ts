/**
 * Shared types of the software canvas: rectangles in the wire's field names, brushes, masks and the
 * sources a draw reads from. Everything here is a decoded piece of a display message: the display channel
 * resolves images (decoders, caches, SURFACE references) before it calls a draw.
 */
import type {Pixels} from '../codecs/pixels.js';
import type {Surface} from './surface.js';

/** A rectangle as on the wire (spice.proto `Rect`): right and bottom are exclusive. */
export interface Rect {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export interface Point {
  x: number;
  y: number;
}

/** A draw's source: a decoded image, or a surface (SURFACE image, read in its native format). */
export type Source = Pixels | Surface;

/**
 * A resolved brush. A solid colour is in the destination surface's native pixel format, as the server
 * sends it (0xAARRGGBB for 32-bit surfaces, the 16-bit value for 16-bit ones, the alpha byte for A8).
 * A pattern tiles its image (converted to the destination's format) with image pixel (0,0) at `pos`.
 */
export type Brush =
  | {type: 'none'}
  | {type: 'solid'; color: number}
  | {type: 'pattern'; pixels: Source; pos: Point};

/**
 * A resolved QMask: `pixels` is the 1-bit mask, a pixel being "set" when its alpha byte is non-zero (use
 * decodeMaskBitmap() for a 1BIT_LE/1BIT_BE bitmap) or an A1 surface. Mask pixel (0,0) lies on the draw's
 * box.left/top offset by -pos (spice-gtk: mask pixel (mx,my) covers (box.left + mx - pos.x, box.top + my -
 * pos.y)). Only set pixels inside the mask image are drawn, or, with `invert`, only unset pixels inside it.
 */
export interface Mask {
  pixels: Source;
  pos: Point;
  invert: boolean;
}
