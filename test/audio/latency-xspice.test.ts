/**
 * Playback LATENCY and the multimedia clock against a real Xspice playing audio and a video stream at once
 * (streaming-video=all, no off-screen surfaces, an animation in a loop). spice-server stops MULTI_MEDIA_TIME while
 * playback is active and, when its MJPEG rate control wants more time for video frames, asks the playback client
 * for a minimum latency instead (PLAYBACK LATENCY, sent only to clients that announce cap LATENCY). The client's
 * clock then follows the audio packets less that latency (spice-gtk: last DATA time − delay).
 */
import {mkdtempSync} from 'node:fs';
import {open, type FileHandle} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {SpiceSession} from '../../src/client/session.js';
import type {PlaybackPacket} from '../../src/client/audio/playback-stream.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {animationClient} from '../../scripts/capture-stream.js';
import {bytesOf, twoTonePcm} from '../support/audio-signals.js';

const work = mkdtempSync(join(tmpdir(), 'spice-cli-latency-'));
const ANIM = {count: 40, width: 240, height: 180, x: 200, y: 150, delayS: 0, fps: 25};

let t: LabTarget;
let fifo: FileHandle;

beforeAll(async () => {
  t = await startXspice({audio: true, streaming: 'all', surfaces: false, width: 640, height: 480, clients: [animationClient(join(work, 'frames'), ANIM)]});
  fifo = await open(t.extra.audioFifo!, 'w');
  await new Promise((r) => setTimeout(r, 2500)); // 20 frames in a row make a stream
}, 60_000);

afterAll(async () => {
  await fifo?.close();
  await t?.stop();
});

describe('playback latency from Xspice with a video stream', () => {
  it('LATENCY arrives while audio and video play; the clock follows the packets less that latency', async () => {
    const wanted = new Set<number>([ChannelType.DISPLAY, ChannelType.PLAYBACK]);
    const session = await SpiceSession.connect(t.uri, {render: true, channelFilter: (type) => wanted.has(type)});
    try {
      const stream = session.playback();
      const latencies: number[] = [];
      let last: PlaybackPacket | undefined;
      stream.on('latency', (ms: number) => latencies.push(ms));
      stream.on('data', (p: PlaybackPacket) => (last = p));
      const tone = fifo.write(bytesOf(twoTonePcm([440, 1234], 600))); // 6 s
      for (let i = 0; i < 60 && latencies.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1500)); // past a clock update (every 100 packets)
      const clock = session.main.currentMmTime()!;
      const expected = last!.time + (performance.now() - last!.at) - stream.delayMs;
      console.log(`LATENCY values: ${JSON.stringify(latencies)}; delay used ${stream.delayMs} ms; clock ${clock}, last packet ${last!.time} (${Math.round(performance.now() - last!.at)} ms ago)`);
      expect(latencies.length).toBeGreaterThan(0);
      expect(stream.latencyMs).toBe(latencies.at(-1));
      expect(stream.delayMs).toBe(latencies.at(-1));
      // Within a second's packets of the last DATA less the delay (the clock is set every 100 packets).
      expect(Math.abs(clock - expected)).toBeLessThan(1100);
      await tone;
    } finally {
      session.close();
    }
  }, 40_000);
});
