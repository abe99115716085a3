/**
 * SPICE QUIC (SpiceImage type QUIC): the lossless, SFALIC-derived image codec. Written from the format
 * facts of spice-common's quic.c / quic_tmpl.c / quic_family_tmpl.c and canvas_base.c (no code taken from
 * them); the output is bit for bit what spice-gtk's canvas decodes.
 *
 * Stream: little-endian u32 words read as one bit string, most significant bit of each word first. A
 * header of five words (magic "QUIC", version 0, type, width, height), then the image row by row, top row
 * first. Types: GRAY 1 (one 8-bit plane), RGB16 2 (three 5-bit planes, x1r5g5b5), RGB24 3 and RGB32 4
 * (three 8-bit planes; identical streams), RGBA 5 (the three RGB planes, then an 8-bit alpha plane,
 * interleaved row by row).
 *
 * Per plane and pixel the decoder predicts the sample (row 0: the left neighbour, the first pixel of a row
 * is 0 on row 0 and the pixel above elsewhere; other pixels: the floor of the mean of left and above),
 * reads a folded residual (0, -1, 1, -2, ...) coded with one of `bpc` Golomb-Rice codes whose length is
 * capped at 26 bits by an escape, and adds it modulo 2^bpc. The code is the best one so far of a context
 * bucket picked by the previous pixel's folded residual in the same plane (buckets of 1, 2, 4, ...
 * values); each bucket keeps per-code running lengths, updated only at pseudo-random pixels (a fixed
 * 256-entry table masked by a "wait mask" that widens every 2048 pixels, up to 63) and halved past a
 * threshold. Where the row above holds two equal pixels and the two pixels to the left are equal, a run
 * of copies of the left pixel is MELCODE-coded (an adaptive 32-state run-length code). The RGB planes of
 * an image share one adaptive state (wait mask, run code), but each has its own buckets; the alpha
 * (and gray) plane has its own state.
 *
 * Details that the output depends on, all reproduced here:
 * - the previous-residual context of a pixel that follows a run is whatever that column held when last
 *   coded (a run does not overwrite it); a row's "left of pixel 0" context is the previous row's first
 *   residual (0 on row 0);
 * - a run never crosses the 2048-pixel segment boundaries where the wait mask changes;
 * - escaped residuals are truncated to a byte, contexts are used modulo 2^bpc.
 *
 * Output, as spice-gtk's canvas (canvas_get_quic) makes it: RGB32, RGB24 → 'xrgb' with the top byte 0
 * (quic.c clears the pad byte, and the canvas uses a pixman x8r8g8b8 image); RGBA → 'argb', the alpha
 * plane as decoded, nothing premultiplied or fixed up (the canvas takes the bytes as a8r8g8b8; note that
 * Xspice's RGBA images of xterm text come with alpha 0 under visible colour);
 * RGB16 → 'xrgb', each 5-bit sample v widened to (v << 3) | (v >> 2) as quic.c's RGB16-to-RGB32 path does
 * on 32-bit canvases (the same widening pixman applies to x1r5g5b5 on 16-bit ones). GRAY: quic.c decodes
 * it, but spice-gtk's canvas refuses it (spice-server never sends it); we return 'xrgb' grey
 * (0x00vvvvvv).
 *
 * Bad input: like quic.c, running out of data anywhere is an error (the reader supplies zeros past the
 * end and the overrun is detected after each row, so at most one row is decoded from padding); a run
 * longer than the rest of its segment is an error; trailing data is ignored (a stream's last 1-3 bytes
 * that do not make a whole word are never read). The image size in the header is checked before
 * anything is allocated; the caller compares it with the SpiceImage descriptor, as the canvas does.
 */
import {checkDimensions, corrupt, type PixelFormat, type Pixels} from './pixels.js';
import {
  CHAOS,
  EXPAND_5,
  type Family,
  FAMILY_5,
  FAMILY_8,
  LOW_MASK,
  MELC_LEN,
  MELC_STATES,
  QUIC_MAGIC,
  QUIC_VERSION,
  QuicType,
  WM_TRIGGER,
  WMI_MAX,
  WMI_NEXT,
} from './quic-tables.js';

export {QuicType} from './quic-tables.js';

const QUIC = 'QUIC';
/** Header words (the 32-bit look-ahead window then needs one more before any image data is read). */
const HEADER_WORDS = 5;

