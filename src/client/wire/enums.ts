/**
 * Protocol enums (spice-protocol spice/enums.h, spice.proto). Numbers only; names for output come
 * from nameOf(). Keep one `as const` object per enum so the values type-check.
 */
export type EnumObject = Readonly<Record<string, number>>;

/** Name of a value in an enum object, or `UNKNOWN(n)`. */
export function nameOf(e: EnumObject, value: number): string {
  for (const [k, v] of Object.entries(e)) if (v === value) return k;
  return `UNKNOWN(${value})`;
}

export const SPICE_MAGIC = 0x51444552; // "REDQ" little-endian
export const SPICE_VERSION_MAJOR = 2;
export const SPICE_VERSION_MINOR = 2;
export const SPICE_TICKET_PUBKEY_BYTES = 162;
export const SPICE_MAX_PASSWORD_LENGTH = 60;

export const ChannelType = {
  MAIN: 1,
  DISPLAY: 2,
  INPUTS: 3,
  CURSOR: 4,
  PLAYBACK: 5,
  RECORD: 6,
  TUNNEL: 7,
  SMARTCARD: 8,
  USBREDIR: 9,
  PORT: 10,
  WEBDAV: 11,
} as const;
export type ChannelType = (typeof ChannelType)[keyof typeof ChannelType];

/** The lowercase names spice-cli prints (`info`), as spice-gtk names them. */
export function channelTypeName(type: number): string {
  const n = nameOf(ChannelType, type);
  return n.startsWith('UNKNOWN') ? `unknown-${type}` : n.toLowerCase();
}

export const LinkErr = {
  OK: 0,
  ERROR: 1,
  INVALID_MAGIC: 2,
  INVALID_DATA: 3,
  VERSION_MISMATCH: 4,
  NEED_SECURED: 5,
  NEED_UNSECURED: 6,
  PERMISSION_DENIED: 7,
  BAD_CONNECTION_ID: 8,
  CHANNEL_NOT_AVAILABLE: 9,
} as const;

/** Plain-English meaning of each SpiceLinkErr, for error messages. */
export const linkErrText: Record<number, string> = {
  [LinkErr.OK]: 'ok',
  [LinkErr.ERROR]: 'the server reported a general error',
  [LinkErr.INVALID_MAGIC]: 'the server did not accept the SPICE magic (not a SPICE port?)',
  [LinkErr.INVALID_DATA]: 'the server rejected the link data as invalid',
  [LinkErr.VERSION_MISMATCH]: 'the server speaks an incompatible protocol version',
  [LinkErr.NEED_SECURED]: 'this channel requires TLS',
  [LinkErr.NEED_UNSECURED]: 'this channel requires a plain (non-TLS) connection',
  [LinkErr.PERMISSION_DENIED]: 'permission denied (wrong password?)',
  [LinkErr.BAD_CONNECTION_ID]: 'the server does not know this session id',
  [LinkErr.CHANNEL_NOT_AVAILABLE]: 'the channel is not available',
};

/** Auth mechanisms sent in SpiceLinkAuthMechanism: the value is the common cap number. */
export const AuthMechanism = {SPICE: 1, SASL: 2} as const;

export const MigrateFlags = {NEED_FLUSH: 1, NEED_DATA_TRANSFER: 2} as const;
export const NotifySeverity = {INFO: 0, WARN: 1, ERROR: 2} as const;
export const NotifyVisibility = {LOW: 0, MEDIUM: 1, HIGH: 2} as const;
export const MouseMode = {SERVER: 1, CLIENT: 2} as const;
export const DataCompressionType = {NONE: 0, LZ4: 1} as const;

// ------------------------------------------------------------------ channel messages (spice.proto, enums.h)
// Flags objects hold bit values (1 << n), as enums.h defines them; plain enums hold the numbers.

export const WarnCode = {WARN_GENERAL: 0} as const;
export const InfoCode = {INFO_GENERAL: 0} as const;

