/**
 * Round-trip checks shared by the wire tests. checkBody is the one to use for captured traffic:
 * a server may place pointer targets anywhere, so it compares decoded values, not bytes, between the
 * captured body and our re-encoding, and requires our own encoding to be stable.
 */
import {expect} from 'vitest';
import {decode, encode, type WireContext} from '../../src/client/wire/schema.js';
import type {MessageDef} from '../../src/client/wire/message.js';
import {agentMessage} from '../../src/client/wire/messages/agent.js';
import {clientMessage, serverMessage} from '../../src/client/wire/messages/index.js';

export type Side = 'server' | 'client' | 'agent';

/** The definition of (channelType, side, type); side 'agent' looks up a VDAgent payload type. */
export function definitionOf(channelType: number, side: Side, type: number): MessageDef {
  const def = side === 'agent' ? agentMessage(type) : side === 'server' ? serverMessage(channelType, type) : clientMessage(channelType, type);
  if (!def) throw new Error(`no ${side} message ${type} on channel type ${channelType}`);
  return def;
}

/**
 * decode(body) → encode → decode must give the same value, and encoding that value again the same bytes.
 * Returns the decoded value for further checks.
 */
export function checkBody(def: MessageDef, body: Uint8Array, ctx: WireContext = {}): unknown {
  const first = decode(def.schema, body, ctx);
  const ours = encode(def.schema, first, ctx);
  // Our encoding is the very bytes: decoding them again gives `first` and re-encoding gives `ours`, both by
  // determinism, so the deep comparisons below (slow on image-sized byte arrays) would prove nothing more.
  if (Buffer.from(ours.buffer, ours.byteOffset, ours.byteLength).equals(body)) return first;
  const second = decode(def.schema, ours, ctx);
  expect(second, `${def.name}: decode(encode(decode(body)))`).toEqual(first);
  expect(encode(def.schema, second, ctx), `${def.name}: re-encoding is stable`).toEqual(ours);
  return first;
}

/** checkBody for a captured (channelType, side, type, body), e.g. from the client's recorder. */
export function checkCaptured(channelType: number, side: Side, type: number, body: Uint8Array, ctx: WireContext = {}): unknown {
  return checkBody(definitionOf(channelType, side, type), body, ctx);
}

/** Hex (spaces and newlines allowed) → bytes. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (clean.length % 2) throw new Error('odd hex length');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}
