/**
 * The agent transport on real traffic (Xspice + spice-vdagent), seen through the session's wire tap:
 * - client → server: every AGENT_DATA ≤ 2048 bytes, each VDAgent message starts a chunk and no chunk holds
 *   the end of one message and the start of the next; more chunks than the server's initial tokens go out
 *   only as AGENT_TOKEN grants them;
 * - server → client: the stream recorded live, re-cut anywhere (byte by byte, joined, at random), reassembles
 *   into the same messages the GuestAgent delivered; a declared size above the limit is a protocol error.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AgentReassembler, GuestAgent} from '../../src/client/agent/agent.js';
import {Clipboard} from '../../src/client/agent/clipboard.js';
import type {Channel} from '../../src/client/channels/channel.js';
import {SpiceSession} from '../../src/client/session.js';
import {SpiceError} from '../../src/client/errors.js';
import {AgentClipboardSelection, AgentMessageType, ChannelType} from '../../src/client/wire/enums.js';
import {MainClient, MainServer} from '../../src/client/wire/messages/main.js';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {waitAgentOwns, xclipIn, xclipOut} from './support.js';
import {bigText} from './samples.js';

let t: LabTarget;
beforeAll(async () => {
  t = await startXspice({vdagent: true, clients: []});
});
afterAll(async () => {
  await t?.stop();
});

interface Traffic {
  out: Uint8Array[];
  in: Uint8Array[];
  tokensIn: number[];
}

async function tapped(maxMessageBytes?: number, maxClipboard?: number): Promise<{session: SpiceSession; agent: GuestAgent; traffic: Traffic; initialTokens: number}> {
  const traffic: Traffic = {out: [], in: [], tokensIn: []};
  const tap = (ch: Channel, dir: 'in' | 'out', type: number, body: Uint8Array) => {
    if (ch.type !== ChannelType.MAIN) return;
    const copy = Uint8Array.from(body);
    if (dir === 'out' && type === MainClient.AGENT_DATA.type) traffic.out.push(copy);
    if (dir === 'in' && type === MainServer.AGENT_DATA.type) traffic.in.push(copy);
    if (dir === 'in' && type === MainServer.AGENT_TOKEN.type) traffic.tokensIn.push(new DataView(copy.buffer).getUint32(0, true));
  };
  const session = await SpiceSession.connect(t.uri, {channelFilter: () => false, tap});
  const initialTokens = session.main.agentTokens;
  const agent = await GuestAgent.open(session, {timeoutMs: 10_000, maxMessageBytes, maxClipboard});
  return {session, agent, traffic, initialTokens};
}

/** Splits the client's chunks into messages: each must start a chunk and end exactly at a chunk's end. */
function messagesOfChunks(chunks: Uint8Array[]): Array<{type: number; size: number; chunks: number[]}> {
  const out: Array<{type: number; size: number; chunks: number[]}> = [];
  let cur: {type: number; size: number; chunks: number[]; left: number} | undefined;
  for (const c of chunks) {
    expect(c.length).toBeGreaterThan(0);
    expect(c.length).toBeLessThanOrEqual(2048);
    if (!cur) {
      expect(c.length).toBeGreaterThanOrEqual(20); // a header never straddles chunks we send
      const v = new DataView(c.buffer, c.byteOffset, c.byteLength);
      expect(v.getUint32(0, true)).toBe(1);
      const size = v.getUint32(16, true);
      cur = {type: v.getUint32(4, true), size, chunks: [], left: 20 + size};
    }
    cur.chunks.push(c.length);
    cur.left -= c.length;
    expect(cur.left).toBeGreaterThanOrEqual(0); // no chunk holds the start of the next message
    if (cur.left === 0) {
      out.push({type: cur.type, size: cur.size, chunks: cur.chunks});
      cur = undefined;
    }
  }
  expect(cur).toBeUndefined();
  return out;
}

function reassemble(stream: Uint8Array[]): Array<{type: number; payload: Buffer}> {
  const got: Array<{type: number; payload: Buffer}> = [];
  const r = new AgentReassembler(1 << 30, (type, payload) => got.push({type, payload: Buffer.from(payload)}));
  for (const c of stream) r.push(c);
  expect(r.idle).toBe(true);
  return got;
}

