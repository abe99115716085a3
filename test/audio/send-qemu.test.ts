/**
 * `audio send` against QEMU's tiny guest (lab target with --audio: intel-hda + hda-duplex on a SPICE audiodev):
 * what the guest records with dd from /dev/dsp (8 kHz, unsigned 8-bit, mono by default) is read back over the
 * serial shell and analysed here. A tone sent while the guest records is in its file at the right frequency,
 * level and length, without gaps; a 44.1 kHz WAV arrives resampled; a guest that does not record is exit 40
 * within the timeout; Ctrl-C is exit 130 with what was sent.
 *
 * Facts the test relies on (spice-server 0.15 sound.cpp): the server STARTs the record channel when the guest
 * opens its capture stream and STOPs it when the guest closes it; it hands the guest nothing until 4096 frames
 * (85 ms) have come, so the guest's file begins with some silence.
 */
import {spawn} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ensureGuest} from '../../src/lab/guest/build.js';
import {connectSerial, type SerialShell} from '../../src/lab/guest/serial.js';
import {which} from '../../src/lab/install.js';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';
import {wavHeader} from '../../src/client/audio/wav.js';
import {BIN, runCli} from '../support/cli.js';

const runLab = which('qemu-system-x86_64') !== undefined || !!process.env.CI;
const GUEST_RATE = 8000;
const scratch = mkdtempSync(join(tmpdir(), 'spice-cli-send-'));

