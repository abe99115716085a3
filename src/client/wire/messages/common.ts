/** Messages of spice.proto's BaseChannel, shared by every channel (types 1–100). */
import {array, bytes, lengthOf, struct, text, trailingNul, u16, u32, u64, u8} from '../schema.js';
import {empty, message} from '../message.js';

export const ChannelWait = struct('ChannelWait', {channel_type: u8, channel_id: u8, message_serial: u64});

/** SpiceSubMessageList: u16 count + u32 offsets (from the body start) of SpiceSubMessage{u16 type, u32 size, body}. */
export const SubMessageList = struct('SubMessageList', {size: lengthOf('sub_messages', u16), sub_messages: array(u32, 'size')});
export const SubMessageHeader = struct('SubMessage', {type: u16, size: u32});

export const CommonServer = {
  MIGRATE: message(1, 'MIGRATE', struct('Migrate', {flags: u32})),
  MIGRATE_DATA: message(2, 'MIGRATE_DATA', struct('MigrateData', {data: bytes('rest')})),
  SET_ACK: message(3, 'SET_ACK', struct('SetAck', {generation: u32, window: u32})),
  PING: message(4, 'PING', struct('Ping', {id: u32, timestamp: u64, data: bytes('rest')})),
  WAIT_FOR_CHANNELS: message(
    5,
    'WAIT_FOR_CHANNELS',
    struct('WaitForChannels', {wait_count: lengthOf('wait_list', u8), wait_list: array(ChannelWait, 'wait_count')}),
  ),
  DISCONNECTING: message(6, 'DISCONNECTING', struct('Disconnecting', {time_stamp: u64, reason: u32})),
  NOTIFY: message(
    7,
    'NOTIFY',
    struct('Notify', {
      time_stamp: u64,
      severity: u32,
      visibility: u32,
      what: u32,
      // message_len counts the text without its NUL; spice-server sends the NUL after it anyway.
      message_len: lengthOf('message', u32),
      message: text('message_len'),
      nul: trailingNul,
    }),
  ),
  /** The body is a SubMessageList; the channel dispatches each sub-message, not LIST itself. */
  LIST: message(8, 'LIST', struct('List', {data: bytes('rest')})),
} as const;

export const CommonClient = {
  ACK_SYNC: message(1, 'ACK_SYNC', struct('AckSync', {generation: u32})),
  ACK: message(2, 'ACK', empty),
  PONG: message(3, 'PONG', struct('Pong', {id: u32, timestamp: u64})),
  MIGRATE_FLUSH_MARK: message(4, 'MIGRATE_FLUSH_MARK', empty),
  MIGRATE_DATA: message(5, 'MIGRATE_DATA', struct('MigrateData', {data: bytes('rest')})),
  DISCONNECTING: message(6, 'DISCONNECTING', struct('Disconnecting', {time_stamp: u64, reason: u32})),
} as const;
