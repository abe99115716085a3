/**
 * The audio scenario steps against a real Xspice (lab target with --audio), through `spice-cli run --json`: a
 * background capture around a sleep while the test plays a 440 Hz tone into the playback FIFO, its expectations
 * (a failing one is exit 1 with the measured frequency), the WAV artifacts and the JUnit output; a capture left
 * running is saved at the end; audio_send without a record channel is exit 2; and examples/xspice-audio.yaml, where
 * the guest's xterm plays the tone.
 *
 * Xspice's FIFO (see test/audio/capture-xspice.test.ts): whole 480-frame packets, read in real time; samples read
 * while no client is connected are dropped; the test keeps one writer open for the whole file.
 */
import {spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {open, type FileHandle} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {parseWav} from '../../src/client/audio/wav.js';
import {runCli, type CliResult} from '../support/cli.js';

const RATE = 48000;
const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'spice-cli-audio-run-'));
cpSync(join(root, 'examples/needles'), join(dir, 'needles'), {recursive: true});

let t: LabTarget;
let fifo: FileHandle;
const targets: LabTarget[] = [];

beforeAll(async () => {
  // The xterm must have the X input focus for the example (the lab's xdotool focus now and then fails).
  for (let attempt = 1; ; attempt++) {
    t = await startXspice({audio: true, stopOnExit: true, register: false});
    targets.push(t);
    if (t.extra.focus === 'xterm' || attempt === 3) break;
  }
  fifo = await open(t.extra.audioFifo!, 'w');
}, 90_000);

afterAll(async () => {
  await fifo?.close();
  await Promise.all(targets.map((x) => x.stop()));
});

/** 0.1 s of a stereo sine at half scale: 10 packets of 480 frames, a whole number of cycles for 440 Hz. */
function toneChunk(hz: number): Buffer {
  const frames = 4800;
  const b = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(16384 * Math.sin((2 * Math.PI * hz * i) / RATE));
    b.writeInt16LE(v, i * 4);
    b.writeInt16LE(v, i * 4 + 2);
  }
  return b;
}

/** Runs the CLI while a tone plays into the FIFO (from the start until the CLI exits: Xspice drops it until a client is there). */
async function runWhilePlaying(args: string[], hz = 440): Promise<CliResult> {
  let running = true;
  const cli = runCli(args, {timeoutMs: 60_000}).finally(() => (running = false));
  const chunk = toneChunk(hz);
  while (running) await fifo.write(chunk);
  const r = await cli;
  await new Promise((r) => setTimeout(r, 1200)); // played out and stopped (300 ms idle → STOP), before the next test
  return r;
}

function scenario(name: string, text: string): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, text);
  return p;
}

interface Step {
  kind: string;
  ok: boolean;
  detail?: string;
  measured?: Record<string, unknown>;
}

