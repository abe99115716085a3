/**
 * The link stage (before any data message): SpiceLinkHeader, SpiceLinkMess, SpiceLinkReply,
 * SpiceLinkAuthMechanism and the u32 link result. Offsets inside SpiceLinkMess/Reply are counted
 * from the start of that struct, so caps_offset is derived from the fixed part's size.
 */
import {SPICE_MAGIC, SPICE_TICKET_PUBKEY_BYTES} from '../enums.js';
import {array, bytes, constant, lengthOf, struct, u32, u8} from '../schema.js';

export const LinkHeader = struct('SpiceLinkHeader', {
  magic: constant(u32, SPICE_MAGIC, 'link magic (REDQ)'),
  major_version: u32,
  minor_version: u32,
  /** Bytes that follow the header. */
  size: u32,
});
export const LINK_HEADER_SIZE = 16;

/** SpiceLinkMess: 18 bytes, then the caps words (caps_offset = 18). */
export const LinkMess = struct('SpiceLinkMess', {
  connection_id: u32,
  channel_type: u8,
  channel_id: u8,
  num_common_caps: lengthOf('common_caps'),
  num_channel_caps: lengthOf('channel_caps'),
  caps_offset: constant(u32, 18, 'caps_offset'),
  common_caps: array(u32, 'num_common_caps'),
  channel_caps: array(u32, 'num_channel_caps'),
});

/** SpiceLinkReply: 178 bytes, then caps at caps_offset (from the start of the reply). */
export const LinkReplyFixed = struct('SpiceLinkReply', {
  error: u32,
  pub_key: bytes(SPICE_TICKET_PUBKEY_BYTES),
  num_common_caps: u32,
  num_channel_caps: u32,
  caps_offset: u32,
});
export const LINK_REPLY_FIXED_SIZE = 4 + SPICE_TICKET_PUBKEY_BYTES + 12;

export const LinkAuthMechanism = struct('SpiceLinkAuthMechanism', {auth_mechanism: u32});
export const LinkResult = struct('SpiceLinkResult', {error: u32});
