/**
 * Progress of `spice-cli audio capture`, always on stderr: on a terminal one level-meter line redrawn in place
 * (at most 10 times a second); in CI and logs plain lines, at most one a second.
 */
import type {AudioCaptureProgress} from '../client/actions/audio-capture.js';
import type {PcmFormat} from '../client/actions/audio-capture.js';

export interface AudioMeter {
  listening(format: PcmFormat): void;
  progress(p: AudioCaptureProgress): void;
  /** Ends a live line (before the report or an error is printed). */
  close(): void;
}

const BAR = 30;
/** The meter's range: −60 dBFS (empty) to 0 dBFS (full). */
const FLOOR_DBFS = -60;

const fmtDb = (db: number | null) => (db === null ? 'silence' : `${db.toFixed(1)} dBFS`);
const fmtFormat = (f: PcmFormat) => `${f.channels} ch, ${f.rate} Hz, ${f.sampleFormat}`;

export function audioMeter(out: NodeJS.WritableStream, live: boolean): AudioMeter {
  return live ? liveMeter(out) : plainMeter(out);
}

function plainMeter(out: NodeJS.WritableStream): AudioMeter {
  let last = -Infinity;
  return {
    listening: (f) => out.write(`audio capture: playback started (${fmtFormat(f)}), waiting for sound\n`),
    progress(p) {
      const now = performance.now();
      if (now - last < 1000) return;
      last = now;
      out.write(`audio capture: ${p.seconds.toFixed(1)} s, level ${fmtDb(p.packetPeakDbfs)}, peak ${fmtDb(p.peakDbfs)}\n`);
    },
    close: () => undefined,
  };
}

function liveMeter(out: NodeJS.WritableStream): AudioMeter {
  let last = -Infinity;
  let drawn = false;
  const draw = (text: string) => {
    out.write(`\r\x1b[K${text}`);
    drawn = true;
  };
  return {
    listening: (f) => draw(`● waiting for sound (${fmtFormat(f)})`),
    progress(p) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      const level = p.packetPeakDbfs === null ? 0 : Math.max(0, Math.min(1, (p.packetPeakDbfs - FLOOR_DBFS) / -FLOOR_DBFS));
      const full = Math.round(level * BAR);
      draw(`● ${p.seconds.toFixed(1).padStart(6)} s  ${'█'.repeat(full)}${'░'.repeat(BAR - full)}  ${fmtDb(p.packetPeakDbfs).padEnd(11)} peak ${fmtDb(p.peakDbfs)}`);
    },
    close() {
      if (drawn) out.write('\r\x1b[K');
      drawn = false;
    },
  };
}
