/**
 * The usbredir byte stream both ways. `feed()` takes the stream in any slicing (SPICEVMC DATA carries arbitrary
 * slices) and returns the complete packets; `encode()` turns one packet into bytes. Each side's first packet is
 * its hello (always with a 32-bit id); the peer's hello decides, for everything after it, the header's id width
 * and the cap-dependent fields (negotiation.ts). Bounds: an unknown type, a length over MAX_PACKET_LENGTH, a
 * body that does not match its declaration or a packet that breaks the protocol's rules (checks.ts) is a
 * WireError naming it; bytes are held only until a packet is complete, and never more than one packet's worth.
 */
import {WireError, WireReader} from '../reader.js';
import {encode as encodeSchema} from '../schema.js';
import {SpiceError} from '../../errors.js';
import {checkPacket, checkSender, type UsbredirRole} from './checks.js';
import {UsbredirNegotiation} from './negotiation.js';
import {UsbredirHeader32, UsbredirHeader64, type UsbredirPacketDef, UsbredirPackets, usbredirPacket} from './packets.js';
import {HEADER_SIZE_32, HEADER_SIZE_64, MAX_PACKET_LENGTH, UsbredirType} from './protocol.js';

export interface UsbredirPacket<R = unknown> {
  def: UsbredirPacketDef<R>;
  /** The header id: a request's id, echoed by its reply; 0 for unsolicited packets. */
  id: bigint;
  value: R;
}

/** Narrows a received packet to one declaration's type. */
export function isPacket<R>(p: UsbredirPacket, def: UsbredirPacketDef<R, any>): p is UsbredirPacket<R> {
  return p.def === (def as UsbredirPacketDef);
}

interface PendingHeader {
  def: UsbredirPacketDef;
  length: number;
  id: bigint;
}

export class UsbredirCodec {
  readonly negotiation: UsbredirNegotiation;
  private readonly chunks: Uint8Array[] = [];
  private head = 0;
  private bufferedBytes = 0;
  private header?: PendingHeader;
  private helloSent = false;

  /** `role`: which side we are; `ourCaps`: UsbredirCap numbers our hello announces; `version`: its version string. */
  constructor(
    readonly role: UsbredirRole,
    ourCaps: Iterable<number>,
    readonly version: string,
  ) {
    this.negotiation = new UsbredirNegotiation(ourCaps);
  }

  /** Bytes received that do not yet make a whole packet. */
  get buffered(): number {
    return this.bufferedBytes;
  }

  /** Appends received bytes and returns every packet they complete, in order. */
  feed(chunk: Uint8Array): UsbredirPacket[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    const out: UsbredirPacket[] = [];
    for (;;) {
      if (!this.header) {
        // The header's size may change after each packet (the peer's hello).
        const size = this.negotiation.hasPeer ? this.negotiation.headerSize : HEADER_SIZE_32;
        if (this.bufferedBytes < size) return out;
        this.header = this.readHeader(this.take(size));
      }
      const h = this.header;
      if (this.bufferedBytes < h.length) return out;
      const body = this.take(h.length);
      this.header = undefined;
      out.push(this.readBody(h, body));
    }
  }

  private readHeader(bytes: Uint8Array): PendingHeader {
    const r = new WireReader(bytes);
    const h = bytes.length === HEADER_SIZE_64 ? UsbredirHeader64.read(r, {}, {}) : UsbredirHeader32.read(r, {}, {});
    const def = usbredirPacket(h.type);
    if (!def) throw new WireError(`usbredir: unknown packet type ${h.type} (length ${h.length})`);
    if (h.length > MAX_PACKET_LENGTH) throw new WireError(`usbredir ${def.name}: length ${h.length} exceeds the ${MAX_PACKET_LENGTH}-byte limit`);
    if (!this.negotiation.hasPeer && def.type !== UsbredirType.HELLO) throw new WireError(`usbredir: ${def.name} before the peer's hello (hello must come first)`);
    if (this.negotiation.hasPeer && def.type === UsbredirType.HELLO) throw new WireError('usbredir: a second hello');
    if (def.type !== UsbredirType.HELLO) checkSender(def, this.role, 'in', this.negotiation);
    return {def, length: h.length, id: h.id};
  }

  private readBody(h: PendingHeader, body: Uint8Array): UsbredirPacket {
    const r = new WireReader(body);
    let value: Record<string, unknown>;
    try {
      value = h.def.schema.read(r, {}, this.negotiation.context) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof SpiceError) throw new WireError(`usbredir ${h.def.name}: ${e.message}`);
      throw e;
    }
    if (r.remaining) throw new WireError(`usbredir ${h.def.name}: ${r.remaining} bytes after its ${body.length - r.remaining}-byte header`);
    if (h.def.type === UsbredirType.FILTER_FILTER && body[body.length - 1] !== 0) {
      throw new WireError('usbredir filter_filter: the rules are not NUL-terminated');
    }
    if (h.def.type === UsbredirType.HELLO) {
      const hello = value as {version: string; capabilities: number[]};
      this.negotiation.setPeer(hello.version, hello.capabilities);
    } else {
      checkPacket(h.def, value, this.role, 'in', this.negotiation);
    }
    return {def: h.def, id: h.id, value};
  }

  /** The next n buffered bytes (a view when they sit in one chunk). */
  private take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    this.bufferedBytes -= n;
    const first = this.chunks[this.head]!;
    if (first.length >= n) {
      this.consume(first, n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    for (let at = 0; at < n; ) {
      const c = this.chunks[this.head]!;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      this.consume(c, k);
    }
    return out;
  }

  /** Drops k bytes from the head chunk c (an index, not shift(): byte-at-a-time input makes many chunks). */
  private consume(c: Uint8Array, k: number): void {
    if (k < c.length) {
      this.chunks[this.head] = c.subarray(k);
      return;
    }
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Our hello: the version string and our caps, with a 32-bit id 0. Must be the first packet we send. */
  hello(): Uint8Array {
    if (this.helloSent) throw new Error('internal error: usbredir hello sent twice');
    this.helloSent = true;
    const body = encodeSchema(UsbredirPackets.HELLO.schema, {version: this.version, capabilities: this.negotiation.ourWords});
    return withHeader(encodeSchema(UsbredirHeader32, {type: UsbredirType.HELLO, length: body.length, id: 0n}), body);
  }

  /** One packet as bytes. Anything but hello needs both hellos first (they decide the header and the layouts). */
  encode<W>(def: UsbredirPacketDef<unknown, W>, value: W, id = 0n): Uint8Array {
    if (def.type === UsbredirType.HELLO) throw new Error('internal error: send the usbredir hello with hello()');
    if (!this.helloSent || !this.negotiation.hasPeer) throw new Error(`internal error: usbredir ${def.name} before both hellos`);
    checkPacket(def, value as Record<string, unknown>, this.role, 'out', this.negotiation);
    const body = encodeSchema(def.schema, value, this.negotiation.context);
    if (body.length > MAX_PACKET_LENGTH) throw new WireError(`usbredir ${def.name}: ${body.length} bytes exceed the ${MAX_PACKET_LENGTH}-byte limit`);
    const header = this.negotiation.ids64
      ? encodeSchema(UsbredirHeader64, {type: def.type, length: body.length, id})
      : encodeSchema(UsbredirHeader32, {type: def.type, length: body.length, id});
    return withHeader(header, body);
  }
}

function withHeader(header: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}
