/**
 * What a usbredir packet must satisfy beyond its layout (usb-redirection-protocol.md; usbredirparser checks the
 * same): who may send it, the capability its receiver must have, IN-only endpoints, and for data packets that
 * data travels one way only — host → guest for IN endpoints, guest → host for OUT — with exactly `length` bytes.
 * Both directions are checked: what we receive (a protocol error) and what we send (a bug of ours, same error).
 */
import {WireError} from '../reader.js';
import {nameOf} from '../enums.js';
import type {UsbredirNegotiation} from './negotiation.js';
import {bulkLength, type UsbredirPacketDef, UsbredirPackets as P} from './packets.js';
import {isInEndpoint, MAX_PACKET_LENGTH, UsbredirCap, UsbredirType as T} from './protocol.js';

export type UsbredirRole = 'host' | 'guest';

/** The endpoint and data length a data packet declares. */
function dataFields(type: number, v: Record<string, unknown>): {ep: number; length: number} | undefined {
  switch (type) {
    case T.CONTROL_PACKET:
    case T.ISO_PACKET:
    case T.INTERRUPT_PACKET:
    case T.BUFFERED_BULK_PACKET:
      return {ep: v['endpoint'] as number, length: v['length'] as number};
    case T.BULK_PACKET:
      return {ep: v['endpoint'] as number, length: bulkLength(v as {length: number; length_high?: number})};
    default:
      return undefined;
  }
}

const IN_ONLY: ReadonlySet<number> = new Set([
  T.START_INTERRUPT_RECEIVING,
  T.STOP_INTERRUPT_RECEIVING,
  T.INTERRUPT_RECEIVING_STATUS,
  T.START_BULK_RECEIVING,
  T.STOP_BULK_RECEIVING,
  T.BULK_RECEIVING_STATUS,
]);

function senderOf(role: UsbredirRole, dir: 'in' | 'out'): UsbredirRole {
  return dir === 'out' ? role : role === 'host' ? 'guest' : 'host';
}

/** The rules known from the header alone (checked before the body is read): who sends it, the receiver's cap. */
export function checkSender(def: UsbredirPacketDef, role: UsbredirRole, dir: 'in' | 'out', n: UsbredirNegotiation): void {
  const sender = senderOf(role, dir);
  if (def.from !== 'both' && def.from !== sender) throw new WireError(`usbredir ${def.name} from the usb-${sender}: only the usb-${def.from} sends it`);
  if (def.cap === undefined) return;
  const receiverHas = dir === 'in' ? n.ours.has(def.cap) : n.peer.has(def.cap);
  if (!receiverHas) {
    throw new WireError(`usbredir ${def.name} from the usb-${sender}: the usb-${sender === 'host' ? 'guest' : 'host'} did not announce cap ${nameOf(UsbredirCap, def.cap)}`);
  }
}

/**
 * Throws a WireError naming the packet when it breaks a rule. `dir` is 'in' for a packet received by `role`,
 * 'out' for one it sends; `value` is the decoded (or to-be-encoded) body.
 */
export function checkPacket(def: UsbredirPacketDef, value: Record<string, unknown>, role: UsbredirRole, dir: 'in' | 'out', n: UsbredirNegotiation): void {
  checkSender(def, role, dir, n);
  const sender = senderOf(role, dir);
  const fail = (why: string): never => {
    throw new WireError(`usbredir ${def.name} from the usb-${sender}: ${why}`);
  };
  if (def.type === T.INTERFACE_INFO && (value['interface_count'] as number) > 32) fail(`interface_count ${String(value['interface_count'])} > 32`);
  if (IN_ONLY.has(def.type) && !isInEndpoint(value['endpoint'] as number)) fail(`endpoint ${hex(value['endpoint'])} is not an IN endpoint`);
  if (def.type === P.START_BULK_RECEIVING.type && (value['bytes_per_transfer'] as number) > MAX_PACKET_LENGTH) {
    fail(`bytes_per_transfer ${String(value['bytes_per_transfer'])} exceeds ${MAX_PACKET_LENGTH}`);
  }
  const d = dataFields(def.type, value);
  if (!d) return;
  if (d.length > MAX_PACKET_LENGTH) fail(`length ${d.length} exceeds ${MAX_PACKET_LENGTH}`);
  const data = value['data'] as Uint8Array | undefined;
  const got = data?.length ?? 0;
  // IN data flows host → guest, OUT data guest → host.
  const carriesData = isInEndpoint(d.ep) === (sender === 'host');
  if (carriesData) {
    if (got !== d.length) fail(`${got} data bytes, length says ${d.length} (endpoint ${hex(d.ep)})`);
    return;
  }
  if (got) fail(`${got} data bytes in the direction without data (endpoint ${hex(d.ep)})`);
  if (def.type === T.ISO_PACKET || def.type === T.BUFFERED_BULK_PACKET || (def.type === T.INTERRUPT_PACKET && sender === 'guest')) {
    fail(`sent the wrong way for endpoint ${hex(d.ep)}`);
  }
}

function hex(v: unknown): string {
  return `0x${(v as number).toString(16).padStart(2, '0')}`;
}
