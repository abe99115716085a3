/** The DSL primitives added for the channel catalogues: computed counts, selector switches, not(), reserved(), derived fields under when(). */
import {describe, expect, it} from 'vitest';
import {
  array,
  bytes,
  constant,
  decode,
  encode,
  fieldIs,
  flagSet,
  hasCap,
  imageSize,
  lengthOf,
  not,
  reserved,
  struct,
  switchOn,
  u16,
  u32,
  u8,
  when,
} from '../../src/client/wire/schema.js';
import {WireError} from '../../src/client/wire/reader.js';

describe('computed counts', () => {
  const glyph = (bpp: number) => struct('G', {width: u16, height: u16, data: bytes(imageSize(bpp, 'width', 'height'))});

  it('imageSize rounds each row up to whole bytes', () => {
    // 1 bpp, 9 wide: 2 bytes per row; 4 bpp, 3 wide: 2 bytes per row; 8 bpp, 3 wide: 3 bytes per row
    for (const [bpp, rowBytes] of [
      [1, 2],
      [4, 2],
      [8, 3],
    ] as const) {
      const w = bpp === 1 ? 9 : 3;
      const data = new Uint8Array(rowBytes * 2).fill(7);
      const body = encode(glyph(bpp), {width: w, height: 2, data});
      expect(body.length).toBe(4 + rowBytes * 2);
      expect(decode(glyph(bpp), body)).toEqual({width: w, height: 2, data});
    }
  });

  it('reads exactly the computed number of bytes and leaves the rest', () => {
    const l = struct('T', {w: u8, h: u8, px: bytes(imageSize(8, 'w', 'h')), tail: u8});
    expect(decode(l, new Uint8Array([2, 2, 1, 2, 3, 4, 99]))).toEqual({w: 2, h: 2, px: new Uint8Array([1, 2, 3, 4]), tail: 99});
  });

  it('writing data of the wrong size is a WireError', () => {
    expect(() => encode(glyph(8), {width: 2, height: 2, data: new Uint8Array(3)})).toThrow(WireError);
  });

  it('a count function returning a non-count is a WireError', () => {
    const l = struct('T', {n: u8, xs: array(u8, (s) => (s['n'] as number) / 2)});
    expect(decode(l, new Uint8Array([4, 1, 2]))).toEqual({n: 4, xs: [1, 2]});
    expect(() => decode(l, new Uint8Array([3, 1, 2]))).toThrow(WireError);
    expect(() => encode(l, {n: 4, xs: [1]})).toThrow(WireError);
  });

  it('past the end is a WireError', () => {
    expect(() => decode(glyph(8), new Uint8Array([2, 0, 2, 0, 1, 2, 3]))).toThrow(WireError);
  });
});

describe('switchOn with a selector', () => {
  // As spice.proto tests flag cases in order: bit 0 first, then bit 1.
  const l = struct('S', {
    flags: u8,
    v: switchOn((s) => ((s['flags'] as number) & 1 ? 1 : (s['flags'] as number) & 2 ? 2 : undefined), {1: u8, 2: u16}),
    end: u8,
  });

  it('picks the first matching case', () => {
    expect(decode(l, new Uint8Array([3, 5, 9]))).toEqual({flags: 3, v: 5, end: 9});
    expect(decode(l, new Uint8Array([2, 5, 0, 9]))).toEqual({flags: 2, v: 5, end: 9});
    expect([...encode(l, {flags: 2, v: 0x102, end: 9})]).toEqual([2, 2, 1, 9]);
  });

  it('no case reads and writes nothing', () => {
    expect(decode(l, new Uint8Array([4, 9]))).toEqual({flags: 4, v: undefined, end: 9});
    expect([...encode(l, {flags: 4, end: 9})]).toEqual([4, 9]);
  });

  it('sees the context', () => {
    const c = struct('C', {v: switchOn((_s, ctx) => (ctx.caps?.has('wide') ? 1 : 0), {0: u8, 1: u32})});
    expect(encode(c, {v: 1}).length).toBe(1);
    expect(encode(c, {v: 1}, {caps: new Set(['wide'])}).length).toBe(4);
  });

  it('a plain field name still works', () => {
    const f = struct('F', {t: u8, v: switchOn('t', {1: u8, 2: u16})});
    expect(decode(f, new Uint8Array([2, 1, 1]))).toEqual({t: 2, v: 0x101});
  });
});

describe('not()', () => {
  it('negates a predicate', () => {
    const l = struct('N', {flags: u8, header: when(not(flagSet('flags', 1)), u8)});
    expect(decode(l, new Uint8Array([1]))).toEqual({flags: 1, header: undefined});
    expect(decode(l, new Uint8Array([0, 7]))).toEqual({flags: 0, header: 7});
    expect(not(fieldIs('t', 1))({t: 1}, {})).toBe(false);
  });
});

describe('reserved()', () => {
  const l = struct('R', {a: u8, pad: reserved(3), b: u8});

  it('writes zeros and ignores what it reads', () => {
    expect([...encode(l, {a: 1, b: 2})]).toEqual([1, 0, 0, 0, 2]);
    expect(decode(l, new Uint8Array([1, 9, 9, 9, 2]))).toEqual({a: 1, pad: undefined, b: 2});
  });

  it('truncation is a WireError', () => {
    expect(() => decode(l, new Uint8Array([1, 0]))).toThrow(WireError);
  });
});

describe('when() around derived fields', () => {
  const l = struct('W', {
    flags: u8,
    n: when(flagSet('flags', 8), lengthOf('xs', u8)),
    magic: when(flagSet('flags', 8), constant(u8, 0x5a, 'magic')),
    xs: when(flagSet('flags', 8), array(u16, 'n')),
  });

  it('computes them when the condition holds', () => {
    expect([...encode(l, {flags: 8, xs: [1, 2]})]).toEqual([8, 2, 0x5a, 1, 0, 2, 0]);
    expect(decode(l, new Uint8Array([8, 2, 0x5a, 1, 0, 2, 0]))).toEqual({flags: 8, n: 2, magic: 0x5a, xs: [1, 2]});
  });

  it('writes nothing when it does not', () => {
    expect([...encode(l, {flags: 0})]).toEqual([0]);
  });

  it('works with capability predicates', () => {
    const c = struct('C', {sel: when(hasCap('x'), u8), pad: when(hasCap('x'), reserved(3)), t: u32});
    expect([...encode(c, {sel: 1, t: 2}, {caps: new Set(['x'])})]).toEqual([1, 0, 0, 0, 2, 0, 0, 0]);
    expect([...encode(c, {t: 2})]).toEqual([2, 0, 0, 0]);
  });

  it('still requires a non-derived value when the condition holds', () => {
    const r = struct('R', {f: u8, v: when(fieldIs('f', 1), u8)});
    expect(() => encode(r, {f: 1})).toThrow(WireError);
  });
});
