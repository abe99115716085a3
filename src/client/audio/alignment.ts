/**
 * How a captured signal lines up with its source, and how close it came: the lag (in frames) that maximises the
 * normalised cross-correlation of the channels mixed to mono, found over a window of the source, and the SNR of
 * the capture against the source at that lag (every channel, over the frames both hold). A lossy codec (Opus)
 * shifts the signal by its delay and adds noise; a periodic source correlates almost as well one period away,
 * so the window should hold something that happens once (an onset, a burst of noise).
 */

export interface Alignment {
  /** The capture's frame where the source's frame 0 sits (negative: the capture began after the source did). */
  lag: number;
  /** The normalised cross-correlation at that lag (1: identical shape). */
  correlation: number;
  /** 10·log10(source energy / energy of capture − source), over the overlap; null when they are identical. */
  snrDb: number | null;
  /** Frames compared for the SNR. */
  frames: number;
}

export interface AlignOptions {
  /** Lags tried: −maxLag … maxLag frames. */
  maxLag: number;
  /** The source's frames correlated: [start, start + length). Default: the first 4800 frames. */
  window?: {start: number; length: number};
}

/** Interleaved S16 source and capture with `channels` channels. */
export function align(source: Int16Array, captured: Int16Array, channels: number, o: AlignOptions): Alignment {
  const a = mono(source, channels);
  const b = mono(captured, channels);
  const start = o.window?.start ?? 0;
  const end = Math.min(a.length, start + (o.window?.length ?? 4800));
  let best = {lag: 0, correlation: -Infinity};
  for (let lag = -o.maxLag; lag <= o.maxLag; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    const from = Math.max(start, -lag);
    const to = Math.min(end, b.length - lag);
    for (let i = from; i < to; i++) {
      const x = a[i]!;
      const y = b[i + lag]!;
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const r = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
    if (r > best.correlation) best = {lag, correlation: r};
  }
  return {...best, correlation: Math.round(best.correlation * 1e4) / 1e4, ...snrAt(source, captured, channels, best.lag)};
}

/** The SNR of the capture against the source when the source's frame i is the capture's frame i + lag. */
export function snrAt(source: Int16Array, captured: Int16Array, channels: number, lag: number): {snrDb: number | null; frames: number} {
  const from = Math.max(0, -lag);
  const to = Math.min(source.length / channels, captured.length / channels - lag);
  let signal = 0;
  let noise = 0;
  for (let i = from * channels; i < to * channels; i++) {
    const s = source[i]!;
    const d = captured[i + lag * channels]! - s;
    signal += s * s;
    noise += d * d;
  }
  const frames = Math.max(0, to - from);
  if (noise === 0) return {snrDb: null, frames};
  return {snrDb: Math.round(10 * Math.log10(signal / noise) * 100) / 100, frames};
}

function mono(samples: Int16Array, channels: number): Float64Array {
  const out = new Float64Array(Math.floor(samples.length / channels));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c]!;
    out[i] = sum / channels;
  }
  return out;
}
