import {describe, expect, it} from 'vitest';
import {decode, encode} from '../../src/client/wire/schema.js';
import {WireError} from '../../src/client/wire/reader.js';
import {CommonServer} from '../../src/client/wire/messages/common.js';
import {MainServer} from '../../src/client/wire/messages/main.js';
import {LinkMess} from '../../src/client/wire/messages/link.js';

describe('layout DSL', () => {
  it('derives counts when writing and reads them back', () => {
    const body = encode(MainServer.CHANNELS_LIST.schema, {channels: [{type: 2, id: 0}, {type: 9, id: 1}]});
    expect([...body]).toEqual([2, 0, 0, 0, 2, 0, 9, 1]);
    expect(decode(MainServer.CHANNELS_LIST.schema, body)).toEqual({num_of_channels: 2, channels: [{type: 2, id: 0}, {type: 9, id: 1}]});
  });

  it('writes NUL-terminated text with its size including the NUL', () => {
    const body = encode(MainServer.NAME.schema, {name: 'vm-1'});
    expect([...body]).toEqual([5, 0, 0, 0, 0x76, 0x6d, 0x2d, 0x31, 0]);
    expect(decode(MainServer.NAME.schema, body).name).toBe('vm-1');
  });

  it('places pointer targets after the body and follows them when reading', () => {
    const v = {dst_info: {port: 5900, sport: 5901, host_data: 'h', cert_subject_data: null}};
    const body = encode(MainServer.MIGRATE_BEGIN.schema, v);
    // 2+2+4+4+4+4 = 20 bytes of fixed part, then "h\0" at offset 20
    expect(body.length).toBe(22);
    expect(new DataView(body.buffer).getUint32(8, true)).toBe(20);
    expect(decode(MainServer.MIGRATE_BEGIN.schema, body)).toEqual({
      dst_info: {port: 5900, sport: 5901, host_size: 2, host_data: 'h', cert_subject_size: 1, cert_subject_data: null},
    });
  });

  it('rejects truncated bodies and out-of-range pointers with a WireError', () => {
    expect(() => decode(CommonServer.SET_ACK.schema, new Uint8Array(7))).toThrow(WireError);
    const bad = new Uint8Array(20);
    new DataView(bad.buffer).setUint32(8, 999, true);
    expect(() => decode(MainServer.MIGRATE_BEGIN.schema, bad)).toThrow(/outside the message/);
  });

  it('checks constants such as caps_offset', () => {
    const body = encode(LinkMess, {connection_id: 0, channel_type: 1, channel_id: 0, common_caps: [0b1011], channel_caps: [0xf]});
    expect(body.length).toBe(26);
    body[14] = 19;
    expect(() => decode(LinkMess, body)).toThrow(/caps_offset/);
  });
});
