/**
 * Pixel regions in pixman's canonical y-x banded form: horizontal bands sorted top to bottom, each a list
 * of disjoint, non-touching x spans sorted left to right, vertically adjacent bands with equal spans merged.
 * The rectangle order of that form is what spice-gtk walks (COPY_BITS picks its copy order from it), so a
 * region here lists the same rectangles in the same order as pixman_region32_rectangles().
 */
import type {Rect} from './types.js';

/** One band: rows [y1, y2), spans [xs[0], xs[1]), [xs[2], xs[3]), ... */
interface Band {
  y1: number;
  y2: number;
  xs: number[];
}

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export class Region {
  private constructor(private readonly bands: Band[]) {}

  static empty(): Region {
    return new Region([]);
  }

  static rect(x1: number, y1: number, x2: number, y2: number): Region {
    if (x1 >= x2 || y1 >= y2) return Region.empty();
    return new Region([{y1, y2, xs: [x1, x2]}]);
  }

  /** The union of the rectangles; empty ones are ignored (pixman_region32_init_rects). */
  static union(boxes: readonly Box[]): Region {
    const rs = boxes.filter((b) => b.x1 < b.x2 && b.y1 < b.y2);
    if (rs.length === 0) return Region.empty();
    if (rs.length === 1) return Region.rect(rs[0]!.x1, rs[0]!.y1, rs[0]!.x2, rs[0]!.y2);
    const ys = uniqSorted(rs.flatMap((b) => [b.y1, b.y2]));
    const out: Band[] = [];
    for (let i = 0; i + 1 < ys.length; i++) {
      const y1 = ys[i]!;
      const y2 = ys[i + 1]!;
      const spans: Array<[number, number]> = [];
      for (const b of rs) if (b.y1 <= y1 && b.y2 >= y2) spans.push([b.x1, b.x2]);
      spans.sort((a, b) => a[0] - b[0]);
      const xs: number[] = [];
      for (const [a, b] of spans) {
        if (xs.length && a <= xs[xs.length - 1]!) xs[xs.length - 1] = Math.max(xs[xs.length - 1]!, b);
        else xs.push(a, b);
      }
      pushBand(out, y1, y2, xs);
    }
    return new Region(out);
  }

  /** The pixels of row-major data for which `isSet(x, y)` holds, as pixman_region32_init_from_image does for a1. */
  static fromBits(width: number, height: number, isSet: (x: number, y: number) => boolean): Region {
    const out: Band[] = [];
    for (let y = 0; y < height; y++) {
      const xs: number[] = [];
      let x = 0;
      while (x < width) {
        while (x < width && !isSet(x, y)) x++;
        if (x >= width) break;
        const start = x;
        while (x < width && isSet(x, y)) x++;
        xs.push(start, x);
      }
      pushBand(out, y, y + 1, xs);
    }
    return new Region(out);
  }

  get isEmpty(): boolean {
    return this.bands.length === 0;
  }

  /** True for a single rectangle. */
  get isRect(): boolean {
    return this.bands.length === 1 && this.bands[0]!.xs.length === 2;
  }

  extents(): Box | null {
    if (this.bands.length === 0) return null;
    let x1 = Infinity;
    let x2 = -Infinity;
    for (const b of this.bands) {
      x1 = Math.min(x1, b.xs[0]!);
      x2 = Math.max(x2, b.xs[b.xs.length - 1]!);
    }
    return {x1, y1: this.bands[0]!.y1, x2, y2: this.bands[this.bands.length - 1]!.y2};
  }

  /** The rectangles, band by band, left to right (pixman order). */
  boxes(): Box[] {
    const out: Box[] = [];
    for (const b of this.bands) for (let i = 0; i < b.xs.length; i += 2) out.push({x1: b.xs[i]!, y1: b.y1, x2: b.xs[i + 1]!, y2: b.y2});
    return out;
  }

  rects(): Rect[] {
    return this.boxes().map((b) => ({top: b.y1, left: b.x1, bottom: b.y2, right: b.x2}));
  }

  translate(dx: number, dy: number): Region {
    if (dx === 0 && dy === 0) return this;
    return new Region(this.bands.map((b) => ({y1: b.y1 + dy, y2: b.y2 + dy, xs: b.xs.map((x) => x + dx)})));
  }

  intersect(other: Region): Region {
    return combine(this, other, 'and');
  }

  intersectRect(x1: number, y1: number, x2: number, y2: number): Region {
    if (this.isRect) {
      const b = this.bands[0]!;
      return Region.rect(Math.max(b.xs[0]!, x1), Math.max(b.y1, y1), Math.min(b.xs[1]!, x2), Math.min(b.y2, y2));
    }
    return combine(this, Region.rect(x1, y1, x2, y2), 'and');
  }

  subtract(other: Region): Region {
    return combine(this, other, 'sub');
  }

  /** Whether pixel (x, y) is in the region. */
  contains(x: number, y: number): boolean {
    for (const b of this.bands) {
      if (y < b.y1) return false;
      if (y >= b.y2) continue;
      for (let i = 0; i < b.xs.length; i += 2) if (x >= b.xs[i]! && x < b.xs[i + 1]!) return true;
      return false;
    }
    return false;
  }

  /** @internal */
  static bandsOf(r: Region): readonly Band[] {
    return r.bands;
  }
  /** @internal */
  static ofBands(bands: Band[]): Region {
    return new Region(bands);
  }
}

