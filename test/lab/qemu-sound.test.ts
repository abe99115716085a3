/**
 * Sound in the QEMU lab's tiny guest (intel-hda + hda-duplex on a SPICE audiodev): the guest's OSS device
 * plays the image's test tone paced in real time and records from the microphone (silence with no client
 * sending audio), checked over the serial shell; and spice-gtk, as an independent client, receives the tone
 * on the playback channel and feeds the microphone a tone the guest records, each at the right frequency.
 */
import {spawn} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {createInterface} from 'node:readline';

import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {ensureGuest} from '../../src/lab/guest/build.js';
import {connectSerial, type SerialShell} from '../../src/lab/guest/serial.js';
import {GUEST_TONE} from '../../src/lab/guest/tone.js';
import {which} from '../../src/lab/install.js';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';

const PYTHON = '/usr/bin/python3';
const AUDIO_SCRIPT = path.resolve('scripts/spice-gtk-audio.py');
const hasGi = existsSync('/usr/lib/python3/dist-packages/gi') && existsSync('/usr/lib/x86_64-linux-gnu/girepository-1.0/SpiceClientGLib-2.0.typelib');
// On CI the lab packages are installed first: a missing one must fail, not skip.
const runLab = which('qemu-system-x86_64') !== undefined || !!process.env.CI;
const TONE = `/${GUEST_TONE.file}`;