/** Goertzel power of `x` at `hz`. */
function powerAt(x: Float64Array, rate: number, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s0 = v + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

/** The strongest frequency between 50 Hz and 3.9 kHz: a 10 Hz scan, then 0.25 Hz steps around its peak. */
function dominantHz(x: Float64Array, rate: number): number {
  const best = (from: number, to: number, step: number) => {
    let hz = from;
    let max = -1;
    for (let f = from; f <= to; f += step) {
      const p = powerAt(x, rate, f);
      if (p > max) [max, hz] = [p, f];
    }
    return hz;
  };
  return best(...((c) => [c - 10, c + 10, 0.25] as const)(best(50, 3900, 10)));
}

/** What the guest recorded: its U8 file read over the serial shell, as signed numbers (silence = 0). */
async function guestRecording(shell: SerialShell, file: string): Promise<Float64Array> {
  const text = await shell.run(`od -An -tu1 -v ${file}`, 120_000);
  return Float64Array.from(text.split(/\s+/).filter(Boolean), (v) => Number(v) - 128);
}

/** Where sound is (|x| > 8): first and last sample, and the longest run of near-silence (|x| ≤ 2) between. */
function soundSpan(x: Float64Array) {
  const loud = (v: number) => Math.abs(v) > 8;
  const first = x.findIndex(loud);
  let last = x.length - 1;
  while (last > 0 && !loud(x[last]!)) last--;
  let run = 0;
  let longestGap = 0;
  for (let i = first; i <= last; i++) {
    run = Math.abs(x[i]!) <= 2 ? run + 1 : 0;
    longestGap = Math.max(longestGap, run);
  }
  const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return {first, last, seconds: (last - first + 1) / GUEST_RATE, longestGap, peak};
}

/** The CLI as a child: its stdout/stderr, a promise of the first stderr line matching, and its exit. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {env: {...process.env, SPICE_URI: '', SPICE_PASSWORD: '', CI: '1'}, stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '';
  let stderr = '';
  const waiters: Array<{re: RegExp; resolve: () => void}> = [];
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of waiters.filter((w) => w.re.test(stderr))) w.resolve();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const stderrMatch = (re: RegExp) => (re.test(stderr) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({re, resolve})));
  return {child, exited, stderrMatch, out: () => stdout, err: () => stderr};
}

/** A mono 16-bit WAV file of a sine at `hz` (amplitude 0.5) at `rate`. */
function sineWavFile(file: string, hz: number, rate: number, seconds: number): void {
  const frames = Math.round(rate * seconds);
  const pcm = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) pcm.writeInt16LE(Math.round(16384 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  writeFileSync(file, Buffer.concat([wavHeader({channels: 1, rate, sampleFormat: 's16le'}, pcm.length), pcm]));
}

describe.skipIf(!runLab)('audio send to the QEMU tiny guest', () => {
  let t: LabTarget;
  let shell: SerialShell;

  beforeAll(async () => {
    await ensureGuest();
    t = await startQemu({mode: 'linux', audio: true});
    shell = await connectSerial(t.extra.serial!);
    const ms = await shell.waitForShell(180_000);
    console.info(`[send-qemu] guest shell after ${ms} ms`);
  }, 300_000);

  afterAll(async () => {
    shell?.close();
    await t?.stop();
  });

  it('a guest that is not recording: exit 40 after --timeout, saying the guest must be recording', async () => {
    const r = await runCli(['audio', 'send', '--uri', t.uri, '--tone', '440', '--seconds', '4', '--timeout', '3s', '--json'], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(40);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ok: false, error: {kind: 'timeout', exitCode: 40}});
    expect(out.error.message).toMatch(/the guest must be recording .*arecord/);
    expect(r.ms).toBeGreaterThan(3000);
    expect(r.ms).toBeLessThan(20_000);
  }, 90_000);

  it('a 440 Hz tone sent with --tone 440 --seconds 4 while dd records is in the guest’s file: 440 Hz, −6 dBFS, 4 s, no gap', async () => {
    const cli = startCli(['audio', 'send', '--uri', t.uri, '--tone', '440', '--seconds', '4', '--timeout', '60s', '--json']);
    // Connected and waiting for the guest: now the guest starts recording (6 s, longer than the tone).
    await cli.stderrMatch(/waiting for the guest to record/);
    const t0 = performance.now();
    const dd = shell.exec('dd if=/dev/dsp of=/tmp/send-tone.u8 bs=8000 count=6 2>/dev/null', 120_000);
    await cli.stderrMatch(/the guest records/);
    const startMs = performance.now() - t0;
    const code = await cli.exited;
    expect(code, cli.err()).toBe(0);
    expect((await dd).status).toBe(0);
    const report = JSON.parse(cli.out());
    console.info(`[send-qemu] dd → record START seen by the CLI: ${startMs.toFixed(0)} ms; pacing ${JSON.stringify(report.pacing)}; volume ${JSON.stringify(report.volume)} muted ${report.muted}`);
    expect(report).toMatchObject({ok: true, codec: 'raw', mode: 'RAW', format: {channels: 2, rate: 48000, sampleFormat: 's16le'}, frames: 192_000, durationMs: 4000, packets: 400, framesPerPacket: 480, endedBy: 'done'});
    expect(report.pacing.maxLateMs).toBeLessThan(100);
    expect(report.mmTime.lastData - report.mmTime.firstData).toBeGreaterThan(3900);
    expect(report.mmTime.lastData - report.mmTime.firstData).toBeLessThan(4200);

    const x = await guestRecording(shell, '/tmp/send-tone.u8');
    expect(x.length).toBe(6 * GUEST_RATE);
    const span = soundSpan(x);
    const hz = dominantHz(x.subarray(span.first + GUEST_RATE / 2, span.first + GUEST_RATE * 2.5), GUEST_RATE);
    console.info(`[send-qemu] guest file: sound from ${(span.first / GUEST_RATE).toFixed(3)} s for ${span.seconds.toFixed(3)} s, peak ${span.peak} of 127, longest near-silent run ${span.longestGap} samples, ${hz} Hz`);
    expect(Math.abs(hz - 440)).toBeLessThanOrEqual(1);
    // −6 dBFS: half of the U8 range (the guest's mixer does not scale what QEMU hands it)
    expect(span.peak).toBeGreaterThanOrEqual(60);
    expect(span.peak).toBeLessThanOrEqual(68);
    expect(Math.abs(span.seconds - 4)).toBeLessThan(0.1);
    // A 440 Hz sine at 8 kHz is near 0 for at most 2 samples in a row: a longer quiet run would be a gap.
    expect(span.longestGap).toBeLessThanOrEqual(3);
  }, 180_000);

  it('a 44.1 kHz mono WAV arrives resampled: its 1000 Hz tone is recorded at 1000 Hz', async () => {
    const wav = join(scratch, 'tone-1000-44k1.wav');
    sineWavFile(wav, 1000, 44100, 2);
    const cli = startCli(['audio', 'send', wav, '--uri', t.uri, '--timeout', '60s', '--json']);
    await cli.stderrMatch(/waiting for the guest to record/);
    const dd = shell.exec('dd if=/dev/dsp of=/tmp/send-wav.u8 bs=8000 count=4 2>/dev/null', 120_000);
    expect(await cli.exited, cli.err()).toBe(0);
    expect((await dd).status).toBe(0);
    const report = JSON.parse(cli.out());
    expect(report).toMatchObject({source: {kind: 'wav', format: {channels: 1, rate: 44100}, frames: 88_200, durationMs: 2000}, frames: 96_000, endedBy: 'done'});
    const x = await guestRecording(shell, '/tmp/send-wav.u8');
    const span = soundSpan(x);
    const hz = dominantHz(x.subarray(span.first + GUEST_RATE / 4, span.first + GUEST_RATE * 1.75), GUEST_RATE);
    console.info(`[send-qemu] WAV: sound for ${span.seconds.toFixed(3)} s, ${hz} Hz`);
    expect(Math.abs(hz - 1000)).toBeLessThanOrEqual(1);
    expect(Math.abs(span.seconds - 2)).toBeLessThan(0.1);
  }, 180_000);

  it('Ctrl-C while sending: exit 130 with what was sent', async () => {
    const cli = startCli(['audio', 'send', '--uri', t.uri, '--tone', '600', '--seconds', '10', '--timeout', '60s', '--json']);
    await cli.stderrMatch(/waiting for the guest to record/);
    const dd = shell.exec('dd if=/dev/dsp of=/tmp/send-int.u8 bs=8000 count=3 2>/dev/null', 120_000);
    await cli.stderrMatch(/s of 10\.0 s sent/); // the first progress line: packets are going out
    await new Promise((r) => setTimeout(r, 1000));
    cli.child.kill('SIGINT');
    expect(await cli.exited, cli.err()).toBe(130);
    await dd;
    const out = JSON.parse(cli.out());
    expect(out).toMatchObject({ok: false, interrupted: true, error: {kind: 'interrupted', exitCode: 130}, format: {rate: 48000}});
    expect(out.frames).toBeGreaterThan(48_000 * 0.8);
    expect(out.frames).toBeLessThan(48_000 * 5);
  }, 180_000);
});
