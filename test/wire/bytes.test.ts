/**
 * Byte-exact checks of a few tricky layouts against bytes computed by hand from spice.proto / vd_agent.h.
 * Offsets in the comments are from the start of the message body.
 */
import {describe, expect, it} from 'vitest';
import {decode, encode} from '../../src/client/wire/schema.js';
import {WireError} from '../../src/client/wire/reader.js';
import {AgentHeader, AgentMessages} from '../../src/client/wire/messages/agent.js';
import {CursorServer} from '../../src/client/wire/messages/cursor.js';
import {DisplayServer} from '../../src/client/wire/messages/display.js';
import {PortServer, SpicevmcServer} from '../../src/client/wire/messages/spicevmc.js';
import {checkBody} from './roundtrip.js';

/** Little-endian byte builder for expected bodies. */
class Bytes {
  private readonly out: number[] = [];
  get length(): number {
    return this.out.length;
  }
  u8(...v: number[]): this {
    for (const x of v) this.out.push(x & 0xff);
    return this;
  }
  u16(...v: number[]): this {
    for (const x of v) this.out.push(x & 0xff, (x >>> 8) & 0xff);
    return this;
  }
  u32(...v: number[]): this {
    for (const x of v) this.out.push(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff);
    return this;
  }
  u64(v: bigint): this {
    for (let i = 0n; i < 8n; i++) this.out.push(Number((v >> (8n * i)) & 0xffn));
    return this;
  }
  /** Asserts the builder is at `offset` (to keep the hand-computed offsets honest). */
  at(offset: number): this {
    if (this.out.length !== offset) throw new Error(`expected offset ${offset}, at ${this.out.length}`);
    return this;
  }
  done(): Uint8Array {
    return new Uint8Array(this.out);
  }
}

const rect = (top: number, left: number, bottom: number, right: number) => ({top, left, bottom, right});