/** SPICE_MAX_NUM_STREAMS: stream ids are below this. */
export const SPICE_MAX_NUM_STREAMS = 64;
/** The server acks every SPICE_INPUT_MOTION_ACK_BUNCH mouse motion/position messages. */
export const SPICE_INPUT_MOTION_ACK_BUNCH = 4;

/** DRAW_COMPOSITE flags (u32). Bits 0–7 hold the operator, 8–10 and 11–13 filters, 14–15 and 16–17 repeats. */
export const CompositeFlags = {
  OP0: 1 << 0,
  OP1: 1 << 1,
  OP2: 1 << 2,
  OP3: 1 << 3,
  OP4: 1 << 4,
  OP5: 1 << 5,
  OP6: 1 << 6,
  OP7: 1 << 7,
  SRC_FILTER0: 1 << 8,
  SRC_FILTER1: 1 << 9,
  SRC_FILTER2: 1 << 10,
  MASK_FILTER0: 1 << 11,
  /** Spelled MASK_FITLER1 in spice.proto and enums.h. */
  MASK_FILTER1: 1 << 12,
  MASK_FILTER2: 1 << 13,
  SRC_REPEAT0: 1 << 14,
  SRC_REPEAT1: 1 << 15,
  MASK_REPEAT0: 1 << 16,
  MASK_REPEAT1: 1 << 17,
  COMPONENT_ALPHA: 1 << 18,
  HAS_MASK: 1 << 19,
  HAS_SRC_TRANSFORM: 1 << 20,
  HAS_MASK_TRANSFORM: 1 << 21,
  SOURCE_OPAQUE: 1 << 22,
  MASK_OPAQUE: 1 << 23,
  DEST_OPAQUE: 1 << 24,
} as const;

/** The multi-bit fields packed into CompositeFlags: value = (flags >>> shift) & mask. */
export const CompositeField = {
  OP: {shift: 0, mask: 0xff},
  SRC_FILTER: {shift: 8, mask: 0x7},
  MASK_FILTER: {shift: 11, mask: 0x7},
  SRC_REPEAT: {shift: 14, mask: 0x3},
  MASK_REPEAT: {shift: 16, mask: 0x3},
} as const;

export const ClipType = {NONE: 0, RECTS: 1} as const;

export const PathFlags = {BEGIN: 1 << 0, END: 1 << 1, CLOSE: 1 << 3, BEZIER: 1 << 4} as const;

export const VideoCodecType = {MJPEG: 1, VP8: 2, H264: 3, VP9: 4, H265: 5} as const;

export const StreamFlags = {TOP_DOWN: 1 << 0} as const;

export const BrushType = {NONE: 0, SOLID: 1, PATTERN: 2} as const;

export const MaskFlags = {INVERS: 1 << 0} as const;

export const ImageType = {
  BITMAP: 0,
  QUIC: 1,
  RESERVED: 2,
  LZ_PLT: 100,
  LZ_RGB: 101,
  GLZ_RGB: 102,
  FROM_CACHE: 103,
  SURFACE: 104,
  JPEG: 105,
  FROM_CACHE_LOSSLESS: 106,
  ZLIB_GLZ_RGB: 107,
  JPEG_ALPHA: 108,
  LZ4: 109,
} as const;

/** SpiceImageCompression, sent in display PREFERRED_COMPRESSION. */
export const ImageCompression = {
  INVALID: 0,
  OFF: 1,
  AUTO_GLZ: 2,
  AUTO_LZ: 3,
  QUIC: 4,
  GLZ: 5,
  LZ: 6,
  LZ4: 7,
} as const;

export const ImageFlags = {CACHE_ME: 1 << 0, HIGH_BITS_SET: 1 << 1, CACHE_REPLACE_ME: 1 << 2} as const;

export const BitmapFmt = {
  INVALID: 0,
  '1BIT_LE': 1,
  '1BIT_BE': 2,
  '4BIT_LE': 3,
  '4BIT_BE': 4,
  /** 8-bit indexed. */
  '8BIT': 5,
  /** x555. */
  '16BIT': 6,
  /** 3 bytes B, G, R. */
  '24BIT': 7,
  /** 4 bytes, xRGB little-endian. */
  '32BIT': 8,
  /** 4 bytes, ARGB little-endian. */
  RGBA: 9,
  /** 1 byte of alpha. */
  '8BIT_A': 10,
} as const;

