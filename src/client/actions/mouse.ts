/**
 * The mouse side of a session, for commands and scenarios: pick the mouse mode, move to guest screen
 * pixels, press and release buttons, scroll, and on errors or Ctrl-C let every button go.
 *
 * Modes (protocol map §6): in CLIENT mode a position is absolute (MOUSE_POSITION with the display id) and
 * lands exactly. In SERVER mode only relative MOUSE_MOTION exists and the guest scales and accelerates it,
 * so Mouse asks for CLIENT mode whenever the server supports it (Xspice does; QEMU with a usb-tablet or an
 * agent does). Measured on Xspice 0.1.5: in server mode MOUSE_MOTION does not move the X pointer at all (it
 * is acked, but ignored), so client mode is the only way there.
 *
 * In server mode with a cursor channel (the guest draws a hardware cursor, e.g. qxl), moves are closed-loop:
 * the cursor position the server reports (CURSOR_INIT / SET / MOVE: the hot spot's position) is read back;
 * the remaining distance is sent as relative motion, divided by the gain observed on earlier rounds (guest
 * acceleration), until the reported position equals the target, at most SERVER_ROUNDS rounds, within the
 * timeout; `exact: true` when every move got there. The first round may start from a stale position
 * (spice-server's INIT says 0,0 until the guest moves its cursor), so its gain is not learnt.
 * Without a cursor position the moves are blind: a large negative motion pins the pointer to the top-left
 * corner, then small steps (≤ SERVER_STEP px, below the usual acceleration threshold) walk to the target;
 * `exact: false` is reported.
 *
 * Every motion waits for the ACK window (fewer than 8 unacked, InputsChannel.waitMotionWindow).
 */
import {pause} from './pause.js';
import {SpiceError} from '../errors.js';
import type {InputsChannel} from '../channels/inputs.js';
import type {CursorLayer} from '../display/cursor.js';
import type {SpiceSession} from '../session.js';
import {MouseButton, MouseMode} from '../wire/enums.js';

export const BUTTON_NAMES = ['left', 'middle', 'right', 'side', 'extra'] as const;

/** Pixels per relative step in server mode (X's default acceleration threshold is 4). */
export const SERVER_STEP = 4;
/** Most correction rounds of one closed-loop move in server mode. */
export const SERVER_ROUNDS = 12;
/** Largest relative motion in one MOUSE_MOTION message of a closed-loop move. */
export const SERVER_CHUNK = 64;
/** A reported cursor position counts as reached when it has not changed for this long, ms. */
export const POSITION_QUIET_MS = 120;
/** Longest wait for the reported position to move after a motion, ms. */
export const POSITION_WAIT_MS = 1500;

export function buttonOf(name: string): number {
  switch (name.toLowerCase()) {
    case 'left':
      return MouseButton.LEFT;
    case 'middle':
      return MouseButton.MIDDLE;
    case 'right':
      return MouseButton.RIGHT;
    case 'side':
      return MouseButton.SIDE;
    case 'extra':
      return MouseButton.EXTRA;
    default:
      throw new SpiceError('usage', `unknown mouse button "${name}": expected one of ${BUTTON_NAMES.join(', ')}`);
  }
}

export function scrollButton(direction: string): number {
  switch (direction.toLowerCase()) {
    case 'up':
      return MouseButton.UP;
    case 'down':
      return MouseButton.DOWN;
    case 'left':
    case 'right':
      throw new SpiceError('usage', 'SPICE has no horizontal wheel: its mouse buttons are left, middle, right, wheel up/down, side and extra');
    default:
      throw new SpiceError('usage', `unknown scroll direction "${direction}": expected up or down`);
  }
}

/** A guest screen coordinate from the command line: a non-negative integer. */
export function parseCoord(v: string, what: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 0x7fff_ffff) throw new SpiceError('usage', `${what}: "${v}" is not a pixel coordinate (a whole number ≥ 0)`);
  return n;
}

/**
 * `count` points from positional arguments written `X,Y` (the convention) or `X Y` (separate arguments, the
 * old form), freely mixed: `click 10,20`, `click 10 20`, `drag 10,20 300 40`. `names` name the points in errors.
 */
