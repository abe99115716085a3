/**
 * The usb layer without a server: a UsbredirConnection over a fake usbredir channel talking to a usb-guest codec
 * (hello exchange with the guest's hello already waiting, LZ4-compressed slices, a broken stream failing only the
 * connection), and UsbDeviceHost answering a guest's requests for a scripted device.
 */
import {describe, expect, it} from 'vitest';
import {advertisedCaps} from '../../src/client/channels/advertised-caps.js';
import type {SpicevmcChunk, SpicevmcConsumer} from '../../src/client/channels/usbredir.js';
import {HOST_CAPS, UsbredirConnection, type UsbredirPipe} from '../../src/client/usb/connection.js';
import {UsbDeviceHost} from '../../src/client/usb/host.js';
import {spicevmcBytes} from '../../src/client/usb/spicevmc-data.js';
import {SpicevmcCap} from '../../src/client/wire/caps.js';
import {ChannelType, DataCompressionType} from '../../src/client/wire/enums.js';
import {UsbredirCodec, type UsbredirPacket} from '../../src/client/wire/usbredir/codec.js';
import {UsbredirPackets as P} from '../../src/client/wire/usbredir/packets.js';
import {UsbredirCap as C, UsbredirSpeed, UsbredirStatus} from '../../src/client/wire/usbredir/protocol.js';

/** A usbredir channel whose other end is a usb-guest codec; `toHost` queues slices as the channel would. */
class FakeChannel implements UsbredirPipe {
  readonly name = 'usbredir:0';
  consumer?: SpicevmcConsumer;
  readonly early: SpicevmcChunk[] = [];
  readonly fromHost: UsbredirPacket[] = [];
  readonly guest = new UsbredirCodec('guest', Object.values(C), 'qemu usb-redir guest 7.2.0');

  attach(consumer: SpicevmcConsumer): void {
    this.consumer = consumer;
    for (const c of this.early.splice(0)) consumer(c);
  }
  write(bytes: Uint8Array): void {
    this.fromHost.push(...this.guest.feed(bytes));
  }
  toHost(chunk: SpicevmcChunk): void {
    if (this.consumer) this.consumer(chunk);
    else this.early.push(chunk);
  }
  send(bytes: Uint8Array, slice = bytes.length): void {
    for (let i = 0; i < bytes.length; i += slice) this.toHost({type: DataCompressionType.NONE, data: bytes.subarray(i, i + slice)});
  }
}

/** One LZ4 block: `lit` literals, then a match of `len` bytes at `offset`, then the trailing literals. */
function lz4(lit: Uint8Array, offset: number, len: number, tail: Uint8Array): Uint8Array {
  const lenBytes = (n: number) => {
    const out: number[] = [];
    for (n -= 15; n >= 255; n -= 255) out.push(255);
    out.push(n);
    return out;
  };
  const m = len - 4;
  const seq1 = [((lit.length >= 15 ? 15 : lit.length) << 4) | (m >= 15 ? 15 : m), ...(lit.length >= 15 ? lenBytes(lit.length) : []), ...lit, offset & 0xff, offset >> 8, ...(m >= 15 ? lenBytes(m) : [])];
  const seq2 = [(tail.length >= 15 ? 15 : tail.length) << 4, ...(tail.length >= 15 ? lenBytes(tail.length) : []), ...tail];
  return Uint8Array.from([...seq1, ...seq2]);
}

describe('spicevmc slices', () => {
  it('COMPRESSED_DATA LZ4 blocks decode to their uncompressed_size; bad ones are protocol errors', () => {
    const block = lz4(Buffer.from('abcd'), 4, 1200, Buffer.from('tail!'));
    const out = spicevmcBytes({type: DataCompressionType.LZ4, uncompressedSize: 1209, data: block}, 'usbredir');
    expect(Buffer.from(out).toString()).toBe(`${'abcd'.repeat(301)}tail!`);
    expect(() => spicevmcBytes({type: DataCompressionType.LZ4, uncompressedSize: 1208, data: block}, 'usbredir')).toThrow(/usbredir: COMPRESSED_DATA: LZ4/);
    expect(() => spicevmcBytes({type: DataCompressionType.LZ4, uncompressedSize: 1300, data: block}, 'usbredir')).toThrow(/decoded to 1209 bytes, 1300 announced/);
    expect(() => spicevmcBytes({type: DataCompressionType.LZ4, uncompressedSize: 1 << 30, data: block}, 'usbredir')).toThrow(/announces 1073741824 bytes/);
    expect(() => spicevmcBytes({type: 7, data: block}, 'usbredir')).toThrow(/unknown compression type 7/);
  });
});

