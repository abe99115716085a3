/**
 * Opus playback against a real Xspice (lab target with --audio): raw PCM written into its playback FIFO is encoded
 * to Opus by spice-server when the client announces playback cap OPUS; the capture decodes it back. Checked: the
 * mode is OPUS, both tones of a two-tone signal are found within 1 Hz, and the SNR against the source after
 * alignment (cross-correlation, audio/alignment.ts) is above the floor measured here. Also what Xspice sends of
 * VOLUME, MUTE and LATENCY. The FIFO facts are in capture-xspice.test.ts (one writer kept open, whole packets).
 */
import {mkdtempSync, readFileSync} from 'node:fs';
import {open, type FileHandle} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {SpiceSession} from '../../src/client/session.js';
import {audioSessionOptions, captureAudio} from '../../src/client/actions/audio-capture.js';
import {parseWav} from '../../src/client/audio/wav.js';
import {align} from '../../src/client/audio/alignment.js';
import {SpectrumAnalyzer} from '../../src/client/audio/spectrum.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {runCli} from '../support/cli.js';
import {bytesOf, RATE, samplesOf, twoTonePcm} from '../support/audio-signals.js';

/**
 * Measured here: 24.28 dB in each of 5 runs (Opus is deterministic; the lag is always libopus's 312 frames of
 * look-ahead). opusscript's libopus 1.4 round trip of the same signal gives 28.3 dB (test/audio/opus.test.ts).
 */
const SNR_FLOOR_DB = 20;

let t: LabTarget;
let fifo: FileHandle;
const scratch = mkdtempSync(join(tmpdir(), 'spice-cli-opus-'));

beforeAll(async () => {
  t = await startXspice({audio: true, clients: []});
  fifo = await open(t.extra.audioFifo!, 'w');
}, 60_000);

afterAll(async () => {
  await fifo?.close();
  await t?.stop();
});

const settle = () => new Promise((r) => setTimeout(r, 1200));
const playbackOnly = (type: number) => type === ChannelType.PLAYBACK;

describe('audio capture from Xspice with Opus', () => {
  it('a two-tone signal: mode OPUS, both tones within 1 Hz, SNR after alignment above the floor', async () => {
    const session = await SpiceSession.connect(t.uri, {channelFilter: playbackOnly, ...audioSessionOptions('opus')});
    try {
      const file = join(scratch, 'two-tone.wav');
      const source = twoTonePcm([440, 1234], 300); // 3 s
      const capture = captureAudio(session, {output: {file}, codec: 'opus', untilSilenceMs: 600, timeoutMs: 10_000});
      capture.catch(() => undefined); // awaited below, after the write
      await fifo.write(bytesOf(source));
      const report = await capture;
      expect(report).toMatchObject({codec: 'opus', mode: 'OPUS', decodeErrors: 0, format: {channels: 2, rate: RATE, sampleFormat: 's16le'}, framesPerPacket: {min: 480, max: 480}});
      const wav = parseWav(readFileSync(file));
      expect(wav.format).toEqual(report.format);
      const captured = samplesOf(wav.data);
      const spectrum = new SpectrumAnalyzer(2, RATE);
      spectrum.add(captured);
      const peaks = spectrum.peaks(2);
      const [low, high] = peaks.map((p) => p.hz).sort((a, b) => a - b);
      const alignment = align(source, captured, 2, {maxLag: 4800});
      console.log(`Opus from Xspice: peaks ${JSON.stringify(peaks)}; alignment ${JSON.stringify(alignment)}; volume ${JSON.stringify(report.volume)}, mute ${report.mute}, latency ${report.latencyMs} ms; mm-time ${JSON.stringify(report.mmTime)}`);
      expect(Math.abs(low! - 440)).toBeLessThan(1);
      expect(Math.abs(high! - 1234)).toBeLessThan(1);
      expect(alignment.snrDb!).toBeGreaterThan(SNR_FLOOR_DB);
      expect(alignment.frames).toBeGreaterThan(source.length / 2 - 4800);
    } finally {
      session.close();
    }
    await settle();
  }, 40_000);

  it('spice-cli audio capture --codec opus --json reports mode OPUS; a session that did not announce Opus cannot give it', async () => {
    const file = join(scratch, 'cli.wav');
    const cli = runCli(['audio', 'capture', '--uri', t.uri, '-o', file, '--codec', 'opus', '--seconds', '1', '--json'], {timeoutMs: 30_000});
    const tone = fifo.write(bytesOf(twoTonePcm([440, 1234], 400)));
    const r = await cli;
    await tone;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ok: true, codec: 'opus', mode: 'OPUS', frames: RATE, endedBy: 'seconds'});
    await settle();

    // As --codec raw opens it: no OPUS cap announced.
    const session = await SpiceSession.connect(t.uri, {channelFilter: playbackOnly, ...audioSessionOptions('raw')});
    try {
      await expect(captureAudio(session, {output: {file: join(scratch, 'no.wav')}, codec: 'opus', timeoutMs: 2000})).rejects.toMatchObject({kind: 'usage', message: expect.stringMatching(/offers no Opus playback/)});
    } finally {
      session.close();
    }
  }, 60_000);

  it('a server that sends raw PCM to an Opus client (playback compression off): --codec opus is exit 2, auto captures RAW', async () => {
    const raw = await startXspice({audio: true, clients: [], env: {XSPICE_PLAYBACK_COMPRESSION: '0'}});
    const rawFifo = await open(raw.extra.audioFifo!, 'w');
    try {
      const args = ['audio', 'capture', '--uri', raw.uri, '-o', join(scratch, 'raw-server.wav'), '--seconds', '0.5', '--json'];
      for (const [codec, check] of [
        ['opus', (r: {code: number | null; stdout: string}) => {
          expect(r.code).toBe(2);
          expect(JSON.parse(r.stdout).error.message).toMatch(/^the server sends RAW audio, not OPUS as --codec opus asks/);
        }],
        ['auto', (r: {code: number | null; stdout: string}) => {
          expect(r.code).toBe(0);
          expect(JSON.parse(r.stdout)).toMatchObject({codec: 'auto', mode: 'RAW'});
        }],
      ] as const) {
        const cli = runCli([...args, '--codec', codec], {timeoutMs: 30_000});
        const tone = rawFifo.write(bytesOf(twoTonePcm([440, 1234], 500))); // from before the CLI links until after
        const r = await cli;
        await tone;
        check(r);
        await settle();
      }
    } finally {
      await rawFifo.close();
      await raw.stop();
    }
  }, 90_000);
});
