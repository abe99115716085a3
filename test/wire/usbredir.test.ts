/**
 * The usbredir wire layer (src/client/wire/usbredir/): every packet round-trips between a usb-host and a usb-guest
 * codec under each negotiation, any slicing of the stream gives the same packets, and bad input is a WireError
 * naming what is wrong, never unbounded buffering.
 */
import {describe, expect, it} from 'vitest';
import {UsbredirCodec, type UsbredirPacket} from '../../src/client/wire/usbredir/codec.js';
import {bulkLength, splitBulkLength, UsbredirPackets as P, type UsbredirPacketDef} from '../../src/client/wire/usbredir/packets.js';
import {epAddress, epIndex, MAX_PACKET_LENGTH, UsbredirCap as C} from '../../src/client/wire/usbredir/protocol.js';
import {WireError} from '../../src/client/wire/reader.js';
import {prng} from '../support/prng.js';

const ALL_CAPS = Object.values(C);
/** QEMU 7.2's usb-redir caps (usbredir_create_parser; device_disconnect_ack added by usbredirparser for guests). */
const QEMU_CAPS = [C.CONNECT_DEVICE_VERSION, C.FILTER, C.DEVICE_DISCONNECT_ACK, C.EP_INFO_MAX_PACKET_SIZE, C['64BITS_IDS'], C['32BITS_BULK_LENGTH'], C.BULK_RECEIVING, C.BULK_STREAMS];

function pair(hostCaps: number[], guestCaps: number[]): {host: UsbredirCodec; guest: UsbredirCodec} {
  const host = new UsbredirCodec('host', hostCaps, 'spice-cli test');
  const guest = new UsbredirCodec('guest', guestCaps, 'qemu usb-redir guest 7.2.0');
  const hostHello = host.hello();
  const guestHello = guest.hello();
  expect(host.feed(guestHello).map((p) => p.def.name)).toEqual(['hello']);
  expect(guest.feed(hostHello).map((p) => p.def.name)).toEqual(['hello']);
  return {host, guest};
}

const arr = (n: number, f: (i: number) => number) => Array.from({length: 32}, (_, i) => (i < n ? f(i) : 0));
const bytesOf = (n: number, seed = 1) => Uint8Array.from({length: n}, (_, i) => (i * 31 + seed) & 0xff);

type Sample = {def: UsbredirPacketDef<any, any>; from: 'host' | 'guest'; value: Record<string, unknown>; id?: bigint};