describe('agent transport on real traffic', () => {
  it('client → guest: 300 KiB in ≤2048-byte chunks, one message per run of chunks, paced by server tokens', async () => {
    const {session, agent, traffic, initialTokens} = await tapped();
    try {
      const clipboard = new Clipboard(agent);
      const text = bigText(300 * 1024);
      await clipboard.set(AgentClipboardSelection.CLIPBOARD, 'text', text);
      await waitAgentOwns(t, 'clipboard', 'UTF8_STRING');
      const pasted = xclipOut(t, 'clipboard');
      await clipboard.waitServed(AgentClipboardSelection.CLIPBOARD, 1, 20_000);
      expect((await pasted).equals(text)).toBe(true);

      const messages = messagesOfChunks(traffic.out);
      expect(messages.map((m) => m.type)).toEqual([
        AgentMessageType.ANNOUNCE_CAPABILITIES,
        AgentMessageType.MAX_CLIPBOARD,
        AgentMessageType.CLIPBOARD_GRAB,
        AgentMessageType.CLIPBOARD,
      ]);
      const data = messages[3]!;
      expect(data.size).toBe(4 + 4 + text.length); // selection + reserved, type, text
      expect(data.chunks.length).toBe(Math.ceil((20 + data.size) / 2048));
      expect(data.chunks.slice(0, -1).every((n) => n === 2048)).toBe(true);
      // More chunks went out than the server granted at first: the rest waited for AGENT_TOKEN.
      expect(traffic.out.length).toBeGreaterThan(initialTokens);
      const granted = initialTokens + traffic.tokensIn.reduce((a, b) => a + b, 0);
      expect(traffic.out.length).toBeLessThanOrEqual(granted);
      expect(session.main.agentTokens).toBe(granted - traffic.out.length);
      expect(agent.sentChunkSizes).toEqual(traffic.out.map((c) => c.length));
    } finally {
      session.close();
    }
  });

  it('guest → client: the recorded stream re-cut anywhere gives the same messages', async () => {
    const {session, agent, traffic} = await tapped();
    try {
      const delivered: Array<{type: number; payload: Buffer}> = [];
      agent.on('message', (type: number, payload: Uint8Array) => delivered.push({type, payload: Buffer.from(payload)}));
      const text = bigText(200 * 1024 + 7);
      xclipIn(t, 'clipboard', text);
      const got = await new Clipboard(agent).get(AgentClipboardSelection.CLIPBOARD, 'text', {timeoutMs: 10_000});
      expect(Buffer.from(got.data).equals(text)).toBe(true);
      session.close();

      // The big message came in several AGENT_DATA messages.
      expect(traffic.in.length).toBeGreaterThan(2);
      const whole = Buffer.concat(traffic.in);
      // Live delivery = offline reassembly of the same chunks (the caps reply was in the backlog or live).
      const live = reassemble(traffic.in);
      expect(live.slice(-delivered.length).map((m) => [m.type, m.payload.length])).toEqual(delivered.map((m) => [m.type, m.payload.length]));
      expect(live.at(-1)!.payload.equals(delivered.at(-1)!.payload)).toBe(true);
      // Joined into one buffer, byte by byte (on the first 64 KiB), and at pseudo-random cuts.
      const same = (stream: Uint8Array[]) => {
        const r = reassemble(stream);
        expect(r.map((m) => m.type)).toEqual(live.map((m) => m.type));
        r.forEach((m, i) => expect(m.payload.equals(live[i]!.payload)).toBe(true));
      };
      same([whole]);
      const head = whole.subarray(0, 64 * 1024);
      const oneByOne: Buffer[] = [];
      const bytewise = new AgentReassembler(1 << 30, (_type, p) => oneByOne.push(Buffer.from(p)));
      for (let i = 0; i < head.length; i++) bytewise.push(head.subarray(i, i + 1));
      expect(oneByOne.length).toBeGreaterThan(0);
      oneByOne.forEach((p, i) => expect(p.equals(live[i]!.payload)).toBe(true));
      let seed = 12345;
      const cuts: Uint8Array[] = [];
      for (let at = 0; at < whole.length; ) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const n = 1 + (seed % 5000);
        cuts.push(whole.subarray(at, at + n));
        at += n;
      }
      same(cuts);
    } finally {
      session.close();
    }
  });

  it('MAX_CLIPBOARD: the guest withholds data above the limit we announced; get says so', async () => {
    const {session, agent} = await tapped(4096);
    try {
      xclipIn(t, 'clipboard', bigText(10_000));
      const get = new Clipboard(agent).get(AgentClipboardSelection.CLIPBOARD, 'text', {timeoutMs: 10_000});
      await expect(get).rejects.toMatchObject({kind: 'expectation', message: expect.stringMatching(/larger than the 4088-byte limit/)});
    } finally {
      session.close();
    }
  });

  it('a guest message above the size limit is a protocol error, not an allocation', async () => {
    // Unlimited MAX_CLIPBOARD announced, so the guest sends all 10 000 bytes to a 4096-byte reassembly limit.
    const {session, agent} = await tapped(4096, -1);
    try {
      const failed = new Promise<SpiceError>((resolve) => agent.once('failed', resolve));
      xclipIn(t, 'clipboard', bigText(10_000));
      const get = new Clipboard(agent).get(AgentClipboardSelection.CLIPBOARD, 'text', {timeoutMs: 10_000});
      await expect(get).rejects.toMatchObject({kind: 'protocol', message: expect.stringMatching(/declares 10008 bytes, more than the 4096-byte limit/)});
      expect((await failed).kind).toBe('protocol');
    } finally {
      session.close();
    }
  });
});

describe('AgentReassembler limits', () => {
  it('a header declaring 4 GiB fails on its last byte, before any payload arrives', () => {
    const header = Buffer.alloc(20);
    header.writeUInt32LE(1, 0);
    header.writeUInt32LE(AgentMessageType.CLIPBOARD, 4);
    header.writeUInt32LE(0xffffffff, 16);
    const r = new AgentReassembler(256 << 20, () => undefined);
    r.push(header.subarray(0, 19));
    expect(() => r.push(header.subarray(19))).toThrow(/declares 4294967295 bytes/);
  });

  it('a wrong protocol number is a protocol error', () => {
    const header = Buffer.alloc(20);
    header.writeUInt32LE(2, 0);
    const r = new AgentReassembler(1024, () => undefined);
    expect(() => r.push(header)).toThrow(/protocol 2/);
  });
});
