/** MainChannel messages (spice.proto `channel MainChannel`). Agent payloads are decoded in agent.ts. */
import {array, bytes, lengthOf, ptr, struct, text, u16, u32, u64, u8} from '../schema.js';
import {empty, message} from '../message.js';

export const ChannelId = struct('ChannelId', {type: u8, id: u8});

/** Host and cert subject are NUL-terminated strings behind pointers; sizes include the NUL. */
const hostFields = {
  port: u16,
  sport: u16,
  host_size: lengthOf('host_data', u32, {plus: 1}),
  host_data: ptr(text('host_size', {nul: true})),
  cert_subject_size: lengthOf('cert_subject_data', u32, {plus: 1}),
  cert_subject_data: ptr(text('cert_subject_size', {nul: true})),
};
export const DstInfo = struct('DstInfo', hostFields);

export const MainServer = {
  MIGRATE_BEGIN: message(101, 'MIGRATE_BEGIN', struct('MigrateBegin', {dst_info: DstInfo})),
  MIGRATE_CANCEL: message(102, 'MIGRATE_CANCEL', empty),
  INIT: message(
    103,
    'INIT',
    struct('MainInit', {
      session_id: u32,
      display_channels_hint: u32,
      supported_mouse_modes: u32,
      current_mouse_mode: u32,
      agent_connected: u32,
      agent_tokens: u32,
      multi_media_time: u32,
      ram_hint: u32,
    }),
  ),
  CHANNELS_LIST: message(
    104,
    'CHANNELS_LIST',
    struct('ChannelsList', {num_of_channels: lengthOf('channels'), channels: array(ChannelId, 'num_of_channels')}),
  ),
  MOUSE_MODE: message(105, 'MOUSE_MODE', struct('MouseMode', {supported_modes: u16, current_mode: u16})),
  MULTI_MEDIA_TIME: message(106, 'MULTI_MEDIA_TIME', struct('MultiMediaTime', {time: u32})),
  AGENT_CONNECTED: message(107, 'AGENT_CONNECTED', empty),
  AGENT_DISCONNECTED: message(108, 'AGENT_DISCONNECTED', struct('AgentDisconnected', {error_code: u32})),
  AGENT_DATA: message(109, 'AGENT_DATA', struct('AgentData', {data: bytes('rest')})),
  AGENT_TOKEN: message(110, 'AGENT_TOKEN', struct('AgentTokens', {num_tokens: u32})),
  MIGRATE_SWITCH_HOST: message(111, 'MIGRATE_SWITCH_HOST', struct('MigrateSwitchHost', hostFields)),
  MIGRATE_END: message(112, 'MIGRATE_END', empty),
  NAME: message(113, 'NAME', struct('Name', {name_len: lengthOf('name', u32, {plus: 1}), name: text('name_len', {nul: true})})),
  UUID: message(114, 'UUID', struct('Uuid', {uuid: bytes(16)})),
  AGENT_CONNECTED_TOKENS: message(115, 'AGENT_CONNECTED_TOKENS', struct('AgentConnectedTokens', {num_tokens: u32})),
  MIGRATE_BEGIN_SEAMLESS: message(
    116,
    'MIGRATE_BEGIN_SEAMLESS',
    struct('MigrateBeginSeamless', {dst_info: DstInfo, src_mig_version: u32}),
  ),
  MIGRATE_DST_SEAMLESS_ACK: message(117, 'MIGRATE_DST_SEAMLESS_ACK', empty),
  MIGRATE_DST_SEAMLESS_NACK: message(118, 'MIGRATE_DST_SEAMLESS_NACK', empty),
} as const;

export const MainClient = {
  CLIENT_INFO: message(101, 'CLIENT_INFO', struct('ClientInfo', {cache_size: u64})),
  MIGRATE_CONNECTED: message(102, 'MIGRATE_CONNECTED', empty),
  MIGRATE_CONNECT_ERROR: message(103, 'MIGRATE_CONNECT_ERROR', empty),
  ATTACH_CHANNELS: message(104, 'ATTACH_CHANNELS', empty),
  MOUSE_MODE_REQUEST: message(105, 'MOUSE_MODE_REQUEST', struct('MouseModeRequest', {mode: u16})),
  AGENT_START: message(106, 'AGENT_START', struct('AgentStart', {num_tokens: u32})),
  AGENT_DATA: message(107, 'AGENT_DATA', struct('AgentData', {data: bytes('rest')})),
  AGENT_TOKEN: message(108, 'AGENT_TOKEN', struct('AgentTokens', {num_tokens: u32})),
  MIGRATE_END: message(109, 'MIGRATE_END', empty),
  MIGRATE_DST_DO_SEAMLESS: message(110, 'MIGRATE_DST_DO_SEAMLESS', struct('MigrateDstDoSeamless', {src_version: u32})),
  MIGRATE_CONNECTED_SEAMLESS: message(111, 'MIGRATE_CONNECTED_SEAMLESS', empty),
  /** spice.proto declares it as `Data` (opaque bytes to the end), not a u8. */
  QUALITY_INDICATOR: message(112, 'QUALITY_INDICATOR', struct('QualityIndicator', {data: bytes('rest')})),
} as const;