/** One packet of every type (both senders for the data packets), valid when every cap is negotiated. */
function samples(full: boolean): Sample[] {
  return [
    {def: P.DEVICE_CONNECT, from: 'host', value: {speed: 2, device_class: 0, device_subclass: 0, device_protocol: 0, vendor_id: 0x46f4, product_id: 0x0001, ...(full ? {device_version_bcd: 0x0200} : {})}},
    {def: P.DEVICE_DISCONNECT, from: 'host', value: {}},
    {def: P.RESET, from: 'guest', value: {}, id: 7n},
    {def: P.INTERFACE_INFO, from: 'host', value: {interface_count: 1, interface: arr(1, () => 0), interface_class: arr(1, () => 8), interface_subclass: arr(1, () => 6), interface_protocol: arr(1, () => 0x50)}},
    {
      def: P.EP_INFO,
      from: 'host',
      value: {
        type: arr(32, (i) => (i === 0 || i === 16 ? 0 : i === 2 || i === 17 ? 2 : 255)),
        interval: arr(32, () => 0),
        interface: arr(32, () => 0),
        ...(full ? {max_packet_size: arr(32, (i) => (i === 0 || i === 16 ? 64 : 512)), max_streams: arr(32, () => 0)} : {}),
      },
    },
    {def: P.SET_CONFIGURATION, from: 'guest', value: {configuration: 1}, id: 11n},
    {def: P.GET_CONFIGURATION, from: 'guest', value: {}, id: 12n},
    {def: P.CONFIGURATION_STATUS, from: 'host', value: {status: 0, configuration: 1}, id: 12n},
    {def: P.SET_ALT_SETTING, from: 'guest', value: {interface: 0, alt: 1}, id: 13n},
    {def: P.GET_ALT_SETTING, from: 'guest', value: {interface: 0}, id: 14n},
    {def: P.ALT_SETTING_STATUS, from: 'host', value: {status: 0, interface: 0, alt: 1}, id: 14n},
    {def: P.START_ISO_STREAM, from: 'guest', value: {endpoint: 0x83, pkts_per_urb: 8, no_urbs: 3}},
    {def: P.STOP_ISO_STREAM, from: 'guest', value: {endpoint: 0x83}},
    {def: P.ISO_STREAM_STATUS, from: 'host', value: {status: 4, endpoint: 0x83}},
    {def: P.START_INTERRUPT_RECEIVING, from: 'guest', value: {endpoint: 0x81}},
    {def: P.STOP_INTERRUPT_RECEIVING, from: 'guest', value: {endpoint: 0x81}},
    {def: P.INTERRUPT_RECEIVING_STATUS, from: 'host', value: {status: 0, endpoint: 0x81}},
    {def: P.ALLOC_BULK_STREAMS, from: 'guest', value: {endpoints: 1 << epIndex(0x82), no_streams: 16}},
    {def: P.FREE_BULK_STREAMS, from: 'guest', value: {endpoints: 1 << epIndex(0x82)}},
    {def: P.BULK_STREAMS_STATUS, from: 'host', value: {endpoints: 1 << epIndex(0x82), no_streams: 16, status: 0}},
    {def: P.CANCEL_DATA_PACKET, from: 'guest', value: {}, id: 0x1_0000_0005n},
    {def: P.FILTER_REJECT, from: 'guest', value: {}},
    {def: P.FILTER_FILTER, from: 'guest', value: {rules: '0x03,-1,-1,-1,0|-1,-1,-1,-1,1'}},
    {def: P.FILTER_FILTER, from: 'host', value: {rules: '-1,-1,-1,-1,1'}},
    {def: P.DEVICE_DISCONNECT_ACK, from: 'guest', value: {}},
    {def: P.START_BULK_RECEIVING, from: 'guest', value: {stream_id: 0, bytes_per_transfer: 4096, endpoint: 0x82, no_transfers: 4}},
    {def: P.STOP_BULK_RECEIVING, from: 'guest', value: {stream_id: 0, endpoint: 0x82}},
    {def: P.BULK_RECEIVING_STATUS, from: 'host', value: {stream_id: 0, endpoint: 0x82, status: 0}},
    // GET_DESCRIPTOR(device): the guest asks (no data), the host answers with 18 bytes.
    {def: P.CONTROL_PACKET, from: 'guest', value: {endpoint: 0x80, request: 6, requesttype: 0x80, status: 0, value: 0x0100, index: 0, length: 18, data: new Uint8Array(0)}, id: 0xdead_beef_0001n},
    {def: P.CONTROL_PACKET, from: 'host', value: {endpoint: 0x80, request: 6, requesttype: 0x80, status: 0, value: 0x0100, index: 0, length: 18, data: bytesOf(18)}, id: 0xdead_beef_0001n},
    // SET_REPORT-like OUT control with data from the guest; the host's reply carries none.
    {def: P.CONTROL_PACKET, from: 'guest', value: {endpoint: 0x00, request: 9, requesttype: 0x21, status: 0, value: 0x0200, index: 0, length: 1, data: bytesOf(1)}, id: 3n},
    {def: P.CONTROL_PACKET, from: 'host', value: {endpoint: 0x00, request: 9, requesttype: 0x21, status: 0, value: 0x0200, index: 0, length: 1, data: new Uint8Array(0)}, id: 3n},
    // Bulk OUT 70000 bytes (needs length_high), bulk IN request and its reply.
    ...(full
      ? [
          {def: P.BULK_PACKET, from: 'guest' as const, value: {endpoint: 0x02, status: 0, ...splitBulkLength(70000), stream_id: 0, data: bytesOf(70000, 3)}, id: 21n},
          {def: P.BULK_PACKET, from: 'host' as const, value: {endpoint: 0x02, status: 0, ...splitBulkLength(70000), stream_id: 0, data: new Uint8Array(0)}, id: 21n},
        ]
      : [
          {def: P.BULK_PACKET, from: 'guest' as const, value: {endpoint: 0x02, status: 0, length: 512, stream_id: 0, data: bytesOf(512, 3)}, id: 21n},
        ]),
    {def: P.BULK_PACKET, from: 'guest', value: {endpoint: 0x82, status: 0, length: 512, stream_id: 0, ...(full ? {length_high: 0} : {}), data: new Uint8Array(0)}, id: 22n},
    {def: P.BULK_PACKET, from: 'host', value: {endpoint: 0x82, status: 0, length: 13, stream_id: 0, ...(full ? {length_high: 0} : {}), data: bytesOf(13)}, id: 22n},
    {def: P.ISO_PACKET, from: 'host', value: {endpoint: 0x83, status: 0, length: 192, data: bytesOf(192)}},
    {def: P.ISO_PACKET, from: 'guest', value: {endpoint: 0x03, status: 0, length: 192, data: bytesOf(192)}},
    {def: P.INTERRUPT_PACKET, from: 'host', value: {endpoint: 0x81, status: 0, length: 8, data: bytesOf(8)}},
    {def: P.INTERRUPT_PACKET, from: 'guest', value: {endpoint: 0x01, status: 0, length: 2, data: bytesOf(2)}, id: 30n},
    {def: P.INTERRUPT_PACKET, from: 'host', value: {endpoint: 0x01, status: 0, length: 2, data: new Uint8Array(0)}, id: 30n},
    {def: P.BUFFERED_BULK_PACKET, from: 'host', value: {stream_id: 0, length: 64, endpoint: 0x82, status: 0, data: bytesOf(64)}},
  ];
}

