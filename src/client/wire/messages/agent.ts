/**
 * The VDAgent protocol (spice/vd_agent.h), carried inside MAIN AGENT_DATA: a 20-byte VDAgentMessage header,
 * then `size` bytes of payload whose layout depends on `type`. AgentMessages holds the payload layouts.
 *
 * Some payloads depend on agent capabilities negotiated with VD_AGENT_ANNOUNCE_CAPABILITIES; their layouts
 * look for `agent:NAME` (e.g. `agent:CLIPBOARD_SELECTION`) in the WireContext caps set (see agentCapNames).
 */
import {AgentMonitorsConfigFlags, VD_AGENT_PROTOCOL} from '../enums.js';
import {
  array,
  bool8,
  bytes,
  constant,
  flagSet,
  hasCap,
  i32,
  type Schema,
  lengthOf,
  mapped,
  reserved,
  struct,
  text,
  u16,
  u32,
  u64,
  u8,
  when,
} from '../schema.js';
import {byType, type Catalogue, empty, type MessageDef, message} from '../message.js';
import {WireError} from '../reader.js';

export const AGENT_HEADER_SIZE = 20;

/** VDAgentMessage: u32 protocol (always 1), u32 type, u64 opaque (0), u32 size of the payload that follows. */
export const AgentHeader = struct('VDAgentMessage', {
  protocol: constant(u32, VD_AGENT_PROTOCOL, 'VDAgentMessage protocol'),
  type: u32,
  opaque: u64,
  size: u32,
});

/** A u64 read as a JS number (for sizes used as counts); values beyond 2^53 are a WireError. */
const u64n: Schema<number> = mapped(
  u64,
  'u64n',
  (v: bigint) => {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new WireError(`u64 size ${v} is too large`);
    return Number(v);
  },
  (v: number) => BigInt(v),
);

// ---------------------------------------------------------------- pieces
export const AgentMonConfig = struct('VDAgentMonConfig', {height: u32, width: u32, depth: u32, x: i32, y: i32});
/** Physical size in millimetres; 0 × 0 means unknown or disabled. */
export const AgentMonitorMM = struct('VDAgentMonitorMM', {height: u16, width: u16});

export const AgentDeviceDisplayInfo = struct('VDAgentDeviceDisplayInfo', {
  channel_id: u32,
  monitor_id: u32,
  device_display_id: u32,
  /** Counts the NUL. */
  device_address_len: lengthOf('device_address', u32, {plus: 1}),
  device_address: text('device_address_len', {nul: true}),
});

/**
 * The selection prefix of the clipboard messages: u8 selection (AgentClipboardSelection) + 3 reserved bytes,
 * present only when the agent has CLIPBOARD_SELECTION.
 */
const selectionFields = {
  selection: when(hasCap('agent:CLIPBOARD_SELECTION'), u8),
  reserved: when(hasCap('agent:CLIPBOARD_SELECTION'), reserved(3)),
};

/** Details that may follow a FILE_XFER_STATUS with FILE_XFER_DETAILED_ERRORS, if the message is long enough. */
export const AgentFileXferStatusDetail = {
  /** result ERROR: error_type (AgentFileXferStatusErrorType) and its code (a GIOErrorEnum for GLIB_IO). */
  ERROR: struct('VDAgentFileXferStatusError', {error_type: u8, error_code: u32}),
  /** result NOT_ENOUGH_SPACE: free bytes on the guest disk. */
  NOT_ENOUGH_SPACE: struct('VDAgentFileXferStatusNotEnoughSpace', {disk_free_space: u64}),
} as const;

