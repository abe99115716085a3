/** Scenario runners of the ops beyond the GDI basics (registered into scenario.ts's extraOps). */
import * as canvas from '../../../src/client/display/canvas.js';
import {extraOps, imageOf} from './scenario.js';

extraOps.set(309, (dst, box, clip, r) => {
  const src = r.img();
  const area = r.rect();
  const brush = r.brush();
  canvas.rop3(dst, box, clip, src, area, brush, r.num(), r.num(), r.mask());
});

extraOps.set(313, (dst, box, clip, r) => {
  const flags = r.num();
  const alpha = r.num();
  const src = r.img();
  canvas.alphaBlend(dst, box, clip, src, r.rect(), alpha, flags);
});

extraOps.set(318, (dst, box, clip, r) => {
  const flags = r.num();
  const src = r.img();
  const maskField = r.next() as {img: number};
  const mask = maskField.img >= 0 ? imageOf(maskField.img) : null;
  const t = () => {
    const v = (r.next() as {transform: number[]}).transform;
    return {t00: v[0]!, t01: v[1]!, t02: v[2]!, t10: v[3]!, t11: v[4]!, t12: v[5]!};
  };
  const srcTransform = t();
  const maskTransform = t();
  const srcOrigin = {x: r.num(), y: r.num()};
  const maskOrigin = {x: r.num(), y: r.num()};
  canvas.composite(dst, box, clip, {flags, src, mask, srcTransform, maskTransform, srcOrigin, maskOrigin});
});

extraOps.set(311, (dst, box, clip, r) => {
  const n = r.num();
  const flags = r.num();
  const glyphs = [];
  for (let i = 0; i < n; i++) {
    const render_pos = {x: r.num(), y: r.num()};
    const glyph_origin = {x: r.num(), y: r.num()};
    const width = r.num();
    const height = r.num();
    const bytes = Array.from({length: r.num()}, () => r.num());
    glyphs.push({render_pos, glyph_origin, width, height, data: Uint8Array.from(bytes)});
  }
  const back = r.rect();
  const fore = r.brush();
  const backBrush = r.brush();
  canvas.text(dst, box, clip, {flags, glyphs}, back, fore, backBrush, r.num(), r.num());
});

extraOps.set(310, (dst, box, clip, r) => {
  const nseg = r.num();
  const segments = [];
  for (let i = 0; i < nseg; i++) {
    const flags = r.num();
    const points = Array.from({length: r.num()}, () => ({x: r.num(), y: r.num()}));
    segments.push({flags, points});
  }
  const flags = r.num();
  const style = Array.from({length: r.num()}, () => r.num());
  const brush = r.brush();
  canvas.stroke(dst, box, clip, {segments}, {flags, style}, brush, r.num(), r.num());
});