/** Sends every sample from its side and returns what the other side parsed, plus the two byte streams. */
function exchange(host: UsbredirCodec, guest: UsbredirCodec, list: Sample[]) {
  const toGuest: Uint8Array[] = [];
  const toHost: Uint8Array[] = [];
  for (const s of list) (s.from === 'host' ? toGuest : toHost).push((s.from === 'host' ? host : guest).encode(s.def, s.value, s.id ?? 0n));
  return {toGuest, toHost};
}

const summary = (ps: UsbredirPacket[]) => ps.map((p) => ({name: p.def.name, id: p.id, value: p.value}));
const expected = (list: Sample[]) => list.map((s) => ({name: s.def.name, id: s.id ?? 0n, value: s.value}));

describe('usbredir hello and negotiation', () => {
  it('exchanges versions and caps; the negotiated set is what both announce; ids go 64-bit only with both', () => {
    const {host, guest} = pair([C.CONNECT_DEVICE_VERSION, C.FILTER, C['64BITS_IDS']], QEMU_CAPS);
    expect(host.negotiation.peerVersion).toBe('qemu usb-redir guest 7.2.0');
    expect(guest.negotiation.peerVersion).toBe('spice-cli test');
    expect(host.negotiation.negotiated).toEqual([C.CONNECT_DEVICE_VERSION, C.FILTER, C['64BITS_IDS']]);
    expect(host.negotiation.headerSize).toBe(16);
    const narrow = pair([C.FILTER], QEMU_CAPS);
    expect(narrow.host.negotiation.headerSize).toBe(12);
  });

  it('the hello is 12 + 64 + 4 bytes: 32-bit id 0, NUL-padded version, one caps word', () => {
    const host = new UsbredirCodec('host', [C['64BITS_IDS'], C.FILTER], 'spice-cli 1');
    const b = host.hello();
    expect(b.length).toBe(80);
    const v = new DataView(b.buffer);
    expect([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true)]).toEqual([0, 68, 0]);
    expect(Buffer.from(b.subarray(12, 23)).toString()).toBe('spice-cli 1');
    expect(b[23]).toBe(0);
    expect(v.getUint32(76, true)).toBe((1 << 5) | (1 << 2));
  });

  it('bulk_streams without ep_info_max_packet_size is dropped, as usbredirparser does', () => {
    const {host} = pair([C.BULK_STREAMS], [C.BULK_STREAMS, C.EP_INFO_MAX_PACKET_SIZE]);
    expect(host.negotiation.negotiated).toEqual([]);
  });
});

