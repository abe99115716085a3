/**
 * The session's guest agent as actions use it: opened on first use and kept until the session ends, so
 * what one action offers (a clipboard grab) is still served while later actions run.
 */
import {GuestAgent} from '../agent/agent.js';
import {Clipboard} from '../agent/clipboard.js';
import type {SpiceSession} from '../session.js';

export interface AgentWait {
  /** Bound on every wait of the agent's handshake. */
  timeoutMs: number;
  /** How long to wait for an agent that is not connected yet (default 0: exit 30 at once). */
  agentWaitMs?: number;
}

const agents = new WeakMap<SpiceSession, GuestAgent>();
const clipboards = new WeakMap<GuestAgent, Clipboard>();

export async function agentOf(session: SpiceSession, o: AgentWait): Promise<GuestAgent> {
  const known = agents.get(session);
  if (known) return known;
  const agent = await GuestAgent.open(session, o);
  agents.set(session, agent);
  session.once('closed', () => agent.close());
  return agent;
}

export async function clipboardOf(session: SpiceSession, o: AgentWait): Promise<Clipboard> {
  const agent = await agentOf(session, o);
  let c = clipboards.get(agent);
  if (!c) {
    c = new Clipboard(agent);
    clipboards.set(agent, c);
    const clip = c;
    session.once('closed', () => clip.close());
  }
  return c;
}
