/** Brushes (spice-gtk's draw_brush): a solid colour, a tiled pattern or nothing, painted with a binary rop. */
import {fillRegion, tileRegion} from './paint.js';
import type {Region} from './region.js';
import type {Rop} from './rop.js';
import {sourceImg} from './source.js';
import type {Surface} from './surface.js';
import type {Brush} from './types.js';

export function drawBrush(dst: Surface, region: Region, brush: Brush, rop: Rop): void {
  if (region.isEmpty) return;
  switch (brush.type) {
    case 'solid':
      fillRegion(dst, region, brush.color, rop);
      return;
    case 'pattern': {
      const tile = sourceImg(brush.pixels, dst);
      tileRegion(dst, region, tile, brush.pos.x, brush.pos.y, rop);
      return;
    }
    case 'none':
      // Still a rop of the destination (e.g. INVERT) with a zero source.
      fillRegion(dst, region, 0, rop);
      return;
  }
}
