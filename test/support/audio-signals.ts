/** Test signals: interleaved stereo S16LE at 48 kHz (left = right), whole 480-frame packets (Xspice's FIFO unit). */
import {prng} from './prng.js';

export const RATE = 48000;
export const FRAME_BYTES = 4;
export const PACKET_FRAMES = 480;

/**
 * A two-tone test signal (equal amplitudes, together at −6 dBFS peak) that begins with 20 ms of seeded noise:
 * the tones repeat every 0.5 s and correlate almost as well 11 ms apart, the noise happens once, so the
 * alignment (audio/alignment.ts, window: the first 100 ms) has one answer.
 */
export function twoTonePcm(hz: [number, number], packets: number, seed = 5): Int16Array {
  const rnd = prng(seed);
  const frames = packets * PACKET_FRAMES;
  const out = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    const v = i < 960 ? 0.5 * (rnd() * 2 - 1) : 0.25 * Math.sin((2 * Math.PI * hz[0] * i) / RATE) + 0.25 * Math.sin((2 * Math.PI * hz[1] * i) / RATE);
    out[i * 2] = out[i * 2 + 1] = Math.round(v * 32767);
  }
  return out;
}

export function bytesOf(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

export function samplesOf(bytes: Uint8Array): Int16Array {
  return new Int16Array(Uint8Array.from(bytes).buffer);
}
