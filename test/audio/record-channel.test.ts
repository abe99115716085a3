/**
 * The record channel and stream without a server (src/client/channels/record.ts, audio/record-stream.ts) and
 * `sendAudio` (actions/audio-send.ts) over them on a fake clock: the server's START/STOP/VOLUME/MUTE decoded
 * from hand-made bodies; MODE (RAW) and START_MARK before the first DATA after every START, as spice-gtk's
 * channel-record.c; raw DATA packets of 512 frames (Opus: 480) of the START's format time-stamped with the session's mm-time; the
 * action's ends (done, the guest stopping, Ctrl-C, no START: exit 40) and its report.
 */
import {describe, expect, it} from 'vitest';
import type {LinkedSocket} from '../../src/client/channels/channel.js';
import {RecordChannel} from '../../src/client/channels/record.js';
import {createChannel} from '../../src/client/channels/registry.js';
import {advertisedCaps} from '../../src/client/channels/advertised-caps.js';
import {RecordStream} from '../../src/client/audio/record-stream.js';
import {sendAudio, prepareAudioSend, type AudioSendInput} from '../../src/client/actions/audio-send.js';
import type {PacingClock} from '../../src/client/audio/pacer.js';
import {SpectrumAnalyzer} from '../../src/client/audio/spectrum.js';
import type {SpiceSession} from '../../src/client/session.js';
import {SpiceError} from '../../src/client/errors.js';
import {silentLogger} from '../../src/client/log.js';
import {CapSet, RecordCap} from '../../src/client/wire/caps.js';
import {loadOpus, type OpusLibrary} from '../../src/client/audio/opus.js';
import {AudioDataMode, AudioFmt, ChannelType} from '../../src/client/wire/enums.js';
import {decode, encode} from '../../src/client/wire/schema.js';
import type {MessageDef} from '../../src/client/wire/message.js';
import {RecordClient, RecordServer} from '../../src/client/wire/messages/record.js';

interface Sent {
  type: number;
  name: string;
  value: {time: number; mode?: number; data?: Uint8Array};
}

/**
 * A record channel over a socket that keeps what is written (mini headers), fed by hand; mm-time from `clock`.
 * `opus`: the session announced record cap OPUS and loaded this library.
 */
function rig(serverCaps: number[] = [RecordCap.VOLUME], opus?: OpusLibrary) {
  const chunks: Buffer[] = [];
  const socket = {write: (b: Buffer) => (chunks.push(Buffer.from(b)), true), end: () => undefined, destroy: () => undefined, writableLength: 0};
  const ours = advertisedCaps(ChannelType.RECORD, {audio: {recordOpus: opus !== undefined}});
  const link = {socket, caps: new CapSet(new Set(), new Set(ours.filter((c) => serverCaps.includes(c)))), miniHeader: true, serverCommonCaps: [], serverChannelCaps: serverCaps} as unknown as LinkedSocket;
  let mm = 5000;
  const main = {currentMmTime: () => mm};
  const ch = createChannel(ChannelType.RECORD, 0, link, {logger: silentLogger, findChannel: (t) => (t === ChannelType.MAIN ? (main as never) : undefined), timeoutMs: 1000});
  expect(ch).toBeInstanceOf(RecordChannel);
  const stream = new RecordStream(silentLogger, 'record', opus);
  stream.attach(ch as RecordChannel);
  const feed = <R, W>(def: MessageDef<R, W>, value: W) => (ch as any).onMessage(def, decode(def.schema, encode(def.schema, value)), new Uint8Array());
  const sent = (): Sent[] => {
    const all = Buffer.concat(chunks);
    const out: Sent[] = [];
    for (let at = 0; at < all.length; ) {
      const type = all.readUInt16LE(at);
      const size = all.readUInt32LE(at + 2);
      const def = Object.values(RecordClient).find((d) => d.type === type)!;
      out.push({type, name: def.name, value: decode(def.schema, all.subarray(at + 6, at + 6 + size)) as Sent['value']});
      at += 6 + size;
    }
    return out;
  };
  return {ch: ch as RecordChannel, stream, feed, sent, setMm: (t: number) => (mm = t)};
}

const start = (channels = 2, frequency = 48000) => ({channels, format: AudioFmt.S16, frequency});

/** A clock that jumps to every due time at once (sleep ≥ 0 ms), and runs `onSleep` on every sleep. */
function instantClock(onSleep: (t: number) => void = () => undefined): PacingClock {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
      onSleep(t);
    },
  };
}