describe('usbredir packets round-trip', () => {
  for (const [label, caps] of [
    ['every cap (64-bit ids, 32-bit bulk lengths, bcd, max_packet_size, max_streams)', ALL_CAPS],
    ['only filter, disconnect ack, bulk receiving (32-bit ids, short layouts)', [C.FILTER, C.DEVICE_DISCONNECT_ACK, C.BULK_RECEIVING]],
  ] as const) {
    it(label, () => {
      const full = caps.length === ALL_CAPS.length;
      const {host, guest} = pair([...caps], [...caps]);
      const list = samples(full);
      const {toGuest, toHost} = exchange(host, guest, list);
      const gotByGuest = toGuest.flatMap((b) => guest.feed(b));
      const gotByHost = toHost.flatMap((b) => host.feed(b));
      // Without 64bits_ids the header carries the low 32 bits of an id.
      const ids = (e: {name: string; id: bigint; value: unknown}) => (full ? e : {...e, id: e.id & 0xffff_ffffn});
      expect(summary(gotByGuest)).toEqual(expected(list.filter((s) => s.from === 'host')).map(ids));
      expect(summary(gotByHost)).toEqual(expected(list.filter((s) => s.from === 'guest')).map(ids));
      // Header sizes follow the negotiation: device_disconnect is a bare header.
      expect(host.encode(P.DEVICE_DISCONNECT, {}).length).toBe(full ? 16 : 12);
      expect(host.encode(P.DEVICE_CONNECT, samples(full)[0]!.value as never).length).toBe((full ? 16 : 12) + (full ? 10 : 8));
      expect(host.encode(P.EP_INFO, samples(full)[4]!.value as never).length).toBe((full ? 16 : 12) + (full ? 96 + 64 + 128 : 96));
    });
  }

  it('a 32-bit bulk length is split into length and length_high', () => {
    expect(splitBulkLength(70000)).toEqual({length: 70000 & 0xffff, length_high: 1});
    expect(bulkLength({length: 4464, length_high: 1})).toBe(70000);
    expect(bulkLength({length: 512})).toBe(512);
  });

  it('endpoint addresses map to ep_info indexes and back', () => {
    expect([0x00, 0x0f, 0x80, 0x81, 0x8f].map(epIndex)).toEqual([0, 15, 16, 17, 31]);
    for (let i = 0; i < 32; i++) expect(epIndex(epAddress(i))).toBe(i);
  });
});

describe('usbredir stream slicing', () => {
  it('byte-at-a-time and random slices give the same packets as whole writes', () => {
    const {host, guest} = pair(ALL_CAPS, ALL_CAPS);
    const list = samples(true).filter((s) => s.from === 'guest');
    const {toHost} = exchange(host, guest, list);
    const stream = new Uint8Array(Buffer.concat(toHost));

    const whole = pair(ALL_CAPS, ALL_CAPS).host;
    const byByte = pair(ALL_CAPS, ALL_CAPS).host;
    const random = pair(ALL_CAPS, ALL_CAPS).host;
    const a = whole.feed(stream);
    const b: UsbredirPacket[] = [];
    for (let i = 0; i < stream.length; i++) b.push(...byByte.feed(stream.subarray(i, i + 1)));
    const rnd = prng(42);
    const c: UsbredirPacket[] = [];
    for (let i = 0; i < stream.length; ) {
      const n = 1 + Math.floor(rnd() * 300);
      c.push(...random.feed(stream.subarray(i, i + n)));
      i += n;
    }
    expect(summary(a)).toEqual(expected(list));
    expect(summary(b)).toEqual(summary(a));
    expect(summary(c)).toEqual(summary(a));
    expect([whole.buffered, byByte.buffered, random.buffered]).toEqual([0, 0, 0]);
  });

  it('the hello and the first packet after it in one slice switch header size in between', () => {
    const host = new UsbredirCodec('host', ALL_CAPS, 'h');
    const guest = new UsbredirCodec('guest', ALL_CAPS, 'g');
    guest.feed(host.hello());
    const stream = new Uint8Array(Buffer.concat([guest.hello(), guest.encode(P.GET_CONFIGURATION, {}, 0x1234_5678_9an)]));
    expect(summary(host.feed(stream))).toEqual([
      {name: 'hello', id: 0n, value: {version: 'g', capabilities: [0xff]}},
      {name: 'get_configuration', id: 0x1234_5678_9an, value: {}},
    ]);
  });
});

