/**
 * The usbredir protocol's numbers (spice-usbredir's usb-redirection-protocol.md, version 0.7, and usbredirproto.h):
 * packet types, capabilities, statuses, speeds, endpoint types. All integers are little-endian, all structs packed.
 * Roles: the usb-host owns the device (spice-cli, the SPICE client); the usb-guest uses it (QEMU's usb-redir).
 */
import type {EnumObject} from '../enums.js';

/** usb_redir_* packet types: control packets 0–27, data packets 100–104. */
export const UsbredirType = {
  HELLO: 0,
  DEVICE_CONNECT: 1,
  DEVICE_DISCONNECT: 2,
  RESET: 3,
  INTERFACE_INFO: 4,
  EP_INFO: 5,
  SET_CONFIGURATION: 6,
  GET_CONFIGURATION: 7,
  CONFIGURATION_STATUS: 8,
  SET_ALT_SETTING: 9,
  GET_ALT_SETTING: 10,
  ALT_SETTING_STATUS: 11,
  START_ISO_STREAM: 12,
  STOP_ISO_STREAM: 13,
  ISO_STREAM_STATUS: 14,
  START_INTERRUPT_RECEIVING: 15,
  STOP_INTERRUPT_RECEIVING: 16,
  INTERRUPT_RECEIVING_STATUS: 17,
  ALLOC_BULK_STREAMS: 18,
  FREE_BULK_STREAMS: 19,
  BULK_STREAMS_STATUS: 20,
  CANCEL_DATA_PACKET: 21,
  FILTER_REJECT: 22,
  FILTER_FILTER: 23,
  DEVICE_DISCONNECT_ACK: 24,
  START_BULK_RECEIVING: 25,
  STOP_BULK_RECEIVING: 26,
  BULK_RECEIVING_STATUS: 27,
  CONTROL_PACKET: 100,
  BULK_PACKET: 101,
  ISO_PACKET: 102,
  INTERRUPT_PACKET: 103,
  BUFFERED_BULK_PACKET: 104,
} as const;

/** usb_redir_cap_*: bit numbers in the hello's capability words. */
export const UsbredirCap = {
  BULK_STREAMS: 0,
  CONNECT_DEVICE_VERSION: 1,
  FILTER: 2,
  DEVICE_DISCONNECT_ACK: 3,
  EP_INFO_MAX_PACKET_SIZE: 4,
  '64BITS_IDS': 5,
  '32BITS_BULK_LENGTH': 6,
  BULK_RECEIVING: 7,
} as const satisfies EnumObject;

/** Status of a reply; any value not listed is an error too. */
export const UsbredirStatus = {
  SUCCESS: 0,
  CANCELLED: 1,
  INVAL: 2,
  IOERROR: 3,
  STALL: 4,
  TIMEOUT: 5,
  BABBLE: 6,
} as const;

export const UsbredirSpeed = {LOW: 0, FULL: 1, HIGH: 2, SUPER: 3, UNKNOWN: 255} as const;

/** Endpoint transfer types (the first four are the USB descriptor's bmAttributes & 3). */
export const UsbredirEpType = {CONTROL: 0, ISO: 1, BULK: 2, INTERRUPT: 3, INVALID: 255} as const;

/** The protocol version our hello names, after the program (the version string is free-form, for logs). */
export const USBREDIR_PROTOCOL_VERSION = '0.7';

/** usb_redir_header before 64-bit ids are negotiated (and always for hello): u32 type, u32 length, u32 id. */
export const HEADER_SIZE_32 = 12;
/** usb_redir_header once both hellos carry cap 64bits_ids: u32 type, u32 length, u64 id. */
export const HEADER_SIZE_64 = 16;

/**
 * Largest packet body (type header + data) accepted or sent: 64 MiB. usbredirparser allows 128 MiB of bulk data,
 * but QEMU's transfers are far smaller; a larger length is a protocol error, never an allocation.
 */
export const MAX_PACKET_LENGTH = 64 * 1024 * 1024;

/** Endpoints per device in interface/ep info arrays: 0–15 OUT, then 0–15 IN. */
export const MAX_ENDPOINTS = 32;

/** Index in the ep_info arrays of an endpoint address (bit 7 = IN): ((ep & 0x80) >> 3) | (ep & 0x0F). */
export function epIndex(address: number): number {
  return ((address & 0x80) >> 3) | (address & 0x0f);
}

/** The endpoint address at an ep_info index. */
export function epAddress(index: number): number {
  return ((index & 0x10) << 3) | (index & 0x0f);
}

/** True for an IN (device → host) endpoint address. */
export function isInEndpoint(address: number): boolean {
  return (address & 0x80) !== 0;
}
