/**
 * Guest display configuration through the agent: VD_AGENT_MONITORS_CONFIG (one VDAgentMonConfig per monitor),
 * then the display channel is watched until it reports the new layout (SURFACE_CREATE of the primary surface,
 * display MONITORS_CONFIG heads). spice-vdagent applies the layout with XRandR on X guests: monitor i drives
 * output i, the layout is moved to start at 0,0, and monitors beyond the guest's outputs are dropped. Xspice
 * (NumHeads > 1) then shows every monitor as a head of one primary surface that spans them all.
 */
import {SpiceError, timeoutError} from '../errors.js';
import type {DisplayLayer, Monitor} from '../display/layer.js';
import {AgentCap} from '../wire/caps.js';
import {AgentMessageType, AgentMonitorsConfigFlags} from '../wire/enums.js';
import {AgentMessages} from '../wire/messages/agent.js';
import {GuestAgent, type AgentHost} from './agent.js';

export interface MonitorLayout {
  width: number;
  height: number;
  x: number;
  y: number;
}

/** "WIDTHxHEIGHT" → size; anything else is a usage error. */
export function parseSize(text: string): {width: number; height: number} {
  const m = /^(\d{1,5})[xX](\d{1,5})$/.exec(text.trim());
  if (!m) throw new SpiceError('usage', `bad size "${text}": expected WIDTHxHEIGHT, e.g. 1024x768`);
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width < 1 || height < 1 || width > 16384 || height > 16384) throw new SpiceError('usage', `bad size "${text}": each side must be 1–16384`);
  return {width, height};
}

/** "1024x768+0+0,800x600+1024+0" → layouts (positions may be negative: 800x600-800+0). */
export function parseLayout(text: string): MonitorLayout[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0 || parts.length > 16) throw new SpiceError('usage', `bad monitor layout "${text}": give 1–16 WxH+X+Y entries separated by commas`);
  return parts.map((p) => {
    const m = /^(\d+[xX]\d+)([+-]\d+)([+-]\d+)$/.exec(p);
    if (!m) throw new SpiceError('usage', `bad monitor "${p}": expected WIDTHxHEIGHT+X+Y, e.g. 1024x768+0+0`);
    return {...parseSize(m[1]!), x: Number(m[2]), y: Number(m[3])};
  });
}

export function formatLayout(l: MonitorLayout): string {
  const sign = (n: number) => (n < 0 ? `${n}` : `+${n}`);
  return `${l.width}x${l.height}${sign(l.x)}${sign(l.y)}`;
}

/**
 * `before` with monitor `index` set to `size` at its place; the other monitors stay as they are and a single
 * monitor (or none reported yet) is put at 0,0. A monitor the guest does not show is a usage error.
 */
export function resizedLayout(before: MonitorLayout[], index: number, size: {width: number; height: number}): MonitorLayout[] {
  if (before.length <= 1 && index === 0) return [{...size, x: 0, y: 0}];
  const old = before[index];
  if (!old) throw new SpiceError('usage', `no monitor ${index}: the guest shows ${before.length} (${before.map(formatLayout).join(',') || 'none'})`);
  return before.map((l, i) => (i === index ? {...size, x: old.x, y: old.y} : l));
}

/** The layout the display channel reports now (one entry per monitor, in the guest's order; sizes as reportedSize). */
export function currentLayout(display: DisplayLayer): MonitorLayout[] {
  return display.monitors().map((m, i) => ({...(reportedSize(display, i) ?? {width: m.width, height: m.height}), x: m.x, y: m.y}));
}

/** The size monitor `index` shows: its head if the server reported heads, else its primary surface. */
function reportedSize(display: DisplayLayer, index: number): {width: number; height: number} | undefined {
  const mons: Monitor[] = display.monitors();
  const m = mons[index];
  if (!m) return undefined;
  const r = display.renderers.get(m.channelId);
  const surface = r?.surfaces.get(m.surfaceId);
  if (!surface) return undefined;
  // A single head spanning the primary surface: the surface size is what the guest shows (Xspice recreates the
  // primary surface on a resize and may keep an older head list).
  if (mons.length === 1) return {width: surface.width, height: surface.height};
  return {width: m.width, height: m.height};
}

/** `layout` moved so that its top-left corner is 0,0 (spice-vdagent zero-bases a layout before applying it). */
export function zeroBased(layout: MonitorLayout[]): MonitorLayout[] {
  const x0 = Math.min(...layout.map((l) => l.x));
  const y0 = Math.min(...layout.map((l) => l.y));
  return layout.map((l) => ({...l, x: l.x - x0, y: l.y - y0}));
}