export function parsePoints(values: ReadonlyArray<string | undefined>, names: readonly string[]): Array<{x: number; y: number}> {
  const given = values.filter((v): v is string => v !== undefined);
  const parts = given.flatMap((v) => v.split(/[\s,]+/)).filter((p) => p !== '');
  if (parts.length !== names.length * 2) {
    const what = names.length === 1 ? `${names[0]} as X,Y` : `${names.join(' and ')} as X,Y each`;
    throw new SpiceError('usage', `expected the ${what} (or X Y), got "${given.join(' ')}"`);
  }
  return names.map((n, i) => ({x: parseCoord(parts[2 * i]!, `${n} X`), y: parseCoord(parts[2 * i + 1]!, `${n} Y`)}));
}

export class MouseInterrupted extends Error {
  constructor(readonly done: number, readonly total: number) {
    super(`interrupted after ${done} of ${total} mouse events; every button was released`);
    this.name = 'MouseInterrupted';
  }
}

export interface MouseOptions {
  /** Display id for MOUSE_POSITION (the monitor / display channel), default 0. */
  monitor?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Ask for client mode when the server supports it (default true). */
  preferClient?: boolean;
  /** Pause between the steps of a press/release sequence, ms (default 20). */
  pauseMs?: number;
  /** The session's cursor (session.cursor): its reported position closes the loop in server mode. */
  cursor?: CursorLayer;
}

export class Mouse {
  /** The mouse mode in use after ready(). */
  mode: 'client' | 'server' = 'server';
  /** Where we believe the pointer is (exact in client mode). */
  x?: number;
  y?: number;
  events = 0;
  motions = 0;
  /** Correction rounds of closed-loop moves (server mode with a cursor position). */
  rounds = 0;
  /** Whether server-mode moves use the cursor read-back (set by ready()). */
  closedLoop = false;
  /** A server-mode move ended off its target (or was blind). */
  private missed = false;
  /** Observed guest pixels per motion unit, per axis (learnt across rounds). */
  private gain = {x: 1, y: 1};
  private readonly monitor: number;
  private readonly timeoutMs: number;
  private readonly pauseMs: number;

  constructor(
    private readonly session: SpiceSession,
    readonly inputs: InputsChannel,
    private readonly opts: MouseOptions = {},
  ) {
    this.monitor = opts.monitor ?? 0;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.pauseMs = opts.pauseMs ?? 20;
  }

  get exact(): boolean {
    return this.mode === 'client' || (this.closedLoop && !this.missed);
  }

  /** Settles the mouse mode: client when current, or requested when supported; server otherwise. */
  async ready(): Promise<this> {
    const main = this.session.main;
    if (this.opts.preferClient === false) {
      // The mode is the server's, and outlives our session: switch back to server mode when asked for it.
      if (main.mouse.current === MouseMode.CLIENT && main.mouse.supported & MouseMode.SERVER) {
        const switched = this.session.waitEvent<{current: number}>(main, 'mouse-mode', 'the MOUSE_MODE answer to our server-mode request', this.timeoutMs);
        main.requestMouseMode(MouseMode.SERVER);
        const m = await switched;
        this.mode = m.current === MouseMode.CLIENT ? 'client' : 'server';
      } else {
        this.mode = main.mouse.current === MouseMode.CLIENT ? 'client' : 'server';
      }
    } else if (main.mouse.current === MouseMode.CLIENT) {
      this.mode = 'client';
    } else if (main.mouse.supported & MouseMode.CLIENT) {
      const switched = this.session.waitEvent<{current: number}>(main, 'mouse-mode', 'the MOUSE_MODE answer to our client-mode request', this.timeoutMs);
      main.requestMouseMode(MouseMode.CLIENT);
      const m = await switched;
      this.mode = m.current === MouseMode.CLIENT ? 'client' : 'server';
    } else {
      this.mode = 'server';
    }
    if (this.mode === 'server' && this.opts.cursor && !this.opts.cursor.isClosed) {
      try {
        await this.opts.cursor.waitInit(this.timeoutMs);
        this.closedLoop = true;
      } catch {
        this.closedLoop = false;
      }
    }
    return this;
  }