describe('usbredir bad input', () => {
  const header = (type: number, length: number, id = 0) => {
    const b = Buffer.alloc(12);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(length, 4);
    b.writeUInt32LE(id, 8);
    return b;
  };
  const hostAfterHello = (caps: number[] = [C.FILTER]) => pair(caps, caps).host;

  it('an unknown type is a protocol error naming it', () => {
    const host = hostAfterHello();
    expect(() => host.feed(header(55, 0))).toThrow(/unknown packet type 55/);
    const err = (() => {
      try {
        hostAfterHello().feed(header(99, 4));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).kind).toBe('protocol');
  });

  it('a length over 64 MiB is refused at the header, before any body is held', () => {
    const host = hostAfterHello();
    expect(() => host.feed(header(101, MAX_PACKET_LENGTH + 1))).toThrow(/bulk_packet: length 67108865 exceeds the 67108864-byte limit/);
    expect(host.buffered).toBe(0);
  });

  it('a packet before the peer hello, and a second hello, are protocol errors', () => {
    const host = new UsbredirCodec('host', [], 'h');
    expect(() => host.feed(header(3, 0))).toThrow(/reset before the peer's hello/);
    const after = hostAfterHello();
    expect(() => after.feed(new UsbredirCodec('guest', [], 'g').hello())).toThrow(/a second hello/);
  });

  it('packets from the wrong side, without the receiver cap, or with bad data lengths are refused', () => {
    expect(() => hostAfterHello().feed(header(1, 8))).toThrow(/device_connect from the usb-guest: only the usb-host sends it/);
    expect(() => hostAfterHello([C.CONNECT_DEVICE_VERSION]).feed(header(22, 0))).toThrow(/filter_reject .* did not announce cap FILTER/);
    // control OUT from the guest declaring 4 bytes, carrying 2
    const ctl = Buffer.concat([header(100, 10 + 2, 1), Buffer.from([0x00, 9, 0x21, 0, 0, 2, 0, 0, 4, 0, 0xaa, 0xbb])]);
    expect(() => hostAfterHello().feed(ctl)).toThrow(/control_packet from the usb-guest: 2 data bytes, length says 4/);
    // control IN from the guest carrying data
    const ctlIn = Buffer.concat([header(100, 10 + 1, 1), Buffer.from([0x80, 6, 0x80, 0, 0, 1, 0, 0, 1, 0, 0xaa])]);
    expect(() => hostAfterHello().feed(ctlIn)).toThrow(/1 data bytes in the direction without data/);
    // interrupt receiving on an OUT endpoint
    expect(() => hostAfterHello().feed(Buffer.concat([header(15, 1), Buffer.from([0x01])]))).toThrow(/endpoint 0x01 is not an IN endpoint/);
  });

  it('bodies shorter or longer than their declaration are refused', () => {
    expect(() => hostAfterHello().feed(Buffer.concat([header(6, 0)]))).toThrow(/set_configuration: truncated message/);
    expect(() => hostAfterHello().feed(Buffer.concat([header(6, 2), Buffer.from([1, 2])]))).toThrow(/set_configuration: 1 bytes after its 1-byte header/);
    expect(() => hostAfterHello().feed(Buffer.concat([header(23, 3), Buffer.from('a,b')]))).toThrow(/not NUL-terminated/);
  });

  it('our own mistakes are caught before anything is sent', () => {
    const host = new UsbredirCodec('host', ALL_CAPS, 'h');
    expect(() => host.encode(P.DEVICE_DISCONNECT, {})).toThrow(/before both hellos/);
    const {host: ready} = pair(ALL_CAPS, ALL_CAPS);
    expect(() => ready.encode(P.RESET, {})).toThrow(WireError);
    expect(() => ready.encode(P.INTERRUPT_PACKET, {endpoint: 0x81, status: 0, length: 8, data: new Uint8Array(2)})).toThrow(/2 data bytes, length says 8/);
    expect(() => new UsbredirCodec('host', [], 'x'.repeat(64)).hello()).toThrow(/char\[64\]/);
  });
});
