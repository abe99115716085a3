/**
 * The spice-cli recording format (.spicerec), documented in recordings/README.md. Version 1:
 *
 *   "SPICEREC" (8 bytes) | u32 version | u32 header_len | header (UTF-8 JSON, RecordingHeader)
 *   then records until the end of the file:
 *   u8 dir (0 = server→client, 1 = client→server) | u8 channel_type | u8 channel_id | u8 reserved (0)
 *   u64 time (µs since the recording started) | u16 message type | u32 body_len | body
 *
 * Only data messages after the link are recorded: link messages and the ticket are never seen by the
 * tap, so a recording holds no password. All integers are little-endian.
 */
export const RECORDING_MAGIC = 'SPICEREC';
export const RECORDING_VERSION = 1;
export const RECORD_HEADER_SIZE = 4 + 8 + 2 + 4;

export interface RecordedChannel {
  type: number;
  id: number;
  miniHeader: boolean;
  commonCaps: number[];
  channelCaps: number[];
  serverCommonCaps: number[];
  serverChannelCaps: number[];
}

export interface RecordingHeader {
  createdAt: string;
  /** What was recorded, e.g. "Xspice 0.1.5 (spice-server 0.15.1), 1024x768, compression auto_glz". */
  description: string;
  /** Free-form facts about the server and the run (lab options, spice-cli version). */
  meta: Record<string, unknown>;
  channels: RecordedChannel[];
}

export interface RecordedMessage {
  dir: 'in' | 'out';
  channelType: number;
  channelId: number;
  timeUs: number;
  type: number;
  body: Uint8Array;
}
