/**
 * Random draws compared pixel for pixel with spice-common's own canvas (the code spice-gtk draws with),
 * run through the reference runner in test/display/oracle/. Needs a built runner:
 *   test/display/oracle/build.sh <spice-common checkout> /tmp/canvas-oracle
 *   SPICE_CANVAS_ORACLE=/tmp/canvas-oracle npx vitest run test/display/oracle.test.ts
 * Skipped without it (CI has no spice-common sources).
 */
import {describe, expect, it} from 'vitest';
import {BitmapFmt, SurfaceFmt} from '../../src/client/wire/enums.js';
import * as g from './oracle/generate.js';
import {type Cmd, Rng, runOurs, runReference} from './oracle/scenario.js';
import './oracle/ops.js';

const binary = process.env.SPICE_CANVAS_ORACLE;
const RUNS = Number(process.env.SPICE_CANVAS_ORACLE_RUNS ?? 150);

type Gen = (rng: Rng, cmds: Cmd[], fmt: number) => void;

/** A scenario: surface 0 (random format unless fixed), surface 1 of the same format, a few draws, a dump. */
function scenario(seed: number, gen: Gen, formats: readonly number[]): Cmd[] {
  const rng = new Rng(seed);
  const fmt = rng.pick(formats);
  const cmds: Cmd[] = [g.surfaceCmd(rng, 0, fmt), g.surfaceCmd(rng, 1, fmt, rng.int(5, 40), rng.int(5, 30))];
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) gen(rng, cmds, fmt);
  cmds.push({c: 'dump', id: 0});
  return cmds;
}

function compare(name: string, gen: Gen, formats: readonly number[] = g.FORMATS, runs = RUNS): void {
  let crashed = 0;
  const only = Number(process.env.SPICE_CANVAS_ORACLE_SEED ?? 0);
  for (let seed = only || 1; seed <= (only || runs); seed++) {
    const cmds = scenario(seed * 7919 + name.length, gen, formats);
    let ref: number[][];
    try {
      ref = runReference(binary!, cmds);
    } catch {
      crashed++; // spice-common asserts on some inputs (e.g. mismatched depths); nothing to compare.
      continue;
    }
    const ours = runOurs(cmds);
    for (let d = 0; d < ref.length; d++) {
      const a = ours[d]!;
      const b = ref[d]!;
      const bad = a.findIndex((v, i) => v >>> 0 !== b[i]! >>> 0);
      if (bad >= 0) {
        const fmt = (cmds[0] as {fmt: number}).fmt;
        const draws = cmds
          .filter((c) => c.c !== 'surface' && c.c !== 'dump')
          .map((c) => (c.c === 'image' ? JSON.stringify({...c, def: {...c.def, bytes: undefined}}) : JSON.stringify(c)));
        expect.fail(
          `${name} seed ${seed} fmt ${fmt}: pixel ${bad} (${bad % g.W}, ${Math.floor(bad / g.W)}) ours ${(a[bad]! >>> 0).toString(16)} spice ${(b[bad]! >>> 0).toString(16)}; ${
            a.filter((v, i) => v >>> 0 !== b[i]! >>> 0).length
          } differ\n${draws.join('\n')}`,
        );
      }
    }
  }
  expect(crashed).toBeLessThan(runs);
}

/**
 * An image or a surface source. `self`: whether surface 0 (the destination) may be the source; not for
 * scaling, where pixman's SIMD paths interleave reads and writes of an overlapping row in their own order.
 */
const withImage = (rng: Rng, cmds: Cmd[], slot: number, fmt: number, self = true): number => {
  if (rng.chance(0.25)) {
    cmds.push({c: 'image', slot, def: {kind: 'surface', id: self && rng.chance(0.2) ? 0 : 1}});
    return slot;
  }
  const is32 = fmt === SurfaceFmt['32_xRGB'] || fmt === SurfaceFmt['32_ARGB'];
  const f = rng.pick(is32 ? [BitmapFmt['32BIT'], BitmapFmt.RGBA] : [BitmapFmt['32BIT'], BitmapFmt.RGBA]);
  cmds.push({c: 'image', slot, def: g.bitmap(rng, f, rng.int(1, 45), rng.int(1, 35))});
  return slot;
};

/** A source area inside the image, and a box either the same size or scaled. */
const areaAndBox = (rng: Rng, cmds: Cmd[], slot: number, scaled: boolean) => {
  const def = (cmds.findLast((c) => c.c === 'image' && c.slot === slot) as {def: {kind: string; width?: number; height?: number; id?: number}}).def;
  const surf = def.kind === 'surface' ? (cmds.find((c) => c.c === 'surface' && c.id === def.id) as {w: number; h: number}) : null;
  const iw = surf ? surf.w : def.width!;
  const ih = surf ? surf.h : def.height!;
  const area = g.rect(rng, iw, ih, true);
  const aw = area.right - area.left;
  const ah = area.bottom - area.top;
  const w = scaled ? rng.int(1, 50) : aw;
  const h = scaled ? rng.int(1, 40) : ah;
  const left = rng.int(-5, g.W - 1);
  const top = rng.int(-5, g.H - 1);
  return {area, box: {left, top, right: left + w, bottom: top + h}};
};

