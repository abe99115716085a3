/** WAV headers: what capture writes (known and unknown sizes) reads back, and bad files are usage errors. */
import {describe, expect, it} from 'vitest';
import {SpiceError} from '../../src/client/errors.js';
import {parseWav, WAV_HEADER_BYTES, WAV_UNKNOWN_SIZE, wavHeader} from '../../src/client/audio/wav.js';
import type {PcmFormat} from '../../src/client/audio/format.js';
import {prngU32} from '../support/prng.js';

const stereo48k: PcmFormat = {channels: 2, rate: 48000, sampleFormat: 's16le'};

function randomPcm(bytes: number, seed: number): Uint8Array {
  const next = prngU32(seed);
  return Uint8Array.from({length: bytes}, () => next() & 0xff);
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('wavHeader', () => {
  it('writes the canonical 44-byte PCM header', () => {
    const h = Buffer.from(wavHeader(stereo48k, 1920));
    expect(h.length).toBe(WAV_HEADER_BYTES);
    expect(h.toString('ascii', 0, 4)).toBe('RIFF');
    expect(h.readUInt32LE(4)).toBe(1920 + 36);
    expect(h.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect([h.readUInt32LE(16), h.readUInt16LE(20), h.readUInt16LE(22), h.readUInt32LE(24), h.readUInt32LE(28), h.readUInt16LE(32), h.readUInt16LE(34)]).toEqual([
      16, 1, 2, 48000, 192000, 4, 16,
    ]);
    expect(h.toString('ascii', 36, 40)).toBe('data');
    expect(h.readUInt32LE(40)).toBe(1920);
  });

  it('says "unknown" in both sizes while streaming', () => {
    const h = Buffer.from(wavHeader(stereo48k));
    expect(h.readUInt32LE(4)).toBe(WAV_UNKNOWN_SIZE);
    expect(h.readUInt32LE(40)).toBe(WAV_UNKNOWN_SIZE);
  });
});

describe('parseWav', () => {
  it('reads back a file with sizes, and one streamed with unknown sizes', () => {
    const pcm = randomPcm(4 * 1000, 1);
    const sized = parseWav(concat(wavHeader(stereo48k, pcm.length), pcm));
    expect(sized.format).toEqual(stereo48k);
    expect(sized.streamed).toBe(false);
    expect(Buffer.from(sized.data).equals(Buffer.from(pcm))).toBe(true);
    const streamed = parseWav(concat(wavHeader({channels: 1, rate: 44100, sampleFormat: 's16le'}), pcm));
    expect(streamed.streamed).toBe(true);
    expect(streamed.format.channels).toBe(1);
    expect(streamed.data.length).toBe(pcm.length);
  });

  it('skips other chunks and drops a trailing partial frame', () => {
    const pcm = randomPcm(4 * 10 + 3, 2);
    const header = Buffer.from(wavHeader(stereo48k, pcm.length));
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([5, 0, 0, 0]), Buffer.from('abcde\0')]);
    const file = concat(header.subarray(0, 36), list, header.subarray(36), pcm);
    const w = parseWav(file);
    expect(w.data.length).toBe(40);
  });

  it('refuses what it cannot read with a usage error naming the file', () => {
    const bad = (bytes: Uint8Array) => {
      try {
        parseWav(bytes, 'x.wav');
      } catch (e) {
        expect(e).toBeInstanceOf(SpiceError);
        expect((e as SpiceError).exitCode).toBe(2);
        return (e as Error).message;
      }
      throw new Error('parsed');
    };
    expect(bad(new TextEncoder().encode('hello, this is no audio'))).toMatch(/^x\.wav: not a WAV file/);
    const h = Buffer.from(wavHeader(stereo48k, 0));
    const float = Buffer.from(h);
    float.writeUInt16LE(3, 20);
    expect(bad(float)).toMatch(/unsupported WAV encoding \(format tag 0x3\)/);
    const eight = Buffer.from(h);
    eight.writeUInt16LE(8, 34);
    expect(bad(eight)).toMatch(/only 16-bit PCM/);
    expect(bad(h.subarray(0, 36))).toMatch(/no data chunk/);
  });
});