// ---------------------------------------------------------------- payloads by type
export const AgentMessages = {
  /** Server → agent only. buttons uses AgentButtonMask. */
  MOUSE_STATE: message(1, 'MOUSE_STATE', struct('VDAgentMouseState', {x: u32, y: u32, buttons: u32, display_id: u8})),
  /** Client → agent. With PHYSICAL_SIZE, one VDAgentMonitorMM per monitor follows the configs. */
  MONITORS_CONFIG: message(
    2,
    'MONITORS_CONFIG',
    struct('VDAgentMonitorsConfig', {
      num_of_monitors: lengthOf('monitors'),
      flags: u32,
      monitors: array(AgentMonConfig, 'num_of_monitors'),
      physical_sizes: when(flagSet('flags', AgentMonitorsConfigFlags.PHYSICAL_SIZE), array(AgentMonitorMM, 'num_of_monitors')),
    }),
  ),
  /** Agent → client: type of the message answered, error = AgentReplyError. */
  REPLY: message(3, 'REPLY', struct('VDAgentReply', {type: u32, error: u32})),
  /** type is an AgentClipboardType; the data runs to the end. */
  CLIPBOARD: message(4, 'CLIPBOARD', struct('VDAgentClipboard', {...selectionFields, type: u32, data: bytes('rest')})),
  DISPLAY_CONFIG: message(5, 'DISPLAY_CONFIG', struct('VDAgentDisplayConfig', {flags: u32, depth: u32})),
  /** request = 1 asks the other side to announce its own; caps are AgentCap words. */
  ANNOUNCE_CAPABILITIES: message(
    6,
    'ANNOUNCE_CAPABILITIES',
    struct('VDAgentAnnounceCapabilities', {request: u32, caps: array(u32, 'rest')}),
  ),
  /** The serial is present only when both sides have CLIPBOARD_GRAB_SERIAL. */
  CLIPBOARD_GRAB: message(
    7,
    'CLIPBOARD_GRAB',
    struct('VDAgentClipboardGrab', {
      ...selectionFields,
      serial: when(hasCap('agent:CLIPBOARD_GRAB_SERIAL'), u32),
      types: array(u32, 'rest'),
    }),
  ),
  CLIPBOARD_REQUEST: message(8, 'CLIPBOARD_REQUEST', struct('VDAgentClipboardRequest', {...selectionFields, type: u32})),
  CLIPBOARD_RELEASE: message(9, 'CLIPBOARD_RELEASE', struct('VDAgentClipboardRelease', {...selectionFields})),
  /** data: NUL-terminated GKeyFile text, group [vdagent-file-xfer] with name= and size=. */
  FILE_XFER_START: message(
    10,
    'FILE_XFER_START',
    struct('VDAgentFileXferStartMessage', {id: u32, data: text('rest', {nul: true})}),
  ),
  /**
   * result is an AgentFileXferStatus. `data` holds the optional detail; decode it with
   * AgentFileXferStatusDetail[ERROR | NOT_ENOUGH_SPACE] when the cap is negotiated and it is long enough.
   */
  FILE_XFER_STATUS: message(
    11,
    'FILE_XFER_STATUS',
    struct('VDAgentFileXferStatusMessage', {id: u32, result: u32, data: bytes('rest')}),
  ),
  /** size counts the data bytes in this message. */
  FILE_XFER_DATA: message(
    12,
    'FILE_XFER_DATA',
    struct('VDAgentFileXferDataMessage', {id: u32, size: lengthOf('data', u64n), data: bytes('size')}),
  ),
  /** Server → agent only. */
  CLIENT_DISCONNECTED: message(13, 'CLIENT_DISCONNECTED', empty),
  /** max: the largest clipboard the client accepts, −1 for no limit. */
  MAX_CLIPBOARD: message(14, 'MAX_CLIPBOARD', struct('VDAgentMaxClipboard', {max: i32})),
  AUDIO_VOLUME_SYNC: message(
    15,
    'AUDIO_VOLUME_SYNC',
    struct('VDAgentAudioVolumeSync', {
      is_playback: bool8,
      mute: bool8,
      nchannels: lengthOf('volume', u8),
      volume: array(u16, 'nchannels'),
    }),
  ),
  /** Server → agent only. */
  GRAPHICS_DEVICE_INFO: message(
    16,
    'GRAPHICS_DEVICE_INFO',
    struct('VDAgentGraphicsDeviceInfo', {count: lengthOf('display_info'), display_info: array(AgentDeviceDisplayInfo, 'count')}),
  ),
} as const satisfies Catalogue;

const agentIndex = byType(AgentMessages);

/** The payload definition of an agent message type, or undefined if unknown. */
export function agentMessage(type: number): MessageDef | undefined {
  return agentIndex.get(type);
}
