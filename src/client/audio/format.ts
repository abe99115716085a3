/** PCM formats: what a playback START announces and a WAV file holds. */
import {SpiceError} from '../errors.js';
import {AudioFmt} from '../wire/enums.js';

/** Interleaved PCM. SPICE knows one sample format, AudioFmt S16: signed 16-bit little-endian. */
export interface PcmFormat {
  channels: number;
  /** Frames per second (48000 from QEMU and Xspice). */
  rate: number;
  sampleFormat: 's16le';
}

export const BYTES_PER_SAMPLE = 2;

export function bytesPerFrame(f: PcmFormat): number {
  return f.channels * BYTES_PER_SAMPLE;
}

/** Largest channel count and rate accepted from a server or a file (sanity bounds, not protocol limits). */
const MAX_CHANNELS = 32;
const MAX_RATE = 768_000;

/**
 * The PcmFormat of a playback or record START (channels, format as an AudioFmt, frequency); a protocol error
 * for a format SPICE does not define or absurd numbers.
 */
export function pcmFormatOfStart(m: {channels: number; format: number; frequency: number}): PcmFormat {
  if (m.format !== AudioFmt.S16) throw new SpiceError('protocol', `the server announced audio format ${m.format}; SPICE defines only S16 (${AudioFmt.S16})`);
  checkFormat(m.channels, m.frequency, 'the server announced');
  return {channels: m.channels, rate: m.frequency, sampleFormat: 's16le'};
}

export function checkFormat(channels: number, rate: number, who: string, kind: 'protocol' | 'usage' = 'protocol'): void {
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) throw new SpiceError(kind, `${who} ${channels} audio channels (1–${MAX_CHANNELS} supported)`);
  if (!Number.isInteger(rate) || rate < 1000 || rate > MAX_RATE) throw new SpiceError(kind, `${who} a rate of ${rate} Hz (1000–${MAX_RATE} supported)`);
}

export function sameFormat(a: PcmFormat, b: PcmFormat): boolean {
  return a.channels === b.channels && a.rate === b.rate && a.sampleFormat === b.sampleFormat;
}

/** "2 ch, 48000 Hz, s16le" */
export function describeFormat(f: PcmFormat): string {
  return `${f.channels} ch, ${f.rate} Hz, ${f.sampleFormat}`;
}

/** The samples of S16LE bytes (a copy when the bytes are not 2-aligned). */
export function s16Samples(pcm: Uint8Array): Int16Array {
  const n = pcm.length >> 1;
  if (pcm.byteOffset % 2 === 0) return new Int16Array(pcm.buffer, pcm.byteOffset, n);
  return new Int16Array(pcm.slice(0, n * 2).buffer);
}
