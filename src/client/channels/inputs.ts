/**
 * The inputs channel (protocol map §6): the guest's lock-key state (INIT, KEY_MODIFIERS), key presses
 * and releases as PC set-1 scancodes (KEY_DOWN/KEY_UP, KEY_SCANCODE for byte sequences), and our lock
 * state to the server (KEY_MODIFIERS).
 *
 * The channel remembers every key it pressed and not yet released: releaseAll() lets them go, and close()
 * does so before the socket ends, so an error or Ctrl-C never leaves a key (or Shift, or Ctrl) held in
 * the guest. Pacing and text → keystrokes live in src/client/input/.
 *
 * The mouse: MOUSE_MOTION (relative, server mode) and MOUSE_POSITION (absolute, client mode) with the
 * motion-ACK throttling of protocol map §6 (the server acks every 4 motion/position messages; we hold
 * back while 8 are unacked, waitMotionWindow()), and MOUSE_PRESS/RELEASE with the button mask after the
 * event. Buttons held by us are released by releaseAll()/close() too. Paths and modes: src/client/actions/mouse.ts.
 */
import {SpiceError} from '../errors.js';
import {InputsCap} from '../wire/caps.js';
import {KeyboardModifierFlags, SPICE_INPUT_MOTION_ACK_BUNCH} from '../wire/enums.js';
import {InputsClient, InputsServer} from '../wire/messages/inputs.js';
import {formatScancode, packScancode, type Scancode} from '../wire/scancodes.js';
import {Channel} from './channel.js';

export interface LockState {
  capsLock: boolean;
  numLock: boolean;
  scrollLock: boolean;
}

/** MouseButton (1..7) → its MouseButtonMask bit. */
export function buttonMask(button: number): number {
  if (!Number.isInteger(button) || button < 1 || button > 7) throw new RangeError(`mouse button must be 1..7: ${button}`);
  return 1 << (button - 1);
}

export function lockState(flags: number): LockState {
  return {
    capsLock: (flags & KeyboardModifierFlags.CAPS_LOCK) !== 0,
    numLock: (flags & KeyboardModifierFlags.NUM_LOCK) !== 0,
    scrollLock: (flags & KeyboardModifierFlags.SCROLL_LOCK) !== 0,
  };
}

export function lockFlags(s: Partial<LockState>): number {
  return (
    (s.capsLock ? KeyboardModifierFlags.CAPS_LOCK : 0) |
    (s.numLock ? KeyboardModifierFlags.NUM_LOCK : 0) |
    (s.scrollLock ? KeyboardModifierFlags.SCROLL_LOCK : 0)
  );
}

/** One input event as sent ('input' event of the channel: latency hooks, src/client/actions/latency.ts). */
export interface InputEvent {
  kind: 'key-down' | 'key-up' | 'scancodes' | 'motion' | 'position' | 'press' | 'release';
  /** The scancode (keys) or the button (press/release). */
  code?: number;
  /** performance.now() when it was written to the socket. */
  at: number;
}

/** One key event as sent, for callers that report or time what they sent. */
export interface KeyEvent {
  scancode: Scancode;
  down: boolean;
  /** performance.now() when it was written to the socket. */
  at: number;
}

export class InputsChannel extends Channel {
  /** The guest's lock keys (KeyboardModifierFlags), from INIT and then KEY_MODIFIERS; undefined before INIT. */
  modifiers?: number;
  /** Keys pressed and not yet released, in press order. */
  private readonly held: Scancode[] = [];
  /** MOUSE_MOTION_ACKs received (for the mouse's motion throttling). */
  motionAcks = 0;
  keyEventsSent = 0;
  /** Called with every key event sent (latency hooks, tests). */
  onKeyEvent?: (e: KeyEvent) => void;
  private initWaiters: Array<() => void> = [];
  /** Motion/position messages sent (the server acks them in bunches of SPICE_INPUT_MOTION_ACK_BUNCH). */
  motionsSent = 0;
  /** The MouseButtonMask of the buttons we hold down. */
  buttonsState = 0;
  private ackWaiters: Array<() => void> = [];

