/** RecordChannel messages (spice.proto `channel RecordChannel`). */
import {bytes, struct, u16, u32} from '../schema.js';
import {empty, message} from '../message.js';
import {AudioMute, AudioVolume} from './playback.js';

export const RecordServer = {
  START: message(101, 'START', struct('RecordStart', {channels: u32, format: u16, frequency: u32})),
  STOP: message(102, 'STOP', empty),
  VOLUME: message(103, 'VOLUME', AudioVolume),
  MUTE: message(104, 'MUTE', AudioMute),
} as const;

export const RecordClient = {
  DATA: message(101, 'DATA', struct('RecordPacket', {time: u32, data: bytes('rest')})),
  MODE: message(102, 'MODE', struct('RecordMode', {time: u32, mode: u16, data: bytes('rest')})),
  START_MARK: message(103, 'START_MARK', struct('RecordStartMark', {time: u32})),
} as const;
