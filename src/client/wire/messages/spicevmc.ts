/**
 * SpicevmcChannel messages (spice.proto `channel SpicevmcChannel`), used as they are by USBREDIR and, with
 * the PortChannel additions, by PORT and WEBDAV.
 */
import {DataCompressionType} from '../enums.js';
import {bool8, bytes, lengthOf, ptr, struct, text, u32, u8, when} from '../schema.js';
import {message} from '../message.js';
import {nonNull} from './image.js';

const Data = struct('Data', {data: bytes('rest')});

/** u8 DataCompressionType; unless NONE, u32 uncompressed_size; then the compressed bytes (an LZ4 block). */
export const CompressedData = struct('CompressedData', {
  type: u8,
  uncompressed_size: when((s) => s['type'] !== DataCompressionType.NONE, u32),
  compressed_data: bytes('rest'),
});

export const SpicevmcServer = {
  DATA: message(101, 'DATA', Data),
  COMPRESSED_DATA: message(102, 'COMPRESSED_DATA', CompressedData),
} as const;

export const SpicevmcClient = {
  DATA: message(101, 'DATA', Data),
  COMPRESSED_DATA: message(102, 'COMPRESSED_DATA', CompressedData),
} as const;

export const PortServer = {
  ...SpicevmcServer,
  /** The port's name (NUL-terminated, behind a pointer; name_size counts the NUL) and whether the guest side is open. */
  INIT: message(
    201,
    'INIT',
    struct('PortInit', {
      name_size: lengthOf('name', u32, {plus: 1}),
      name: nonNull(ptr(text('name_size', {nul: true})), 'port name'),
      opened: bool8,
    }),
  ),
  /** event is a PortEvent. */
  EVENT: message(202, 'EVENT', struct('PortEvent', {event: u8})),
} as const;

export const PortClient = {
  ...SpicevmcClient,
  EVENT: message(201, 'EVENT', struct('PortEvent', {event: u8})),
} as const;
