/**
 * Monitor actions: read the layout the display channel reports, set a new one through the guest agent
 * (VD_AGENT_MONITORS_CONFIG), or resize one monitor in place. Each waits for the first frame first, and a
 * new layout counts only once the display channel shows it.
 */
import {applyLayout, currentLayout, formatLayout, resizedLayout, type MonitorLayout} from '../agent/monitors.js';
import type {SpiceSession} from '../session.js';
import type {AgentWait} from './agent.js';
import {displayOf} from './display.js';

export interface MonitorInfo extends MonitorLayout {
  index: number;
  layout: string;
  /** Display channel id and surface the monitor shows. */
  channel: number;
  surface: number;
}

export interface MonitorsReport {
  monitors: MonitorInfo[];
  /** WIDTHxHEIGHT+X+Y per monitor, comma-separated. */
  layout: string;
}

export interface LayoutChangeReport {
  before: string[];
  after: string[];
  ms: number;
}

/** The monitors the display channel reports (display MONITORS_CONFIG heads, else one per primary surface). */
export async function showMonitors(session: SpiceSession, o: {timeoutMs: number}): Promise<MonitorsReport> {
  const display = await displayOf(session, o.timeoutMs);
  const now = currentLayout(display);
  const monitors = display.monitors().map((m, i) => ({index: i, ...now[i]!, layout: formatLayout(now[i]!), channel: m.channelId, surface: m.surfaceId}));
  return {monitors, layout: now.map(formatLayout).join(',')};
}

/** Sends `layout` to the guest agent and waits until the display channel shows it. */
export async function setMonitors(session: SpiceSession, layout: MonitorLayout[], o: AgentWait): Promise<LayoutChangeReport> {
  return changeLayout(session, () => layout, o);
}

/** Resizes monitor `index` of the reported layout at its place, keeping the others. */
export async function resizeMonitor(session: SpiceSession, index: number, size: {width: number; height: number}, o: AgentWait): Promise<LayoutChangeReport> {
  return changeLayout(session, (before) => resizedLayout(before, index, size), o);
}

async function changeLayout(session: SpiceSession, next: (before: MonitorLayout[]) => MonitorLayout[], o: AgentWait): Promise<LayoutChangeReport> {
  const t0 = performance.now();
  const display = await displayOf(session, o.timeoutMs);
  const before = currentLayout(display);
  const layout = next(before);
  const after = await applyLayout(await session.agent(o), display, layout, o.timeoutMs);
  return {before: before.map(formatLayout), after: after.map(formatLayout), ms: Math.round(performance.now() - t0)};
}

// Layout text for front ends: WIDTHxHEIGHT+X+Y.
export {formatLayout, parseLayout, parseSize, type MonitorLayout} from '../agent/monitors.js';