export interface QuicHeader {
  type: QuicType;
  width: number;
  height: number;
}

/** The bit string: a 32-bit window on it (`word`), the word being consumed and how many of its bits are left. */
class BitReader {
  word = 0;
  next = 0;
  avail = 0;
  /** Index of the next word to load; past `nw` the reader yields zeros and the stream has overrun. */
  wp = 0;
  constructor(
    readonly words: Int32Array,
    readonly nw: number,
  ) {
    this.word = this.next = nw > 0 ? words[0]! : 0;
    this.wp = 1;
  }

  get overrun(): boolean {
    return this.wp > this.nw;
  }
}

/** Drops `len` (1..31) bits from the window. */
function eat(rd: BitReader, len: number): void {
  const avail = rd.avail;
  if (avail >= len) {
    rd.avail = avail - len;
    rd.word = (rd.word << len) | (rd.next >>> rd.avail);
  } else {
    const d = len - avail;
    const w = (rd.word << len) | (rd.next << d);
    const next = rd.wp < rd.nw ? rd.words[rd.wp]! : 0;
    rd.wp++;
    rd.next = next;
    rd.avail = 32 - d;
    rd.word = w | (next >>> rd.avail);
  }
}

function eat32(rd: BitReader): void {
  eat(rd, 16);
  eat(rd, 16);
}

/** The adaptive state a set of planes shares: model-update schedule and run-length code. */
class CodingState {
  waitcnt = 0;
  seed = 0xff;
  wmidx = 0;
  wmileft = WMI_NEXT;
  trigger: number = WM_TRIGGER[0]!;
  melcstate = 0;
  melclen: number = MELC_LEN[0]!;
  melcorder = 1;
}

/**
 * The models of a set of planes (the three RGB planes, or one): per plane and bucket, the running
 * code-length totals of the codes and the best code; and the row of residuals. The totals never reach
 * 2^16 (each update adds at most 26 to each, and they are halved as soon as the smallest passes a trigger
 * of at most 900: they stay below 2 x 26 x 902), so they are kept two to an int32 (code 2j in the low
 * half, 2j + 1 in the high half) and updated pairwise.
 */
class Model {
  /** Plane p, bucket b: words p * 32 + b * 4 .. + 3 (room for the 8 buckets of the 8-bit family). */
  readonly counters = new Int32Array(3 * 32);
  /** Plane p, bucket b: p * 8 + b. */
  readonly best = new Uint8Array(3 * 8);
  /**
   * Folded residuals of the current row, one byte per plane (plane p in bits 8p..8p+7), shifted by one:
   * corr[x + 1] is column x, corr[0] the row's left context.
   */
  corr = new Int32Array(0);

  /** Starts a new image. Row 0 writes every column of `corr` before any is read, so it is not cleared. */
  reset(fam: Family, width: number): this {
    this.counters.fill(0);
    this.best.fill(fam.bpc - 1);
    if (this.corr.length < width + 1) this.corr = new Int32Array(width + 1);
    return this;
  }
}

/**
 * Models and row buffers are reused from one image to the next (decoding is synchronous, so only one
 * image uses them at a time): allocating them costs more than decoding a small image.
 */
const RGB_MODEL = new Model();
const PLANE_MODEL = new Model();
let rowA = new Uint8Array(0);
let rowB = new Uint8Array(0);

const BUCKET_OF_8 = FAMILY_8.bucketOf;
const LEN_PAIRS_8 = FAMILY_8.lenPairs;

/**
 * The model update after coding value `v` with context `ctx` in plane p (co = p * 32, bo = p * 8): adds
 * the length `v` would have had in each code to the totals of ctx's bucket and makes the smallest total's
 * code the bucket's best (on a tie the higher code); halves the totals once the smallest passes the
 * trigger. 8-bit family, unrolled.
 */