  constructor(...args: ConstructorParameters<typeof Channel>) {
    super(...args);
    this.handlers
      .on(InputsServer.INIT, (m) => {
        this.modifiers = m.keyboard_modifiers;
        this.emit('init', m.keyboard_modifiers);
        for (const w of this.initWaiters.splice(0)) w();
      })
      .on(InputsServer.KEY_MODIFIERS, (m) => {
        this.modifiers = m.modifiers;
        this.emit('modifiers', m.modifiers);
      })
      .on(InputsServer.MOUSE_MOTION_ACK, () => {
        this.motionAcks++;
        this.emit('motion-ack');
        for (const w of this.ackWaiters.splice(0)) w();
      });
  }

  get locks(): LockState {
    return lockState(this.modifiers ?? 0);
  }

  /** Resolves once the server's INIT (the guest's lock state) has arrived. */
  waitInit(timeoutMs: number): Promise<number> {
    if (this.modifiers !== undefined) return Promise.resolve(this.modifiers);
    if (this.isClosed) return Promise.reject(new SpiceError('connection-lost', 'the inputs channel closed before its INIT message'));
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        resolve(this.modifiers ?? 0);
      };
      const timer = setTimeout(() => {
        this.initWaiters = this.initWaiters.filter((w) => w !== done);
        reject(new SpiceError('timeout', `timed out after ${timeoutMs} ms waiting for the inputs channel INIT message`));
      }, timeoutMs);
      this.initWaiters.push(done);
    });
  }

  /** Whether KEY_SCANCODE (raw byte sequences) was negotiated: both sides advertise the cap. */
  get hasKeyScancode(): boolean {
    return this.caps.has(InputsCap.KEY_SCANCODE);
  }

  keyDown(sc: Scancode): void {
    this.requireOpen();
    const code = packScancode(sc, false);
    if (!this.held.includes(sc)) this.held.push(sc);
    this.send(InputsClient.KEY_DOWN, {code});
    this.sent(sc, true);
  }

  keyUp(sc: Scancode): void {
    this.requireOpen();
    const code = packScancode(sc, true);
    const i = this.held.indexOf(sc);
    if (i >= 0) this.held.splice(i, 1);
    this.send(InputsClient.KEY_UP, {code});
    this.sent(sc, false);
  }

  /**
   * Sends raw set-1 bytes in one KEY_SCANCODE message (the server pushes them in order, atomically).
   * Without the server cap the caller must fall back to KEY_DOWN/KEY_UP.
   */
  scancodes(bytes: readonly number[]): void {
    this.requireOpen();
    if (!this.hasKeyScancode) throw new SpiceError('protocol', 'the server does not take KEY_SCANCODE (inputs cap KEY_SCANCODE missing)');
    if (!bytes.length || bytes.some((b) => !Number.isInteger(b) || b < 1 || b > 0xff)) {
      throw new RangeError(`KEY_SCANCODE bytes must be 1..255: ${bytes.join(',')}`);
    }
    this.send(InputsClient.KEY_SCANCODE, {data: Uint8Array.from(bytes)});
    this.keyEventsSent++;
    this.input('scancodes', bytes[0]);
  }

  /** Asks the server to set the guest's lock keys (it presses Caps/Num/Scroll Lock for those that differ). */
  setLockModifiers(flags: number): void {
    this.requireOpen();
    this.send(InputsClient.KEY_MODIFIERS, {modifiers: flags & 0x7});
  }

  /** Motion/position messages the server has not acked yet. */
  get unackedMotions(): number {
    return Math.max(0, this.motionsSent - this.motionAcks * SPICE_INPUT_MOTION_ACK_BUNCH);
  }

  /** Whether another motion may go out now (fewer than 2 × bunch unacked, as spice-gtk). */
  get motionWindowOpen(): boolean {
    return this.unackedMotions < 2 * SPICE_INPUT_MOTION_ACK_BUNCH;
  }

  /** Resolves when a motion may be sent (the window is open), or rejects after timeoutMs / on close. */
  waitMotionWindow(timeoutMs: number): Promise<void> {
    if (this.motionWindowOpen) return Promise.resolve();
    if (this.isClosed) return Promise.reject(new SpiceError('connection-lost', 'the inputs channel is closed'));
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.motionWindowOpen) {
          clearTimeout(timer);
          resolve();
        } else this.ackWaiters.push(check);
      };
      const timer = setTimeout(() => {
        this.ackWaiters = this.ackWaiters.filter((w) => w !== check);
        reject(new SpiceError('timeout', `timed out after ${timeoutMs} ms waiting for the server's MOUSE_MOTION_ACK (${this.unackedMotions} motions unacked)`));
      }, timeoutMs);
      this.ackWaiters.push(check);
    });
  }

  /** Relative motion (server mouse mode). Callers throttle with waitMotionWindow(). */
  mouseMotion(dx: number, dy: number): void {
    this.requireOpen();
    this.send(InputsClient.MOUSE_MOTION, {dx: dx | 0, dy: dy | 0, buttons_state: this.buttonsState});
    this.motionsSent++;
    this.input('motion');
  }

  /** Absolute position on a display (client mouse mode). Callers throttle with waitMotionWindow(). */
  mousePosition(x: number, y: number, displayId = 0): void {
    this.requireOpen();
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0) throw new RangeError(`mouse position must be non-negative integers: ${x},${y}`);
    this.send(InputsClient.MOUSE_POSITION, {x, y, buttons_state: this.buttonsState, display_id: displayId & 0xff});
    this.motionsSent++;
    this.input('position');
  }

  /** Presses a MouseButton (1..7); buttons_state is the mask after the press. */
  mousePress(button: number): void {
    this.requireOpen();
    this.buttonsState |= buttonMask(button);
    this.send(InputsClient.MOUSE_PRESS, {button, buttons_state: this.buttonsState});
    this.input('press', button);
  }

  mouseRelease(button: number): void {
    this.requireOpen();
    this.buttonsState &= ~buttonMask(button);
    this.send(InputsClient.MOUSE_RELEASE, {button, buttons_state: this.buttonsState});
    this.input('release', button);
  }

  /** Releases every mouse button we hold. Returns how many. */
  releaseButtons(): number {
    if (this.isClosed) return 0;
    let n = 0;
    for (let b = 1; b <= 7; b++) {
      if (this.buttonsState & buttonMask(b)) {
        try {
          this.mouseRelease(b);
        } catch (e) {
          this.log.warn(`inputs: could not release mouse button ${b}: ${(e as Error).message}`);
        }
        n++;
      }
    }
    this.buttonsState = 0;
    return n;
  }

  /** Keys currently held down by us. */
  get heldKeys(): readonly Scancode[] {
    return this.held;
  }

  /** Releases every key still held, modifiers last (in reverse press order), and every mouse button. Returns how many keys. */
  releaseAll(): number {
    if (this.isClosed) return 0;
    this.releaseButtons();
    const keys = [...this.held].reverse();
    for (const sc of keys) {
      try {
        this.keyUp(sc);
      } catch (e) {
        this.log.warn(`inputs: could not release ${formatScancode(sc)}: ${(e as Error).message}`);
      }
    }
    this.held.length = 0;
    return keys.length;
  }

  /** Waits until everything written to the channel's socket has been handed to the OS (bounded). */
  flush(timeoutMs: number): Promise<void> {
    const socket = this.link.socket;
    if (this.isClosed || socket.destroyed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new SpiceError('timeout', `timed out after ${timeoutMs} ms sending the key events to the server`)), timeoutMs);
      socket.write(Buffer.alloc(0), () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  override close(): void {
    if (!this.isClosed) {
      const n = this.releaseAll();
      if (n) this.log.debug(`inputs: released ${n} held key(s) before closing`);
    }
    super.close();
  }

  private sent(scancode: Scancode, down: boolean): void {
    this.keyEventsSent++;
    const at = performance.now();
    this.onKeyEvent?.({scancode, down, at});
    if (this.listenerCount('input')) this.emit('input', {kind: down ? 'key-down' : 'key-up', code: scancode, at} satisfies InputEvent);
  }

  /** Emits 'input' (an InputEvent) for the latency hooks; nothing to do without a listener. */
  private input(kind: InputEvent['kind'], code?: number): void {
    if (this.listenerCount('input')) this.emit('input', {kind, code, at: performance.now()} satisfies InputEvent);
  }

  private requireOpen(): void {
    const socket = this.link.socket;
    if (this.isClosed || socket.destroyed || socket.writableEnded) throw new SpiceError('connection-lost', 'the inputs channel is closed');
  }
}
