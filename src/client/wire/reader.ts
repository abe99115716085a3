import {SpiceError} from '../errors.js';

/** Raised for any read past the end of a message or a value out of its allowed range. */
export class WireError extends SpiceError {
  constructor(message: string) {
    super('protocol', message);
    this.name = 'WireError';
  }
}

/**
 * Little-endian reader over one message body. `base` is where SPICE pointer
 * offsets (ptr32, counted from the start of the message body) are measured from.
 * Every read is bounds-checked: a truncated message is a WireError, never a RangeError.
 */
export class WireReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;
  /** Exclusive end of the readable region. */
  end: number;
  readonly base: number;

  constructor(bytes: Uint8Array, pos = 0, end = bytes.length, base = pos) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = pos;
    this.end = end;
    this.base = base;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new WireError(`truncated message: ${what} needs ${n} bytes at offset ${this.pos - this.base}, ${Math.max(0, this.end - this.pos)} left`);
    }
  }

  u8(): number {
    this.need(1, 'u8');
    return this.view.getUint8(this.pos++);
  }
  i8(): number {
    this.need(1, 'i8');
    return this.view.getInt8(this.pos++);
  }
  u16(): number {
    this.need(2, 'u16');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  i16(): number {
    this.need(2, 'i16');
    const v = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4, 'u32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4, 'i32');
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8, 'u64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    this.need(8, 'i64');
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** A view (no copy) of the next n bytes. */
  take(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A reader positioned at a pointer target (offset from the message body start), sharing base and end. */
  at(offset: number, what: string): WireReader {
    const abs = this.base + offset;
    if (offset < 0 || abs > this.end) throw new WireError(`${what}: pointer ${offset} is outside the message (${this.end - this.base} bytes)`);
    return new WireReader(this.bytes, abs, this.end, this.base);
  }
}
