/**
 * The disk image behind an emulated USB stick: a regular file read and written with positional reads and writes in
 * 512-byte logical blocks. Every access is checked against the image's block count first, so nothing outside the
 * image is ever read or written. A size that is not a multiple of 512 leaves its tail (size % 512 bytes) out of the
 * disk: never read, never written, reported as `ignoredTailBytes`.
 */
import {constants, promises as fs} from 'node:fs';
import {SpiceError, fileErrorWords} from '../../errors.js';

export const BLOCK_SIZE = 512;

/** What checkDiskImage found: the file's size and the disk it makes. */
export interface DiskImageInfo {
  path: string;
  readOnly: boolean;
  sizeBytes: number;
  blocks: number;
  ignoredTailBytes: number;
}

/**
 * Checks an image before anything connects: it exists, is a regular file of at least one block, is readable, and is
 * writable unless read-only. Failures are usage errors (exit 2) that name the file and the reason.
 */
export async function checkDiskImage(path: string, readOnly: boolean): Promise<DiskImageInfo> {
  const fail = (why: string, cause?: unknown) => new SpiceError('usage', `storage image ${path}: ${why}`, {cause});
  const st = await fs.stat(path).catch((e: unknown) => {
    throw fail(fileErrorWords(e), e);
  });
  if (!st.isFile()) throw fail('not a regular file (give a disk image file)');
  const blocks = Math.floor(st.size / BLOCK_SIZE);
  if (blocks === 0) throw fail(`${st.size} bytes is less than one ${BLOCK_SIZE}-byte block`);
  await fs.access(path, constants.R_OK).catch((e: unknown) => {
    throw fail(`cannot read it: ${fileErrorWords(e)}`, e);
  });
  if (!readOnly) {
    await fs.access(path, constants.W_OK).catch((e: unknown) => {
      throw fail(`not writable: ${fileErrorWords(e)} (attach it read-only with :ro)`, e);
    });
  }
  return {path, readOnly, sizeBytes: st.size, blocks, ignoredTailBytes: st.size % BLOCK_SIZE};
}

export class DiskImage {
  private constructor(
    readonly info: DiskImageInfo,
    private readonly file: fs.FileHandle,
  ) {}

  /** Checks (checkDiskImage) and opens the image: read-only images are opened for reading only. */
  static async open(path: string, readOnly: boolean): Promise<DiskImage> {
    const info = await checkDiskImage(path, readOnly);
    const file = await fs.open(path, readOnly ? 'r' : 'r+').catch((e: unknown) => {
      throw new SpiceError('usage', `storage image ${path}: cannot open it: ${fileErrorWords(e)}`, {cause: e});
    });
    return new DiskImage(info, file);
  }

  get blocks(): number {
    return this.info.blocks;
  }

  get readOnly(): boolean {
    return this.info.readOnly;
  }

  /** True when blocks [lba, lba + count) all lie inside the image. */
  inRange(lba: number, count: number): boolean {
    return Number.isSafeInteger(lba) && Number.isSafeInteger(count) && lba >= 0 && count >= 0 && lba + count <= this.blocks;
  }

  /** Reads `length` bytes at byte `offset`; the range must lie inside the image's blocks. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset, length);
    const out = new Uint8Array(length);
    for (let at = 0; at < length; ) {
      const {bytesRead} = await this.file.read(out, at, length - at, offset + at);
      if (bytesRead === 0) throw new Error(`${this.info.path}: unexpected end of file at byte ${offset + at}`);
      at += bytesRead;
    }
    return out;
  }

  /** Writes `data` at byte `offset`; the range must lie inside the image's blocks, and the image be writable. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    if (this.readOnly) throw new Error(`internal error: write to the read-only image ${this.info.path}`);
    this.check(offset, data.length);
    for (let at = 0; at < data.length; ) {
      const {bytesWritten} = await this.file.write(data, at, data.length - at, offset + at);
      at += bytesWritten;
    }
  }

  /** Flushes written data to the disk (SYNCHRONIZE CACHE). */
  async sync(): Promise<void> {
    if (!this.readOnly) await this.file.datasync();
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  /** The last line of defence: a byte range outside the image's whole blocks is a bug, never an access. */
  private check(offset: number, length: number): void {
    const end = this.blocks * BLOCK_SIZE;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > end) {
      throw new Error(`internal error: bytes ${offset}+${length} lie outside the image ${this.info.path} (${end} bytes)`);
    }
  }
}