/** Goertzel power of `samples` at `hz`. */
function powerAt(samples: Float64Array, rate: number, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

/** The strongest frequency between 50 Hz and 4 kHz: a 10 Hz scan, then 0.5 Hz steps around its peak. */
function dominantHz(samples: Float64Array, rate: number): number {
  const best = (from: number, to: number, step: number): number => {
    let hz = from;
    let max = -1;
    for (let f = from; f <= to; f += step) {
      const p = powerAt(samples, rate, f);
      if (p > max) [max, hz] = [p, f];
    }
    return hz;
  };
  const coarse = best(50, 4000, 10);
  return best(coarse - 10, coarse + 10, 0.5);
}

/** The left channel of interleaved S16LE frames, as numbers. */
function leftChannel(pcm: Buffer, channels: number): Float64Array {
  const frames = Math.floor(pcm.length / (2 * channels));
  const out = new Float64Array(frames);
  for (let i = 0; i < frames; i++) out[i] = pcm.readInt16LE(i * 2 * channels);
  return out;
}

interface AudioEvent {
  event: 'ready' | 'start' | 'stop' | 'record-start' | 'record-stop' | 'done' | 'error';
  format?: number;
  channels?: number;
  rate?: number;
  bytes?: number;
  sentFrames?: number;
  error?: string;
}

/** scripts/spice-gtk-audio.py on the target's port: its events, `ready` once its audio channel is open, its exit. */
function spiceGtkAudio(port: number, args: string[]) {
  const child = spawn(PYTHON, [AUDIO_SCRIPT, '--port', String(port), '--timeout', '60', ...args], {stdio: ['ignore', 'pipe', 'pipe']});
  const events: AudioEvent[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-3000)));
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  createInterface({input: child.stdout}).on('line', (line) => {
    const e = JSON.parse(line) as AudioEvent;
    events.push(e);
    if (e.event === 'ready') onReady();
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  void exited.then(onReady);
  return {events, ready, exited, stderr: () => stderr, kill: () => child.kill()};
}

describe.skipIf(!runLab)('QEMU tiny guest sound', () => {
  let t: LabTarget;
  let shell: SerialShell;

  beforeAll(async () => {
    await ensureGuest();
    const t0 = Date.now();
    t = await startQemu({mode: 'linux', audio: true});
    shell = await connectSerial(t.extra.serial!);
    await shell.waitForShell(180_000);
    console.info(`[qemu-sound] guest shell ${Date.now() - t0} ms after start`);
  }, 300_000);

  afterAll(async () => {
    shell?.close();
    await t?.stop();
  });

  it('the card has a codec: playback and capture PCMs, and the OSS device /dev/dsp', async () => {
    expect(await shell.run('cat /proc/asound/pcm')).toMatch(/^00-00: .*playback 1 : capture 1/);
    expect((await shell.exec('[ -c /dev/dsp ]')).status).toBe(0);
    expect(await shell.run(`wc -c < ${TONE}`)).toBe(String(GUEST_TONE.seconds * GUEST_TONE.sampleRate));
  });

  it('cat of the test tone into /dev/dsp ends after about the tone’s length (the PCM plays, paced)', async () => {
    const t0 = Date.now();
    const r = await shell.exec(`cat ${TONE} > /dev/dsp`, 60_000);
    const ms = Date.now() - t0;
    console.info(`[qemu-sound] ${GUEST_TONE.seconds} s tone played in ${ms} ms`);
    expect(r).toEqual({output: '', status: 0});
    expect(ms).toBeGreaterThan(GUEST_TONE.seconds * 1000 * 0.9);
    expect(ms).toBeLessThan(GUEST_TONE.seconds * 1000 + 15_000);
  }, 90_000);

  it('dd records 3 s from the microphone (silence with no client sending audio)', async () => {
    const t0 = Date.now();
    const r = await shell.exec('dd if=/dev/dsp of=/tmp/rec.u8 bs=8000 count=3 2>&1', 60_000);
    const ms = Date.now() - t0;
    console.info(`[qemu-sound] 3 s recorded in ${ms} ms`);
    expect(r.status).toBe(0);
    expect(r.output).toContain('3+0 records out');
    expect(await shell.run('wc -c < /tmp/rec.u8')).toBe('24000');
    expect(ms).toBeGreaterThan(2700);
    // U8 silence is 128: every byte is (busybox od prints each distinct line once, '*' for repeats)
    expect(await shell.run('od -An -tu1 /tmp/rec.u8 | tr -s " *" "\\n\\n" | sort -u | grep .')).toBe('128');
  }, 90_000);

  it.skipIf(!hasGi && !process.env.CI)('spice-gtk receives the tone on the playback channel: S16 48 kHz stereo, 440 Hz', async () => {
    const out = path.join(t.dir, 'spice-gtk-playback.raw');
    const capture = spiceGtkAudio(t.port!, ['--out', out]);
    try {
      await capture.ready;
      expect(capture.events.map((e) => e.event), capture.stderr()).toContain('ready');
      expect((await shell.exec(`cat ${TONE} > /dev/dsp`, 60_000)).status).toBe(0);
      expect(await capture.exited, capture.stderr()).toBe(0);
    } finally {
      capture.kill();
    }
    const start = capture.events.find((e) => e.event === 'start');
    expect(start).toMatchObject({format: 1, channels: 2, rate: 48000});
    const pcm = readFileSync(out);
    const seconds = pcm.length / (4 * 48000);
    console.info(`[qemu-sound] spice-gtk captured ${seconds.toFixed(2)} s of playback`);
    expect(seconds).toBeGreaterThan(GUEST_TONE.seconds * 0.9);
    const left = leftChannel(pcm, 2);
    // One second from the middle of the tone: no start-up or drain edges.
    const mid = Math.floor(left.length / 2);
    const hz = dominantHz(left.subarray(mid - 24000, mid + 24000), 48000);
    console.info(`[qemu-sound] dominant frequency ${hz} Hz`);
    expect(Math.abs(hz - GUEST_TONE.hz)).toBeLessThanOrEqual(5);
  }, 120_000);

  it.skipIf(!hasGi && !process.env.CI)('a 1 kHz tone spice-gtk sends on the record channel is what dd records in the guest', async () => {
    const send = spiceGtkAudio(t.port!, ['--send-tone', '1000', '--seconds', '8']);
    let rec: {status: number};
    try {
      await send.ready;
      expect(send.events.map((e) => e.event), send.stderr()).toContain('ready');
      rec = await shell.exec('dd if=/dev/dsp of=/tmp/tone-in.u8 bs=8000 count=3 2>/dev/null', 60_000);
    } finally {
      send.kill();
    }
    expect(rec.status).toBe(0);
    const start = send.events.find((e) => e.event === 'record-start');
    expect(start, send.stderr()).toMatchObject({format: 1});
    console.info(`[qemu-sound] record channel: ${start?.channels} channels at ${start?.rate} Hz`);
    // The middle second of the guest's recording, as numbers over the serial shell.
    const text = await shell.run('dd if=/tmp/tone-in.u8 bs=8000 skip=1 count=1 2>/dev/null | od -An -tu1 -v', 60_000);
    const samples = Float64Array.from(text.split(/\s+/).filter(Boolean), (v) => Number(v) - 128);
    expect(samples.length).toBe(8000);
    const peak = samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const hz = dominantHz(samples, 8000);
    console.info(`[qemu-sound] guest recording: peak ${peak} of 127, dominant frequency ${hz} Hz`);
    expect(peak).toBeGreaterThan(10);
    expect(Math.abs(hz - 1000)).toBeLessThanOrEqual(5);
  }, 120_000);
});
