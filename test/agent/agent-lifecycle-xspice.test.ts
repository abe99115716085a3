/**
 * Grab serials and agent reconnection against Xspice + spice-vdagent:
 * - serials: the guest's grab carries 0 after our caps request, ours the next number, the guest's next one
 *   after that; a grab with a serial the agent does not expect is dropped (the X selection stays xclip's);
 * - the agent going away (spice-vdagentd killed) emits 'disconnected' and fails pending waits with
 *   'no-agent'; started again, it emits 'connected', caps are negotiated again and the clipboard works.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {openSync, readFileSync} from 'node:fs';
import {connect} from 'node:net';
import {dirname, join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {GuestAgent} from '../../src/client/agent/agent.js';
import {Clipboard} from '../../src/client/agent/clipboard.js';
import {SpiceSession} from '../../src/client/session.js';
import {AgentCap} from '../../src/client/wire/caps.js';
import {AgentClipboardSelection, AgentClipboardType, AgentMessageType} from '../../src/client/wire/enums.js';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {waitAgentOwns, xclipIn, xclipOut, xTargets} from './support.js';

let t: LabTarget;
const spawned: ChildProcess[] = [];
beforeAll(async () => {
  t = await startXspice({vdagent: true, clients: []});
});
afterAll(async () => {
  for (const p of spawned) if (p.exitCode === null) p.kill();
  await t?.stop();
});

const CLIPBOARD = AgentClipboardSelection.CLIPBOARD;

async function open(): Promise<{session: SpiceSession; agent: GuestAgent; clipboard: Clipboard}> {
  const session = await SpiceSession.connect(t.uri, {channelFilter: () => false});
  const agent = await GuestAgent.open(session, {timeoutMs: 10_000});
  return {session, agent, clipboard: new Clipboard(agent)};
}

function nextGrab(clipboard: Clipboard): Promise<{types: number[]; serial: number | undefined}> {
  return new Promise((resolve) => clipboard.once('grab', (_sel: number, types: number[], serial: number | undefined) => resolve({types, serial})));
}

describe('clipboard grab serials', () => {
  it('guest 0, ours 1, guest 2; a grab with an unexpected serial is dropped by the agent', async () => {
    const {session, agent, clipboard} = await open();
    try {
      expect(agent.negotiated(AgentCap.CLIPBOARD_GRAB_SERIAL)).toBe(true);
      let grab = nextGrab(clipboard);
      xclipIn(t, 'clipboard', Buffer.from('guest one'));
      expect(await grab).toEqual({types: [AgentClipboardType.UTF8_TEXT], serial: 0});

      const ours = new Promise<number>((resolve) => clipboard.once('grabbed', (_s: number, serial: number) => resolve(serial)));
      await clipboard.set(CLIPBOARD, 'text', Buffer.from('client one'));
      expect(await ours).toBe(1);
      await waitAgentOwns(t, 'clipboard', 'UTF8_STRING');
      const pasted = xclipOut(t, 'clipboard');
      await clipboard.waitServed(CLIPBOARD, 1, 10_000);
      expect((await pasted).toString()).toBe('client one');

      grab = nextGrab(clipboard);
      xclipIn(t, 'clipboard', Buffer.from('guest two'));
      expect((await grab).serial).toBe(2);

      // A grab from the past (serial 0 while the agent expects 3): dropped, xclip keeps the selection.
      await agent.sendMessage(AgentMessageType.CLIPBOARD_GRAB, {selection: CLIPBOARD, serial: 0, types: [AgentClipboardType.UTF8_TEXT]});
      await new Promise((r) => setTimeout(r, 500));
      expect(xTargets(t, 'clipboard')).not.toContain('MULTIPLE');
      expect((await xclipOut(t, 'clipboard')).toString()).toBe('guest two');
    } finally {
      session.close();
    }
  });
});

describe('one agent per session', () => {
  it('a second open() shares the first; only the Clipboard holding the offer answers the guest', async () => {
    const {session, agent, clipboard} = await open();
    try {
      const again = await GuestAgent.open(session, {timeoutMs: 10_000});
      expect(again).toBe(agent);
      const other = new Clipboard(again);
      await other.set(CLIPBOARD, 'text', Buffer.from('from the second user ✓'));
      await waitAgentOwns(t, 'clipboard', 'UTF8_STRING');
      const pasted = xclipOut(t, 'clipboard');
      await other.waitServed(CLIPBOARD, 1, 10_000);
      expect((await pasted).toString()).toBe('from the second user ✓');
      expect(clipboard.served(CLIPBOARD)).toBe(0);
      again.close();
      expect(agent.connected).toBe(true); // still held by the first open()
      agent.close();
      expect(agent.connected).toBe(false);
      expect(session.main.listenerCount('agent-data')).toBe(0);
    } finally {
      session.close();
    }
  });
});

describe('agent disconnect and reconnect', () => {
  it('disconnected → pending waits fail with no-agent; back → connected, caps again, clipboard works', async () => {
    const {session, agent, clipboard} = await open();
    try {
      const events: string[] = [];
      agent.on('disconnected', () => events.push('disconnected'));
      agent.on('connected', () => events.push('connected'));
      const pending = agent.waitFor(AgentMessageType.CLIPBOARD, () => true, 30_000);
      const down = new Promise((r) => agent.once('disconnected', r));
      // t.pids: Xorg, spice-vdagentd, spice-vdagent (the session agent exits with its daemon).
      process.kill(t.pids[1]!, 'SIGTERM');
      await down;
      await expect(pending).rejects.toMatchObject({kind: 'no-agent'});
      expect(agent.connected).toBe(false);
      await expect(clipboard.get(CLIPBOARD, 'text', {timeoutMs: 2000})).rejects.toMatchObject({kind: 'no-agent'});

      const dir = dirname(t.extra.vdagentVirtio!);
      const udcs = join(dir, 'udcs');
      const up = new Promise((r) => agent.once('caps', r));
      // The old session agent exits with its daemon; a second one would be refused by the new daemon.
      for (let i = 0; i < 100 && alive(t.pids[2]!); i++) await new Promise((r) => setTimeout(r, 50));
      if (alive(t.pids[2]!)) process.kill(t.pids[2]!, 'SIGTERM');
      const logs = join(t.dir, 'restarted-vdagent.log');
      const log = () => openSync(logs, 'a');
      spawned.push(spawn('spice-vdagentd', ['-x', '-X', '-f', '-d', '-S', udcs, '-s', t.extra.vdagentVirtio!, '-u', join(dir, 'uinput')], {stdio: ['ignore', log(), log()]}));
      // The killed daemon's socket file may still be there: wait until the new daemon accepts connections.
      for (let i = 0; i < 200 && !(await listening(udcs)); i++) await new Promise((r) => setTimeout(r, 50));
      spawned.push(spawn('spice-vdagent', ['-x', '-d', '-s', t.extra.vdagentVirtio!, '-S', udcs], {stdio: ['ignore', log(), log()], env: {...process.env, DISPLAY: t.display}}));
      const timer = new Promise((_r, reject) => setTimeout(() => reject(new Error(`the agent did not come back within 30 s; ${logs}:\n${readFileSync(logs, 'utf8').slice(-3000)}`)), 30_000).unref());
      await Promise.race([up, timer]);
      expect(events).toEqual(['disconnected', 'connected']);
      expect(agent.connected).toBe(true);
      expect(agent.hasCap(AgentCap.CLIPBOARD_SELECTION)).toBe(true);

      xclipIn(t, 'clipboard', Buffer.from('after the agent came back ✓'));
      const got = await clipboard.get(CLIPBOARD, 'text', {timeoutMs: 10_000});
      expect(Buffer.from(got.data).toString()).toBe('after the agent came back ✓');
    } finally {
      session.close();
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True once something accepts connections on the unix socket (the probe connection is closed at once). */
function listening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(path);
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}