  private check(): void {
    if (this.opts.signal?.aborted) throw new MouseInterrupted(this.events, this.events);
  }

  /** Moves the pointer to (x, y) in guest screen pixels. */
  async moveTo(x: number, y: number): Promise<void> {
    this.check();
    if (this.mode === 'client') {
      await this.inputs.waitMotionWindow(this.timeoutMs);
      this.inputs.mousePosition(x, y, this.monitor);
      this.motions++;
      this.events++;
    } else if (this.closedLoop) {
      if (!(await this.seek(x, y))) this.missed = true;
    } else {
      this.missed = true;
      if (this.x === undefined || this.y === undefined) {
        // Pin to the top-left corner: the guest clamps the pointer to its screen.
        for (let i = 0; i < 4; i++) await this.relative(-4096, -4096);
        this.x = 0;
        this.y = 0;
      }
      let dx = x - this.x!;
      let dy = y - this.y!;
      while (dx !== 0 || dy !== 0) {
        this.check();
        const sx = Math.max(-SERVER_STEP, Math.min(SERVER_STEP, dx));
        const sy = Math.max(-SERVER_STEP, Math.min(SERVER_STEP, dy));
        await this.relative(sx, sy);
        dx -= sx;
        dy -= sy;
      }
    }
    this.x = x;
    this.y = y;
  }

  /** Moves in `steps` even steps from the current position to (x, y) (for drags; at least 1). */
  async glideTo(x: number, y: number, steps: number): Promise<void> {
    const x0 = this.x ?? x;
    const y0 = this.y ?? y;
    for (let i = 1; i <= steps; i++) {
      await this.moveTo(Math.round(x0 + ((x - x0) * i) / steps), Math.round(y0 + ((y - y0) * i) / steps));
      await pause(this.pauseMs / 2, this.opts.signal);
    }
  }

  /** Closed-loop move in server mode: relative motion until the reported cursor position is (x, y). */
  private async seek(x: number, y: number): Promise<boolean> {
    const cursor = this.opts.cursor!;
    const deadline = performance.now() + this.timeoutMs;
    let trusted = false;
    let stuck = 0;
    for (let round = 0; round < SERVER_ROUNDS && performance.now() < deadline; round++) {
      const p = cursor.position ?? {x: 0, y: 0};
      if (p.x === x && p.y === y) return true;
      this.check();
      const ex = x - p.x;
      const ey = y - p.y;
      const sx = ex === 0 ? 0 : Math.round(ex / this.gain.x) || Math.sign(ex);
      const sy = ey === 0 ? 0 : Math.round(ey / this.gain.y) || Math.sign(ey);
      for (let cx = sx, cy = sy; cx !== 0 || cy !== 0; ) {
        const ux = Math.max(-SERVER_CHUNK, Math.min(SERVER_CHUNK, cx));
        const uy = Math.max(-SERVER_CHUNK, Math.min(SERVER_CHUNK, cy));
        await this.relative(ux, uy);
        cx -= ux;
        cy -= uy;
      }
      this.rounds++;
      let q = await this.awaitPosition(cursor, p, deadline);
      // Short of the target in the direction sent: QEMU's PS/2 mouse keeps motion its queue had no room for
      // until the next input event, so an empty MOUSE_MOTION flushes it (measured: ~90 of 412 px held back).
      if (short(p.x, q.x, x) || short(p.y, q.y, y)) {
        await this.relative(0, 0);
        q = await this.awaitPosition(cursor, q, deadline, 2 * POSITION_QUIET_MS);
      }
      // The pointer did not move at all three rounds running: held at a screen edge, or ignored.
      if (q.x === p.x && q.y === p.y && ++stuck >= 3) break;
      if (q.x !== p.x || q.y !== p.y) stuck = 0;
      if (trusted) {
        this.gain.x = learn(this.gain.x, sx, q.x - p.x);
        this.gain.y = learn(this.gain.y, sy, q.y - p.y);
      }
      trusted = true;
    }
    const p = cursor.position;
    return p?.x === x && p?.y === y;
  }

