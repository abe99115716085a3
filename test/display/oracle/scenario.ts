/**
 * Random draw scenarios run two ways: through the TypeScript canvas and through spice-common's canvas
 * (the reference runner harness.c, built by build.sh), the results compared pixel for pixel. Used by
 * test/display/oracle.test.ts when SPICE_CANVAS_ORACLE names a built runner.
 */
import {execFileSync} from 'node:child_process';
import type {Pixels} from '../../../src/client/codecs/pixels.js';
import * as canvas from '../../../src/client/display/canvas.js';
import {getRaw, setRaw} from '../../../src/client/display/pixel-format.js';
import {createSurface, type Surface} from '../../../src/client/display/surface.js';
import type {Brush, Mask, Rect, Source} from '../../../src/client/display/types.js';
import {BitmapFlags, BitmapFmt} from '../../../src/client/wire/enums.js';

/** A small deterministic generator (xorshift32). */
export class Rng {
  constructor(private s: number) {
    if (!this.s) this.s = 1;
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }
  pick<T>(v: readonly T[]): T {
    return v[this.u32() % v.length]!;
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
}

export interface BitmapDef {
  kind: 'bitmap';
  format: number;
  flags: number;
  width: number;
  height: number;
  stride: number;
  bytes: number[];
}
export type ImageDef = BitmapDef | {kind: 'surface'; id: number};

export interface BrushDef {
  type: 0 | 1 | 2;
  color?: number;
  img?: number;
  x?: number;
  y?: number;
}
export interface MaskDef {
  flags: number;
  x: number;
  y: number;
  img: number;
}

export type Cmd =
  | {c: 'surface'; id: number; w: number; h: number; fmt: number; values: number[]}
  | {c: 'image'; slot: number; def: ImageDef}
  | {c: 'draw'; op: number; sid: number; box: Rect; clip: Rect[] | null; fields: Field[]}
  | {c: 'dump'; id: number};

/** Draw fields, encoded in order for the runner; each knows how the TS side reads it. */
export type Field = number | {rect: Rect} | {brush: BrushDef} | {mask: MaskDef} | {img: number} | {transform: number[]};

function enc(f: Field, out: number[]): void {
  if (typeof f === 'number') out.push(f);
  else if ('rect' in f) out.push(f.rect.left, f.rect.top, f.rect.right, f.rect.bottom);
  else if ('brush' in f) {
    const b = f.brush;
    out.push(b.type);
    if (b.type === 1) out.push(b.color! >>> 0);
    if (b.type === 2) out.push(b.img!, b.x!, b.y!);
  } else if ('mask' in f) out.push(f.mask.flags, f.mask.x, f.mask.y, f.mask.img);
  else if ('img' in f) out.push(f.img);
  else out.push(...f.transform.map((v) => v >>> 0));
}

export function harnessInput(cmds: Cmd[]): string {
  const out: number[] = [];
  for (const c of cmds) {
    switch (c.c) {
      case 'surface':
        out.push(1, c.id, c.w, c.h, c.fmt, ...c.values.map((v) => v >>> 0));
        break;
      case 'image':
        if (c.def.kind === 'bitmap') {
          const d = c.def;
          out.push(2, c.slot, 0, d.format, d.flags, d.width, d.height, d.stride, ...d.bytes);
        } else out.push(2, c.slot, 1, c.def.id);
        break;
      case 'draw': {
        out.push(3, c.op, c.sid, c.box.left, c.box.top, c.box.right, c.box.bottom);
        if (c.clip) {
          out.push(c.clip.length);
          for (const r of c.clip) out.push(r.left, r.top, r.right, r.bottom);
        } else out.push(-1);
        for (const f of c.fields) enc(f, out);
        break;
      }
      case 'dump':
        out.push(4, c.id);
        break;
    }
  }
  return out.join(' ') + '\n';
}

/** Runs the reference; returns one array of native values per dump. */
export function runReference(binary: string, cmds: Cmd[]): number[][] {
  const text = execFileSync(binary, {input: harnessInput(cmds), maxBuffer: 1 << 28}).toString();
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.trim().split(' ').map(Number));
}

