/** SpiceSubMessageList: the sub-messages a message (LIST, a display draw's tail) carries. */
import {WireError} from './reader.js';

/** The sub-messages of a SpiceSubMessageList at `offset` in `body`: u16 count, u32 offsets, each {u16 type, u32 size, body}. */
export function subMessages(body: Uint8Array, offset: number, where = 'message'): Array<{type: number; body: Uint8Array}> {
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const need = (at: number, n: number) => {
    if (at < 0 || at + n > body.length) throw new WireError(`${where}: sub-message list points outside the message`);
  };
  need(offset, 2);
  const count = v.getUint16(offset, true);
  need(offset + 2, count * 4);
  const out: Array<{type: number; body: Uint8Array}> = [];
  for (let i = 0; i < count; i++) {
    const at = v.getUint32(offset + 2 + i * 4, true);
    need(at, 6);
    const size = v.getUint32(at + 2, true);
    need(at + 6, size);
    out.push({type: v.getUint16(at, true), body: body.subarray(at + 6, at + 6 + size)});
  }
  return out;
}