function uniqSorted(v: number[]): number[] {
  v.sort((a, b) => a - b);
  const out: number[] = [];
  for (const x of v) if (out.length === 0 || out[out.length - 1] !== x) out.push(x);
  return out;
}

/** Appends a band, merging it into the previous one when contiguous with equal spans. */
function pushBand(out: Band[], y1: number, y2: number, xs: number[]): void {
  if (xs.length === 0) return;
  const prev = out[out.length - 1];
  if (prev && prev.y2 === y1 && sameSpans(prev.xs, xs)) {
    prev.y2 = y2;
    return;
  }
  out.push({y1, y2, xs});
}

function sameSpans(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Walks bands top to bottom: spans(y) for increasing y in O(1) amortised. */
function cursor(bands: readonly Band[]): (y: number) => number[] {
  let i = 0;
  return (y) => {
    while (i < bands.length && bands[i]!.y2 <= y) i++;
    const b = bands[i];
    return b && y >= b.y1 ? b.xs : [];
  };
}

function combineSpans(a: number[], b: number[], op: 'and' | 'sub'): number[] {
  const out: number[] = [];
  if (op === 'and') {
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const lo = Math.max(a[i]!, b[j]!);
      const hi = Math.min(a[i + 1]!, b[j + 1]!);
      if (lo < hi) out.push(lo, hi);
      if (a[i + 1]! < b[j + 1]!) i += 2;
      else j += 2;
    }
    return out;
  }
  // a minus b
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let lo = a[i]!;
    const hi = a[i + 1]!;
    while (j < b.length && b[j + 1]! <= lo) j += 2;
    let k = j;
    while (k < b.length && b[k]! < hi) {
      if (b[k]! > lo) out.push(lo, b[k]!);
      lo = Math.max(lo, b[k + 1]!);
      k += 2;
    }
    if (lo < hi) out.push(lo, hi);
  }
  return out;
}

function combine(a: Region, b: Region, op: 'and' | 'sub'): Region {
  const ab = Region.bandsOf(a);
  const bb = Region.bandsOf(b);
  if (ab.length === 0) return a;
  if (bb.length === 0) return op === 'and' ? b : a;
  const ys = uniqSorted([...ab.flatMap((x) => [x.y1, x.y2]), ...bb.flatMap((x) => [x.y1, x.y2])]);
  const out: Band[] = [];
  const at = cursor(ab);
  const bt = cursor(bb);
  for (let i = 0; i + 1 < ys.length; i++) {
    const y1 = ys[i]!;
    const sa = at(y1);
    const sb = bt(y1);
    if (sa.length === 0) continue;
    pushBand(out, y1, ys[i + 1]!, combineSpans(sa, sb, op));
  }
  return Region.ofBands(out);
}
