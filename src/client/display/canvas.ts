/**
 * The software canvas: every draw of the display channel, pixel-exact with spice-gtk's (spice-common
 * canvas_base.c + sw_canvas.c on pixman). See README.md for the API and what is exact.
 */
export {copy, blend, opaque, transparent} from './copy.js';
export {alphaBlend} from './alpha-blend.js';
export {composite, type CompositeInput, type WireTransform} from './composite.js';
export {copyBits} from './copy-bits.js';
export {stroke, type LineAttr, type Path} from './stroke.js';
export {text, type Glyph, type GlyphString} from './text.js';
export {rop3} from './rop3.js';
export {fill, blackness, whiteness, invers} from './fill.js';
export {decodeMaskBitmap} from './mask.js';
export {createSurface, Surface, surfaceToRgba, type SurfaceFormat} from './surface.js';
export type {Brush, Mask, Point, Rect, Source} from './types.js';
