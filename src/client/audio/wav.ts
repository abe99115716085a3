/**
 * WAV (RIFF WAVE) headers for PCM: the 44-byte canonical header written before the samples, and a reader for
 * tests and for files a user gives. While the size is not known yet (a stream to stdout, a file still being
 * written) the RIFF and data sizes hold WAV_UNKNOWN_SIZE, which readers (sox, ffmpeg, Python's wave with a
 * seekable file aside) take as "to the end of the file"; a seekable file gets the real sizes at the end.
 */
import {SpiceError} from '../errors.js';
import {BYTES_PER_SAMPLE, bytesPerFrame, checkFormat, type PcmFormat} from './format.js';

export const WAV_HEADER_BYTES = 44;
export const WAV_UNKNOWN_SIZE = 0xffffffff;
/** Byte offsets of the two sizes in the canonical header (patched once the data size is known). */
export const RIFF_SIZE_OFFSET = 4;
export const DATA_SIZE_OFFSET = 40;
const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** The canonical header; without `dataBytes` both sizes say "unknown". */
export function wavHeader(f: PcmFormat, dataBytes?: number): Uint8Array {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(riffSizeFor(dataBytes), RIFF_SIZE_OFFSET);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  h.writeUInt16LE(f.channels, 22);
  h.writeUInt32LE(f.rate, 24);
  h.writeUInt32LE(f.rate * bytesPerFrame(f), 28);
  h.writeUInt16LE(bytesPerFrame(f), 32);
  h.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataSizeFor(dataBytes), DATA_SIZE_OFFSET);
  return h;
}

/** The RIFF chunk size for `dataBytes` of samples (unknown, or beyond 4 GiB: WAV_UNKNOWN_SIZE). */
export function riffSizeFor(dataBytes?: number): number {
  return dataBytes === undefined || dataBytes + 36 > WAV_UNKNOWN_SIZE ? WAV_UNKNOWN_SIZE : dataBytes + 36;
}

export function dataSizeFor(dataBytes?: number): number {
  return dataBytes === undefined || dataBytes > WAV_UNKNOWN_SIZE ? WAV_UNKNOWN_SIZE : dataBytes;
}

export interface WavContent {
  format: PcmFormat;
  /** The samples (whole frames), a view into the input. */
  data: Uint8Array;
  /** The data chunk's size field said "unknown" (a streamed WAV): the data runs to the end of the file. */
  streamed: boolean;
}

/**
 * Reads a WAV file of 16-bit PCM (format tag PCM, or EXTENSIBLE with the PCM sub-format). Anything else is a
 * usage error (exit 2) naming `name`: not RIFF/WAVE, no fmt or data chunk, another encoding or sample size.
 */
export function parseWav(bytes: Uint8Array, name = 'the file'): WavContent {
  const fail = (why: string) => new SpiceError('usage', `${name}: ${why}`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b.length < 12 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw fail('not a WAV file (no RIFF/WAVE header)');
  let format: PcmFormat | undefined;
  let at = 12;
  while (at + 8 <= b.length) {
    const id = b.toString('ascii', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > b.length) throw fail('its fmt chunk is too short');
      const tag = b.readUInt16LE(body);
      const channels = b.readUInt16LE(body + 2);
      const rate = b.readUInt32LE(body + 4);
      const bits = b.readUInt16LE(body + 14);
      const pcm = tag === WAVE_FORMAT_PCM || (tag === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= b.length && b.readUInt16LE(body + 24) === WAVE_FORMAT_PCM);
      if (!pcm) throw fail(`unsupported WAV encoding (format tag 0x${tag.toString(16)}); only PCM is read`);
      if (bits !== 16) throw fail(`unsupported sample size (${bits} bits); only 16-bit PCM is read`);
      checkFormat(channels, rate, `${name} has`, 'usage');
      format = {channels, rate, sampleFormat: 's16le'};
    } else if (id === 'data') {
      if (!format) throw fail('its data chunk comes before the fmt chunk');
      const streamed = size === WAV_UNKNOWN_SIZE;
      const end = streamed ? b.length : Math.min(b.length, body + size);
      const frameBytes = bytesPerFrame(format);
      const whole = end - body - ((end - body) % frameBytes);
      return {format, data: bytes.subarray(body, body + whole), streamed};
    }
    at = body + size + (size & 1);
  }
  throw fail(format ? 'it has no data chunk' : 'it has no fmt chunk');
}
