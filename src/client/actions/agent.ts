/**
 * The session's clipboard as actions use it: one per agent (SpiceSession.agent), kept until the session ends,
 * so what one action offers (a clipboard grab) is still served while later actions run.
 */
import type {GuestAgent} from '../agent/agent.js';
import {Clipboard} from '../agent/clipboard.js';
import type {SpiceSession} from '../session.js';

export interface AgentWait {
  /** Bound on every wait of the agent's handshake. */
  timeoutMs: number;
  /** How long to wait for an agent that is not connected yet (default 0: exit 30 at once). */
  agentWaitMs?: number;
}

const clipboards = new WeakMap<GuestAgent, Clipboard>();

export async function clipboardOf(session: SpiceSession, o: AgentWait): Promise<Clipboard> {
  const agent = await session.agent(o);
  let c = clipboards.get(agent);
  if (!c) {
    c = new Clipboard(agent);
    clipboards.set(agent, c);
    const clip = c;
    session.once('closed', () => clip.close());
  }
  return c;
}
