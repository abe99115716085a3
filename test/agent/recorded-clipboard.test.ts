/**
 * Offline, on recordings/xspice-clipboard.spicerec (spice-cli against Xspice + spice-vdagent, captured by
 * scripts/capture-recordings.ts clipboard): the client's AGENT_DATA obey the 2048-byte rule with every
 * message starting a chunk and ending one; the server's AGENT_DATA reassemble into whole messages that all
 * decode with the declared layouts; the two texts inside are the ones the capture recorded (sha256 in meta).
 */
import {createHash} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {AgentReassembler} from '../../src/client/agent/agent.js';
import {readRecording} from '../../src/client/recording/reader.js';
import {agentCapNames, AgentCap} from '../../src/client/wire/caps.js';
import {AgentMessageType, ChannelType} from '../../src/client/wire/enums.js';
import {decode} from '../../src/client/wire/schema.js';
import {agentMessage} from '../../src/client/wire/messages/agent.js';
import {MainClient, MainServer} from '../../src/client/wire/messages/main.js';

const rec = readRecording(new URL('../../recordings/xspice-clipboard.spicerec', import.meta.url).pathname);
const meta = (rec.header as any).meta as {fromGuest: {bytes: number; sha256: string}; toGuest: {bytes: number; sha256: string}};
const main = rec.messages.filter((m) => m.channelType === ChannelType.MAIN);
const out = main.filter((m) => m.dir === 'out' && m.type === MainClient.AGENT_DATA.type).map((m) => m.body);
const inc = main.filter((m) => m.dir === 'in' && m.type === MainServer.AGENT_DATA.type).map((m) => m.body);
// Both sides announce CLIPBOARD_SELECTION and CLIPBOARD_GRAB_SERIAL in this recording (checked below).
const ctx = {caps: agentCapNames([AgentCap.CLIPBOARD_SELECTION, AgentCap.CLIPBOARD_GRAB_SERIAL])};
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function messages(stream: Uint8Array[]) {
  const got: Array<{type: number; payload: Uint8Array; decoded: any}> = [];
  const r = new AgentReassembler(1 << 28, (type, payload) => got.push({type, payload, decoded: decode(agentMessage(type)!.schema, payload, ctx)}));
  for (const c of stream) r.push(c);
  expect(r.idle).toBe(true);
  return got;
}

describe('recorded clipboard traffic', () => {
  it('client chunks: ≤ 2048 bytes, each message starts a chunk and ends one', () => {
    let left = 0;
    let count = 0;
    for (const c of out) {
      expect(c.length).toBeLessThanOrEqual(2048);
      if (left === 0) {
        const v = new DataView(c.buffer, c.byteOffset, c.byteLength);
        left = 20 + v.getUint32(16, true);
        count++;
      }
      left -= c.length;
      expect(left).toBeGreaterThanOrEqual(0);
    }
    expect(left).toBe(0);
    expect(out.length).toBeGreaterThan(count); // the 48 KiB text took many chunks
  });

  it('both directions decode; the texts are the recorded ones', () => {
    const sent = messages(out);
    const received = messages(inc);
    const caps = (list: typeof sent) => new Set(list.filter((m) => m.type === AgentMessageType.ANNOUNCE_CAPABILITIES).flatMap((m) => m.decoded.caps as number[]));
    for (const list of [sent, received]) {
      const words = [...caps(list)];
      expect(words.some((w) => w & (1 << AgentCap.CLIPBOARD_SELECTION))).toBe(true);
      expect(words.some((w) => w & (1 << AgentCap.CLIPBOARD_GRAB_SERIAL))).toBe(true);
    }
    // A request right after the X copy can be answered empty before the agent's GRAB; get() asks again.
    const fromGuest = received.find((m) => m.type === AgentMessageType.CLIPBOARD && m.decoded.data.length > 0)!;
    expect(fromGuest.decoded.data.length).toBe(meta.fromGuest.bytes);
    expect(sha(fromGuest.decoded.data)).toBe(meta.fromGuest.sha256);
    const toGuest = sent.find((m) => m.type === AgentMessageType.CLIPBOARD)!;
    expect(sha(toGuest.decoded.data)).toBe(meta.toGuest.sha256);
    expect(sent.find((m) => m.type === AgentMessageType.CLIPBOARD_GRAB)!.decoded).toMatchObject({selection: 0, types: [1]});
    // The server cut the guest's 64 KiB message over several AGENT_DATA.
    const big = 20 + fromGuest.payload.length;
    expect(inc.length).toBeGreaterThan(1);
    expect(Math.max(...inc.map((c) => c.length))).toBeLessThan(big);
  });
});
