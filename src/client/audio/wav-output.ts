/**
 * Where a capture's WAV goes: a file (written as it arrives, with unknown sizes in the header so that a file
 * cut short still plays; the real sizes are written at the end), or a stream such as stdout (unknown sizes:
 * it cannot seek back). Nothing is written before open(): a capture that never receives sound leaves no file.
 */
import {closeSync, mkdirSync, openSync, writeSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {SpiceError} from '../errors.js';
import type {PcmFormat} from './format.js';
import {DATA_SIZE_OFFSET, dataSizeFor, RIFF_SIZE_OFFSET, riffSizeFor, wavHeader} from './wav.js';

export type WavTarget = {file: string} | {stream: NodeJS.WritableStream; name?: string};

export class WavOutput {
  private fd?: number;
  private opened = false;
  private closed = false;
  /** Sample bytes written after the header. */
  dataBytes = 0;
  /** A write error of the stream (a closed pipe), reported by the next write(). */
  private streamError?: Error;

  constructor(readonly target: WavTarget) {}

  /** The name reports use: the file, or '-' for a stream. */
  get name(): string {
    return 'file' in this.target ? this.target.file : (this.target.name ?? '-');
  }

  get isOpen(): boolean {
    return this.opened && !this.closed;
  }

  /** Creates the file (and its folder) and writes the header. */
  open(format: PcmFormat): void {
    if (this.opened) return;
    const header = wavHeader(format);
    if ('file' in this.target) {
      const file = this.target.file;
      try {
        mkdirSync(dirname(resolve(file)), {recursive: true});
        this.fd = openSync(file, 'w');
        writeSync(this.fd, header);
      } catch (e) {
        throw new SpiceError('usage', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    } else {
      this.target.stream.on('error', (e: Error) => (this.streamError ??= e));
      this.target.stream.write(header);
    }
    this.opened = true;
  }

  write(pcm: Uint8Array): void {
    if (!this.isOpen || pcm.length === 0) return;
    if (this.streamError) throw new SpiceError('usage', `cannot write the WAV to ${this.name}: ${(this.streamError as NodeJS.ErrnoException).code ?? this.streamError.message}`);
    if (this.fd !== undefined) {
      try {
        writeSync(this.fd, pcm);
      } catch (e) {
        throw new SpiceError('usage', `cannot write ${this.name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    } else if ('stream' in this.target) {
      // A copy: the packet's bytes belong to the socket's buffer, and a stream may hold on to them.
      this.target.stream.write(Buffer.from(pcm));
    }
    this.dataBytes += pcm.length;
  }

  /** Writes the real sizes into a file's header and closes it; a stream is left open (its owner ends it). */
  close(): void {
    if (!this.opened || this.closed) return;
    this.closed = true;
    if (this.fd === undefined) return;
    const sizes = Buffer.alloc(4);
    try {
      sizes.writeUInt32LE(riffSizeFor(this.dataBytes));
      writeSync(this.fd, sizes, 0, 4, RIFF_SIZE_OFFSET);
      sizes.writeUInt32LE(dataSizeFor(this.dataBytes));
      writeSync(this.fd, sizes, 0, 4, DATA_SIZE_OFFSET);
    } catch (e) {
      // A path that cannot seek (a FIFO, /dev/stdout on a pipe) keeps the "unknown" sizes, as a stream does.
      if ((e as NodeJS.ErrnoException).code !== 'ESPIPE') throw new SpiceError('usage', `cannot finish ${this.name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    } finally {
      closeSync(this.fd);
    }
  }
}
