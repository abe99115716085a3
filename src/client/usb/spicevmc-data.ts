/**
 * The bytes of one usbredir channel slice: DATA as is, COMPRESSED_DATA (type LZ4) through the LZ4 block decoder of
 * codecs/lz4.ts. spice-server compresses a slice it read from the chardev (at most 64 KiB) with
 * LZ4_compress_default into one independent block, and only when that is smaller; the block must decode to exactly
 * uncompressed_size bytes.
 */
import {SpiceError} from '../errors.js';
import {lz4Block} from '../codecs/lz4.js';
import {MAX_UNITS_PER_BYTE} from '../codecs/lz-common.js';
import {DataCompressionType} from '../wire/enums.js';
import type {SpicevmcChunk} from '../channels/usbredir.js';

/** Largest decompressed slice accepted (spice-server's slices are ≤ 64 KiB; spice-gtk's client side alike). */
export const MAX_DECOMPRESSED_SLICE = 16 * 1024 * 1024;

export function spicevmcBytes(chunk: SpicevmcChunk, who: string): Uint8Array {
  if (chunk.type === DataCompressionType.NONE) return chunk.data;
  if (chunk.type !== DataCompressionType.LZ4) throw new SpiceError('protocol', `${who}: COMPRESSED_DATA of unknown compression type ${chunk.type}`);
  const size = chunk.uncompressedSize ?? 0;
  if (size === 0 || size > MAX_DECOMPRESSED_SLICE || size > chunk.data.length * MAX_UNITS_PER_BYTE) {
    throw new SpiceError('protocol', `${who}: COMPRESSED_DATA of ${chunk.data.length} bytes announces ${size} bytes uncompressed`);
  }
  const out = new Uint8Array(size);
  let n: number;
  try {
    n = lz4Block(chunk.data, 0, chunk.data.length, out, 0);
  } catch (e) {
    throw new SpiceError('protocol', `${who}: COMPRESSED_DATA: ${(e as Error).message}`);
  }
  if (n !== size) throw new SpiceError('protocol', `${who}: COMPRESSED_DATA decoded to ${n} bytes, ${size} announced`);
  return out;
}
