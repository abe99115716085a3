/** Scenario runners of the ops beyond the GDI basics (registered into scenario.ts's extraOps). */
import * as canvas from '../../../src/client/display/canvas.js';
import {extraOps} from './scenario.js';

extraOps.set(309, (dst, box, clip, r) => {
  const src = r.img();
  const area = r.rect();
  const brush = r.brush();
  canvas.rop3(dst, box, clip, src, area, brush, r.num(), r.num(), r.mask());
});
