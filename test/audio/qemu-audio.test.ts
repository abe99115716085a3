/**
 * `audio send` and `audio capture` against QEMU's tiny guest (lab target with --audio: intel-hda + hda-duplex on a
 * SPICE audiodev), one guest for the whole file.
 *
 * Send: what the guest records with dd from /dev/dsp (8 kHz, unsigned 8-bit, mono by default) is read back over
 * the serial shell and analysed here. A tone sent while the guest records is in its file at the right frequency,
 * level and length, without gaps, as raw PCM and as Opus (record cap OPUS: spice-server decodes it); a 44.1 kHz
 * WAV arrives resampled; --codec opus where the server has no record OPUS cap (a proxy takes it out of the link
 * reply) is exit 2 at once; a guest that does not record is exit 40 within the timeout; Ctrl-C is exit 130 with
 * what was sent.
 *
 * Capture: the guest plays its 440 Hz test tone (`cat /tone-440.u8 > /dev/dsp`, U8 8 kHz mono, which QEMU
 * sends as 48 kHz stereo) and `audio capture --seconds 2 --json` finds 440 Hz, raw and Opus; QEMU forwards the
 * HDA codec's amplifier state (the guest mixer: 0 and muted by default) as playback VOLUME and MUTE.
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
import {GUEST_TONE} from '../../src/lab/guest/tone.js';
import {RecordCap} from '../../src/client/wire/caps.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {BIN, runCli} from '../support/cli.js';
import {startMutatingProxy, withoutServerCap} from '../support/mutating-proxy.js';

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

/**
 * The tone's signal-to-noise ratio in dB in each 100 ms window, sorted: the least-squares sine at `hz` (and offset)
 * against what is left. U8 samples of a −6 dBFS tone hold at most ~44 dB; a sample dropped, repeated or
 * replaced in a window pulls that window far below.
 */
