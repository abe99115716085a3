/**
 * Every usbredir packet declared once, as data (usbredirproto.h's usb_redir_*_header structs, the protocol
 * document's rules). A packet is the usb_redir_header (see UsbredirHeader32/64) followed by the body declared
 * here: the type-specific header, then, for the packets that carry any, `data` to the end of the packet.
 *
 * Fields that exist only when both hellos carry a capability test `usbredir:NAME` in the WireContext caps
 * (the negotiated set, see negotiation.ts): device_connect's device_version_bcd, ep_info's max_packet_size and
 * max_streams, bulk_packet's length_high. `from` says which side may send the packet; `cap` names the
 * capability the receiving side must have announced (filter, disconnect ack, bulk receiving).
 */
import {array, fixedText, hasCap, type Schema, struct, text, u16, u32, u64, u8, when, bytes, mapped} from '../schema.js';
import {byType, empty, type MessageDef, message} from '../message.js';
import {UsbredirCap, UsbredirType as T} from './protocol.js';

export type UsbredirSender = 'host' | 'guest' | 'both';

export interface UsbredirPacketDef<R = unknown, W = unknown> extends MessageDef<R, W> {
  readonly from: UsbredirSender;
  /** A capability (UsbredirCap) the receiver must have announced for this packet to be sent at all. */
  readonly cap?: number;
}

function packet<R, W>(def: MessageDef<R, W>, from: UsbredirSender, cap?: number): UsbredirPacketDef<R, W> {
  return {...def, from, ...(cap === undefined ? {} : {cap})};
}

/** The WireContext cap name of a negotiated usbredir capability. */
export function usbredirCapName(cap: number): string {
  const name = Object.entries(UsbredirCap).find(([, v]) => v === cap)?.[0];
  return `usbredir:${(name ?? `CAP_${cap}`).toLowerCase()}`;
}
const both = (cap: number) => hasCap(usbredirCapName(cap));

/** A u32 id widened to the u64 the 64-bit header carries, so ids are always bigint. */
const id32: Schema<bigint> = mapped(u32, 'u32 id', (v: number) => BigInt(v), (v: bigint) => Number(BigInt.asUintN(32, v)));

/** usb_redir_header with a 32-bit id: always for hello, and until both sides announce 64bits_ids. */
export const UsbredirHeader32 = struct('usb_redir_header (32-bit id)', {type: u32, length: u32, id: id32});
/** usb_redir_header with a 64-bit id. */
export const UsbredirHeader64 = struct('usb_redir_header', {type: u32, length: u32, id: u64});

/** The 32 per-interface entries of interface_info (interface_count of them are used). */
const perInterface = array(u8, 32);
/** The 32 per-endpoint entries of ep_info, indexed by epIndex(address). */
const perEndpoint = <R, W>(elem: Schema<R, W>) => array(elem, 32);

const endpointOnly = (name: string) => struct(name, {endpoint: u8});
const endpointStatus = (name: string) => struct(name, {status: u8, endpoint: u8});