function update8(m: Model, co: number, bo: number, ctx: number, v: number, trigger: number): void {
  const b = BUCKET_OF_8[ctx]!;
  const cnt = m.counters;
  const k = co + (b << 2);
  const q = v << 2;
  let p0 = (cnt[k]! + LEN_PAIRS_8[q]!) | 0;
  let p1 = (cnt[k + 1]! + LEN_PAIRS_8[q + 1]!) | 0;
  let p2 = (cnt[k + 2]! + LEN_PAIRS_8[q + 2]!) | 0;
  let p3 = (cnt[k + 3]! + LEN_PAIRS_8[q + 3]!) | 0;
  let code = 7;
  let min = p3 >>> 16;
  let c = p3 & 0xffff;
  if (c < min) {
    code = 6;
    min = c;
  }
  c = p2 >>> 16;
  if (c < min) {
    code = 5;
    min = c;
  }
  c = p2 & 0xffff;
  if (c < min) {
    code = 4;
    min = c;
  }
  c = p1 >>> 16;
  if (c < min) {
    code = 3;
    min = c;
  }
  c = p1 & 0xffff;
  if (c < min) {
    code = 2;
    min = c;
  }
  c = p0 >>> 16;
  if (c < min) {
    code = 1;
    min = c;
  }
  c = p0 & 0xffff;
  if (c < min) {
    code = 0;
    min = c;
  }
  m.best[bo + b] = code;
  if (min > trigger) {
    p0 = (p0 >>> 1) & 0x7fff7fff;
    p1 = (p1 >>> 1) & 0x7fff7fff;
    p2 = (p2 >>> 1) & 0x7fff7fff;
    p3 = (p3 >>> 1) & 0x7fff7fff;
  }
  cnt[k] = p0;
  cnt[k + 1] = p1;
  cnt[k + 2] = p2;
  cnt[k + 3] = p3;
}

/** update8 for any family (the 5-bit one). */
function updateModel(m: Model, fam: Family, co: number, bo: number, ctx: number, v: number, trigger: number): void {
  const b = fam.bucketOf[ctx]!;
  const cnt = m.counters;
  const lp = fam.lenPairs;
  const k = co + (b << 2);
  const q = v << 2;
  for (let j = 0; j < 4; j++) cnt[k + j] = (cnt[k + j]! + lp[q + j]!) | 0;
  let code = fam.bpc - 1;
  let min = (cnt[k + (code >> 1)]! >>> (16 * (code & 1))) & 0xffff;
  for (let l = code - 1; l >= 0; l--) {
    const c = (cnt[k + (l >> 1)]! >>> (16 * (l & 1))) & 0xffff;
    if (c < min) {
      code = l;
      min = c;
    }
  }
  m.best[bo + b] = code;
  if (min > trigger) for (let j = 0; j < 4; j++) cnt[k + j] = (cnt[k + j]! >>> 1) & 0x7fff7fff;
}

/**
 * The model update of the three RGB planes after a pixel: `ctx` and `v` hold the three planes' context
 * and value bytes (one call: the row loop is too big for V8 to inline it).
 */
function updateRgb(m: Model, fam: Family, ctx: number, v: number, trigger: number): void {
  // A loop, not three calls: V8 then inlines update8 (once) here.
  if (fam.bpc === 8) {
    for (let p = 0; p < 24; p += 8) update8(m, p << 2, p, (ctx >>> p) & 0xff, (v >>> p) & 0xff, trigger);
  } else {
    for (let p = 0; p < 24; p += 8) updateModel(m, fam, p << 2, p, (ctx >>> p) & 0xff, (v >>> p) & 0xff, trigger);
  }
}

const badRun = (run: number, limit: number) => corrupt(QUIC, `run of ${run} pixels where only ${limit} are left`);

/*
 * The two row decoders below (three RGB planes; one plane) are the hot loops. They keep the bit reader in
 * locals and repeat the symbol decoding inline for speed; each symbol is:
 *   l = best code of the bucket of the previous residual; z = leading zeros of the window;
 *   z < alt[l]: Golomb-Rice, z + 1 + l bits, value (z << l) | low l bits of the codeword;
 *   else: escape, escLen[l] bits, value nGR[l] + the codeword's low bits (truncated to a byte).
 * then the window drops the codeword's bits.
 *
 * On row 0 (`first`) the prediction is the left neighbour and there are no runs; the loops get that from
 * the same formula by reading "above" as the current row one column to the left: (a + a) >> 1 = a.
 */

/**
 * One row of the three RGB planes, decoded straight into `out` at `o` as 0x00RRGGBB (the row above is at
 * o - w; its top byte may already hold alpha, so pixel comparisons mask it off). 5-bit samples stay 5-bit
 * here and are widened once the image is done.
 */