function bitmapPixels(d: BitmapDef): Pixels {
  const data = new Uint32Array(d.width * d.height);
  const topDown = (d.flags & BitmapFlags.TOP_DOWN) !== 0;
  const b = d.bytes;
  for (let y = 0; y < d.height; y++) {
    const row = (topDown ? y : d.height - 1 - y) * d.stride;
    for (let x = 0; x < d.width; x++) {
      if (d.format === BitmapFmt['8BIT_A']) data[y * d.width + x] = (b[row + x]! << 24) >>> 0;
      else {
        const i = row + x * 4;
        data[y * d.width + x] = (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
      }
    }
  }
  const format = d.format === BitmapFmt.RGBA ? 'argb' : d.format === BitmapFmt['8BIT_A'] ? 'a8' : 'xrgb';
  return {width: d.width, height: d.height, format, data};
}

/** The source behind an image slot of the scenario being run (for op runners that read slots themselves). */
export let imageOf: (slot: number) => Source = () => {
  throw new Error('no scenario running');
};

/** Runs the scenario on the TS canvas; returns one array of native values per dump. */
export function runOurs(cmds: Cmd[]): number[][] {
  const surfaces = new Map<number, Surface>();
  const images = new Map<number, ImageDef>();
  const dumps: number[][] = [];
  const source = (slot: number): Source => {
    const d = images.get(slot)!;
    if (d.kind === 'surface') return surfaces.get(d.id)!;
    return bitmapPixels(d);
  };
  const maskSource = (slot: number): Source => {
    const d = images.get(slot)!;
    if (d.kind === 'surface') return surfaces.get(d.id)!;
    return canvas.decodeMaskBitmap({format: d.format, flags: d.flags, width: d.width, height: d.height, stride: d.stride, data: Uint8Array.from(d.bytes)});
  };
  imageOf = source;
  for (const c of cmds) {
    switch (c.c) {
      case 'surface': {
        const s = createSurface(c.id, c.w, c.h, c.fmt);
        let i = 0;
        for (let y = 0; y < c.h; y++) for (let x = 0; x < c.w; x++) setRaw(s, x, y, c.values[i++]!);
        surfaces.set(c.id, s);
        break;
      }
      case 'image':
        images.set(c.slot, c.def);
        break;
      case 'dump': {
        const s = surfaces.get(c.id)!;
        const v: number[] = [];
        for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) v.push(getRaw(s, x, y));
        dumps.push(v);
        break;
      }
      case 'draw': {
        const dst = surfaces.get(c.sid)!;
        let k = 0;
        const next = () => c.fields[k++]!;
        const num = () => next() as number;
        const rect = () => (next() as {rect: Rect}).rect;
        const img = () => source((next() as {img: number}).img);
        const brush = (): Brush => {
          const b = (next() as {brush: BrushDef}).brush;
          if (b.type === 1) return {type: 'solid', color: b.color! >>> 0};
          if (b.type === 2) return {type: 'pattern', pixels: source(b.img!), pos: {x: b.x!, y: b.y!}};
          return {type: 'none'};
        };
        const mask = (): Mask | null => {
          const m = (next() as {mask: MaskDef}).mask;
          return m.img < 0 ? null : {pixels: maskSource(m.img), pos: {x: m.x, y: m.y}, invert: (m.flags & 1) !== 0};
        };
        runDraw(c.op, dst, c.box, c.clip, {num, rect, img, brush, mask, next});
        break;
      }
    }
  }
  return dumps;
}

interface Readers {
  num: () => number;
  rect: () => Rect;
  img: () => Source;
  brush: () => Brush;
  mask: () => Mask | null;
  next: () => Field;
}

/** Extra ops register here as they are implemented (op number → runner). */
export const extraOps = new Map<number, (dst: Surface, box: Rect, clip: Rect[] | null, r: Readers) => void>();

function runDraw(op: number, dst: Surface, box: Rect, clip: Rect[] | null, r: Readers): void {
  switch (op) {
    case 302:
      canvas.fill(dst, box, clip, r.brush(), r.num(), r.mask());
      return;
    case 304:
    case 305: {
      const src = r.img();
      const area = r.rect();
      (op === 304 ? canvas.copy : canvas.blend)(dst, box, clip, src, area, r.num(), r.num(), r.mask());
      return;
    }
    case 303: {
      const src = r.img();
      const area = r.rect();
      const brush = r.brush();
      canvas.opaque(dst, box, clip, src, area, brush, r.num(), r.num(), r.mask());
      return;
    }
    case 306:
      canvas.blackness(dst, box, clip, r.mask());
      return;
    case 307:
      canvas.whiteness(dst, box, clip, r.mask());
      return;
    case 308:
      canvas.invers(dst, box, clip, r.mask());
      return;
    case 312: {
      const src = r.img();
      const area = r.rect();
      canvas.transparent(dst, box, clip, src, area, r.num(), r.num());
      return;
    }
    case 104:
      canvas.copyBits(dst, box, clip, {x: r.num(), y: r.num()});
      return;
  }
  const extra = extraOps.get(op);
  if (!extra) throw new Error(`op ${op} not wired in the scenario runner`);
  extra(dst, box, clip, r);
}
