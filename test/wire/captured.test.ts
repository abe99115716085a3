/**
 * Captured message bodies: each must decode, and decode → encode → decode must be stable (checkBody).
 * Add bodies from real traffic (Xspice, QEMU) either to the `captured` table below or as JSON files in
 * test/wire/captured/, each an array of {channelType, side: 'server'|'client'|'agent', type, body: hex,
 * caps?: string[], note?: string}. Bytes are compared as decoded values, since servers place pointer targets
 * differently from our encoder.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {ChannelType, channelTypeName} from '../../src/client/wire/enums.js';
import {checkCaptured, hex, type Side} from './roundtrip.js';

export interface Captured {
  channelType: number;
  side: Side;
  type: number;
  /** The message body (after the data header), as hex. */
  body: string;
  caps?: string[];
  note?: string;
  /** Optional spot checks on the decoded value. */
  expect?: object;
}

/** Hand-made bodies laid out the way spice-server marshals them; real captures go here too. */
const captured: Captured[] = [
  {
    channelType: ChannelType.DISPLAY,
    side: 'server',
    type: 314,
    note: 'SURFACE_CREATE 1024×768 32_xRGB primary',
    body: '00000000 00040000 00030000 20000000 01000000',
    expect: {surface_id: 0, width: 1024, height: 768, format: 32, flags: 1},
  },
  {
    channelType: ChannelType.CURSOR,
    side: 'server',
    type: 103,
    note: 'SET: a 1×1 ALPHA cursor, CACHE_ME',
    body: '0a00 1400 01 0200 efcdab0000000000 00 0100 0100 0000 0000 112233ff',
    expect: {position: {x: 10, y: 20}, visible: true, cursor: {flags: 2, header: {unique: 0xabcdefn, width: 1, height: 1}}},
  },
  {
    channelType: ChannelType.DISPLAY,
    side: 'server',
    type: 304,
    note: 'DRAW_COPY with a FROM_CACHE image placed before a gap of unused bytes',
    // base (21) + src ptr → 64, src_area, ropd 8, scale 0, mask (13) = 57 bytes; 7 bytes of padding; image at 64
    body:
      '00000000 00000000 00000000 10000000 10000000 00' +
      '40000000 00000000 00000000 10000000 10000000 0800 00 00 0000000000000000 00000000' +
      '00000000000000' +
      '2a00000000000000 67 00 10000000 10000000',
    expect: {data: {src_bitmap: {descriptor: {id: 42n, type: 103, width: 16, height: 16}}}},
  },
  {
    channelType: ChannelType.MAIN,
    side: 'agent',
    type: 7,
    caps: ['agent:CLIPBOARD_SELECTION', 'agent:CLIPBOARD_GRAB_SERIAL'],
    note: 'CLIPBOARD_GRAB with selection and serial',
    body: '00000000 07000000 01000000',
    expect: {selection: 0, serial: 7, types: [1]},
  },
];

function fromFiles(): Captured[] {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'captured');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as Captured[]).map((c) => ({...c, note: `${f}: ${c.note ?? ''}`})));
}

const all = [...captured, ...fromFiles()];

describe('captured bodies decode and re-encode stably', () => {
  it.each(all.map((c) => [`${channelTypeName(c.channelType)} ${c.side} ${c.type} ${c.note ?? ''}`, c] as const))('%s', (_n, c) => {
    const value = checkCaptured(c.channelType, c.side, c.type, hex(c.body), c.caps ? {caps: new Set(c.caps)} : {});
    if (c.expect) expect(value).toMatchObject(c.expect);
  });
});