function rgbRow(
  rd: BitReader,
  st: CodingState,
  fam: Family,
  m: Model,
  w: number,
  out: Uint32Array,
  o: number,
  first: boolean,
): void {
  const words = rd.words;
  const nw = rd.nw;
  let word = rd.word;
  let next = rd.next;
  let avail = rd.avail;
  let wp = rd.wp;
  const mask = fam.mask;
  const unfold = fam.unfold;
  const bucketOf = fam.bucketOf;
  const alt = fam.alt;
  const nGR = fam.nGR;
  const escLen = fam.escLen;
  const escMask = fam.escMask;
  const K = m.corr;
  const best = m.best;
  // Row 0: "above" is the left neighbour (one column back in this row), pixel 0 has 0 above and no left
  // context; no runs.
  const po = first ? o - 1 : o - w;
  const runFrom = first ? 0x7fffffff : 3;
  if (first) {
    K[0] = 0;
  } else {
    K[0] = K[1]!;
  }
  let waitcnt = st.waitcnt;
  let seed = st.seed;
  let melcstate = st.melcstate;
  let melclen = st.melclen;
  let melcorder = st.melcorder;
  let pos = 0;
  let l = 0;
  let z = 0;
  let len = 0;
  let v = 0;
  let dd = 0;
  let r = 0;
  let g = 0;
  let b = 0;
  let up = 0;
  /** The pixel left of the current one. */
  let left = 0;
  /** Contexts (previous residuals) of the three planes, then the residuals just decoded. */
  let ctx = 0;
  let res = 0;
  while (pos < w) {
    const wmidx = st.wmidx;
    const wmask = LOW_MASK[wmidx]!;
    const trigger = st.trigger;
    const whole = wmidx < WMI_MAX && st.wmileft <= w - pos;
    const end = whole ? pos + st.wmileft : w;
    let i = pos;
    let stop = pos + waitcnt;
    let runAt = 0;
    if (i === 0) {
      up = first ? 0 : out[po]!;
      ctx = K[0]!;
      // Red.
      l = best[bucketOf[ctx & 0xff]!]!;
      z = Math.clz32(word);
      if (z < alt[l]!) {
        len = z + 1 + l;
        v = (z << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = escLen[l]!;
        v = (nGR[l]! + ((word >>> (32 - len)) & escMask[l]!)) & 0xff;
      }
      if (avail >= len) {
        avail -= len;
        word = (word << len) | (next >>> avail);
      } else {
        dd = len - avail;
        word = (word << len) | (next << dd);
        next = wp < nw ? words[wp]! : 0;
        wp++;
        avail = 32 - dd;
        word |= next >>> avail;
      }
      res = v;
      r = (unfold[v]! + ((up >>> 16) & 0xff)) & mask;
      // Green.
      l = best[8 + bucketOf[(ctx >>> 8) & 0xff]!]!;
      z = Math.clz32(word);
      if (z < alt[l]!) {
        len = z + 1 + l;
        v = (z << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = escLen[l]!;
        v = (nGR[l]! + ((word >>> (32 - len)) & escMask[l]!)) & 0xff;
      }
      if (avail >= len) {
        avail -= len;
        word = (word << len) | (next >>> avail);
      } else {
        dd = len - avail;
        word = (word << len) | (next << dd);
        next = wp < nw ? words[wp]! : 0;
        wp++;
        avail = 32 - dd;
        word |= next >>> avail;
      }
      res |= v << 8;
      g = (unfold[v]! + ((up >>> 8) & 0xff)) & mask;
      // Blue.
      l = best[16 + bucketOf[ctx >>> 16]!]!;
      z = Math.clz32(word);
      if (z < alt[l]!) {
        len = z + 1 + l;
        v = (z << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = escLen[l]!;
        v = (nGR[l]! + ((word >>> (32 - len)) & escMask[l]!)) & 0xff;
      }
      if (avail >= len) {
        avail -= len;
        word = (word << len) | (next >>> avail);
      } else {
        dd = len - avail;
        word = (word << len) | (next << dd);
        next = wp < nw ? words[wp]! : 0;
        wp++;
        avail = 32 - dd;
        word |= next >>> avail;
      }
      res |= v << 16;
      K[1] = res;
      b = (unfold[v]! + (up & 0xff)) & mask;
      left = (r << 16) | (g << 8) | b;
      out[o] = left;
      if (stop === 0) {
        updateRgb(m, fam, ctx, res, trigger);
        seed = (seed + 1) & 0xff;
        stop = 1 + (CHAOS[seed]! & wmask);
      }
      i = 1;
    } else {
      left = out[o + i - 1]!;
    }
    while (i < end) {
      up = out[po + i]!;
      if (
        i >= runFrom &&
        i !== runAt &&
        ((out[po + i - 1]! ^ up) & 0xffffff) === 0 &&
        ((out[o + i - 2]! ^ left) & 0xffffff) === 0
      ) {
        runAt = i;
        // MELCODE run length: each leading 1 bit (up to 8 looked at a time) is a hit worth 2^melclen
        // pixels and moves one state up; a 0 ends the hits, and melclen more bits give the remainder;
        // then the state moves one down.
        let n = 0;
        const limit = end - i;
        for (;;) {
          z = Math.clz32(~word);
          if (z > 8) z = 8;
          for (let h = 0; h < z; h++) {
            n += melcorder;
            if (melcstate < MELC_STATES - 1) {
              melclen = MELC_LEN[++melcstate]!;
              melcorder = 1 << melclen;
            }
          }
          len = z < 8 ? z + 1 : 8;
          if (avail >= len) {
            avail -= len;
            word = (word << len) | (next >>> avail);
          } else {
            dd = len - avail;
            word = (word << len) | (next << dd);
            next = wp < nw ? words[wp]! : 0;
            wp++;
            avail = 32 - dd;
            word |= next >>> avail;
          }
          if (z < 8) break;
          if (n > limit) throw badRun(n, limit);
        }
        if (melclen) {
          len = melclen;
          n += word >>> (32 - len);
          if (avail >= len) {
            avail -= len;
            word = (word << len) | (next >>> avail);
          } else {
            dd = len - avail;
            word = (word << len) | (next << dd);
            next = wp < nw ? words[wp]! : 0;
            wp++;
            avail = 32 - dd;
            word |= next >>> avail;
          }
        }
        if (melcstate) {
          melclen = MELC_LEN[--melcstate]!;
          melcorder = 1 << melclen;
        }
        if (n > limit) throw badRun(n, limit);
        if (n > 0) {
          const e = o + i + n;
          if (n > 16) out.fill(left, o + i, e);
          else for (let j = o + i; j < e; j++) out[j] = left;
          i += n;
          stop += n;
        }
        continue;
      }
      ctx = K[i]!;
      // Red.
      l = best[bucketOf[ctx & 0xff]!]!;
      z = Math.clz32(word);
      if (z < alt[l]!) {
        len = z + 1 + l;
        v = (z << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = escLen[l]!;
        v = (nGR[l]! + ((word >>> (32 - len)) & escMask[l]!)) & 0xff;
      }
      if (avail >= len) {
        avail -= len;
        word = (word << len) | (next >>> avail);
      } else {
        dd = len - avail;
        word = (word << len) | (next << dd);
        next = wp < nw ? words[wp]! : 0;
        wp++;
        avail = 32 - dd;
        word |= next >>> avail;
      }
      res = v;
      r = (unfold[v]! + ((((left >>> 16) & 0xff) + ((up >>> 16) & 0xff)) >>> 1)) & mask;
      // Green.
      l = best[8 + bucketOf[(ctx >>> 8) & 0xff]!]!;
      z = Math.clz32(word);
      if (z < alt[l]!) {
        len = z + 1 + l;
        v = (z << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = escLen[l]!;
        v = (nGR[l]! + ((word >>> (32 - len)) & escMask[l]!)) & 0xff;
      }
      if (avail >= len) {
        avail -= len;
        word = (word << len) | (next >>> avail);
      } else {
        dd = len - avail;
        word = (word << len) | (next << dd);
        next = wp < nw ? words[wp]! : 0;
        wp++;
        avail = 32 - dd;
        word |= next >>> avail;
      }
      res |= v << 8;
      g = (unfold[v]! + ((((left >>> 8) & 0xff) + ((up >>> 8) & 0xff)) >>> 1)) & mask;
      // Blue.
      l = best[16 + bucketOf[ctx >>> 16]!]!;
      z = Math.clz32(word);
      if (z < alt[l]!) {
        len = z + 1 + l;
        v = (z << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = escLen[l]!;
        v = (nGR[l]! + ((word >>> (32 - len)) & escMask[l]!)) & 0xff;
      }
      if (avail >= len) {
        avail -= len;
        word = (word << len) | (next >>> avail);
      } else {
        dd = len - avail;
        word = (word << len) | (next << dd);
        next = wp < nw ? words[wp]! : 0;
        wp++;
        avail = 32 - dd;
        word |= next >>> avail;
      }
      res |= v << 16;
      K[i + 1] = res;
      b = (unfold[v]! + (((left & 0xff) + (up & 0xff)) >>> 1)) & mask;
      left = (r << 16) | (g << 8) | b;
      out[o + i] = left;
      if (i === stop) {
        updateRgb(m, fam, ctx, res, trigger);
        seed = (seed + 1) & 0xff;
        stop = i + 1 + (CHAOS[seed]! & wmask);
      }
      i++;
    }
    waitcnt = stop - end;
    if (whole) {
      st.wmidx = wmidx + 1;
      st.trigger = WM_TRIGGER[wmidx + 1]!;
      st.wmileft = WMI_NEXT;
    } else if (wmidx < WMI_MAX) {
      st.wmileft -= end - pos;
    }
    pos = end;
  }
  st.waitcnt = waitcnt;
  st.seed = seed;
  st.melcstate = melcstate;
  st.melclen = melclen;
  st.melcorder = melcorder;
  rd.word = word;
  rd.next = next;
  rd.avail = avail;
  rd.wp = wp;
}

/**
 * One 8-bit plane (alpha of RGBA, or GRAY) in byte rows; same scheme as rgbRow, with its own state.
 * Returns the OR of the row's samples (0: an all-zero row).
 */
function planeRow(
  rd: BitReader,
  st: CodingState,
  m: Model,
  w: number,
  first: boolean,
  p: Uint8Array,
  c: Uint8Array,
): number {
  const words = rd.words;
  const nw = rd.nw;
  let word = rd.word;
  let next = rd.next;
  let avail = rd.avail;
  let wp = rd.wp;
  const fam = FAMILY_8;
  const mask = fam.mask;
  const unfold = fam.unfold;
  const bucketOf = fam.bucketOf;
  const alt = fam.alt;
  const nGR = fam.nGR;
  const escLen = fam.escLen;
  const escMask = fam.escMask;
  const k = m.corr;
  const best = m.best;
  const d = first ? 1 : 0;
  const runFrom = first ? 0x7fffffff : 3;
  if (first) {
    p = c;
    k[0] = 0;
  } else {
    k[0] = k[1]!;
  }
  /** All samples of the row ORed (runs only repeat samples already seen). */
  let seen = 0;
  let waitcnt = st.waitcnt;
  let seed = st.seed;
  let melcstate = st.melcstate;
  let melclen = st.melclen;
  let melcorder = st.melcorder;
  let pos = 0;
  let l = 0;
  let z = 0;
  let len = 0;
  let v = 0;
  let dd = 0;
  while (pos < w) {
    const wmidx = st.wmidx;
    const wmask = LOW_MASK[wmidx]!;
    const trigger = st.trigger;
    const whole = wmidx < WMI_MAX && st.wmileft <= w - pos;
    const end = whole ? pos + st.wmileft : w;
    let i = pos;
    let stop = pos + waitcnt;
    let runAt = 0;
    if (i === 0) {
      l = best[bucketOf[k[0]!]!]!;
      z = Math.clz32(word);
      if (z < alt[l]!) {
        len = z + 1 + l;
        v = (z << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = escLen[l]!;
        v = (nGR[l]! + ((word >>> (32 - len)) & escMask[l]!)) & 0xff;
      }
      if (avail >= len) {
        avail -= len;
        word = (word << len) | (next >>> avail);
      } else {
        dd = len - avail;
        word = (word << len) | (next << dd);
        next = wp < nw ? words[wp]! : 0;
        wp++;
        avail = 32 - dd;
        word |= next >>> avail;
      }
      k[1] = v;
      c[0] = (unfold[v]! + (first ? 0 : p[0]!)) & mask;
      seen |= c[0]!;
      if (stop === 0) {
        update8(m, 0, 0, k[0]!, k[1]!, trigger);
        seed = (seed + 1) & 0xff;
        stop = 1 + (CHAOS[seed]! & wmask);
      }
      i = 1;
    }
    while (i < end) {
      if (i >= runFrom && i !== runAt && p[i - 1] === p[i] && c[i - 1] === c[i - 2]) {
        runAt = i;
        // MELCODE run length: each leading 1 bit (up to 8 looked at a time) is a hit worth 2^melclen
        // pixels and moves one state up; a 0 ends the hits, and melclen more bits give the remainder;
        // then the state moves one down.
        let n = 0;
        const limit = end - i;
        for (;;) {
          z = Math.clz32(~word);
          if (z > 8) z = 8;
          for (let h = 0; h < z; h++) {
            n += melcorder;
            if (melcstate < MELC_STATES - 1) {
              melclen = MELC_LEN[++melcstate]!;
              melcorder = 1 << melclen;
            }
          }
          len = z < 8 ? z + 1 : 8;
          if (avail >= len) {
            avail -= len;
            word = (word << len) | (next >>> avail);
          } else {
            dd = len - avail;
            word = (word << len) | (next << dd);
            next = wp < nw ? words[wp]! : 0;
            wp++;
            avail = 32 - dd;
            word |= next >>> avail;
          }
          if (z < 8) break;
          if (n > limit) throw badRun(n, limit);
        }
        if (melclen) {
          len = melclen;
          n += word >>> (32 - len);
          if (avail >= len) {
            avail -= len;
            word = (word << len) | (next >>> avail);
          } else {
            dd = len - avail;
            word = (word << len) | (next << dd);
            next = wp < nw ? words[wp]! : 0;
            wp++;
            avail = 32 - dd;
            word |= next >>> avail;
          }
        }
        if (melcstate) {
          melclen = MELC_LEN[--melcstate]!;
          melcorder = 1 << melclen;
        }
        if (n > limit) throw badRun(n, limit);
        if (n > 0) {
          const e = i + n;
          const x = c[i - 1]!;
          if (n > 16) c.fill(x, i, e);
          else for (let j = i; j < e; j++) c[j] = x;
          i += n;
          stop += n;
        }
        continue;
      }
      l = best[bucketOf[k[i]!]!]!;
      z = Math.clz32(word);
      if (z < alt[l]!) {
        len = z + 1 + l;
        v = (z << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = escLen[l]!;
        v = (nGR[l]! + ((word >>> (32 - len)) & escMask[l]!)) & 0xff;
      }
      if (avail >= len) {
        avail -= len;
        word = (word << len) | (next >>> avail);
      } else {
        dd = len - avail;
        word = (word << len) | (next << dd);
        next = wp < nw ? words[wp]! : 0;
        wp++;
        avail = 32 - dd;
        word |= next >>> avail;
      }
      k[i + 1] = v;
      c[i] = (unfold[v]! + ((c[i - 1]! + p[i - d]!) >>> 1)) & mask;
      seen |= c[i]!;
      if (i === stop) {
        update8(m, 0, 0, k[i]!, k[i + 1]!, trigger);
        seed = (seed + 1) & 0xff;
        stop = i + 1 + (CHAOS[seed]! & wmask);
      }
      i++;
    }
    waitcnt = stop - end;
    if (whole) {
      st.wmidx = wmidx + 1;
      st.trigger = WM_TRIGGER[wmidx + 1]!;
      st.wmileft = WMI_NEXT;
    } else if (wmidx < WMI_MAX) {
      st.wmileft -= end - pos;
    }
    pos = end;
  }
  st.waitcnt = waitcnt;
  st.seed = seed;
  st.melcstate = melcstate;
  st.melclen = melclen;
  st.melcorder = melcorder;
  rd.word = word;
  rd.next = next;
  rd.avail = avail;
  rd.wp = wp;
  return seen;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The stream as 32-bit words (a view when aligned, else a copy); a last partial word is not used. */
function toWords(data: Uint8Array): Int32Array {
  const nw = data.length >>> 2;
  if (LITTLE_ENDIAN && (data.byteOffset & 3) === 0) return new Int32Array(data.buffer, data.byteOffset, nw);
  const words = new Int32Array(nw);
  if (LITTLE_ENDIAN) {
    new Uint8Array(words.buffer).set(data.subarray(0, nw * 4));
  } else {
    const dv = new DataView(data.buffer, data.byteOffset, nw * 4);
    for (let i = 0; i < nw; i++) words[i] = dv.getInt32(i * 4, true);
  }
  return words;
}

function channelsOf(type: number): number {
  switch (type) {
    case QuicType.GRAY:
      return 1;
    case QuicType.RGB16:
    case QuicType.RGB24:
    case QuicType.RGB32:
      return 3;
    case QuicType.RGBA:
      return 4;
    default:
      return 0;
  }
}

function openStream(data: Uint8Array): {rd: BitReader; header: QuicHeader} {
  const nw = data.length >>> 2;
  if (nw <= HEADER_WORDS) throw corrupt(QUIC, `${data.length} bytes, too short for the header`);
  const rd = new BitReader(toWords(data), nw);
  const field = () => {
    const x = rd.word >>> 0;
    eat32(rd);
    return x;
  };
  const magic = field();
  if (magic !== QUIC_MAGIC) throw corrupt(QUIC, `bad magic 0x${magic.toString(16)}`);
  const version = field();
  if (version !== QUIC_VERSION) throw corrupt(QUIC, `unsupported version 0x${version.toString(16)}`);
  const type = field();
  const width = field();
  const height = field();
  if (channelsOf(type) === 0) throw corrupt(QUIC, `unknown image type ${type}`);
  checkDimensions(width, height, QUIC);
  return {rd, header: {type, width, height}};
}

/** Reads and checks the header only (type, size): lets a caller compare it with the image descriptor. */
export function readQuicHeader(data: Uint8Array): QuicHeader {
  return openStream(data).header;
}

/** Decodes a QUIC stream (SpiceImage QUIC data) to pixels; throws a protocol error on bad input. */
export function decodeQuic(data: Uint8Array): Pixels {
  const {rd, header} = openStream(data);
  const {type, width: w, height: h} = header;
  const nch = channelsOf(type);
  // Every row codes at least its first pixel (one codeword of 1+ bits per plane) and the 32-bit window
  // must stay inside the data: a stream shorter than that fails anyway, so refuse it before allocating.
  if (rd.nw * 32 < (HEADER_WORDS + 1) * 32 + h * nch) throw corrupt(QUIC, `${data.length} bytes cannot hold ${h} rows`);

  const format: PixelFormat = type === QuicType.RGBA ? 'argb' : 'xrgb';
  const out = new Uint32Array(w * h);
  const overrun = (y: number) => corrupt(QUIC, `data ends before row ${y} of ${h}`);

  if (type === QuicType.GRAY) {
    const fam = FAMILY_8;
    const st = new CodingState();
    const m = PLANE_MODEL.reset(fam, w);
    if (rowA.length < w) {
      rowA = new Uint8Array(w);
      rowB = new Uint8Array(w);
    }
    let prev = rowA;
    let cur = rowB;
    for (let y = 0, o = 0; y < h; y++, o += w) {
      planeRow(rd, st, m, w, y === 0, prev, cur);
      if (rd.overrun) throw overrun(y);
      for (let x = 0; x < w; x++) out[o + x] = cur[x]! * 0x010101;
      const t = prev;
      prev = cur;
      cur = t;
    }
    return {width: w, height: h, format, data: out};
  }

  const fam = type === QuicType.RGB16 ? FAMILY_5 : FAMILY_8;
  const st = new CodingState();
  const m = RGB_MODEL.reset(fam, w);
  if (type === QuicType.RGBA) {
    const stA = new CodingState();
    const mA = PLANE_MODEL.reset(FAMILY_8, w);
    if (rowA.length < w) {
      rowA = new Uint8Array(w);
      rowB = new Uint8Array(w);
    }
    let pA = rowA;
    let A = rowB;
    for (let y = 0, o = 0; y < h; y++, o += w) {
      rgbRow(rd, st, fam, m, w, out, o, y === 0);
      const seen = planeRow(rd, stA, mA, w, y === 0, pA, A);
      if (rd.overrun) throw overrun(y);
      // Xorg's ARGB pixmaps often carry alpha 0: nothing to merge then.
      if (seen !== 0) for (let x = 0; x < w; x++) out[o + x] |= A[x]! << 24;
      const t = pA;
      pA = A;
      A = t;
    }
  } else {
    for (let y = 0, o = 0; y < h; y++, o += w) {
      rgbRow(rd, st, fam, m, w, out, o, y === 0);
      if (rd.overrun) throw overrun(y);
    }
    if (fam === FAMILY_5) {
      for (let j = 0; j < out.length; j++) {
        const p = out[j]!;
        out[j] = (EXPAND_5[p >>> 16]! << 16) | (EXPAND_5[(p >>> 8) & 0x1f]! << 8) | EXPAND_5[p & 0x1f]!;
      }
    }
  }
  return {width: w, height: h, format, data: out};
}
