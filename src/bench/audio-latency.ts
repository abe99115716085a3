/**
 * Audio latency (`spice-cli bench --audio`): FIFO write → first captured sample on the lab's Xspice (`--audio`),
 * spice-cli in-process beside spice-gtk 0.42 through Python GI (scripts/spice-gtk-audio.py --latency-fifo), the
 * same procedure for both, in raw PCM and in Opus. A run, while playback is stopped: write 100 ms of a tone
 * (10 packets of 480 frames) into the playback FIFO in one write, and time from just before the write to the
 * client's first audio data for it — spice-cli: the PlaybackStream's first 'data' (decoded when Opus); spice-gtk:
 * its first playback-data signal (decoded likewise). Xspice STOPs playback 300 ms after the last data; the next
 * run writes SETTLE_MS after that STOP. Each client in its own session on the same Xspice, spice-cli first.
 */
import {once} from 'node:events';
import {writeSync} from 'node:fs';
import {open, type FileHandle} from 'node:fs/promises';
import {audioSessionOptions} from '../client/actions/audio-capture.js';
import {SpiceSession} from '../client/session.js';
import {AudioDataMode, ChannelType, nameOf} from '../client/wire/enums.js';
import {startXspice} from '../lab/xspice.js';
import type {LabTarget} from '../lab/types.js';
import {timeProcessOk} from './processes.js';
import {SYSTEM_PYTHON} from './spice-gtk.js';
import {ratio, summarize, type Summary} from './stats.js';
import {stopTarget} from './targets.js';

const RATE = 48000;
/** 100 ms: Xspice's driver hands over 480-frame buffers, so 10 packets. */
const WRITE_FRAMES = 4800;
/** Quiet after a playback STOP before the next write (spice-gtk-audio.py --settle likewise). */
const SETTLE_MS = 300;
const TIMEOUT_MS = 20_000;

type Codec = 'raw' | 'opus';

function tonePcm(): Buffer {
  const b = Buffer.alloc(WRITE_FRAMES * 4);
  for (let i = 0; i < WRITE_FRAMES; i++) {
    const v = Math.round(16384 * Math.sin((2 * Math.PI * 1000 * i) / RATE));
    b.writeInt16LE(v, i * 4);
    b.writeInt16LE(v, i * 4 + 2);
  }
  return b;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`audio latency: no ${what} within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** spice-cli in-process: one session, `runs` timed writes (plus one warm-up) in `codec`. */
async function spiceCliRuns(t: LabTarget, fifo: FileHandle, codec: Codec, runs: number): Promise<{ms: number[]; mode: string}> {
  const session = await SpiceSession.connect(t.uri, {channelFilter: (type) => type === ChannelType.PLAYBACK, ...audioSessionOptions(codec)});
  try {
    const stream = session.playback();
    const pcm = tonePcm();
    const ms: number[] = [];
    for (let run = -1; run < runs; run++) {
      if (stream.playing) await withTimeout(once(stream, 'stop'), 'playback STOP');
      await sleep(SETTLE_MS);
      const first = once(stream, 'data') as Promise<[{at: number}]>;
      const stopped = once(stream, 'stop');
      const t0 = performance.now();
      writeSync(fifo.fd, pcm); // one synchronous write (the pipe holds 64 KiB), as the Python side's os.write
      const [packet] = await withTimeout(first, 'playback DATA');
      if (run >= 0) ms.push(packet.at - t0);
      await withTimeout(stopped, 'playback STOP');
    }
    return {ms, mode: nameOf(AudioDataMode, stream.mode)};
  } finally {
    session.close();
  }
}

/** spice-gtk through scripts/spice-gtk-audio.py --latency-fifo (raw: SPICE_DISABLE_OPUS=1). */
async function spiceGtkRuns(script: string, t: LabTarget, codec: Codec, runs: number): Promise<number[]> {
  const env = codec === 'raw' ? {...process.env, SPICE_DISABLE_OPUS: '1'} : process.env;
  const args = [script, '--port', String(t.port), '--latency-fifo', t.extra.audioFifo!, '--runs', String(runs + 1), '--settle', String(SETTLE_MS / 1000), '--timeout', String(TIMEOUT_MS / 1000 + runs * 2)];
  const r = await timeProcessOk(SYSTEM_PYTHON, args, TIMEOUT_MS + runs * 3000, env);
  const line = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as {event: string; ms?: number[]})
    .find((e) => e.event === 'latency');
  if (!line?.ms) throw new Error(`spice-gtk audio latency: no result\n${r.stdout.slice(-1500)}`);
  return line.ms.slice(1); // the first run is the warm-up, as for spice-cli
}

export interface AudioLatencyResult {
  target: string;
  runs: number;
  /** Per codec: spice-cli and spice-gtk medians (ms), ratio = spice-cli / spice-gtk; mode: what Xspice sent us. */
  fifoToFirstSample: Record<Codec, {mode: string; spiceCli: Summary; spiceGtk: Summary | null; ratio: number | null; spiceGtkError?: string}>;
  notes: string[];
}

export async function benchAudioLatency(gtkScript: string, log: (line: string) => void, o: {runs: number}): Promise<AudioLatencyResult> {
  const t = await startXspice({audio: true, clients: [], register: false, stopOnExit: true});
  // Our writer stays open throughout: Xspice stops reading a FIFO once its last writer closes.
  const fifo = await open(t.extra.audioFifo!, 'w');
  try {
    const result: AudioLatencyResult = {
      target: "Xspice (xf86-video-qxl 0.1.5, spice-server 0.15) with a playback FIFO, playback compression on (Opus when the client offers it)",
      runs: o.runs,
      fifoToFirstSample: {} as AudioLatencyResult['fifoToFirstSample'],
      notes: [
        'ms from just before writing 100 ms of PCM into the playback FIFO (playback stopped) to the first audio data: spice-cli PlaybackStream "data", spice-gtk playback-data (both after Opus decoding)',
        'raw: spice-cli --codec raw, spice-gtk with SPICE_DISABLE_OPUS=1; opus: spice-cli --codec opus, spice-gtk by default',
        'one warm-up run per client and codec discarded; spice-gtk is Python GI in its own process (its signal handlers run in Python)',
      ],
    };
    for (const codec of ['raw', 'opus'] as const) {
      log(`audio latency ${codec}: spice-cli, ${o.runs} runs`);
      const cli = await spiceCliRuns(t, fifo, codec, o.runs);
      const spiceCli = summarize(cli.ms);
      let spiceGtk: Summary | null = null;
      let spiceGtkError: string | undefined;
      log(`audio latency ${codec}: spice-gtk`);
      try {
        spiceGtk = summarize(await spiceGtkRuns(gtkScript, t, codec, o.runs));
      } catch (e) {
        spiceGtkError = e instanceof Error ? e.message.split('\n')[0] : String(e);
        log(`audio latency ${codec}: spice-gtk not measured: ${spiceGtkError}`);
      }
      result.fifoToFirstSample[codec] = {mode: cli.mode, spiceCli, spiceGtk, ratio: spiceGtk ? ratio(spiceCli, spiceGtk) : null, ...(spiceGtkError ? {spiceGtkError} : {})};
      log(`audio latency ${codec} (${cli.mode}): spice-cli median ${spiceCli.median} ms, spice-gtk ${spiceGtk?.median ?? '-'} ms`);
    }
    return result;
  } finally {
    await fifo.close();
    await stopTarget(t, 30_000);
  }
}
