/**
 * `audio capture` against a real Xspice (lab target with --audio): PCM written into its playback FIFO comes back
 * bit for bit in the WAV (seeded random samples, so nothing lines up by luck), a tone's frequency is found, and
 * the failures are the documented ones.
 *
 * Facts of Xspice's FIFO (xf86-video-qxl spiceqxl_audio.c, Debian 0.1.5+git20200331) the test relies on:
 * - it reads the FIFO at the pace of playback and hands 480-frame buffers to spice-server; a buffer the FIFO cannot
 *   fill is padded with zeros, so every write here is a whole number of 480-frame packets, written in one go;
 * - playback STARTs with the first data and STOPs after 300 ms without data; while no client is connected the
 *   samples are consumed and dropped;
 * - once the writer closes the FIFO, Xspice closes it for good: the test keeps one writer open for the whole file.
 */
import {mkdtempSync, readFileSync, statSync} from 'node:fs';
import {open, type FileHandle} from 'node:fs/promises';
import {spawn} from 'node:child_process';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {SpiceSession} from '../../src/client/session.js';
import {captureAudio} from '../../src/client/actions/audio-capture.js';
import {parseWav} from '../../src/client/audio/wav.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {BIN, runCli} from '../support/cli.js';
import {prngU32} from '../support/prng.js';
import {onTerminal, plain} from '../support/terminal.js';

const RATE = 48000;
const FRAME_BYTES = 4;
const PACKET_FRAMES = 480;

let t: LabTarget;
let fifo: FileHandle;
const scratch = mkdtempSync(join(tmpdir(), 'spice-cli-audio-'));
const stopped: LabTarget[] = [];

beforeAll(async () => {
  t = await startXspice({audio: true, clients: []});
  stopped.push(t);
  // Opens at once: Xspice holds the read end since the lab target started.
  fifo = await open(t.extra.audioFifo!, 'w');
}, 60_000);

afterAll(async () => {
  await fifo?.close();
  await Promise.all(stopped.map((x) => x.stop()));
});

/** Seeded random stereo S16LE, `packets` × 480 frames. */
function randomPcm(packets: number, seed: number): Buffer {
  const next = prngU32(seed);
  const b = Buffer.alloc(packets * PACKET_FRAMES * FRAME_BYTES);
  for (let i = 0; i < b.length; i += 4) b.writeUInt32LE(next(), i);
  return b;
}

/** A stereo sine (left and right equal) at half scale, `packets` × 480 frames. */
function tonePcm(hz: number, packets: number): Buffer {
  const frames = packets * PACKET_FRAMES;
  const b = Buffer.alloc(frames * FRAME_BYTES);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(16384 * Math.sin((2 * Math.PI * hz * i) / RATE));
    b.writeInt16LE(v, i * 4);
    b.writeInt16LE(v, i * 4 + 2);
  }
  return b;
}

/** Writes into the FIFO; resolves once the last byte is in the pipe (Xspice reads it in real time). */
async function play(pcm: Buffer): Promise<void> {
  await fifo.write(pcm);
}

/** Waits until Xspice has played everything and stopped (300 ms idle → STOP), so tests do not overlap. */
const settle = () => new Promise((r) => setTimeout(r, 1200));

function contains(haystack: Uint8Array, needle: Buffer): {at: number; equal: boolean} {
  const h = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length);
  const at = h.indexOf(needle.subarray(0, 4096));
  return {at, equal: at >= 0 && h.subarray(at, at + needle.length).equals(needle)};
}

