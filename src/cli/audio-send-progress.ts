/**
 * Progress of `spice-cli audio send`, always on stderr: on a terminal one line redrawn in place (at most 10 times
 * a second); in CI and logs plain lines, at most one a second.
 */
import type {AudioSendProgress} from '../client/actions/audio-send.js';
import type {PcmFormat} from '../client/actions/audio-send.js';

export interface AudioSendView {
  waiting(): void;
  /** `mode`: what is sent (the AudioDataMode name: RAW, OPUS). */
  started(format: PcmFormat, frames: number, mode: string): void;
  progress(p: AudioSendProgress): void;
  /** Ends a live line (before the report or an error is printed). */
  close(): void;
}

const BAR = 30;
const fmtFormat = (f: PcmFormat) => `${f.channels} ch, ${f.rate} Hz, ${f.sampleFormat}`;

export function audioSendView(out: NodeJS.WritableStream, live: boolean): AudioSendView {
  let last = -Infinity;
  let drawn = false;
  const line = (text: string) => {
    if (live) {
      out.write(`\r\x1b[K${text}`);
      drawn = true;
    } else out.write(`audio send: ${text}\n`);
  };
  return {
    waiting: () => line('waiting for the guest to record (the server starts the record channel then)'),
    started: (f, frames, mode) => line(`the guest records (${fmtFormat(f)}): sending ${(frames / f.rate).toFixed(2)} s as ${mode}`),
    progress(p) {
      const now = performance.now();
      if (now - last < (live ? 100 : 1000)) return;
      last = now;
      if (!live) return line(`${p.seconds.toFixed(1)} s of ${p.totalSeconds.toFixed(1)} s sent`);
      const full = Math.round((p.frames / Math.max(1, p.totalFrames)) * BAR);
      line(`● ${p.seconds.toFixed(1).padStart(6)} s  ${'█'.repeat(full)}${'░'.repeat(BAR - full)}  of ${p.totalSeconds.toFixed(1)} s`);
    },
    close() {
      if (drawn) out.write('\r\x1b[K');
      drawn = false;
    },
  };
}