export const BitmapFlags = {PAL_CACHE_ME: 1 << 0, PAL_FROM_CACHE: 1 << 1, TOP_DOWN: 1 << 2} as const;

export const JpegAlphaFlags = {TOP_DOWN: 1 << 0} as const;

export const ImageScaleMode = {INTERPOLATE: 0, NEAREST: 1} as const;

/** Raster operation descriptor (u16) of FILL, OPAQUE, COPY and BLEND. */
export const Ropd = {
  INVERS_SRC: 1 << 0,
  INVERS_BRUSH: 1 << 1,
  INVERS_DEST: 1 << 2,
  OP_PUT: 1 << 3,
  OP_OR: 1 << 4,
  OP_AND: 1 << 5,
  OP_XOR: 1 << 6,
  OP_BLACKNESS: 1 << 7,
  OP_WHITENESS: 1 << 8,
  OP_INVERS: 1 << 9,
  INVERS_RES: 1 << 10,
} as const;

/** LineAttr flags; the bit numbers match winddi.h's LA_STARTGAP (4) and LA_STYLED (8). */
export const LineFlags = {START_WITH_GAP: 1 << 2, STYLED: 1 << 3} as const;

export const StringFlags = {RASTER_A1: 1 << 0, RASTER_A4: 1 << 1, RASTER_A8: 1 << 2, RASTER_TOP_DOWN: 1 << 3} as const;

export const SurfaceFlags = {PRIMARY: 1 << 0, STREAMING_MODE: 1 << 1} as const;

export const SurfaceFmt = {
  INVALID: 0,
  '1_A': 1,
  '8_A': 8,
  '16_555': 16,
  '32_xRGB': 32,
  '16_565': 80,
  '32_ARGB': 96,
} as const;

export const AlphaFlags = {DEST_HAS_ALPHA: 1 << 0, SRC_SURFACE_HAS_ALPHA: 1 << 1} as const;

/** Resource types in display INVAL_LIST. */
export const ResourceType = {INVALID: 0, PIXMAP: 1} as const;

export const GlScanoutFlags = {Y0TOP: 1 << 0} as const;

export const KeyboardModifierFlags = {SCROLL_LOCK: 1 << 0, NUM_LOCK: 1 << 1, CAPS_LOCK: 1 << 2} as const;

export const MouseButton = {INVALID: 0, LEFT: 1, MIDDLE: 2, RIGHT: 3, UP: 4, DOWN: 5, SIDE: 6, EXTRA: 7} as const;

export const MouseButtonMask = {
  LEFT: 1 << 0,
  MIDDLE: 1 << 1,
  RIGHT: 1 << 2,
  UP: 1 << 3,
  DOWN: 1 << 4,
  SIDE: 1 << 5,
  EXTRA: 1 << 6,
} as const;

export const CursorType = {ALPHA: 0, MONO: 1, COLOR4: 2, COLOR8: 3, COLOR16: 4, COLOR24: 5, COLOR32: 6} as const;

/** NONE set means no cursor (and no CursorHeader on the wire). */
export const CursorFlags = {NONE: 1 << 0, CACHE_ME: 1 << 1, FROM_CACHE: 1 << 2} as const;

export const AudioDataMode = {INVALID: 0, RAW: 1, /** deprecated */ CELT_0_5_1: 2, OPUS: 3} as const;

export const AudioFmt = {INVALID: 0, S16: 1} as const;

/** Port channel events (server EVENT 202 and client EVENT 201). */
export const PortEvent = {OPENED: 0, CLOSED: 1, BREAK: 2} as const;