export const UsbredirPackets = {
  /** First packet from both sides; the caps array runs to the end (64 + 4 × words bytes). Id always 0. */
  HELLO: packet(
    message(T.HELLO, 'hello', struct('usb_redir_hello_header', {version: fixedText(64), capabilities: array(u32, 'rest')})),
    'both',
  ),
  /** The device is available. Sent after interface_info and ep_info. speed: UsbredirSpeed. */
  DEVICE_CONNECT: packet(
    message(
      T.DEVICE_CONNECT,
      'device_connect',
      struct('usb_redir_device_connect_header', {
        speed: u8,
        device_class: u8,
        device_subclass: u8,
        device_protocol: u8,
        vendor_id: u16,
        product_id: u16,
        device_version_bcd: when(both(UsbredirCap.CONNECT_DEVICE_VERSION), u16),
      }),
    ),
    'host',
  ),
  DEVICE_DISCONNECT: packet(message(T.DEVICE_DISCONNECT, 'device_disconnect', empty), 'host'),
  RESET: packet(message(T.RESET, 'reset', empty), 'guest'),
  /** Sent after connect, set_configuration and set_alt_setting; interface_count ≤ 32. */
  INTERFACE_INFO: packet(
    message(
      T.INTERFACE_INFO,
      'interface_info',
      struct('usb_redir_interface_info_header', {
        interface_count: u32,
        interface: perInterface,
        interface_class: perInterface,
        interface_subclass: perInterface,
        interface_protocol: perInterface,
      }),
    ),
    'host',
  ),
  /** Per endpoint index (0–15 OUT, 16–31 IN): type (UsbredirEpType), interval, interface, [max_packet_size], [max_streams]. */
  EP_INFO: packet(
    message(
      T.EP_INFO,
      'ep_info',
      struct('usb_redir_ep_info_header', {
        type: perEndpoint(u8),
        interval: perEndpoint(u8),
        interface: perEndpoint(u8),
        max_packet_size: when(both(UsbredirCap.EP_INFO_MAX_PACKET_SIZE), perEndpoint(u16)),
        max_streams: when(both(UsbredirCap.BULK_STREAMS), perEndpoint(u32)),
      }),
    ),
    'host',
  ),
  SET_CONFIGURATION: packet(
    message(T.SET_CONFIGURATION, 'set_configuration', struct('usb_redir_set_configuration_header', {configuration: u8})),
    'guest',
  ),
  GET_CONFIGURATION: packet(message(T.GET_CONFIGURATION, 'get_configuration', empty), 'guest'),
  /** Reply to set/get_configuration (same id). */
  CONFIGURATION_STATUS: packet(
    message(
      T.CONFIGURATION_STATUS,
      'configuration_status',
      struct('usb_redir_configuration_status_header', {status: u8, configuration: u8}),
    ),
    'host',
  ),
  SET_ALT_SETTING: packet(
    message(T.SET_ALT_SETTING, 'set_alt_setting', struct('usb_redir_set_alt_setting_header', {interface: u8, alt: u8})),
    'guest',
  ),
  GET_ALT_SETTING: packet(
    message(T.GET_ALT_SETTING, 'get_alt_setting', struct('usb_redir_get_alt_setting_header', {interface: u8})),
    'guest',
  ),
  /** Reply to set/get_alt_setting (same id). */
  ALT_SETTING_STATUS: packet(
    message(
      T.ALT_SETTING_STATUS,
      'alt_setting_status',
      struct('usb_redir_alt_setting_status_header', {status: u8, interface: u8, alt: u8}),
    ),
    'host',
  ),
  START_ISO_STREAM: packet(
    message(
      T.START_ISO_STREAM,
      'start_iso_stream',
      struct('usb_redir_start_iso_stream_header', {endpoint: u8, pkts_per_urb: u8, no_urbs: u8}),
    ),
    'guest',
  ),
  STOP_ISO_STREAM: packet(message(T.STOP_ISO_STREAM, 'stop_iso_stream', endpointOnly('usb_redir_stop_iso_stream_header')), 'guest'),
  ISO_STREAM_STATUS: packet(
    message(T.ISO_STREAM_STATUS, 'iso_stream_status', endpointStatus('usb_redir_iso_stream_status_header')),
    'host',
  ),
  /** IN interrupt endpoints only: the host polls and sends interrupt_packets until stopped. */
  START_INTERRUPT_RECEIVING: packet(
    message(T.START_INTERRUPT_RECEIVING, 'start_interrupt_receiving', endpointOnly('usb_redir_start_interrupt_receiving_header')),
    'guest',
  ),
  STOP_INTERRUPT_RECEIVING: packet(
    message(T.STOP_INTERRUPT_RECEIVING, 'stop_interrupt_receiving', endpointOnly('usb_redir_stop_interrupt_receiving_header')),
    'guest',
  ),
  INTERRUPT_RECEIVING_STATUS: packet(
    message(T.INTERRUPT_RECEIVING_STATUS, 'interrupt_receiving_status', endpointStatus('usb_redir_interrupt_receiving_status_header')),
    'host',
  ),
  /** endpoints: bitmask of ep_info indexes. */
  ALLOC_BULK_STREAMS: packet(
    message(T.ALLOC_BULK_STREAMS, 'alloc_bulk_streams', struct('usb_redir_alloc_bulk_streams_header', {endpoints: u32, no_streams: u32})),
    'guest',
  ),
  FREE_BULK_STREAMS: packet(
    message(T.FREE_BULK_STREAMS, 'free_bulk_streams', struct('usb_redir_free_bulk_streams_header', {endpoints: u32})),
    'guest',
  ),
  BULK_STREAMS_STATUS: packet(
    message(
      T.BULK_STREAMS_STATUS,
      'bulk_streams_status',
      struct('usb_redir_bulk_streams_status_header', {endpoints: u32, no_streams: u32, status: u8}),
    ),
    'host',
  ),
  /** The header id names the data packet to cancel; the host still answers that packet (status cancelled). */
  CANCEL_DATA_PACKET: packet(message(T.CANCEL_DATA_PACKET, 'cancel_data_packet', empty), 'guest'),
  /** The guest's filter refused the device described by device_connect / interface_info. */
  FILTER_REJECT: packet(message(T.FILTER_REJECT, 'filter_reject', empty), 'guest', UsbredirCap.FILTER),
  /** NUL-terminated rules "class,vendor,product,version,allow|..." (-1 = any). */
  FILTER_FILTER: packet(message(T.FILTER_FILTER, 'filter_filter', struct('usb_redir_filter_filter', {rules: text('rest', {nul: true})})), 'both', UsbredirCap.FILTER),
  DEVICE_DISCONNECT_ACK: packet(message(T.DEVICE_DISCONNECT_ACK, 'device_disconnect_ack', empty), 'guest', UsbredirCap.DEVICE_DISCONNECT_ACK),
  START_BULK_RECEIVING: packet(
    message(
      T.START_BULK_RECEIVING,
      'start_bulk_receiving',
      struct('usb_redir_start_bulk_receiving_header', {stream_id: u32, bytes_per_transfer: u32, endpoint: u8, no_transfers: u8}),
    ),
    'guest',
    UsbredirCap.BULK_RECEIVING,
  ),
  STOP_BULK_RECEIVING: packet(
    message(T.STOP_BULK_RECEIVING, 'stop_bulk_receiving', struct('usb_redir_stop_bulk_receiving_header', {stream_id: u32, endpoint: u8})),
    'guest',
    UsbredirCap.BULK_RECEIVING,
  ),
  BULK_RECEIVING_STATUS: packet(
    message(
      T.BULK_RECEIVING_STATUS,
      'bulk_receiving_status',
      struct('usb_redir_bulk_receiving_status_header', {stream_id: u32, endpoint: u8, status: u8}),
    ),
    'host',
    UsbredirCap.BULK_RECEIVING,
  ),
  /** Setup fields + data; data travels one way only (OUT: guest → host, IN: host → guest) and matches `length`. */
  CONTROL_PACKET: packet(
    message(
      T.CONTROL_PACKET,
      'control_packet',
      struct('usb_redir_control_packet_header', {
        endpoint: u8,
        request: u8,
        requesttype: u8,
        status: u8,
        value: u16,
        index: u16,
        length: u16,
        data: bytes('rest'),
      }),
    ),
    'both',
  ),
  /** The length is length | length_high << 16 once both sides have 32bits_bulk_length (see bulkLength). */
  BULK_PACKET: packet(
    message(
      T.BULK_PACKET,
      'bulk_packet',
      struct('usb_redir_bulk_packet_header', {
        endpoint: u8,
        status: u8,
        length: u16,
        stream_id: u32,
        length_high: when(both(UsbredirCap['32BITS_BULK_LENGTH']), u16),
        data: bytes('rest'),
      }),
    ),
    'both',
  ),
  ISO_PACKET: packet(
    message(T.ISO_PACKET, 'iso_packet', struct('usb_redir_iso_packet_header', {endpoint: u8, status: u8, length: u16, data: bytes('rest')})),
    'both',
  ),
  INTERRUPT_PACKET: packet(
    message(
      T.INTERRUPT_PACKET,
      'interrupt_packet',
      struct('usb_redir_interrupt_packet_header', {endpoint: u8, status: u8, length: u16, data: bytes('rest')}),
    ),
    'both',
  ),
  /** Bulk IN data the host reads on its own after start_bulk_receiving. */
  BUFFERED_BULK_PACKET: packet(
    message(
      T.BUFFERED_BULK_PACKET,
      'buffered_bulk_packet',
      struct('usb_redir_buffered_bulk_packet_header', {stream_id: u32, length: u32, endpoint: u8, status: u8, data: bytes('rest')}),
    ),
    'host',
    UsbredirCap.BULK_RECEIVING,
  ),
} as const;

const index = byType(UsbredirPackets) as Map<number, UsbredirPacketDef>;

/** The declaration of a usbredir packet type, or undefined if unknown. */
export function usbredirPacket(type: number): UsbredirPacketDef | undefined {
  return index.get(type);
}

/** A bulk_packet's full data length: length, plus length_high << 16 when 32-bit lengths are negotiated. */
export function bulkLength(p: {length: number; length_high?: number}): number {
  return p.length + (p.length_high ?? 0) * 0x10000;
}

/** The length and length_high fields for a bulk data length (length_high only matters with 32bits_bulk_length). */
export function splitBulkLength(n: number): {length: number; length_high: number} {
  return {length: n & 0xffff, length_high: Math.floor(n / 0x10000) & 0xffff};
}