const sessionOf = (stream: RecordStream) => ({record: () => stream}) as unknown as SpiceSession;

describe('record channel and stream', () => {
  it('announces VOLUME, and OPUS only when the session asks for it (never CELT)', () => {
    expect(advertisedCaps(ChannelType.RECORD)).toEqual([RecordCap.VOLUME]);
    expect(advertisedCaps(ChannelType.RECORD, {audio: {recordOpus: true}})).toEqual([RecordCap.VOLUME, RecordCap.OPUS]);
    expect(advertisedCaps(ChannelType.RECORD, {audio: {opus: true}})).toEqual([RecordCap.VOLUME]);
  });

  it('START, VOLUME, MUTE, STOP: the state and events', () => {
    const {stream, feed} = rig();
    const events: string[] = [];
    for (const e of ['start', 'stop', 'volume', 'mute']) stream.on(e, () => events.push(e));
    feed(RecordServer.VOLUME, {volume: [65535, 32768]});
    feed(RecordServer.MUTE, {mute: true});
    expect(stream.recording).toBe(false);
    feed(RecordServer.START, start(2, 44100));
    expect(stream.recording).toBe(true);
    expect(stream.start?.format).toEqual({channels: 2, rate: 44100, sampleFormat: 's16le'});
    feed(RecordServer.STOP, {});
    expect(stream.recording).toBe(false);
    expect(stream.volume).toEqual([65535, 32768]);
    expect(stream.muted).toBe(true);
    expect(events).toEqual(['volume', 'mute', 'start', 'stop']);
  });

  it('a START in a format SPICE does not define is a protocol error', () => {
    const {feed} = rig();
    expect(() => feed(RecordServer.START, {channels: 2, format: 7, frequency: 48000})).toThrow(/format 7/);
  });

  it('MODE and START_MARK precede the first DATA after each START; nothing is sent while not recording', () => {
    const {stream, feed, sent, setMm} = rig();
    const pcm = new Uint8Array(1920).fill(1);
    expect(stream.sendPacket(AudioDataMode.RAW, pcm)).toBe(false);
    feed(RecordServer.START, start());
    setMm(7000);
    expect(stream.sendPacket(AudioDataMode.RAW, pcm)).toBe(true);
    setMm(7010);
    stream.sendPacket(AudioDataMode.RAW, pcm);
    feed(RecordServer.STOP, {});
    expect(stream.sendPacket(AudioDataMode.RAW, pcm)).toBe(false);
    feed(RecordServer.START, start());
    setMm(9000);
    stream.sendPacket(AudioDataMode.RAW, pcm);
    const s = sent();
    expect(s.map((m) => `${m.name}@${m.value.time}`)).toEqual(['MODE@7000', 'START_MARK@7000', 'DATA@7000', 'DATA@7010', 'MODE@9000', 'START_MARK@9000', 'DATA@9000']);
    expect(s[0]!.value.mode).toBe(AudioDataMode.RAW);
    expect(s[0]!.value.data!.length).toBe(0);
    expect(Buffer.from(s[2]!.value.data!).equals(Buffer.from(pcm))).toBe(true);
    expect(stream.marks).toEqual({startMark: 9000, firstData: 9000, lastData: 9000});
  });
});

