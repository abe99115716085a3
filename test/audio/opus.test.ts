/**
 * The Opus wrapper (audio/opus.ts) round trip with the same package, the spectral peaks and the alignment/SNR
 * code on its output, and the playback stream decoding Opus DATA and keeping VOLUME, MUTE, LATENCY and the clock.
 */
import {describe, expect, it} from 'vitest';
import {loadOpus} from '../../src/client/audio/opus.js';
import {align, snrAt} from '../../src/client/audio/alignment.js';
import {SpectrumAnalyzer} from '../../src/client/audio/spectrum.js';
import {DEFAULT_PLAYBACK_LATENCY_MS, PlaybackStream, type PlaybackPacket} from '../../src/client/audio/playback-stream.js';
import {PlaybackServer} from '../../src/client/wire/messages/playback.js';
import {AudioDataMode, AudioFmt} from '../../src/client/wire/enums.js';
import {PlaybackCap} from '../../src/client/wire/caps.js';
import {silentLogger} from '../../src/client/log.js';
import {PACKET_FRAMES, RATE, samplesOf, twoTonePcm} from '../support/audio-signals.js';

/** Encodes interleaved stereo S16 in 480-frame Opus packets (SPICE's frame). */
async function encodePackets(pcm: Int16Array): Promise<Uint8Array[]> {
  const encoder = (await loadOpus()).encoder(RATE, 2);
  const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at + PACKET_FRAMES * 4 <= bytes.length; at += PACKET_FRAMES * 4) out.push(encoder.encode(bytes.subarray(at, at + PACKET_FRAMES * 4)));
  encoder.close();
  return out;
}

describe('Opus (opusscript)', () => {
  it('a two-tone signal encoded and decoded: both tones within 1 Hz, aligned at the codec delay, SNR above 20 dB', async () => {
    const source = twoTonePcm([440, 1234], 200); // 2 s
    const packets = await encodePackets(source);
    const decoder = (await loadOpus()).decoder(RATE, 2);
    const decoded = samplesOf(Buffer.concat(packets.map((p) => decoder.decode(p))));
    decoder.close();
    expect(decoded.length).toBe(source.length);
    const spectrum = new SpectrumAnalyzer(2, RATE);
    spectrum.add(decoded);
    const [a, b] = spectrum.peaks(2).map((p) => p.hz).sort((x, y) => x - y);
    expect(Math.abs(a! - 440)).toBeLessThan(1);
    expect(Math.abs(b! - 1234)).toBeLessThan(1);
    const alignment = align(source, decoded, 2, {maxLag: 4800});
    // libopus 1.4 at 48 kHz: 312 frames of look-ahead (2.5 ms + 4 ms); measured SNR 28.3 dB at ~103 kbit/s.
    expect(alignment.lag).toBe(312);
    expect(alignment.snrDb!).toBeGreaterThan(20);
  });

  it('rejects rates Opus does not run at and packets libopus cannot decode', async () => {
    const opus = await loadOpus();
    expect(() => opus.decoder(44100, 2)).toThrow(/not 44100 Hz/);
    const decoder = opus.decoder(RATE, 2);
    expect(() => decoder.decode(new Uint8Array(4000))).toThrow(/at most 3828/);
    decoder.close();
  });
});

describe('alignment', () => {
  it('finds a shift of the source in both directions and a bit-exact copy has no noise', () => {
    const source = twoTonePcm([440, 1234], 20);
    const later = new Int16Array(source.length + 200);
    later.set(source, 200); // 100 frames of silence first
    expect(align(source, later, 2, {maxLag: 1000})).toMatchObject({lag: 100, correlation: 1, snrDb: null});
    const cut = source.subarray(2 * 50);
    expect(align(source, cut, 2, {maxLag: 1000})).toMatchObject({lag: -50, snrDb: null});
    const noisy = Int16Array.from(source, (v, i) => v + (i % 2 ? 100 : -100));
    expect(snrAt(source, noisy, 2, 0).snrDb).toBeCloseTo(10 * Math.log10(source.reduce((s, v) => s + v * v, 0) / (source.length * 100 * 100)), 1);
  });
});

describe('playback stream: Opus, volume, mute, latency, clock', () => {
  it('decodes Opus DATA to S16LE and keeps the state the server sends', async () => {
    const source = twoTonePcm([440, 1234], 120);
    const packets = await encodePackets(source);
    const stream = new PlaybackStream(silentLogger, 'playback', await loadOpus());
    const clock: number[] = [];
    stream.attach({mmTime: () => 0, setMmTime: (ms) => clock.push(ms), caps: {has: (c) => c === PlaybackCap.OPUS}});
    expect(stream.opusAgreed).toBe(true);
    const data: PlaybackPacket[] = [];
    stream.on('data', (p: PlaybackPacket) => data.push(p));
    stream.handle(PlaybackServer.MODE, {time: 1000, mode: AudioDataMode.OPUS, data: new Uint8Array(0)});
    stream.handle(PlaybackServer.START, {channels: 2, format: AudioFmt.S16, frequency: RATE, time: 1000});
    stream.handle(PlaybackServer.VOLUME, {nchannels: 2, volume: [65535, 32768]});
    stream.handle(PlaybackServer.MUTE, {mute: true});
    packets.forEach((p, i) => {
      if (i === 50) stream.handle(PlaybackServer.LATENCY, {latency_ms: 350});
      stream.handle(PlaybackServer.DATA, {time: 1000 + 10 * i, data: p});
    });
    expect(stream.modeName).toBe('OPUS');
    expect(data).toHaveLength(120);
    expect(data.every((p) => p.pcm.length === PACKET_FRAMES * 4)).toBe(true);
    expect(stream).toMatchObject({volume: [65535, 32768], muted: true, latencyMs: 350, decodeErrors: 0});
    // spice-gtk: clock = packet time − delay at the first packet and every 100th; the delay the default until LATENCY.
    expect(clock).toEqual([1000 - DEFAULT_PLAYBACK_LATENCY_MS, 2000 - 350]);
    stream.handle(PlaybackServer.DATA, {time: 3000, data: new Uint8Array([0xff, 0xff, 0xff])});
    expect(stream.decodeErrors).toBe(1);
    stream.end();
  });

  it('Opus DATA without the library (the session did not announce OPUS) is undecodable', () => {
    const stream = new PlaybackStream(silentLogger);
    const modes: number[] = [];
    stream.on('undecodable', (m: number) => modes.push(m));
    stream.handle(PlaybackServer.MODE, {time: 0, mode: AudioDataMode.OPUS, data: new Uint8Array(0)});
    stream.handle(PlaybackServer.START, {channels: 2, format: AudioFmt.S16, frequency: RATE, time: 0});
    stream.handle(PlaybackServer.DATA, {time: 0, data: new Uint8Array(10)});
    expect(modes).toEqual([AudioDataMode.OPUS]);
  });
});
