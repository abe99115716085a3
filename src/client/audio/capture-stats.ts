/**
 * What a capture measures as the samples arrive, in bounded memory: frames, levels (levels.ts), the dominant
 * frequency (spectrum.ts), packet sizes, the packets' mm-time stamps, and when sound was last heard (for
 * `--until-silence`).
 */
import {bytesPerFrame, s16Samples, type PcmFormat} from './format.js';
import {dbfs, LevelMeter, peakOf, type Levels} from './levels.js';
import {SpectrumAnalyzer} from './spectrum.js';

/** A packet whose largest sample is at most this (−60 dBFS) counts as silence. */
export const SILENCE_PEAK = 32;

export interface CaptureFigures extends Levels {
  frames: number;
  durationMs: number;
  perChannel: Levels[];
  dominantHz: number | null;
  packets: number;
  framesPerPacket: {min: number; max: number} | null;
  /** mm-time stamps of the first and last packet (DATA time). */
  mmTime: {firstPacket: number; lastPacket: number} | null;
}

export class CaptureStats {
  frames = 0;
  packets = 0;
  /** performance.now() of the last packet that was not silence; undefined until sound is heard. */
  lastSoundAt?: number;
  /** The largest sample of the last packet, as dBFS (null: silence). */
  lastPeakDbfs: number | null = null;
  private readonly levels: LevelMeter;
  private readonly spectrum: SpectrumAnalyzer;
  private minPacket = Infinity;
  private maxPacket = 0;
  private firstTime?: number;
  private lastTime?: number;

  constructor(readonly format: PcmFormat) {
    this.levels = new LevelMeter(format.channels);
    this.spectrum = new SpectrumAnalyzer(format.channels, format.rate);
  }

  /** One packet's whole frames (already trimmed by the caller), its mm-time and arrival time. */
  add(pcm: Uint8Array, time: number, at: number, packetFrames: number): void {
    const samples = s16Samples(pcm);
    this.levels.add(samples);
    this.spectrum.add(samples);
    const peak = peakOf(samples);
    this.lastPeakDbfs = dbfs(peak);
    if (peak > SILENCE_PEAK) this.lastSoundAt = at;
    this.frames += pcm.length / bytesPerFrame(this.format);
    this.packets++;
    this.minPacket = Math.min(this.minPacket, packetFrames);
    this.maxPacket = Math.max(this.maxPacket, packetFrames);
    this.firstTime ??= time;
    this.lastTime = time;
  }

  /** The peak of the whole capture so far. */
  get peakDbfs(): number | null {
    return this.levels.total.peakDbfs;
  }

  get heardSound(): boolean {
    return this.lastSoundAt !== undefined;
  }

  get durationMs(): number {
    return Math.round((this.frames / this.format.rate) * 10_000) / 10;
  }

  figures(): CaptureFigures {
    return {
      frames: this.frames,
      durationMs: this.durationMs,
      ...this.levels.total,
      perChannel: this.levels.perChannel,
      dominantHz: this.spectrum.dominantHz(),
      packets: this.packets,
      framesPerPacket: this.packets ? {min: this.minPacket, max: this.maxPacket} : null,
      mmTime: this.firstTime !== undefined ? {firstPacket: this.firstTime, lastPacket: this.lastTime!} : null,
    };
  }
}