describe('UsbredirConnection', () => {
  it('finds the guest hello that arrived before it, says its own, and negotiates', async () => {
    const ch = new FakeChannel();
    ch.send(ch.guest.hello(), 7); // QEMU speaks as soon as the channel links
    const c = await UsbredirConnection.open(ch, {timeoutMs: 1000});
    expect(ch.fromHost.map((p) => p.def.name)).toEqual(['hello']);
    expect(c.peer).toEqual({version: 'qemu usb-redir guest 7.2.0', caps: Object.values(C).sort()});
    expect(c.negotiated).toEqual([...HOST_CAPS].sort());
    // 64-bit ids both ways, LZ4 slices included
    const got = c.waitFor(P.CONTROL_PACKET, 'control', 1000);
    const req = ch.guest.encode(P.CONTROL_PACKET, {endpoint: 0x00, request: 9, requesttype: 0x21, status: 0, value: 0x200, index: 0, length: 1200, data: new Uint8Array(1200).fill(0x5a)}, 0x1_0000_0001n);
    expect(req.length).toBe(16 + 10 + 1200);
    const block = lz4(req.subarray(0, 26 + 4), 4, 1196, new Uint8Array(0));
    expect(block.length).toBeLessThan(60);
    ch.toHost({type: DataCompressionType.LZ4, uncompressedSize: req.length, data: block});
    const p = await got;
    expect(p.id).toBe(0x1_0000_0001n);
    expect(p.value.data).toEqual(new Uint8Array(1200).fill(0x5a));
  });

  it('times out without a guest hello; a broken stream fails the connection, not the caller', async () => {
    const silent = new FakeChannel();
    await expect(UsbredirConnection.open(silent, {timeoutMs: 50})).rejects.toThrow(/timed out after 50 ms waiting for the usbredir hello of usbredir:0/);
    const ch = new FakeChannel();
    ch.send(ch.guest.hello());
    const c = await UsbredirConnection.open(ch, {timeoutMs: 1000});
    const waiting = c.waitFor(P.RESET, 'reset', 1000);
    const bad = Buffer.alloc(16);
    bad.writeUInt32LE(77, 0);
    expect(() => ch.send(bad)).not.toThrow();
    await expect(waiting).rejects.toThrow(/unknown packet type 77/);
    expect(c.error?.kind).toBe('protocol');
    expect(() => c.send(P.DEVICE_DISCONNECT, {})).toThrow(/unknown packet type 77/);
  });

  it('counts COMPRESSED_DATA; a malformed LZ4 block (bad size) is a protocol error of that slot, not a crash', async () => {
    expect(advertisedCaps(ChannelType.USBREDIR)).toEqual([SpicevmcCap.DATA_COMPRESS_LZ4]);
    const ch = new FakeChannel();
    ch.send(ch.guest.hello());
    const c = await UsbredirConnection.open(ch, {timeoutMs: 1000});
    const req = ch.guest.encode(P.CONTROL_PACKET, {endpoint: 0x00, request: 9, requesttype: 0x21, status: 0, value: 0x200, index: 0, length: 1200, data: new Uint8Array(1200).fill(0x5a)}, 3n);
    const block = lz4(req.subarray(0, 30), 4, 1196, new Uint8Array(0));
    const got = c.waitFor(P.CONTROL_PACKET, 'control', 1000);
    ch.toHost({type: DataCompressionType.LZ4, uncompressedSize: req.length, data: block});
    expect((await got).id).toBe(3n);
    expect(c.received).toMatchObject({messages: 2, compressedMessages: 1, compressedBytes: block.length, decompressedBytes: req.length});

    // a match reaching before the output's start (offset 40 after 4 literals), and one announcing 8 bytes too many
    const waiting = c.waitFor(P.RESET, 'reset', 1000);
    const bad = lz4(Buffer.from('abcd'), 40, 100, Buffer.from('tail!'));
    expect(() => ch.toHost({type: DataCompressionType.LZ4, uncompressedSize: 109, data: bad})).not.toThrow();
    await expect(waiting).rejects.toThrow(/^usbredir:0: COMPRESSED_DATA: LZ4/);
    expect(c.error?.kind).toBe('protocol');
    expect(() => c.send(P.RESET, {})).toThrow(/COMPRESSED_DATA/);
    expect(() => ch.toHost({type: DataCompressionType.LZ4, uncompressedSize: req.length, data: block})).not.toThrow(); // ignored now
    expect(c.received.compressedMessages).toBe(1);

    const other = new FakeChannel();
    other.send(other.guest.hello());
    const c2 = await UsbredirConnection.open(other, {timeoutMs: 1000});
    const w2 = c2.waitFor(P.RESET, 'reset', 1000);
    other.toHost({type: DataCompressionType.LZ4, uncompressedSize: req.length + 8, data: block});
    await expect(w2).rejects.toThrow(/decoded to 1226 bytes, 1234 announced/);
    expect(c2.error?.kind).toBe('protocol');
  });
});

