/** Growable little-endian writer. Pointer targets are appended after the main body (see layout.ts ptr). */
export class WireWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;
  /** Pointer targets still to be written: [offset of the u32 to patch, a function that writes the target]. */
  readonly deferred: Array<[number, () => void]> = [];

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.pos++, v);
  }
  i8(v: number): void {
    this.ensure(1);
    this.view.setInt8(this.pos++, v);
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  i16(v: number): void {
    this.ensure(2);
    this.view.setInt16(this.pos, v, true);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
  }
  i64(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }

  /** Writes every pending pointer target (which may add more) and returns the finished bytes. */
  finish(): Uint8Array {
    for (let i = 0; i < this.deferred.length; i++) {
      const [at, writeTarget] = this.deferred[i]!;
      this.patchU32(at, this.pos);
      writeTarget();
    }
    this.deferred.length = 0;
    return this.buf.slice(0, this.pos);
  }
}
