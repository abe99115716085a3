/**
 * Every message in the recordings of real servers (recordings/*.spicerec, made by
 * scripts/capture-recordings.ts from lab Xspice and QEMU) decodes with the declared layouts, and
 * re-encodes to the very bytes the server sent.
 */
import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {subMessages} from '../../src/client/wire/sub-messages.js';
import {readRecording} from '../../src/client/recording/reader.js';
import {ChannelType, channelTypeName} from '../../src/client/wire/enums.js';
import {encode} from '../../src/client/wire/schema.js';
import {CommonServer} from '../../src/client/wire/messages/common.js';
import {checkCaptured, definitionOf} from './roundtrip.js';

const dir = join(import.meta.dirname, '..', '..', 'recordings');
const files = readdirSync(dir).filter((f) => f.endsWith('.spicerec'));

describe.each(files)('%s', (file) => {
  const rec = readRecording(join(dir, file));
  const seen = new Set<string>();

  it('holds traffic of every linked channel', () => {
    expect(rec.header.channels.length).toBeGreaterThanOrEqual(4);
    expect(rec.messages.length).toBeGreaterThan(50);
  });

  it('decodes and re-encodes every recorded message byte for byte', () => {
    for (const m of rec.messages) {
      const side = m.dir === 'in' ? 'server' : 'client';
      const parts = side === 'server' && m.type === CommonServer.LIST.type ? subMessages(m.body, 0) : [{type: m.type, body: m.body}];
      for (const p of parts) {
        const def = definitionOf(m.channelType, side, p.type);
        const value = checkCaptured(m.channelType, side, p.type, p.body);
        expect(Buffer.from(encode(def.schema, value as never)).equals(Buffer.from(p.body)), `${file}: ${channelTypeName(m.channelType)} ${def.name}`).toBe(true);
        seen.add(`${channelTypeName(m.channelType)} ${side} ${def.name}`);
      }
    }
  });

  it('covers the messages a link, a display and the base protocol produce', () => {
    for (const name of ['main server INIT', 'main server CHANNELS_LIST', 'main server PING', 'main client PONG', 'display client INIT', 'display server SURFACE_CREATE', 'display server DRAW_COPY', 'display server MARK', 'cursor server INIT', 'inputs server INIT']) {
      expect(seen, name).toContain(name);
    }
  });
});

it('the recordings include Xspice and QEMU with every channel type QEMU offers', () => {
  const types = new Set(files.flatMap((f) => readRecording(join(dir, f)).header.channels.map((c) => c.type)));
  for (const t of [ChannelType.MAIN, ChannelType.DISPLAY, ChannelType.INPUTS, ChannelType.CURSOR, ChannelType.PLAYBACK, ChannelType.RECORD, ChannelType.SMARTCARD, ChannelType.USBREDIR, ChannelType.PORT, ChannelType.WEBDAV]) {
    expect([...types], channelTypeName(t)).toContain(t);
  }
});
