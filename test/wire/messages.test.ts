import {describe, expect, it} from 'vitest';
import {decode, encode} from '../../src/client/wire/schema.js';
import {ChannelType, channelTypeName} from '../../src/client/wire/enums.js';
import {AgentMessages} from '../../src/client/wire/messages/agent.js';
import {allMessages, clientMessage, serverMessage} from '../../src/client/wire/messages/index.js';
import {checkBody} from './roundtrip.js';
import {agentSamples, type Sample, samples} from './samples.js';

function roundTrip(s: Sample): void {
  const ctx = s.ctx ?? {};
  const body = encode(s.def.schema, s.value, ctx);
  const back = decode(s.def.schema, body, ctx);
  // The decoded value holds everything we gave plus the derived counts and sizes.
  expect(back).toMatchObject(s.value as object);
  // Our own encoding of the decoded value is the same bytes, and decodes the same again.
  expect(encode(s.def.schema, back, ctx)).toEqual(body);
  checkBody(s.def, body, ctx);
}

const label = (s: Sample) => `${s.def.type} ${s.def.name}${s.note ? ` (${s.note})` : ''}${s.ctx?.caps ? ` [${[...s.ctx.caps].join(', ')}]` : ''}`;

describe('message samples round-trip', () => {
  it.each(samples.map((s) => [label(s), s] as const))('%s', (_name, s) => roundTrip(s));
});

describe('agent samples round-trip', () => {
  it.each(agentSamples.map((s) => [label(s), s] as const))('%s', (_name, s) => roundTrip(s));
});

describe('catalogue coverage', () => {
  it('every declared message of every channel has a sample', () => {
    const have = new Set(samples.map((s) => s.def));
    const missing = allMessages()
      .filter((m) => !have.has(m.def))
      .map((m) => `${channelTypeName(m.channelType)} ${m.side} ${m.def.type} ${m.def.name}`);
    expect(missing).toEqual([]);
  });

  it('every agent message has a sample', () => {
    const have = new Set(agentSamples.map((s) => s.def));
    expect(Object.values(AgentMessages).filter((d) => !have.has(d)).map((d) => d.name)).toEqual([]);
  });

  it('numbers every message as spice.proto / enums.h do', () => {
    const expected: Array<[number, 'server' | 'client', number, string]> = [
      [ChannelType.DISPLAY, 'server', 101, 'MODE'],
      [ChannelType.DISPLAY, 'server', 108, 'INVAL_ALL_PALETTES'],
      [ChannelType.DISPLAY, 'server', 122, 'STREAM_CREATE'],
      [ChannelType.DISPLAY, 'server', 126, 'STREAM_DESTROY_ALL'],
      [ChannelType.DISPLAY, 'server', 302, 'DRAW_FILL'],
      [ChannelType.DISPLAY, 'server', 313, 'DRAW_ALPHA_BLEND'],
      [ChannelType.DISPLAY, 'server', 318, 'DRAW_COMPOSITE'],
      [ChannelType.DISPLAY, 'server', 322, 'QUALITY_INDICATOR'],
      [ChannelType.DISPLAY, 'client', 105, 'PREFERRED_VIDEO_CODEC_TYPE'],
      [ChannelType.INPUTS, 'client', 104, 'KEY_SCANCODE'],
      [ChannelType.INPUTS, 'client', 114, 'MOUSE_RELEASE'],
      [ChannelType.INPUTS, 'server', 111, 'MOUSE_MOTION_ACK'],
      [ChannelType.CURSOR, 'server', 108, 'INVAL_ALL'],
      [ChannelType.PLAYBACK, 'server', 107, 'LATENCY'],
      [ChannelType.RECORD, 'server', 104, 'MUTE'],
      [ChannelType.RECORD, 'client', 103, 'START_MARK'],
      [ChannelType.SMARTCARD, 'server', 101, 'DATA'],
      [ChannelType.SMARTCARD, 'client', 101, 'DATA'],
      [ChannelType.USBREDIR, 'server', 102, 'COMPRESSED_DATA'],
      [ChannelType.USBREDIR, 'client', 102, 'COMPRESSED_DATA'],
      [ChannelType.PORT, 'server', 201, 'INIT'],
      [ChannelType.PORT, 'server', 202, 'EVENT'],
      [ChannelType.PORT, 'client', 201, 'EVENT'],
      [ChannelType.WEBDAV, 'server', 101, 'DATA'],
      [ChannelType.WEBDAV, 'server', 202, 'EVENT'],
      [ChannelType.WEBDAV, 'client', 201, 'EVENT'],
      [ChannelType.MAIN, 'client', 112, 'QUALITY_INDICATOR'],
    ];
    for (const [ch, side, type, name] of expected) {
      const def = side === 'server' ? serverMessage(ch, type) : clientMessage(ch, type);
      expect(def?.name, `${channelTypeName(ch)} ${side} ${type}`).toBe(name);
    }
    // USBREDIR has no port messages; the tunnel channel has only the common ones.
    expect(serverMessage(ChannelType.USBREDIR, 201)).toBeUndefined();
    expect(serverMessage(ChannelType.TUNNEL, 101)).toBeUndefined();
    expect(serverMessage(ChannelType.TUNNEL, 4)?.name).toBe('PING');
  });

  it('declares as many messages per channel as spice.proto', () => {
    const count = (ch: number, side: 'server' | 'client') => allMessages().filter((m) => m.channelType === ch && m.side === side).length;
    // common: 8 server, 6 client
    expect(count(ChannelType.DISPLAY, 'server')).toBe(8 + 34);
    expect(count(ChannelType.DISPLAY, 'client')).toBe(6 + 5);
    expect(count(ChannelType.INPUTS, 'server')).toBe(8 + 3);
    expect(count(ChannelType.INPUTS, 'client')).toBe(6 + 8);
    expect(count(ChannelType.CURSOR, 'server')).toBe(8 + 8);
    expect(count(ChannelType.CURSOR, 'client')).toBe(6);
    expect(count(ChannelType.PLAYBACK, 'server')).toBe(8 + 7);
    expect(count(ChannelType.RECORD, 'server')).toBe(8 + 4);
    expect(count(ChannelType.RECORD, 'client')).toBe(6 + 3);
    expect(count(ChannelType.PORT, 'server')).toBe(8 + 4);
    expect(count(ChannelType.PORT, 'client')).toBe(6 + 3);
    expect(count(ChannelType.USBREDIR, 'server')).toBe(8 + 2);
    expect(Object.keys(AgentMessages)).toHaveLength(16);
  });
});