describe('audio capture from Xspice (raw PCM)', () => {
  it('captures random PCM written into the FIFO bit for bit (action, WAV file)', async () => {
    const session = await SpiceSession.connect(t.uri, {channelFilter: (type) => type === ChannelType.PLAYBACK});
    try {
      const file = join(scratch, 'random', 'capture.wav');
      const written = randomPcm(500, 12); // 5 s
      let firstAt = 0;
      const capture = captureAudio(session, {output: {file}, codec: 'raw', untilSilenceMs: 600, timeoutMs: 10_000, onProgress: () => (firstAt ||= performance.now())});
      const writeAt = performance.now();
      await play(written);
      const report = await capture;
      const wav = parseWav(readFileSync(file));
      expect(wav.streamed).toBe(false);
      expect(wav.format).toEqual({channels: 2, rate: RATE, sampleFormat: 's16le'});
      expect(report.format).toEqual(wav.format);
      expect(report).toMatchObject({codec: 'raw', mode: 'RAW', endedBy: 'silence', framesPerPacket: {min: PACKET_FRAMES, max: PACKET_FRAMES}});
      expect(report.frames * FRAME_BYTES).toBe(wav.data.length);
      expect(statSync(file).size).toBe(44 + wav.data.length);
      const found = contains(wav.data, written);
      expect(found.at, 'the written block is in the capture').toBeGreaterThanOrEqual(0);
      expect(found.equal, 'bit for bit').toBe(true);
      // Nothing but the written block (Xspice sends no silence of its own while its FIFO is idle).
      expect(wav.data.length).toBe(written.length);
      expect(report.mmTime!.lastPacket - report.mmTime!.firstPacket).toBeGreaterThan(4000);
      const latencyMs = firstAt - writeAt;
      console.log(`FIFO write → first captured sample: ${latencyMs.toFixed(1)} ms; first sample ${report.firstSampleMs} ms after the capture began; mm-time ${JSON.stringify(report.mmTime)}`);
      expect(latencyMs).toBeLessThan(1000);
    } finally {
      session.close();
    }
    await settle();
  }, 40_000);

  it('spice-cli audio capture --json: a 1 kHz tone, its dominant frequency within 1 Hz, exactly --seconds long', async () => {
    const file = join(scratch, 'tone.wav');
    const cli = runCli(['audio', 'capture', '--uri', t.uri, '-o', file, '--codec', 'raw', '--seconds', '1.5', '--json'], {timeoutMs: 30_000});
    // The tone starts before the CLI has linked (samples without a client are dropped) and lasts longer than needed.
    const tone = play(tonePcm(1000, 600));
    const r = await cli;
    await tone;
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ok: true, file, codec: 'raw', format: {channels: 2, rate: RATE, sampleFormat: 's16le'}, frames: 72_000, durationMs: 1500, endedBy: 'seconds'});
    expect(Math.abs(out.dominantHz - 1000)).toBeLessThan(1);
    expect(out.peakDbfs).toBe(-6);
    expect(out.rmsDbfs).toBe(-9);
    expect(out.mmTime.firstPacket).toBeGreaterThanOrEqual(out.mmTime.start);
    const wav = parseWav(readFileSync(file));
    expect(wav.data.length).toBe(72_000 * FRAME_BYTES);
    expect(r.stderr).toMatch(/audio capture: playback started \(2 ch, 48000 Hz, s16le\)/);
    await settle();
  }, 40_000);

  it('-o - streams the WAV to stdout (unknown sizes) with the report on stderr', async () => {
    const written = randomPcm(200, 99);
    const child = spawn(process.execPath, [BIN, 'audio', 'capture', '--uri', t.uri, '-o', '-', '--codec', 'raw', '--until-silence', '500ms', '--json'], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, SPICE_URI: ''}});
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (err += d));
    const code = new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`audio capture did not end: ${err}`))), 30_000);
      child.on('close', (c) => (clearTimeout(timer), resolve(c)));
    });
    // The block goes in once the CLI receives: a lead-in of tone until it reports the playback START.
    const leadIn = tonePcm(440, 10);
    for (let i = 0; i < 100 && !/playback started/.test(err); i++) await play(leadIn);
    expect(err).toMatch(/playback started/);
    await play(written);
    expect(await code, err).toBe(0);
    const wav = parseWav(Buffer.concat(out));
    expect(wav.streamed).toBe(true);
    expect(contains(wav.data, written).equal).toBe(true);
    const report = JSON.parse(err.slice(err.indexOf('{')));
    expect(report).toMatchObject({ok: true, file: '-', endedBy: 'silence', frames: wav.data.length / FRAME_BYTES});
    await settle();
  }, 40_000);

  it('Ctrl-C ends the capture with a valid WAV of what arrived (exit 130)', async () => {
    const file = join(scratch, 'interrupted.wav');
    const child = spawn(process.execPath, [BIN, 'audio', 'capture', '--uri', t.uri, '-o', file, '--json'], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, SPICE_URI: ''}});
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      if (/audio capture: [1-9][\d.]* s,/.test(err)) child.kill('SIGINT');
    });
    const code = new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`audio capture did not end: ${err}`))), 30_000);
      child.on('close', (c) => (clearTimeout(timer), resolve(c)));
    });
    const tone = play(tonePcm(440, 800));
    expect(await code, err).toBe(130);
    await tone;
    const json = JSON.parse(out);
    // The default --codec auto announces Opus, and the lab's Xspice (playback compression on) sends it.
    expect(json).toMatchObject({ok: false, interrupted: true, error: {kind: 'interrupted', exitCode: 130}, file, codec: 'auto', mode: 'OPUS'});
    const wav = parseWav(readFileSync(file));
    expect(wav.streamed).toBe(false);
    expect(wav.data.length).toBe(json.frames * FRAME_BYTES);
    expect(json.frames).toBeGreaterThanOrEqual(RATE);
    expect(Math.abs(json.dominantHz - 440)).toBeLessThan(1);
    await settle();
  }, 40_000);
});

