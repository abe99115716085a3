/**
 * Pointer actions: move, click, drag and scroll at guest screen pixels, with the exactness report (client
 * mouse mode is exact; server mode is exact when the cursor channel's position closes the loop). Every
 * button is released on errors and on abort. The Mouse of a session is kept between actions (its mode, its
 * learnt server-mode gain and where it believes the pointer is).
 */
import {interruptedError, SpiceError} from '../errors.js';
import {buttonOf, gesture, Mouse, MouseInterrupted, scrollButton, type GestureCounts} from './mouse.js';
import type {SpiceSession} from '../session.js';

export interface PointerOptions {
  /** Monitor (display id) the coordinates are on; default 0. */
  monitor?: number;
  /** Stay in server mouse mode even when client mode is available. */
  serverMode?: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Point {
  x: number;
  y: number;
}

export type PointerGesture =
  | {action: 'move'; x: number; y: number}
  | {action: 'click'; x: number; y: number; button?: string; double?: boolean; holdMs?: number}
  | {action: 'drag'; from: Point; to: Point; button?: string; steps?: number}
  | {action: 'scroll'; direction: string; clicks?: number; at?: Point};

export interface PointerReport {
  action: PointerGesture['action'];
  /** click, drag */
  button?: string;
  /** click */
  double?: boolean;
  /** click: how long the button stayed down, ms (given as holdMs; else the default press of 20 ms) */
  holdMs?: number;
  /** drag */
  from?: Point;
  to?: Point;
  /** scroll */
  direction?: string;
  clicks?: number;
  mode: 'client' | 'server';
  exact: boolean;
  monitor: number;
  /** The monitor's screen size the points were checked against (when the display channel is linked). */
  screen?: {width: number; height: number};
  x?: number;
  y?: number;
  events: number;
  motions: number;
  /** Correction rounds of closed-loop moves (server mode with cursor read-back). */
  rounds: number;
  ms: number;
}

/** Longest click hold, ms. */
export const MAX_CLICK_HOLD_MS = 600_000;

/** Intermediate motion events of a drag while the button is held. */
export const DEFAULT_DRAG_STEPS = 10;

const mice = new WeakMap<SpiceSession, {key: string; mouse: Mouse}>();

async function mouseOf(session: SpiceSession, o: PointerOptions): Promise<Mouse> {
  const key = `${o.monitor ?? 0}/${o.serverMode ? 'server' : 'client'}`;
  const known = mice.get(session);
  if (known && known.key === key) return known.mouse;
  const inputs = await session.inputs(o.timeoutMs);
  const mouse = await new Mouse(session, inputs, {
    monitor: o.monitor ?? 0,
    signal: o.signal,
    timeoutMs: o.timeoutMs,
    preferClient: !o.serverMode,
    cursor: session.cursor,
  }).ready();
  mice.set(session, {key, mouse});
  return mouse;
}

/** Validates a gesture's names (button, wheel direction) before anything is sent. */
export function checkGesture(g: PointerGesture): void {
  if (g.action === 'scroll') scrollButton(g.direction);
  else if (g.action !== 'move' && g.button !== undefined) buttonOf(g.button);
  if (g.action === 'click' && g.holdMs !== undefined && !(Number.isFinite(g.holdMs) && g.holdMs >= 0 && g.holdMs <= MAX_CLICK_HOLD_MS)) {
    throw new SpiceError('usage', `click hold ${g.holdMs} ms: expected 0 to ${MAX_CLICK_HOLD_MS} ms`);
  }
}

async function perform(mouse: Mouse, g: PointerGesture): Promise<void> {
  switch (g.action) {
    case 'move':
      return mouse.moveTo(g.x, g.y);
    case 'click':
      await mouse.moveTo(g.x, g.y);
      return mouse.click(buttonOf(g.button ?? 'left'), g.double ? 2 : 1, g.holdMs);
    case 'drag': {
      const button = buttonOf(g.button ?? 'left');
      await mouse.moveTo(g.from.x, g.from.y);
      await mouse.press(button);
      try {
        await mouse.glideTo(g.to.x, g.to.y, g.steps ?? DEFAULT_DRAG_STEPS);
      } finally {
        await mouse.release(button).catch(() => undefined);
      }
      return;
    }
    case 'scroll':
      if (g.at) await mouse.moveTo(g.at.x, g.at.y);
      return mouse.scroll(scrollButton(g.direction), g.clicks ?? 1);
  }
}

/** Performs one gesture; resolves once its last event left for the server. */
export async function pointer(session: SpiceSession, g: PointerGesture, o: PointerOptions): Promise<PointerReport> {
  checkGesture(g);
  const screen = await screenOf(session, o);
  if (screen) checkOnScreen(g, screen, o.monitor ?? 0);
  const mouse = await mouseOf(session, o);
  let counts: GestureCounts;
  try {
    counts = await gesture(mouse, (m) => perform(m, g), (ch, ms) => ch.flush(ms), o.timeoutMs, o.signal);
  } catch (e) {
    if (e instanceof MouseInterrupted) throw interruptedError(e.message, {events: e.done});
    throw e;
  }
  return {
    ...summary(g),
    mode: mouse.mode,
    exact: mouse.exact,
    monitor: o.monitor ?? 0,
    ...(screen ? {screen} : {}),
    x: mouse.x,
    y: mouse.y,
    ...counts,
  };
}

/** Longest wait for the primary surface's size before the points go unchecked. */
const SCREEN_SIZE_WAIT_MS = 3000;

/** The monitor's screen size, when a display channel for it is linked and the server created its primary surface. */
async function screenOf(session: SpiceSession, o: PointerOptions): Promise<{width: number; height: number} | undefined> {
  try {
    return await session.screenSize(o.monitor ?? 0, Math.min(o.timeoutMs, SCREEN_SIZE_WAIT_MS));
  } catch {
    return undefined; // no primary surface yet: the server clamps; nothing to check against
  }
}

/** A point off the screen is refused before anything is sent: the server would clamp it to the edge. */
export function checkOnScreen(g: PointerGesture, screen: {width: number; height: number}, monitor: number): void {
  const points = g.action === 'drag' ? [g.from, g.to] : g.action === 'scroll' ? (g.at ? [g.at] : []) : [{x: g.x, y: g.y}];
  for (const p of points) {
    if (p.x >= screen.width || p.y >= screen.height) {
      throw new SpiceError(
        'usage',
        `point ${p.x},${p.y} is off monitor ${monitor}'s ${screen.width}x${screen.height} screen (x 0..${screen.width - 1}, y 0..${screen.height - 1})`,
        {details: {screen}},
      );
    }
  }
}

/** Lets go of every button the session's mouse holds (a front end's last resort on errors). */
export function releaseButtons(session: SpiceSession): void {
  try {
    mice.get(session)?.mouse.releaseAll();
  } catch {
    /* the session is gone */
  }
}

/** The gesture as its report names it. */
function summary(g: PointerGesture): Pick<PointerReport, 'action' | 'button' | 'double' | 'holdMs' | 'from' | 'to' | 'direction' | 'clicks'> {
  switch (g.action) {
    case 'move':
      return {action: 'move'};
    case 'click':
      return {action: 'click', button: g.button ?? 'left', double: Boolean(g.double), ...(g.holdMs !== undefined ? {holdMs: g.holdMs} : {})};
    case 'drag':
      return {action: 'drag', button: g.button ?? 'left', from: g.from, to: g.to};
    case 'scroll':
      return {action: 'scroll', direction: g.direction.toLowerCase(), clicks: g.clicks ?? 1};
  }
}

// What front ends name and check before connecting.
export {BUTTON_NAMES, parseCoord, parsePoints} from './mouse.js';