describe('display byte layouts', () => {
  // DRAW_COPY onto surface 0, two clip rects, a 4×2 8-bit BITMAP whose palette sits behind a pointer.
  const copy = {
    base: {
      surface_id: 0,
      box: rect(0, 0, 2, 4),
      clip: {type: 1, rects: {rects: [rect(0, 0, 1, 4), rect(1, 0, 2, 2)]}},
    },
    data: {
      src_bitmap: {
        descriptor: {id: 0x0102030405060708n, type: 0, flags: 1, width: 4, height: 2},
        bitmap: {
          format: 5,
          flags: 1,
          x: 4,
          y: 2,
          stride: 4,
          palette: {unique: 0xaan, ents: [0xff000000, 0xffffffff, 0xff00ff00]},
          data: new Uint8Array([0, 1, 2, 1, 2, 1, 0, 0]),
        },
      },
      src_area: rect(0, 0, 2, 4),
      rop_descriptor: 8,
      scale_mode: 1,
      mask: {flags: 0, pos: {x: 0, y: 0}, bitmap: null},
    },
  };
  const fixedPart = () =>
    new Bytes()
      .u32(0) // surface_id
      .u32(0, 0, 2, 4) // box: top, left, bottom, right
      .u8(1) // clip type RECTS
      .u32(2) // num_rects
      .u32(0, 0, 1, 4)
      .u32(1, 0, 2, 2)
      .at(57);
  const imageHead = (b: Bytes, paletteAt: number) =>
    b
      .u64(0x0102030405060708n) // descriptor.id
      .u8(0, 1) // type BITMAP, flags CACHE_ME
      .u32(4, 2) // width, height
      .u8(5, 1) // format 8BIT, flags PAL_CACHE_ME
      .u32(4, 2, 4) // x, y, stride
      .u32(paletteAt) // palette pointer
      .u8(0, 1, 2, 1, 2, 1, 0, 0); // stride·y = 8 bytes of pixels
  const palette = (b: Bytes) => b.u64(0xaan).u16(3).u32(0xff000000, 0xffffffff, 0xff00ff00);
  const rest = (b: Bytes, imageAt: number) =>
    b
      .u32(imageAt) // src_bitmap pointer
      .u32(0, 0, 2, 4) // src_area
      .u16(8) // rop_descriptor OP_PUT
      .u8(1) // scale_mode NEAREST
      .u8(0) // mask flags
      .u32(0, 0) // mask pos
      .u32(0) // mask bitmap: null
      .at(93);

  it('DRAW_COPY with clip rects and a BITMAP with a palette pointer', () => {
    const b = rest(fixedPart(), 93).at(93);
    imageHead(b, 137).at(137);
    palette(b).at(159);
    const body = encode(DisplayServer.DRAW_COPY.schema, copy);
    expect([...body]).toEqual([...b.done()]);
    expect(decode(DisplayServer.DRAW_COPY.schema, body)).toMatchObject({
      base: {clip: {type: 1, rects: {num_rects: 2}}},
      data: {src_bitmap: {bitmap: {palette: {num_ents: 3}}}},
    });
  });

  it('DRAW_COPY laid out as a server might (palette before the image) decodes to the same value', () => {
    // palette at 93, image at 93 + 22 = 115
    const b = rest(fixedPart(), 115).at(93);
    palette(b).at(115);
    imageHead(b, 93).at(159);
    const serverBody = b.done();
    const v = decode(DisplayServer.DRAW_COPY.schema, serverBody);
    expect(v).toEqual(decode(DisplayServer.DRAW_COPY.schema, encode(DisplayServer.DRAW_COPY.schema, copy)));
    checkBody(DisplayServer.DRAW_COPY, serverBody);
  });

  it('DRAW_COMPOSITE with a mask and both transforms', () => {
    const flags = 0x3 | (1 << 19) | (1 << 20) | (1 << 21); // op 3, HAS_MASK, HAS_SRC_TRANSFORM, HAS_MASK_TRANSFORM
    const t = (k: number) => ({t00: k, t01: 1, t02: 2, t10: 3, t11: k, t12: 0xffff0000});
    const value = {
      base: {surface_id: 1, box: rect(0, 0, 10, 10), clip: {type: 0}},
      data: {
        flags,
        src_bitmap: {descriptor: {id: 9n, type: 104, flags: 0, width: 10, height: 10}, surface: {surface_id: 2}},
        mask_bitmap: {descriptor: {id: 8n, type: 103, flags: 0, width: 10, height: 10}},
        src_transform: t(0x10000),
        mask_transform: t(0x20000),
        src_origin: {x: -1, y: 2},
        mask_origin: {x: 3, y: -4},
      },
    };
    const b = new Bytes()
      .u32(1)
      .u32(0, 0, 10, 10)
      .u8(0) // clip NONE: nothing follows
      .at(21)
      .u32(flags)
      .u32(89) // src_bitmap
      .u32(111) // mask_bitmap
      .u32(0x10000, 1, 2, 3, 0x10000, 0xffff0000)
      .u32(0x20000, 1, 2, 3, 0x20000, 0xffff0000)
      .u16(-1, 2) // src_origin
      .u16(3, -4) // mask_origin
      .at(89)
      .u64(9n)
      .u8(104, 0) // SURFACE
      .u32(10, 10)
      .u32(2) // surface_id
      .at(111)
      .u64(8n)
      .u8(103, 0) // FROM_CACHE: no payload
      .u32(10, 10)
      .at(129);
    const body = encode(DisplayServer.DRAW_COMPOSITE.schema, value);
    expect([...body]).toEqual([...b.done()]);
    expect(decode(DisplayServer.DRAW_COMPOSITE.schema, body)).toMatchObject(value);
  });

  it('DRAW_COMPOSITE without the flag bits has no mask pointer and no transforms', () => {
    const body = encode(DisplayServer.DRAW_COMPOSITE.schema, {
      base: {surface_id: 0, box: rect(0, 0, 1, 1), clip: {type: 0}},
      data: {flags: 0, src_bitmap: null, src_origin: {x: 0, y: 0}, mask_origin: {x: 0, y: 0}},
    });
    expect(body.length).toBe(21 + 4 + 4 + 4 + 4);
  });

  it('STREAM_CREATE', () => {
    const value = {
      surface_id: 0,
      id: 5,
      flags: 1,
      codec_type: 3,
      stamp: 0x1122334455667788n,
      stream_width: 640,
      stream_height: 480,
      src_width: 1280,
      src_height: 960,
      dest: rect(10, 20, 490, 660),
      clip: {type: 1, rects: {rects: [rect(10, 20, 100, 200)]}},
    };
    const expected = new Bytes()
      .u32(0, 5)
      .u8(1, 3) // flags TOP_DOWN, codec H264
      .u64(0x1122334455667788n)
      .u32(640, 480, 1280, 960)
      .u32(10, 20, 490, 660)
      .u8(1)
      .u32(1)
      .u32(10, 20, 100, 200)
      .at(71)
      .done();
    expect([...encode(DisplayServer.STREAM_CREATE.schema, value)]).toEqual([...expected]);
    expect(decode(DisplayServer.STREAM_CREATE.schema, expected)).toEqual({...value, clip: {type: 1, rects: {num_rects: 1, rects: value.clip.rects.rects}}});
  });

  it('INVAL_LIST', () => {
    const expected = new Bytes().u16(2).u8(1).u64(0x10n).u8(1).u64(0xfedcba9876543210n).at(20).done();
    const value = {resources: [{type: 1, id: 0x10n}, {type: 1, id: 0xfedcba9876543210n}]};
    expect([...encode(DisplayServer.INVAL_LIST.schema, value)]).toEqual([...expected]);
    expect(decode(DisplayServer.INVAL_LIST.schema, expected)).toEqual({count: 2, ...value});
  });

  it('a BITMAP whose rows run past the end of the message is a WireError', () => {
    const body = encode(DisplayServer.DRAW_COPY.schema, copy);
    const cut = body.subarray(0, 130); // image pixels start at 129
    expect(() => decode(DisplayServer.DRAW_COPY.schema, cut)).toThrow(WireError);
  });
});

