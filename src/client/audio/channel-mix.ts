/**
 * Channel count conversion for the record stream, on planar float samples (one array per channel):
 * - the same count: unchanged;
 * - to mono: the mean of all channels;
 * - from mono: the one channel copied to every output channel;
 * - otherwise output channel o is the mean of the input channels c with c mod out = o when there are fewer
 *   outputs (5.1 → stereo folds front, centre and rear pairs), and input channel o mod in when there are more.
 */
export function mixChannels(planes: Float32Array[], outChannels: number): Float32Array[] {
  const inChannels = planes.length;
  if (inChannels === outChannels) return planes;
  const frames = planes[0]?.length ?? 0;
  if (outChannels > inChannels) return Array.from({length: outChannels}, (_, o) => planes[o % inChannels]!);
  const out = Array.from({length: outChannels}, () => new Float32Array(frames));
  const counts = new Array<number>(outChannels).fill(0);
  planes.forEach((plane, c) => {
    const o = c % outChannels;
    counts[o]!++;
    const dst = out[o]!;
    for (let i = 0; i < frames; i++) dst[i] += plane[i]!;
  });
  out.forEach((dst, o) => {
    const k = 1 / counts[o]!;
    for (let i = 0; i < frames; i++) dst[i] *= k;
  });
  return out;
}

/** Interleaved S16 → one float array per channel, in [−1, 1). */
export function deinterleave(samples: Int16Array, channels: number): Float32Array[] {
  const frames = Math.floor(samples.length / channels);
  const planes = Array.from({length: channels}, () => new Float32Array(frames));
  for (let i = 0, s = 0; i < frames; i++) for (let c = 0; c < channels; c++) planes[c]![i] = samples[s++]! / 32768;
  return planes;
}

/** A float sample in [−1, 1] → S16, rounded and clipped. */
export function toS16(v: number): number {
  const s = Math.round(v * 32768);
  return s > 32767 ? 32767 : s < -32768 ? -32768 : s;
}