/**
 * Whether the display channel shows `want`. One monitor: one head and a primary surface of that size. Several:
 * as many heads (display MONITORS_CONFIG), each of its size at its place (both zero-based), each inside its
 * surface (Xspice recreates the primary surface before it sends the new head list, so for a moment the old
 * heads describe the new surface).
 */
function matches(display: DisplayLayer, want: MonitorLayout[]): boolean {
  const mons = display.monitors();
  if (mons.length !== want.length) return false;
  if (want.length === 1) {
    const got = reportedSize(display, 0);
    return got !== undefined && got.width === want[0]!.width && got.height === want[0]!.height;
  }
  const got = zeroBased(currentLayout(display));
  return zeroBased(want).every((w, i) => {
    const g = got[i]!;
    const m = mons[i]!;
    const surface = display.renderers.get(m.channelId)?.surfaces.get(m.surfaceId);
    const inside = surface !== undefined && m.x >= 0 && m.y >= 0 && m.x + m.width <= surface.width && m.y + m.height <= surface.height;
    return inside && g.width === w.width && g.height === w.height && g.x === w.x && g.y === w.y;
  });
}

/**
 * Sends MONITORS_CONFIG with `layout` and waits (≤ timeoutMs) until the display channel reports that layout (matches()).
 * The agent's REPLY ERROR is an 'expectation' error; no size change in time is a 'timeout' (exit 40).
 */
export async function applyLayout(agent: GuestAgent, display: DisplayLayer, layout: MonitorLayout[], timeoutMs: number): Promise<MonitorLayout[]> {
  if (!agent.hasCap(AgentCap.MONITORS_CONFIG)) throw new SpiceError('expectation', 'the guest agent does not accept monitor configurations (no MONITORS_CONFIG capability)');
  const flags = agent.hasCap(AgentCap.MONITORS_CONFIG_POSITION) ? AgentMonitorsConfigFlags.USE_POS : 0;
  const monitors = layout.map((l) => ({width: l.width, height: l.height, depth: 32, x: l.x, y: l.y}));
  const reply = agent.hasCap(AgentCap.REPLY) ? agent.waitReply(AgentMessageType.MONITORS_CONFIG, timeoutMs) : Promise.resolve();
  reply.catch(() => undefined);
  await agent.sendMessage(AgentMessages.MONITORS_CONFIG, {flags, monitors});
  await reply;
  await waitForLayout(display, layout, timeoutMs);
  return currentLayout(display);
}

/** Resolves once the display channel shows the layout `want` (matches()). */
export function waitForLayout(display: DisplayLayer, want: MonitorLayout[], timeoutMs: number): Promise<void> {
  if (matches(display, want)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const renderers = [...display.renderers.values()];
    const check = () => {
      if (matches(display, want)) done();
    };
    const onEnd = (e: Error) => done(e);
    const done = (e?: Error) => {
      clearTimeout(timer);
      clearInterval(poll);
      for (const r of renderers) {
        r.off('monitors', check);
        r.off('primary', check);
        r.off('mark', check);
      }
      display.off('ended', onEnd);
      if (e) reject(e);
      else resolve();
    };
    const timer = setTimeout(() => {
      const now = currentLayout(display);
      // spice-vdagent applies at most as many monitors as the guest has outputs (Xspice: NumHeads).
      const hint = now.length < want.length ? `; the guest may have fewer outputs than the ${want.length} monitors asked for` : '';
      done(timeoutError(`the display channel to report ${want.map(formatLayout).join(',')} (it reports ${now.map(formatLayout).join(',') || 'nothing'}${hint})`, timeoutMs));
    }, timeoutMs);
    // New display channels (a second head) may appear after the request; a slow poll covers them.
    const poll = setInterval(check, 100);
    for (const r of renderers) {
      r.on('monitors', check);
      r.on('primary', check);
      r.on('mark', check);
    }
    display.on('ended', onEnd);
  });
}

/** Opens the session's guest agent (no agent: 'no-agent', exit 30), applies `layout` (applyLayout) and lets the agent go. */
export async function setLayout(session: AgentHost, display: DisplayLayer, layout: MonitorLayout[], timeoutMs: number): Promise<MonitorLayout[]> {
  const agent = await GuestAgent.open(session, {timeoutMs});
  try {
    return await applyLayout(agent, display, layout, timeoutMs);
  } finally {
    agent.close();
  }
}