describe('other byte layouts', () => {
  it('cursor INIT with flags NONE has no header, and the data runs to the end', () => {
    const body = new Bytes().u16(10, 20).u16(0, 0).u8(1).u16(1).done();
    expect(decode(CursorServer.INIT.schema, body)).toEqual({
      position: {x: 10, y: 20},
      trail_length: 0,
      trail_frequency: 0,
      visible: true,
      cursor: {flags: 1, header: undefined, data: new Uint8Array()},
    });
  });

  it('port INIT: name behind a pointer, name_size counting the NUL', () => {
    const expected = new Bytes().u32(4).u32(9).u8(1).u8(...Buffer.from('com'), 0).done();
    expect([...encode(PortServer.INIT.schema, {name: 'com', opened: true})]).toEqual([...expected]);
  });

  it('COMPRESSED_DATA has uncompressed_size only when compressed', () => {
    expect([...encode(SpicevmcServer.COMPRESSED_DATA.schema, {type: 0, compressed_data: new Uint8Array([7])})]).toEqual([0, 7]);
    expect([...encode(SpicevmcServer.COMPRESSED_DATA.schema, {type: 1, uncompressed_size: 300, compressed_data: new Uint8Array([7])})]).toEqual([
      1, 0x2c, 1, 0, 0, 7,
    ]);
  });
});

describe('agent byte layouts', () => {
  const grab = AgentMessages.CLIPBOARD_GRAB.schema;
  const caps = (...c: string[]) => ({caps: new Set(c.map((n) => `agent:${n}`))});

  it('VDAgentMessage header', () => {
    const expected = new Bytes().u32(1, 7).u64(0n).u32(8).done();
    expect([...encode(AgentHeader, {type: 7, opaque: 0n, size: 8})]).toEqual([...expected]);
    const wrong = expected.slice();
    wrong[0] = 2;
    expect(() => decode(AgentHeader, wrong)).toThrow(WireError);
  });

  it('CLIPBOARD_GRAB without the selection and serial caps: just the types', () => {
    const expected = new Bytes().u32(1, 2).done();
    expect([...encode(grab, {types: [1, 2]})]).toEqual([...expected]);
    expect(decode(grab, expected)).toEqual({selection: undefined, reserved: undefined, serial: undefined, types: [1, 2]});
  });

  it('CLIPBOARD_GRAB with CLIPBOARD_SELECTION: u8 selection + 3 reserved bytes first', () => {
    const ctx = caps('CLIPBOARD_SELECTION');
    const expected = new Bytes().u8(1, 0, 0, 0).u32(1).done();
    expect([...encode(grab, {selection: 1, types: [1]}, ctx)]).toEqual([...expected]);
    expect(decode(grab, expected, ctx)).toMatchObject({selection: 1, types: [1]});
    // reserved bytes are ignored when reading
    expect(decode(grab, new Bytes().u8(1, 9, 9, 9).u32(1).done(), ctx)).toMatchObject({selection: 1, types: [1]});
  });

  it('CLIPBOARD_GRAB with CLIPBOARD_SELECTION and CLIPBOARD_GRAB_SERIAL: selection, serial, types', () => {
    const ctx = caps('CLIPBOARD_SELECTION', 'CLIPBOARD_GRAB_SERIAL');
    const expected = new Bytes().u8(2, 0, 0, 0).u32(0x01020304).u32(1, 6).done();
    expect([...encode(grab, {selection: 2, serial: 0x01020304, types: [1, 6]}, ctx)]).toEqual([...expected]);
    expect(decode(grab, expected, ctx)).toMatchObject({selection: 2, serial: 0x01020304, types: [1, 6]});
  });

  it('CLIPBOARD_GRAB with only CLIPBOARD_GRAB_SERIAL: serial, types', () => {
    const ctx = caps('CLIPBOARD_GRAB_SERIAL');
    expect([...encode(grab, {serial: 5, types: [1]}, ctx)]).toEqual([...new Bytes().u32(5, 1).done()]);
  });

  it('MONITORS_CONFIG with PHYSICAL_SIZE appends the millimetre sizes', () => {
    const expected = new Bytes().u32(1, 3).u32(768, 1024, 32, 0xfffffff6, 0).u16(200, 300).done();
    const value = {flags: 3, monitors: [{height: 768, width: 1024, depth: 32, x: -10, y: 0}], physical_sizes: [{height: 200, width: 300}]};
    expect([...encode(AgentMessages.MONITORS_CONFIG.schema, value)]).toEqual([...expected]);
    expect(decode(AgentMessages.MONITORS_CONFIG.schema, expected)).toEqual({num_of_monitors: 1, ...value});
  });

  it('FILE_XFER_DATA: u64 size counts the data', () => {
    const expected = new Bytes().u32(3).u64(2n).u8(0x61, 0x62).done();
    expect([...encode(AgentMessages.FILE_XFER_DATA.schema, {id: 3, data: new Uint8Array([0x61, 0x62])})]).toEqual([...expected]);
  });
});