describe('audio steps against lab Xspice', () => {
  it('capture around a sleep: 440 Hz and not silent pass, 1000 Hz fails (exit 1, measured value in the message, JSON and JUnit); the WAV is an artifact', async () => {
    const file = scenario(
      'tone',
      ['name: audio tone', 'steps:', '  - audio_capture: {start: tone}', '  - sleep: 1500ms', '  - audio_capture: {stop: tone}', '  - audio_expect: {capture: tone, frequency: 440, tolerance: 2, silence: false}', '  - audio_expect: {capture: tone, frequency: 1000, tolerance: 2}', ''].join('\n'),
    );
    const art = join(dir, 'art-tone');
    const junit = join(dir, 'junit.xml');
    const r = await runWhilePlaying(['run', file, '--uri', t.uri, '--artifacts', art, '--junit', junit, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout);
    const sc = out.scenarios[0];
    expect(sc.error.kind).toBe('expectation');
    expect(sc.error.message).toMatch(/tone\.yaml:7:5: audio_expect: expected a dominant frequency of 1000 ± 2 Hz, measured 4[34]\d(\.\d+)? Hz \(measured: [\d.]+ s, peak -6 dBFS, RMS -9 dBFS/);
    const steps = sc.steps as Step[];
    expect(steps.map((s) => `${s.kind}:${s.ok}`)).toEqual(['audio_capture:true', 'sleep:true', 'audio_capture:true', 'audio_expect:true', 'audio_expect:false']);
    const passed = steps[3]!.measured!;
    expect(Math.abs((passed.dominantHz as number) - 440)).toBeLessThanOrEqual(2);
    expect(passed).toMatchObject({capture: 'tone', peakDbfs: -6, rmsDbfs: -9});
    expect(steps[4]!.measured!.dominantHz).toBe(passed.dominantHz);
    // The WAV: what the stop step reported, in the artifacts folder.
    const wavFile = join(art, 'audio_tone', 'tone.wav');
    expect(sc.artifacts).toContain(wavFile);
    const wav = parseWav(readFileSync(wavFile));
    expect(wav.format).toEqual({channels: 2, rate: RATE, sampleFormat: 's16le'});
    expect(wav.data.length / 4).toBe(steps[2]!.measured!.frames);
    expect(wav.data.length / 4).toBeGreaterThan(RATE / 2);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<failure message="[^"]*measured 4[34]\d(\.\d+)? Hz/);
    expect(xml).toMatch(/audio_expect .*tone: [\d.]+ s, peak -6 dBFS, RMS -9 dBFS, 4[34]\d/);
  }, 90_000);

  it('a capture left running is stopped and saved at the end; audio_expect of `seconds` makes its own capture', async () => {
    const file = scenario(
      'running',
      ['name: left running', 'steps:', '  - audio_capture: {start: all}', '  - audio_expect: {seconds: 1, frequency: 440, rms_above: -12, rms_below: -6}', ''].join('\n'),
    );
    const art = join(dir, 'art-running');
    const r = await runWhilePlaying(['run', file, '--uri', t.uri, '--artifacts', art, '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const sc = JSON.parse(r.stdout).scenarios[0];
    const fresh = join(art, 'left_running', 'audio-expect-2.wav');
    const all = join(art, 'left_running', 'all.wav');
    expect(sc.artifacts).toEqual(expect.arrayContaining([fresh, all]));
    for (const f of [fresh, all]) expect(parseWav(readFileSync(f)).streamed, `${f} finished`).toBe(false);
    expect(sc.steps[1].measured.durationMs).toBeGreaterThan(500);
  }, 90_000);

  it('audio_send on Xspice (no record channel): exit 2 naming the missing channel', async () => {
    const file = scenario('send', ['name: send', 'steps:', '  - audio_send: {tone: 440, seconds: 1}', ''].join('\n'));
    const r = await runCli(['run', file, '--uri', t.uri, '--artifacts', join(dir, 'art-send'), '--json'], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(2);
    const sc = JSON.parse(r.stdout).scenarios[0];
    expect(sc.error.message).toMatch(/send\.yaml:3:5: audio_send: the server offers no record channel/);
  }, 60_000);

  const python = spawnSync('python3', ['-c', 'pass']).status === 0;
  it.skipIf(!python)('examples/xspice-audio.yaml: the xterm plays a tone into the FIFO; frequency, likeness and silence afterwards', async () => {
    const art = join(dir, 'art-example');
    const r = await runCli(['run', join(root, 'examples/xspice-audio.yaml'), '--uri', t.uri, '--artifacts', art, '--json'], {timeoutMs: 60_000});
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const steps = JSON.parse(r.stdout).scenarios[0].steps as Step[];
    const like = steps.find((s) => s.measured?.likeScore !== undefined)!;
    expect(like.measured!.likeScore).toBeGreaterThan(0.95);
    expect(existsSync(join(art, 'audio_tone', 'tone.wav'))).toBe(true);
  }, 90_000);
});
