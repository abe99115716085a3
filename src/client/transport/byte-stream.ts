/**
 * Pull-style reads of exact byte counts from a socket, with a timeout on each wait.
 * Chunks are kept as received; a read that fits in one chunk returns a view, not a copy.
 * When more than `highWater` bytes are buffered unread, the socket is paused until they are consumed.
 */
import type {Duplex} from 'node:stream';
import {SpiceError, timeoutError} from '../errors.js';

interface Pending {
  n: number;
  resolve: (b: Uint8Array) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
  what: string;
}

export class ByteStream {
  private chunks: Uint8Array[] = [];
  private head = 0; // offset into chunks[0]
  private buffered = 0;
  private pending: Pending | null = null;
  private ended: Error | null = null;
  private paused = false;
  bytesRead = 0;

  constructor(
    readonly socket: Duplex,
    private readonly highWater = 32 * 1024 * 1024,
  ) {
    socket.on('data', (chunk: Buffer) => this.push(chunk));
    socket.on('end', () => this.fail(new SpiceError('connection-lost', 'the server closed the connection')));
    socket.on('close', () => this.fail(new SpiceError('connection-lost', 'the connection was closed')));
    socket.on('error', (err: Error) => this.fail(new SpiceError('connection-lost', `connection error: ${err.message}`, {cause: err})));
  }

  get closedError(): Error | null {
    return this.ended;
  }

  private push(chunk: Buffer): void {
    this.chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.buffered += chunk.byteLength;
    this.bytesRead += chunk.byteLength;
    if (this.buffered > this.highWater && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.serve();
  }

  private fail(err: Error): void {
    if (this.ended) return;
    this.ended = err;
    this.serve();
  }

  private serve(): void {
    const p = this.pending;
    if (!p) return;
    if (this.buffered >= p.n) {
      this.pending = null;
      if (p.timer) clearTimeout(p.timer);
      p.resolve(this.take(p.n));
    } else if (this.ended) {
      this.pending = null;
      if (p.timer) clearTimeout(p.timer);
      const err = this.buffered > 0 || p.n > 0 ? new SpiceError((this.ended as SpiceError).kind ?? 'connection-lost', `${this.ended.message} (while reading ${p.what}: ${this.buffered} of ${p.n} bytes)`) : this.ended;
      p.reject(err);
    }
  }

  private take(n: number): Uint8Array {
    this.buffered -= n;
    if (this.paused && this.buffered < this.highWater / 2) {
      this.paused = false;
      this.socket.resume();
    }
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[0]!;
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const avail = c.length - this.head;
      const want = Math.min(avail, n - filled);
      out.set(c.subarray(this.head, this.head + want), filled);
      filled += want;
      this.head += want;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    return out;
  }

  /** Resolves with exactly n bytes; rejects on close, error, or when timeoutMs passes first. */
  read(n: number, what: string, timeoutMs?: number): Promise<Uint8Array> {
    if (this.pending) return Promise.reject(new Error('ByteStream: concurrent reads'));
    if (this.buffered >= n) return Promise.resolve(this.take(n));
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const p: Pending = {n, resolve, reject, what};
      if (timeoutMs !== undefined && timeoutMs > 0) {
        p.timer = setTimeout(() => {
          if (this.pending === p) this.pending = null;
          reject(timeoutError(`${what} from the server`, timeoutMs));
        }, timeoutMs);
      }
      this.pending = p;
    });
  }
}
