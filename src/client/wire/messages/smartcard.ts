/**
 * SmartcardChannel messages (spice.proto `channel SmartcardChannel`): DATA carries one VSC message, its
 * header little-endian on the SPICE wire. The payload layouts by VSC type are exported for the channel code.
 */
import {bytes, lengthOf, struct, text, u32} from '../schema.js';
import {message} from '../message.js';

/** VscMessageHeader + payload: u32 type (VscMessageType), u32 reader_id, u32 length, length bytes. */
export const VscMessage = struct('VscMessage', {type: u32, reader_id: u32, length: lengthOf('data'), data: bytes('length')});

/** Payloads of VscMessage.data, by type. */
export const VscPayload = {
  /** Error: u32 code (VscErrorCode); reader_id carries the id assigned on ReaderAdd. */
  Error: struct('VscError', {code: u32}),
  /** ReaderAdd: the reader name, NUL-terminated. */
  ReaderAdd: struct('VscReaderAdd', {name: text('rest', {nul: true})}),
  /** ATR: the card's answer-to-reset bytes. */
  ATR: struct('VscATR', {atr: bytes('rest')}),
  /** APDU: a command (server → client) or a response with SW1 SW2 (client → server). */
  APDU: struct('VscAPDU', {data: bytes('rest')}),
} as const;

export const SmartcardServer = {
  DATA: message(101, 'DATA', VscMessage),
} as const;

/** enums.h also names HEADER, ERROR, ATR and READER_ADD = 101: a historical mistake; there is one message. */
export const SmartcardClient = {
  DATA: message(101, 'DATA', VscMessage),
} as const;
