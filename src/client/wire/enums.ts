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

/** Names of the bits set in a flags value. */
export function flagNames(e: EnumObject, value: number): string[] {
  return Object.entries(e)
    .filter(([, v]) => v !== 0 && (value & v) === v)
    .map(([k]) => k);
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