// ------------------------------------------------------------------ smartcard (VSC, libcacard vscard_common.h)
export const VscMessageType = {
  Init: 1,
  Error: 2,
  ReaderAdd: 3,
  ReaderRemove: 4,
  ATR: 5,
  CardRemove: 6,
  APDU: 7,
  Flush: 8,
  FlushComplete: 9,
} as const;

/** The u32 code of a VSC Error message. */
export const VscErrorCode = {
  SUCCESS: 0,
  GENERAL_ERROR: 1,
  CANNOT_ADD_MORE_READERS: 2,
  /** Spelled VSC_CARD_ALREAY_INSERTED in vscard_common.h. */
  CARD_ALREADY_INSERTED: 3,
} as const;

export const VSCARD_UNDEFINED_READER_ID = 0xffffffff;
export const VSCARD_MINIMAL_READER_ID = 0;

// ------------------------------------------------------------------ VDAgent (spice/vd_agent.h)
export const VD_AGENT_PROTOCOL = 1;
/** The most bytes of agent data one MAIN AGENT_DATA message may carry. */
export const VD_AGENT_MAX_DATA_SIZE = 2048;

/** VDIChunkHeader ports: only on the virtio-serial link between server and agent, never on the client wire. */
export const VdiPort = {CLIENT: 1, SERVER: 2} as const;

export const AgentMessageType = {
  MOUSE_STATE: 1,
  MONITORS_CONFIG: 2,
  REPLY: 3,
  CLIPBOARD: 4,
  DISPLAY_CONFIG: 5,
  ANNOUNCE_CAPABILITIES: 6,
  CLIPBOARD_GRAB: 7,
  CLIPBOARD_REQUEST: 8,
  CLIPBOARD_RELEASE: 9,
  FILE_XFER_START: 10,
  FILE_XFER_STATUS: 11,
  FILE_XFER_DATA: 12,
  CLIENT_DISCONNECTED: 13,
  MAX_CLIPBOARD: 14,
  AUDIO_VOLUME_SYNC: 15,
  GRAPHICS_DEVICE_INFO: 16,
} as const;

export const AgentFileXferStatus = {
  CAN_SEND_DATA: 0,
  CANCELLED: 1,
  ERROR: 2,
  SUCCESS: 3,
  NOT_ENOUGH_SPACE: 4,
  SESSION_LOCKED: 5,
  VDAGENT_NOT_CONNECTED: 6,
  DISABLED: 7,
} as const;

/** error_type of the FILE_XFER_STATUS ERROR detail; GLIB_IO codes are GIOErrorEnum values. */
export const AgentFileXferStatusErrorType = {GLIB_IO: 0} as const;

export const AgentMonitorsConfigFlags = {USE_POS: 1 << 0, PHYSICAL_SIZE: 1 << 1} as const;

export const AgentDisplayConfigFlags = {
  DISABLE_WALLPAPER: 1 << 0,
  DISABLE_FONT_SMOOTH: 1 << 1,
  DISABLE_ANIMATION: 1 << 2,
  SET_COLOR_DEPTH: 1 << 3,
} as const;

/** VD_AGENT_MOUSE_STATE button bits (note: shifted by one from MouseButtonMask). */
export const AgentButtonMask = {
  LEFT: 1 << 1,
  MIDDLE: 1 << 2,
  RIGHT: 1 << 3,
  UP: 1 << 4,
  DOWN: 1 << 5,
  SIDE: 1 << 6,
  EXTRA: 1 << 7,
} as const;

/** The error field of VD_AGENT_REPLY. */
export const AgentReplyError = {SUCCESS: 1, ERROR: 2} as const;

export const AgentClipboardType = {
  NONE: 0,
  UTF8_TEXT: 1,
  IMAGE_PNG: 2,
  IMAGE_BMP: 3,
  IMAGE_TIFF: 4,
  IMAGE_JPG: 5,
  /** NUL-separated UTF-8: "copy" or "cut", then absolute paths in the WebDAV share. */
  FILE_LIST: 6,
} as const;

export const AgentClipboardSelection = {CLIPBOARD: 0, PRIMARY: 1, SECONDARY: 2} as const;