describe('audio capture on a terminal', () => {
  it('draws one level-meter line, redrawn in place, and no plain progress lines', async () => {
    const file = join(scratch, 'tty.wav');
    const run = onTerminal(['audio', 'capture', '--uri', t.uri, '-o', file, '--codec', 'raw', '--seconds', '2'], 30_000);
    const tone = play(tonePcm(440, 600));
    const r = await run;
    await tone;
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toMatch(/\r\x1b\[K● +\d+\.\d s  █+░*  -6\.0 dBFS +peak -6\.0 dBFS/);
    expect(r.screen.match(/\r\x1b\[K●/g)!.length).toBeGreaterThan(5);
    const text = plain(r.screen);
    expect(text).not.toMatch(/audio capture: /);
    expect(text).toMatch(/wrote .*tty\.wav: 2\.00 s \(2 ch, 48000 Hz\), peak -6 dBFS, RMS -9 dBFS, dominant 440(\.\d+)? Hz/);
    await settle();
  }, 40_000);
});

describe('audio capture: errors', () => {
  it('an output that cannot be written: exit 2 before connecting', async () => {
    // Nothing listens on port 1: a command that connected first would exit 10.
    const r = await runCli(['audio', 'capture', '--uri', 'spice://127.0.0.1:1', '-o', '/etc/hostname/x.wav', '--seconds', '1', '--json']);
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/cannot write \/etc\/hostname\/x\.wav: a part of its folder path is a file/);
  });

  it('a server that never starts playback: exit 40 at --timeout', async () => {
    const r = await runCli(['audio', 'capture', '--uri', t.uri, '-o', join(scratch, 'never.wav'), '--seconds', '1', '--timeout', '1500ms', '--json']);
    expect(r.code, r.stderr).toBe(40);
    expect(JSON.parse(r.stdout).error.message).toBe('timed out after 1.5 s waiting for the server to start playback (no playback START)');
  });

  it('a server without a playback channel (Xspice without --audio): exit 2 saying so', async () => {
    const plain = await startXspice({clients: []});
    stopped.push(plain);
    const r = await runCli(['audio', 'capture', '--uri', plain.uri, '-o', join(scratch, 'none.wav'), '--seconds', '1', '--json']);
    expect(r.code, r.stderr).toBe(2);
    const e = JSON.parse(r.stdout).error;
    expect(e.kind).toBe('usage');
    expect(e.message).toMatch(/^the server offers no playback channel/);
  }, 60_000);
});
