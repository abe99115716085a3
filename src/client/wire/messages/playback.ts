/** PlaybackChannel messages (spice.proto `channel PlaybackChannel`) and the audio pieces record shares. */
import {array, bool8, bytes, lengthOf, struct, u16, u32, u8} from '../schema.js';
import {empty, message} from '../message.js';

/** u8 nchannels + u16 volume per channel (0–65535). */
export const AudioVolume = struct('AudioVolume', {nchannels: lengthOf('volume', u8), volume: array(u16, 'nchannels')});
export const AudioMute = struct('AudioMute', {mute: bool8});

export const PlaybackServer = {
  /** time is the packet's mm-time; data is one frame in the current mode (raw S16LE or Opus). */
  DATA: message(101, 'DATA', struct('PlaybackPacket', {time: u32, data: bytes('rest')})),
  /** mode is an AudioDataMode. */
  MODE: message(102, 'MODE', struct('PlaybackMode', {time: u32, mode: u16, data: bytes('rest')})),
  /** format is an AudioFmt. */
  START: message(103, 'START', struct('PlaybackStart', {channels: u32, format: u16, frequency: u32, time: u32})),
  STOP: message(104, 'STOP', empty),
  VOLUME: message(105, 'VOLUME', AudioVolume),
  MUTE: message(106, 'MUTE', AudioMute),
  LATENCY: message(107, 'LATENCY', struct('PlaybackLatency', {latency_ms: u32})),
} as const;

/** The playback channel has no client messages beyond the common ones. */
export const PlaybackClient = {} as const;
