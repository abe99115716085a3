/** Draws a cursor shape over an exported RGB image (straight alpha "over"), clipped to the image. */
import type {CursorShape} from '../codecs/cursor.js';

export interface RgbTarget {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/**
 * Composites `shape` with its top-left at (left, top) in image coordinates (the cursor position minus the
 * hot spot minus the image's origin). Returns the number of pixels whose value changed.
 */
export function compositeCursor(img: RgbTarget, shape: CursorShape, left: number, top: number): number {
  let changed = 0;
  const x0 = Math.max(0, left);
  const y0 = Math.max(0, top);
  const x1 = Math.min(img.width, left + shape.width);
  const y1 = Math.min(img.height, top + shape.height);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const s = ((y - top) * shape.width + (x - left)) * 4;
      const a = shape.rgba[s + 3]!;
      if (a === 0) continue;
      const d = (y * img.width + x) * 3;
      let diff = false;
      for (let c = 0; c < 3; c++) {
        const v = Math.round((shape.rgba[s + c]! * a + img.rgb[d + c]! * (255 - a)) / 255);
        if (v !== img.rgb[d + c]) diff = true;
        img.rgb[d + c] = v;
      }
      if (diff) changed++;
    }
  }
  return changed;
}