/** The ternary ops spice-common's rop3.c has handlers for (it aborts on the others). */
const ROP3_IMPLEMENTED = Array.from({length: 256}, (_, i) => i).filter((i) => {
  // An op is missing when it does not depend on all three operands... except the ones rop3.c lists anyway.
  const dependsOn = (bit: number) => [0, 1, 2, 3, 4, 5, 6, 7].some((k) => ((i >> k) & 1) !== ((i >> (k ^ bit)) & 1));
  return dependsOn(4) && dependsOn(2) && dependsOn(1);
});

describe.skipIf(!binary)('canvas vs spice-common (reference runner)', () => {
  it('FILL: solid, pattern and no brush, every rop, clips and masks', () => {
    compare('fill', (rng, cmds, fmt) => {
      const brush = g.brush(rng, cmds, 10, fmt);
      const mask = g.mask(rng, cmds, 11);
      cmds.push({c: 'draw', op: 302, sid: 0, box: g.rect(rng, g.W, g.H), clip: g.clip(rng), fields: [{brush}, g.ropd(rng), {mask}]});
    });
  });

  it('BLACKNESS, WHITENESS, INVERS', () => {
    compare('bwi', (rng, cmds) => {
      const mask = g.mask(rng, cmds, 11);
      cmds.push({c: 'draw', op: rng.pick([306, 307, 308]), sid: 0, box: g.rect(rng, g.W, g.H), clip: g.clip(rng), fields: [{mask}]});
    });
  });

  it('COPY and BLEND 1:1: images and surfaces, every rop, clips and masks', () => {
    compare('copy', (rng, cmds, fmt) => {
      const slot = withImage(rng, cmds, 12, fmt);
      const {area, box} = areaAndBox(rng, cmds, slot, false);
      const mask = g.mask(rng, cmds, 11);
      cmds.push({c: 'draw', op: rng.pick([304, 305]), sid: 0, box, clip: g.clip(rng), fields: [{img: slot}, {rect: area}, g.ropd(rng), rng.int(0, 1), {mask}]});
    });
  });

  it('COPY scaled: NEAREST and INTERPOLATE, every rop', () => {
    compare('scale', (rng, cmds, fmt) => {
      const slot = withImage(rng, cmds, 12, fmt, false);
      const {area, box} = areaAndBox(rng, cmds, slot, true);
      const mask = g.mask(rng, cmds, 11);
      cmds.push({c: 'draw', op: 304, sid: 0, box, clip: g.clip(rng), fields: [{img: slot}, {rect: area}, rng.chance(0.5) ? 8 : g.ropd(rng), rng.int(0, 1), {mask}]});
    });
  });

  it('OPAQUE: source then brush with the rop', () => {
    compare('opaque', (rng, cmds, fmt) => {
      const slot = withImage(rng, cmds, 12, fmt);
      const {area, box} = areaAndBox(rng, cmds, slot, rng.chance(0.3));
      const brush = g.brush(rng, cmds, 10, fmt);
      const mask = g.mask(rng, cmds, 11);
      cmds.push({c: 'draw', op: 303, sid: 0, box, clip: g.clip(rng), fields: [{img: slot}, {rect: area}, {brush}, g.ropd(rng), rng.int(0, 1), {mask}]});
    });
  });

  it('TRANSPARENT: colour key, 1:1 and scaled', () => {
    compare('transparent', (rng, cmds, fmt) => {
      const slot = withImage(rng, cmds, 12, fmt);
      const {area, box} = areaAndBox(rng, cmds, slot, rng.chance(0.3));
      cmds.push({c: 'draw', op: 312, sid: 0, box, clip: g.clip(rng), fields: [{img: slot}, {rect: area}, rng.u32(), rng.chance(0.5) ? rng.u32() : 0]});
    });
  });

  it('ROP3: the ternary ops spice-common implements, solid and pattern brushes, 1:1 and scaled', () => {
    compare('rop3', (rng, cmds, fmt) => {
      const slot = withImage(rng, cmds, 12, fmt, false);
      const {area, box} = areaAndBox(rng, cmds, slot, rng.chance(0.3));
      const brush = g.brush(rng, cmds, 10, fmt);
      // A pattern origin right of or below the box makes rop3.c read memory before the pattern: keep it left/above.
      if (brush.type === 2) {
        brush.x = Math.min(brush.x!, box.left);
        brush.y = Math.min(brush.y!, box.top);
      }
      const mask = g.mask(rng, cmds, 11);
      const op = rng.pick(ROP3_IMPLEMENTED);
      cmds.push({c: 'draw', op: 309, sid: 0, box, clip: g.clip(rng), fields: [{img: slot}, {rect: area}, {brush}, op, rng.int(0, 1), {mask}]});
    }, g.FORMATS.filter((f) => f !== SurfaceFmt['8_A']));
  });

  it('COPY_BITS: overlapping in every direction, clips', () => {
    compare('copybits', (rng, cmds) => {
      cmds.push({c: 'draw', op: 104, sid: 0, box: g.rect(rng, g.W, g.H), clip: g.clip(rng), fields: [rng.int(-10, g.W + 5), rng.int(-10, g.H + 5)]});
    });
  });
});
