/** session.agent(): the guest agent opened once per session, shared by later calls, closed with the session. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {GuestAgent} from '../../src/client/agent/agent.js';
import {SpiceSession} from '../../src/client/session.js';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';

let t: LabTarget;
beforeAll(async () => {
  t = await startXspice({vdagent: true, clients: []});
});
afterAll(async () => {
  await t?.stop();
});

describe('session.agent()', () => {
  it('opens the agent once and closes it with the session', async () => {
    const session = await SpiceSession.connect(t.uri, {channelFilter: () => false});
    let agent: GuestAgent | undefined;
    try {
      const [a, b] = await Promise.all([session.agent({timeoutMs: 10_000, agentWaitMs: 10_000}), session.agent({timeoutMs: 10_000})]);
      agent = a;
      expect(b).toBe(a);
      expect(await session.agent({timeoutMs: 10_000})).toBe(a);
      expect(a.connected).toBe(true);
      // GuestAgent.open() on the same session shares it too (one client for the guest).
      const shared = await GuestAgent.open(session, {timeoutMs: 10_000});
      expect(shared).toBe(a);
      shared.close();
      expect(a.isOpen).toBe(true);
    } finally {
      session.close();
    }
    await new Promise((r) => setImmediate(r));
    expect(agent?.isOpen).toBe(false);
    await expect(session.agent({timeoutMs: 1000})).rejects.toMatchObject({kind: 'connection-lost'});
  });
});