  /** Waits until the reported position left `from` and then held still for POSITION_QUIET_MS (bounded). */
  private async awaitPosition(cursor: CursorLayer, from: {x: number; y: number}, deadline: number, maxMs = POSITION_WAIT_MS): Promise<{x: number; y: number}> {
    const t0 = performance.now();
    const end = Math.min(deadline, t0 + maxMs);
    let last = cursor.position ?? from;
    let changedAt = last.x !== from.x || last.y !== from.y ? t0 : undefined;
    while (performance.now() < end && !this.opts.signal?.aborted) {
      await pause(20, this.opts.signal);
      const p = cursor.position ?? from;
      const now = performance.now();
      if (p.x !== last.x || p.y !== last.y) {
        last = p;
        changedAt = now;
      } else if (changedAt !== undefined && now - changedAt >= POSITION_QUIET_MS) {
        break;
      }
    }
    return cursor.position ?? from;
  }

  private async relative(dx: number, dy: number): Promise<void> {
    await this.inputs.waitMotionWindow(this.timeoutMs);
    this.inputs.mouseMotion(dx, dy);
    this.motions++;
    this.events++;
  }

  async press(button: number): Promise<void> {
    this.check();
    this.inputs.mousePress(button);
    this.events++;
  }

  async release(button: number): Promise<void> {
    this.inputs.mouseRelease(button);
    this.events++;
  }

  /** Press, hold for `holdMs` (default: the pause), release. The release goes out whatever happens (an abort ends the hold at once). */
  async click(button: number, count = 1, holdMs = this.pauseMs): Promise<void> {
    for (let i = 0; i < count; i++) {
      if (i) await pause(this.pauseMs * 2, this.opts.signal);
      await this.press(button);
      try {
        await pause(holdMs, this.opts.signal);
      } finally {
        await this.release(button);
      }
    }
  }

  /** Wheel clicks: PRESS+RELEASE of UP or DOWN. */
  async scroll(button: number, clicks: number): Promise<void> {
    for (let i = 0; i < clicks; i++) {
      if (i) await pause(this.pauseMs, this.opts.signal);
      this.check();
      this.inputs.mousePress(button);
      this.inputs.mouseRelease(button);
      this.events += 2;
    }
  }

  /** Lets go of every button still held (errors, Ctrl-C). */
  releaseAll(): number {
    return this.inputs.releaseButtons();
  }
}

/** Whether a move on one axis from `from` towards `to` stopped at `at`, strictly between them. */
function short(from: number, at: number, to: number): boolean {
  return at !== to && Math.sign(to - from) === Math.sign(to - at) && at !== from;
}

/** The new gain estimate of one axis after `sent` motion units moved the cursor `moved` pixels. */
function learn(gain: number, sent: number, moved: number): number {
  if (sent === 0) return gain;
  if (moved === 0 || Math.sign(moved) !== Math.sign(sent)) return Math.max(0.25, gain / 2);
  return Math.max(0.25, Math.min(8, moved / sent));
}

/** What one gesture sent: the events, motions and correction rounds it added, and how long it took. */
export interface GestureCounts {
  events: number;
  motions: number;
  /** Correction rounds of closed-loop moves (server mode with cursor read-back). */
  rounds: number;
  ms: number;
}

/**
 * Runs one gesture `fn` over a ready Mouse, with Ctrl-C (the mouse's signal) handling: every button is
 * released on errors and interrupts, and the last events are flushed before it returns.
 */
export async function gesture(mouse: Mouse, fn: (m: Mouse) => Promise<void>, flush: (ch: InputsChannel, timeoutMs: number) => Promise<void>, timeoutMs: number, signal?: AbortSignal): Promise<GestureCounts> {
  const t0 = performance.now();
  const before = {events: mouse.events, motions: mouse.motions, rounds: mouse.rounds};
  try {
    await fn(mouse);
    if (signal?.aborted) throw new MouseInterrupted(mouse.events - before.events, mouse.events - before.events);
  } finally {
    mouse.releaseAll();
    await flush(mouse.inputs, timeoutMs).catch(() => undefined);
  }
  return {events: mouse.events - before.events, motions: mouse.motions - before.motions, rounds: mouse.rounds - before.rounds, ms: Math.round(performance.now() - t0)};
}