describe('UsbDeviceHost', () => {
  it('describes the device, answers control requests with their ids, configuration, and waits for the disconnect ack', async () => {
    const ch = new FakeChannel();
    ch.send(ch.guest.hello());
    const c = await UsbredirConnection.open(ch, {timeoutMs: 1000});
    const descriptor = Uint8Array.from({length: 18}, (_, i) => i);
    const host = new UsbDeviceHost(c, {
      info: {
        speed: UsbredirSpeed.FULL,
        deviceClass: 0,
        deviceSubclass: 0,
        deviceProtocol: 0,
        vendorId: 0x1234,
        productId: 0x5678,
        deviceVersion: 0x0102,
        ep0MaxPacketSize: 64,
        interfaces: [{number: 0, class: 3, subclass: 1, protocol: 1}],
        endpoints: [{address: 0x81, type: 3, interval: 10, interface: 0, maxPacketSize: 8}],
      },
      control: (r) => (r.request === 6 ? {status: UsbredirStatus.SUCCESS, data: descriptor} : {status: UsbredirStatus.STALL}),
    });
    host.attach();
    expect(ch.fromHost.map((p) => p.def.name)).toEqual(['hello', 'interface_info', 'ep_info', 'device_connect']);
    const ep = ch.fromHost[2]!.value as {type: number[]; interval: number[]; max_packet_size: number[]};
    expect([ep.type[0], ep.type[16], ep.type[17], ep.type[1], ep.interval[17], ep.max_packet_size[17]]).toEqual([0, 0, 3, 255, 10, 8]);
    expect(ch.fromHost[3]!.value).toMatchObject({speed: 1, vendor_id: 0x1234, product_id: 0x5678, device_version_bcd: 0x0102});

    const ask = (id: bigint, length: number, request = 6) =>
      ch.send(ch.guest.encode(P.CONTROL_PACKET, {endpoint: 0x80, request, requesttype: 0x80, status: 0, value: 0x100, index: 0, length, data: new Uint8Array(0)}, id));
    ask(5n, 8);
    ask(6n, 64);
    ask(7n, 2, 0);
    ch.send(ch.guest.encode(P.SET_CONFIGURATION, {configuration: 1}, 8n));
    ch.send(ch.guest.encode(P.START_INTERRUPT_RECEIVING, {endpoint: 0x81}, 9n));
    await new Promise((r) => setImmediate(r));
    const replies = ch.fromHost.slice(4).map((p) => [p.def.name, p.id, (p.value as {status?: number}).status, (p.value as {data?: Uint8Array}).data?.length]);
    expect(replies).toEqual([
      ['control_packet', 5n, 0, 8],
      ['control_packet', 6n, 0, 18],
      ['control_packet', 7n, UsbredirStatus.STALL, 0],
      ['interface_info', 0n, undefined, undefined],
      ['ep_info', 0n, undefined, undefined],
      ['configuration_status', 8n, 0, undefined],
      ['interrupt_receiving_status', 9n, UsbredirStatus.INVAL, undefined], // the device serves no interrupt IN transfers
    ]);

    const detached = host.detach(1000);
    expect(ch.fromHost.at(-1)!.def.name).toBe('device_disconnect');
    ch.send(ch.guest.encode(P.DEVICE_DISCONNECT_ACK, {}));
    await detached;
  });
});
