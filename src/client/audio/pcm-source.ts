/**
 * What `audio send` plays into the guest's microphone, in the format the server's record START asks for
 * (its channels and rate, S16): a PcmSource hands out any run of frames on demand, so a packet is made only
 * when it is due and nothing but the input is held in memory.
 * - wavSource: a WAV file's samples, channels mixed (channel-mix.ts) and resampled (resample.ts) when the
 *   file's format differs; the same format is passed through bit for bit.
 * - toneSource: a sine at `hz`, with 5 ms fades at both ends (no click).
 */
import {deinterleave, mixChannels, toS16} from './channel-mix.js';
import {s16Samples, type PcmFormat} from './format.js';
import {Resampler} from './resample.js';
import type {WavContent} from './wav.js';

export interface PcmSource {
  format: PcmFormat;
  /** Total frames. */
  frames: number;
  /** Interleaved S16 frames [from, from + count) (fewer at the end). */
  read(from: number, count: number): Int16Array;
}

const FADE_MS = 5;

export function toneSource(hz: number, format: PcmFormat, frames: number, amplitude = 0.5): PcmSource {
  const fade = Math.min(Math.round((format.rate * FADE_MS) / 1000), Math.floor(frames / 2));
  const w = (2 * Math.PI * hz) / format.rate;
  return {
    format,
    frames,
    read(from, count) {
      const n = Math.max(0, Math.min(count, frames - from));
      const out = new Int16Array(n * format.channels);
      for (let i = 0; i < n; i++) {
        const k = from + i;
        const env = fade > 0 ? Math.min(1, k / fade, (frames - 1 - k) / fade) : 1;
        const v = toS16(amplitude * env * Math.sin(w * k));
        out.fill(v, i * format.channels, (i + 1) * format.channels);
      }
      return out;
    },
  };
}

export function wavSource(wav: WavContent, format: PcmFormat): PcmSource {
  const input = s16Samples(wav.data);
  const from = wav.format;
  if (from.channels === format.channels && from.rate === format.rate) {
    const frames = input.length / format.channels;
    return {format, frames, read: (start, count) => input.slice(start * format.channels, Math.min(frames, start + count) * format.channels)};
  }
  const planes = mixChannels(deinterleave(input, from.channels), format.channels);
  const resampler = new Resampler(from.rate, format.rate);
  const frames = resampler.outFrames(planes[0]!.length);
  return {
    format,
    frames,
    read(start, count) {
      const n = Math.max(0, Math.min(count, frames - start));
      const out = new Int16Array(n * format.channels);
      for (let c = 0; c < format.channels; c++) {
        const plane = planes[c]!;
        for (let i = 0; i < n; i++) out[i * format.channels + c] = toS16(resampler.sample(plane, start + i));
      }
      return out;
    },
  };
}