function windowSnrsDb(x: Float64Array, rate: number, hz: number): number[] {
  const size = rate / 10;
  const out: number[] = [];
  for (let at = 0; at + size <= x.length; at += size) {
    const w = x.subarray(at, at + size);
    const mean = w.reduce((m, v) => m + v, 0) / size;
    // Normal equations of w − mean ≈ a·sin + b·cos.
    let [ss, cc, sc, xs, xc] = [0, 0, 0, 0, 0];
    for (let i = 0; i < size; i++) {
      const phase = (2 * Math.PI * hz * i) / rate;
      const [sn, cs, v] = [Math.sin(phase), Math.cos(phase), w[i]! - mean];
      ss += sn * sn;
      cc += cs * cs;
      sc += sn * cs;
      xs += v * sn;
      xc += v * cs;
    }
    const det = ss * cc - sc * sc;
    const [a, b] = [(xs * cc - xc * sc) / det, (xc * ss - xs * sc) / det];
    let [signal, noise] = [0, 0];
    for (let i = 0; i < size; i++) {
      const phase = (2 * Math.PI * hz * i) / rate;
      const y = a * Math.sin(phase) + b * Math.cos(phase);
      signal += y * y;
      noise += (w[i]! - mean - y) ** 2;
    }
    out.push(Math.round(10 * Math.log10(signal / noise) * 10) / 10);
  }
  return out.sort((p, q) => p - q);
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

describe.skipIf(!runLab)('audio send and capture with the QEMU tiny guest', () => {
  let t: LabTarget;
  let shell: SerialShell;

  beforeAll(async () => {
    await ensureGuest();
    t = await startQemu({mode: 'linux', audio: true});
    shell = await connectSerial(t.extra.serial!);
    const ms = await shell.waitForShell(180_000);
    console.info(`[qemu-audio] guest shell after ${ms} ms`);
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

  /** `audio send --tone 440 --seconds 4 --codec CODEC` while dd records 6 s: the CLI's report and the guest's file. */
  async function sendTone(codec: 'raw' | 'opus', file: string) {
    const cli = startCli(['audio', 'send', '--uri', t.uri, '--tone', '440', '--seconds', '4', '--codec', codec, '--timeout', '60s', '--json']);
    // Connected and waiting for the guest: now the guest starts recording (6 s, longer than the tone).
    await cli.stderrMatch(/waiting for the guest to record/);
    const t0 = performance.now();
    const dd = shell.exec(`dd if=/dev/dsp of=${file} bs=8000 count=6 2>/dev/null`, 120_000);
    await cli.stderrMatch(/the guest records/);
    const startMs = performance.now() - t0;
    const code = await cli.exited;
    expect(code, cli.err()).toBe(0);
    expect((await dd).status).toBe(0);
    const report = JSON.parse(cli.out());
    console.info(`[qemu-audio] ${codec}: dd → record START seen by the CLI: ${startMs.toFixed(0)} ms; ${report.bytes} bytes; pacing ${JSON.stringify(report.pacing)}; volume ${JSON.stringify(report.volume)} muted ${report.muted}`);
    expect(report).toMatchObject({ok: true, codec, format: {channels: 2, rate: 48000, sampleFormat: 's16le'}, frames: 192_000, durationMs: 4000, endedBy: 'done'});
    expect(report.pacing.maxLateMs).toBeLessThan(100);
    expect(report.mmTime.lastData - report.mmTime.firstData).toBeGreaterThan(3900);
    expect(report.mmTime.lastData - report.mmTime.firstData).toBeLessThan(4200);

    const x = await guestRecording(shell, file);
    expect(x.length).toBe(6 * GUEST_RATE);
    const span = soundSpan(x);
    const middle = x.subarray(span.first + GUEST_RATE / 2, span.first + GUEST_RATE * 2.5);
    const hz = dominantHz(middle, GUEST_RATE);
    const snrs = windowSnrsDb(middle, GUEST_RATE, hz);
    const snr = {min: snrs[0]!, median: snrs[snrs.length >> 1]!, max: snrs.at(-1)!};
    console.info(`[qemu-audio] ${codec}: guest file: sound from ${(span.first / GUEST_RATE).toFixed(3)} s for ${span.seconds.toFixed(3)} s, peak ${span.peak} of 127, longest near-silent run ${span.longestGap} samples, ${hz} Hz, SNR per 100 ms ${JSON.stringify(snr)} dB`);
    return {report, span, hz, snr};
  }

  it('a 440 Hz tone sent with --tone 440 --seconds 4 --codec raw while dd records is in the guest’s file: 440 Hz, −6 dBFS, 4 s, no gap', async () => {
    const {report, span, hz, snr} = await sendTone('raw', '/tmp/send-tone.u8');
    expect(report).toMatchObject({mode: 'RAW', bytes: 192_000 * 4, packets: 375, framesPerPacket: 512});
    expect(Math.abs(hz - 440)).toBeLessThanOrEqual(1);
    // −6 dBFS: half of the U8 range (the guest's mixer does not scale what QEMU hands it)
    expect(span.peak).toBeGreaterThanOrEqual(60);
    expect(span.peak).toBeLessThanOrEqual(68);
    expect(Math.abs(span.seconds - 4)).toBeLessThan(0.1);
    // A 440 Hz sine at 8 kHz is near 0 for at most 2 samples in a row: a longer quiet run would be a gap.
    expect(span.longestGap).toBeLessThanOrEqual(3);
    // Every 100 ms at the U8 limit: 512-frame packets never straddle spice-server's ring end (record-encoder.ts).
    expect(snr.min).toBeGreaterThan(40);
  }, 180_000);

  it('the same tone with --codec opus: MODE OPUS, ~130-byte packets that spice-server decodes; 440 Hz, −6 dBFS, 4 s, no gap in the guest', async () => {
    const {report, span, hz, snr} = await sendTone('opus', '/tmp/send-opus.u8');
    expect(report).toMatchObject({mode: 'OPUS', packets: 400, framesPerPacket: 480});
    // libopus's default rate for 10 ms stereo frames is ~102 kbit/s: about 1/15 of raw's 1536 kbit/s
    expect(report.bytes).toBeLessThan((192_000 * 4) / 8);
    expect(Math.abs(hz - 440)).toBeLessThanOrEqual(1);
    expect(span.peak).toBeGreaterThanOrEqual(56);
    expect(span.peak).toBeLessThanOrEqual(72);
    expect(Math.abs(span.seconds - 4)).toBeLessThan(0.1);
    expect(span.longestGap).toBeLessThanOrEqual(3);
    // Opus's own quality in the windows without a ring wrap (measured 36 dB); the 480-frame packets that straddle
    // spice-server's ring end every 8192 frames get a few ms of wrong samples (record-encoder.ts), as spice-gtk's do.
    expect(snr.max).toBeGreaterThan(30);
  }, 180_000);

  it('--codec opus where the server has no record OPUS cap (taken out of its link reply): exit 2 at once, nothing waited for', async () => {
    const proxy = await startMutatingProxy(t.port!, () => ({action: 'pass'}), {linkReply: withoutServerCap(ChannelType.RECORD, RecordCap.OPUS)});
    try {
      const r = await runCli(['audio', 'send', '--uri', `spice://127.0.0.1:${proxy.port}`, '--tone', '440', '--codec', 'opus', '--timeout', '60s', '--json'], {timeoutMs: 60_000});
      expect(r.code, r.stderr).toBe(2);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ok: false, error: {kind: 'usage', exitCode: 2}});
      expect(out.error.message).toMatch(/--codec opus: the server's record channel has no OPUS cap/);
      expect(r.stderr).not.toMatch(/waiting for the guest/);
      expect(r.ms).toBeLessThan(20_000);
    } finally {
      proxy.close();
    }
  }, 90_000);

  it('a 44.1 kHz mono WAV arrives resampled: its 1000 Hz tone is recorded at 1000 Hz', async () => {
    const wav = join(scratch, 'tone-1000-44k1.wav');
    sineWavFile(wav, 1000, 44100, 2);
    const cli = startCli(['audio', 'send', wav, '--uri', t.uri, '--timeout', '60s', '--json']);
    await cli.stderrMatch(/waiting for the guest to record/);
    const dd = shell.exec('dd if=/dev/dsp of=/tmp/send-wav.u8 bs=8000 count=4 2>/dev/null', 120_000);
    expect(await cli.exited, cli.err()).toBe(0);
    expect((await dd).status).toBe(0);
    const report = JSON.parse(cli.out());
    // --codec auto (the default): Opus, which QEMU's record channel offers
    expect(report).toMatchObject({source: {kind: 'wav', format: {channels: 1, rate: 44100}, frames: 88_200, durationMs: 2000}, codec: 'opus', mode: 'OPUS', frames: 96_000, endedBy: 'done'});
    const x = await guestRecording(shell, '/tmp/send-wav.u8');
    const span = soundSpan(x);
    const hz = dominantHz(x.subarray(span.first + GUEST_RATE / 4, span.first + GUEST_RATE * 1.75), GUEST_RATE);
    console.info(`[qemu-audio] WAV: sound for ${span.seconds.toFixed(3)} s, ${hz} Hz`);
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

  /** `audio capture --seconds 2 --codec CODEC --json` while the guest plays its 440 Hz tone (3 s). */
  async function captureTone(codec: 'raw' | 'auto') {
    const file = join(scratch, `tone-${codec}.wav`);
    // --verbose: the trace shows the playback channel's first message (MODE) once it is linked; then the guest plays.
    const cli = startCli(['audio', 'capture', '--uri', t.uri, '-o', file, '--seconds', '2', '--codec', codec, '--timeout', '60s', '--json', '--verbose']);
    await cli.stderrMatch(/playback <- MODE/);
    const play = shell.exec(`cat /${GUEST_TONE.file} > /dev/dsp`, 120_000);
    const code = await cli.exited;
    expect(code, cli.err().slice(-2000)).toBe(0);
    expect((await play).status).toBe(0);
    const report = JSON.parse(cli.out());
    console.info(`[qemu-audio] capture ${codec}: mode ${report.mode}, ${report.dominantHz} Hz, peak ${report.peakDbfs} dBFS, RMS ${report.rmsDbfs} dBFS, volume ${JSON.stringify(report.volume)}, mute ${report.mute}, first sample ${report.firstSampleMs} ms after the capture began`);
    expect(report).toMatchObject({ok: true, codec, format: {channels: 2, rate: 48000, sampleFormat: 's16le'}, frames: 96_000, durationMs: 2000, decodeErrors: 0, endedBy: 'seconds'});
    // U8 8 kHz upsampled by QEMU to 48 kHz stereo: the tone keeps its frequency
    expect(Math.abs(report.dominantHz - GUEST_TONE.hz)).toBeLessThanOrEqual(2);
    // amplitude 100 of 127 (−2.1 dBFS): QEMU does not scale the samples by the (muted) mixer state it forwards
    expect(report.peakDbfs).toBeGreaterThan(-4);
    // QEMU forwards the HDA codec's amplifiers (hda-codec mixer=on → spiceaudio line_out_volume): the tiny
    // guest never sets its mixer, so the driver's defaults, 0 and muted, arrive as VOLUME and MUTE at link time.
    expect(report.volume).toEqual([0, 0]);
    expect(report.mute).toBe(true);
    return report;
  }

  it('the guest plays its 440 Hz tone: audio capture --codec raw --seconds 2 --json finds 440 Hz in RAW PCM', async () => {
    const report = await captureTone('raw');
    expect(report.mode).toBe('RAW');
  }, 180_000);

  it('the same with --codec auto: QEMU sends Opus (playback compression on), decoded, 440 Hz', async () => {
    const report = await captureTone('auto');
    expect(report.mode).toBe('OPUS');
  }, 180_000);
});
