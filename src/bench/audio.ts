/**
 * Opus speed (audio/opus.ts over opusscript): how many times faster than real time 48 kHz stereo is encoded and
 * decoded, in SPICE's 10 ms frames (one per playback DATA) and in 20 ms frames (the usual Opus frame), on one
 * core. Each run codes SECONDS of a two-tone signal; the figure is the median over runs.
 *
 * `node dist/bench/audio.js [--runs N]` prints the JSON; `benchAudio()` is what `npm run bench --audio` calls.
 */
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';
import {loadOpus} from '../client/audio/opus.js';
import {summarize} from './stats.js';

const RATE = 48000;
const CHANNELS = 2;
const SECONDS = 10;

function signal(): Uint8Array {
  const frames = SECONDS * RATE;
  const samples = new Int16Array(frames * CHANNELS);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(8000 * (Math.sin((2 * Math.PI * 440 * i) / RATE) + Math.sin((2 * Math.PI * 1234 * i) / RATE)));
    samples[i * 2] = samples[i * 2 + 1] = v;
  }
  return new Uint8Array(samples.buffer);
}

/** Real-time factors (audio seconds per second of CPU time, median over runs) for one frame size. */
async function speed(frameMs: number, runs: number, pcm: Uint8Array) {
  const opus = await loadOpus();
  const frameBytes = (RATE * frameMs * CHANNELS * 2) / 1000;
  const encodeMs: number[] = [];
  const decodeMs: number[] = [];
  let bytes = 0;
  for (let r = -1; r < runs; r++) {
    const encoder = opus.encoder(RATE, CHANNELS);
    const decoder = opus.decoder(RATE, CHANNELS);
    const packets: Uint8Array[] = [];
    const t0 = performance.now();
    for (let at = 0; at + frameBytes <= pcm.length; at += frameBytes) packets.push(encoder.encode(pcm.subarray(at, at + frameBytes)));
    const t1 = performance.now();
    for (const p of packets) decoder.decode(p);
    const t2 = performance.now();
    encoder.close();
    decoder.close();
    if (r < 0) continue; // warm-up: the WebAssembly module's first use
    encodeMs.push(t1 - t0);
    decodeMs.push(t2 - t1);
    bytes = packets.reduce((n, p) => n + p.length, 0);
  }
  const factor = (ms: number[]) => Math.round(((SECONDS * 1000) / summarize(ms).median) * 10) / 10;
  return {frameMs, encodeRealtime: factor(encodeMs), decodeRealtime: factor(decodeMs), kbps: Math.round((bytes * 8) / SECONDS / 1000)};
}

export async function benchAudio(o: {runs?: number} = {}) {
  const runs = o.runs ?? 5;
  const pcm = signal();
  return {
    runs,
    source: `${SECONDS} s of 440 + 1234 Hz, 48 kHz stereo S16LE, opusscript's default bitrate`,
    opus: [await speed(10, runs, pcm), await speed(20, runs, pcm)],
    note: 'realtime: seconds of audio coded per second (one core); SPICE playback sends 10 ms frames',
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : undefined;
  benchAudio({runs}).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