describe('sendAudio on a fake clock', () => {
  it('a 1 s tone to a recording 48 kHz stereo server: 94 raw packets of 512 frames (the last 384), MODE RAW first, the tone in the data', async () => {
    const {stream, feed, sent} = rig();
    feed(RecordServer.START, start());
    const r = await sendAudio(sessionOf(stream), {kind: 'tone', hz: 1000}, {maxMs: 1000, timeoutMs: 1000, clock: instantClock(), drainMs: 0});
    expect(r).toMatchObject({codec: 'raw', mode: 'RAW', format: {channels: 2, rate: 48000}, frames: 48000, durationMs: 1000, packets: 94, framesPerPacket: 512, bytes: 192_000, endedBy: 'done', volume: null});
    expect(r.pacing.maxLateMs).toBe(0);
    const s = sent();
    expect(s.slice(0, 3).map((m) => m.name)).toEqual(['MODE', 'START_MARK', 'DATA']);
    const data = s.filter((m) => m.name === 'DATA');
    expect(data.length).toBe(94);
    // 512 frames divide spice-server's 8192-frame record ring: no packet straddles its end (record-encoder.ts)
    expect(data.slice(0, -1).every((m) => m.value.data!.length === 2048)).toBe(true);
    expect(data.at(-1)!.value.data!.length).toBe(384 * 4);
    const spectrum = new SpectrumAnalyzer(2, 48000);
    for (const m of data) spectrum.add(new Int16Array(Uint8Array.from(m.value.data!).buffer));
    expect(Math.abs(spectrum.dominantHz()! - 1000)).toBeLessThan(0.05);
  });

  it('waits for the START (the guest starts recording later), then converts a mono 8 kHz WAV to the server format', async () => {
    const {stream, feed, sent} = rig();
    const frames = 8000;
    const pcm = new Int16Array(frames).map((_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    const wav = {format: {channels: 1, rate: 8000, sampleFormat: 's16le' as const}, data: new Uint8Array(pcm.buffer), streamed: false};
    const waiting: string[] = [];
    const p = sendAudio(sessionOf(stream), {kind: 'wav', file: 'x.wav', wav}, {timeoutMs: 5000, clock: instantClock(), drainMs: 0, onWaiting: () => waiting.push('waiting')});
    await new Promise((r) => setTimeout(r, 30));
    expect(sent()).toEqual([]);
    feed(RecordServer.START, start(2, 48000));
    const r = await p;
    expect(waiting).toEqual(['waiting']);
    expect(r.frames).toBe(48000);
    expect(r.source).toMatchObject({kind: 'wav', frames: 8000, durationMs: 1000});
    expect(r.serverStartedMs).toBeGreaterThan(20);
    expect(sent().filter((m) => m.name === 'DATA').length).toBe(94);
  });

  it('the guest stops recording midway: ends with what was sent, endedBy server-stopped (not an error)', async () => {
    const {stream, feed} = rig();
    feed(RecordServer.START, start());
    let sleeps = 0;
    const clock = instantClock(() => {
      if (++sleeps === 30) feed(RecordServer.STOP, {});
    });
    const r = await sendAudio(sessionOf(stream), {kind: 'tone', hz: 440}, {maxMs: 2000, timeoutMs: 1000, clock, drainMs: 0});
    expect(r.endedBy).toBe('server-stopped');
    expect(r.packets).toBe(30);
    expect(r.frames).toBe(30 * 512);
  });

  it('no START within the timeout is exit 40, saying the guest must be recording', async () => {
    const {stream} = rig();
    const err = await sendAudio(sessionOf(stream), {kind: 'tone', hz: 440}, {timeoutMs: 50}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpiceError);
    expect((err as SpiceError).exitCode).toBe(40);
    expect((err as SpiceError).message).toMatch(/guest must be recording.*arecord/);
  });

  it('an abort midway is interrupted (exit 130) with the figures of what was sent', async () => {
    const {stream, feed} = rig();
    feed(RecordServer.START, start());
    const ac = new AbortController();
    let sleeps = 0;
    const clock = instantClock(() => {
      if (++sleeps === 10) ac.abort();
    });
    const err = (await sendAudio(sessionOf(stream), {kind: 'tone', hz: 440}, {timeoutMs: 1000, clock, signal: ac.signal, drainMs: 0}).catch((e: unknown) => e)) as SpiceError;
    expect(err.exitCode).toBe(130);
    // The 10th sleep comes before packet 10 (packet 0 is due at once): packets 0–9 went.
    expect(err.details).toMatchObject({interrupted: true, packets: 10, frames: 10 * 512});
  });

  it('a tone at or above half the server rate is a usage error', async () => {
    const {stream, feed} = rig();
    feed(RecordServer.START, start(2, 8000));
    const err = (await sendAudio(sessionOf(stream), {kind: 'tone', hz: 4000}, {timeoutMs: 1000}).catch((e: unknown) => e)) as SpiceError;
    expect(err.exitCode).toBe(2);
  });
});

describe('prepareAudioSend (before connecting)', () => {
  const input = (o: Parameters<typeof prepareAudioSend>[0]): AudioSendInput | SpiceError => {
    try {
      return prepareAudioSend(o);
    } catch (e) {
      return e as SpiceError;
    }
  };
  it('refuses a missing or non-WAV file, a bad tone, neither or both, and --seconds 0', () => {
    for (const o of [{file: '/nonexistent.wav'}, {file: 'package.json'}, {toneHz: 0}, {toneHz: -5}, {}, {file: 'x.wav', toneHz: 440}, {toneHz: 440, maxMs: 0}]) {
      const r = input(o);
      expect(r, JSON.stringify(o)).toBeInstanceOf(SpiceError);
      expect((r as SpiceError).exitCode).toBe(2);
    }
    expect((input({file: 'package.json'}) as SpiceError).message).toMatch(/not a WAV file/);
    expect(input({toneHz: 440})).toEqual({kind: 'tone', hz: 440});
  });
});

describe('sendAudio in Opus (record cap OPUS on both sides)', () => {
  const opusCaps = [RecordCap.VOLUME, RecordCap.OPUS];

  it('--codec opus: MODE OPUS, 480-frame Opus packets that decode to the tone; the last one padded to 480 frames', async () => {
    const opus = await loadOpus();
    const {stream, feed, sent} = rig(opusCaps, opus);
    feed(RecordServer.START, start());
    // 1.005 s: 100 whole packets and a last one of 240 frames.
    const r = await sendAudio(sessionOf(stream), {kind: 'tone', hz: 1000}, {maxMs: 1005, codec: 'opus', timeoutMs: 1000, clock: instantClock(), drainMs: 0});
    expect(r).toMatchObject({codec: 'opus', mode: 'OPUS', frames: 48240, packets: 101, framesPerPacket: 480, endedBy: 'done'});
    const s = sent();
    expect(s[0]).toMatchObject({name: 'MODE', value: {mode: AudioDataMode.OPUS}});
    const data = s.filter((m) => m.name === 'DATA').map((m) => m.value.data!);
    expect(data.length).toBe(101);
    expect(r.bytes).toBe(data.reduce((n, d) => n + d.length, 0));
    // libopus's default bitrate for 10 ms stereo frames (~102 kbit/s): far below raw's 1920 bytes
    expect(Math.max(...data.map((d) => d.length))).toBeLessThan(480);
    const decoder = opus.decoder(48000, 2);
    const decoded = data.map((d) => decoder.decode(d));
    decoder.close();
    expect(decoded.every((d) => d.length === 480 * 4)).toBe(true);
    const spectrum = new SpectrumAnalyzer(2, 48000);
    for (const d of decoded.slice(2, 100)) spectrum.add(new Int16Array(Uint8Array.from(d).buffer));
    expect(Math.abs(spectrum.dominantHz()! - 1000)).toBeLessThan(0.5);
  });

  it('auto: Opus when the server offers it at a rate it takes, else raw', async () => {
    const opus = await loadOpus();
    for (const [caps, lib, frequency, mode] of [
      [opusCaps, opus, 48000, 'OPUS'],
      [[RecordCap.VOLUME], opus, 48000, 'RAW'], // the server has no OPUS
      [opusCaps, undefined, 48000, 'RAW'], // the session did not announce it
      [opusCaps, opus, 16000, 'RAW'], // 480 frames at 16 kHz (30 ms) is no Opus frame
      [opusCaps, opus, 44100, 'RAW'],
    ] as const) {
      const {stream, feed, sent} = rig([...caps], lib);
      feed(RecordServer.START, start(2, frequency));
      const r = await sendAudio(sessionOf(stream), {kind: 'tone', hz: 440}, {maxMs: 100, codec: 'auto', timeoutMs: 1000, clock: instantClock(), drainMs: 0});
      expect(r.mode, `${caps} ${frequency}`).toBe(mode);
      expect(sent()[0]!.value.mode).toBe(AudioDataMode[mode]);
    }
  });

  it('--codec opus where the server has no record OPUS cap: exit 2 at once, before waiting for the guest', async () => {
    const {stream, sent} = rig([RecordCap.VOLUME], await loadOpus());
    const t0 = performance.now();
    const err = (await sendAudio(sessionOf(stream), {kind: 'tone', hz: 440}, {codec: 'opus', timeoutMs: 5000}).catch((e: unknown) => e)) as SpiceError;
    expect(err).toBeInstanceOf(SpiceError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/--codec opus: .*no OPUS cap/);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(sent()).toEqual([]);
  });

  it('--codec opus and a mono record stream (spice-server decodes stereo Opus only): exit 2, nothing sent', async () => {
    const {stream, feed, sent} = rig(opusCaps, await loadOpus());
    feed(RecordServer.START, start(1, 48000));
    const err = (await sendAudio(sessionOf(stream), {kind: 'tone', hz: 440}, {codec: 'opus', timeoutMs: 1000}).catch((e: unknown) => e)) as SpiceError;
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/stereo only/);
    expect(sent()).toEqual([]);
  });
});
