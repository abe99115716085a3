/**
 * Sound levels in dBFS (decibels relative to the 16-bit full scale, 32768): the peak sample and the RMS,
 * per channel and over all channels. A full-scale sine has a peak of 0.0 dBFS and an RMS of −3.0 dBFS;
 * digital silence has neither (null).
 */
const FULL_SCALE = 32768;

/** 20·log10(amplitude / full scale), one decimal; null for 0 (silence). */
export function dbfs(amplitude: number): number | null {
  if (amplitude <= 0) return null;
  return Math.round(200 * Math.log10(amplitude / FULL_SCALE)) / 10 + 0; // + 0: no "-0" in reports
}

export interface Levels {
  peakDbfs: number | null;
  rmsDbfs: number | null;
}

/** Peak and RMS of interleaved S16 samples, accumulated packet by packet. */
export class LevelMeter {
  private readonly peak: number[];
  private readonly sumSquares: number[];
  private frames = 0;

  constructor(readonly channels: number) {
    this.peak = new Array<number>(channels).fill(0);
    this.sumSquares = new Array<number>(channels).fill(0);
  }

  add(samples: Int16Array): void {
    const ch = this.channels;
    for (let c = 0; c < ch; c++) {
      let peak = this.peak[c]!;
      let sum = 0;
      for (let i = c; i < samples.length; i += ch) {
        const s = samples[i]!;
        const a = s < 0 ? -s : s;
        if (a > peak) peak = a;
        sum += s * s;
      }
      this.peak[c] = peak;
      this.sumSquares[c]! += sum;
    }
    this.frames += Math.floor(samples.length / ch);
  }

  /** Over every channel: the highest peak, the RMS of all samples. */
  get total(): Levels {
    const sum = this.sumSquares.reduce((a, b) => a + b, 0);
    return {peakDbfs: dbfs(Math.max(...this.peak)), rmsDbfs: this.frames ? dbfs(Math.sqrt(sum / (this.frames * this.channels))) : null};
  }

  get perChannel(): Levels[] {
    return this.peak.map((p, c) => ({peakDbfs: dbfs(p), rmsDbfs: this.frames ? dbfs(Math.sqrt(this.sumSquares[c]! / this.frames)) : null}));
  }
}

/** The largest absolute sample of a packet (0 for silence). */
export function peakOf(samples: Int16Array): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (s > peak) peak = s;
    else if (-s > peak) peak = -s;
  }
  return peak;
}
