/**
 * Keyboard actions: type text, press key combinations, paste text through the guest's clipboard. Each finds
 * the inputs channel, plans keystrokes for the guest's layout and Caps Lock state, plays them paced (see
 * input/keyboard.ts), waits until the last event left, and releases every key on errors and on abort.
 */
import {interruptedError, SpiceError} from '../errors.js';
import {comboStrokes, parseCombo} from '../input/combos.js';
import {DEFAULT_RATE, Interrupted, Keyboard, pacingFor, releaseExcept, type Pacing, type PlayReport} from '../input/keyboard.js';
import {splitText, type KeyboardLayout, type Stroke} from '../input/layout.js';
import {DEFAULT_LAYOUT, getLayout} from '../input/layouts.js';
import type {SpiceSession} from '../session.js';
import {pause} from './pause.js';
import {formatScancode, type Scancode} from '../wire/scancodes.js';
import {NAMED_KEYS} from '../input/scancodes.js';

/** Keystrokes per second when typing text (input/keyboard.ts explains the figure). */
export const DEFAULT_TYPE_RATE = DEFAULT_RATE;
/** Combinations per second when several are pressed; a combination is one held keystroke. */
export const DEFAULT_COMBO_RATE = 10;
/** How long a combination is held, ms. */
export const DEFAULT_COMBO_HOLD_MS = 50;

export interface KeyboardOptions {
  /** Keyboard layout of the guest (name or table); default us. */
  layout?: string | KeyboardLayout;
  /** Keystrokes (or combinations) per second. */
  rate?: number;
  /** How long each key is held down, ms. */
  holdMs?: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface TypeReport {
  layout: string;
  characters: number;
  keystrokes: number;
  events: number;
  ms: number;
  keysPerSecond: number | null;
  rate: number;
  holdMs: number;
  capsLock: boolean;
}

export interface KeyReport {
  combos: Array<{combo: string; keys: string[]}>;
  keystrokes: number;
  events: number;
  ms: number;
  holdMs: number;
  capsLock: boolean;
}

export function layoutOf(layout: string | KeyboardLayout | undefined): KeyboardLayout {
  return typeof layout === 'object' ? layout : getLayout(layout ?? DEFAULT_LAYOUT);
}

/** The pacing of `type` (rate default 50/s, hold 40% of a keystroke) and of `key` (10/s, 50 ms). */
export function typePacing(o: {rate?: number; holdMs?: number}): Pacing {
  return pacingFor(o.rate ?? DEFAULT_TYPE_RATE, o.holdMs);
}
export function comboPacing(o: {rate?: number; holdMs?: number}): Pacing {
  return pacingFor(o.rate ?? DEFAULT_COMBO_RATE, o.holdMs ?? DEFAULT_COMBO_HOLD_MS);
}

/** Throws the usage error naming every character the layout cannot type (before anything is sent). */
export function checkTypeable(text: string, layout: KeyboardLayout): void {
  const missing = [...new Set(splitText(text))].filter((c) => !layout.canType(c));
  if (missing.length) layout.plan(missing.join(''), false); // throws the usage error naming them
}

/** Throws the usage error of the first combination that does not parse or cannot be typed. */
export function checkCombos(combos: readonly string[], layout: KeyboardLayout): void {
  for (const c of combos) comboStrokes(c, layout, false); // Caps Lock only matters for lone characters
}

/**
 * Plays the strokes `plan` makes for the guest's Caps Lock state; every key is released whatever happens.
 * An abort is an 'interrupted' error that tells how many keystrokes went.
 */
async function play(session: SpiceSession, plan: (capsLock: boolean) => Stroke[], pacing: Pacing, o: KeyboardOptions): Promise<PlayReport & {capsLock: boolean}> {
  const inputs = await session.inputs(o.timeoutMs);
  const capsLock = inputs.locks.capsLock;
  try {
    const report = await new Keyboard(inputs, o.signal).play(plan(capsLock), pacing);
    await inputs.flush(o.timeoutMs);
    return {...report, capsLock};
  } catch (e) {
    if (e instanceof Interrupted) throw interruptedError(e.message, {keystrokes: e.done, of: e.total});
    throw e;
  }
}

/** Plays planned keystrokes on some keyboard (the inputs channel, or an emulated USB keyboard) with the pacing. */
export type StrokePlayer = (plan: (capsLock: boolean) => Stroke[], pacing: Pacing) => Promise<PlayReport & {capsLock: boolean}>;

/** Types `text` as keystrokes of the guest's layout. */
export function typeText(session: SpiceSession, text: string, o: KeyboardOptions): Promise<TypeReport> {
  return typeWith((plan, pacing) => play(session, plan, pacing, o), text, o);
}

/** Types `text` as keystrokes of the guest's layout on the keyboard `player` drives. */
export async function typeWith(player: StrokePlayer, text: string, o: {layout?: string | KeyboardLayout; rate?: number; holdMs?: number}): Promise<TypeReport> {
  const layout = layoutOf(o.layout);
  const pacing = typePacing(o);
  checkTypeable(text, layout);
  let characters = 0;
  const r = await player((caps) => {
    const p = layout.plan(text, caps);
    characters = p.chars;
    return p.strokes;
  }, pacing);
  return {
    layout: layout.name,
    characters,
    keystrokes: r.keystrokes,
    events: r.events,
    ms: r.ms,
    keysPerSecond: r.ms > 0 ? Math.round((r.keystrokes / r.ms) * 1000 * 10) / 10 : null,
    rate: pacing.rate,
    holdMs: pacing.holdMs,
    capsLock: r.capsLock,
  };
}

/** Presses key combinations (ctrl-alt-delete, enter, a) one after the other. */
export function pressKeys(session: SpiceSession, combos: readonly string[], o: KeyboardOptions): Promise<KeyReport> {
  return pressWith((plan, pacing) => play(session, plan, pacing, o), combos, o);
}

/** Presses key combinations one after the other on the keyboard `player` drives. */
export async function pressWith(player: StrokePlayer, combos: readonly string[], o: {layout?: string | KeyboardLayout; rate?: number; holdMs?: number}): Promise<KeyReport> {
  if (combos.length === 0) throw new SpiceError('usage', 'no keys given: e.g. `spice-cli key enter` or `spice-cli key ctrl-alt-delete` (--list prints the names)');
  const layout = layoutOf(o.layout);
  const pacing = comboPacing(o);
  checkCombos(combos, layout);
  const r = await player((caps) => combos.flatMap((c) => comboStrokes(c, layout, caps)), pacing);
  return {
    combos: combos.map((c) => ({combo: c, keys: parseCombo(c).map((p) => (p.kind === 'key' ? p.name : p.char))})),
    keystrokes: r.keystrokes,
    events: r.events,
    ms: r.ms,
    holdMs: pacing.holdMs,
    capsLock: r.capsLock,
  };
}

/** Gap between the key events of `key --down` / `key --up`, ms (as between a modifier and its key). */
export const KEY_STATE_GAP_MS = 10;

export interface KeyStateReport {
  /** down: pressed and left held; up: released. */
  state: 'down' | 'up';
  combos: Array<{combo: string; keys: string[]}>;
  events: number;
  /** The keys still held by this session afterwards (key names, else scancodes as `key --list` shows them). */
  held: string[];
  ms: number;
}

/** The keys of one combination in press order: its modifiers (and the Shift/AltGr a character needs), then its key. */
function comboKeys(combo: string, layout: KeyboardLayout, capsLock: boolean, state: 'down' | 'up'): Scancode[] {
  const strokes = comboStrokes(combo, layout, capsLock);
  if (strokes.length !== 1) {
    throw new SpiceError('usage', `key --${state} ${combo}: the "${layout.name}" layout types it as ${strokes.length} keystrokes (a dead key or a Caps Lock change), which cannot be held: name the keys instead`);
  }
  const s = strokes[0]!;
  return [...s.hold, s.scancode];
}

/** Throws the usage error of the first combination that cannot be held or released as one set of keys. */
export function checkKeyState(combos: readonly string[], layout: KeyboardLayout, state: 'down' | 'up'): void {
  if (combos.length === 0) throw new SpiceError('usage', `no keys given: e.g. \`key --${state} shift\``);
  for (const c of combos) comboKeys(c, layout, false, state);
}

/**
 * `key --down`: presses the keys of each combination (in order) and leaves them held, until `key --up`,
 * a combination that names them, or the end of the session (which releases every key it holds).
 * `key --up`: releases the keys of each combination, the last pressed first; keys not held by this session
 * are released all the same (a key another client left down). Keys already down are not pressed again.
 */
export async function setKeyState(session: SpiceSession, combos: readonly string[], state: 'down' | 'up', o: KeyboardOptions): Promise<KeyStateReport> {
  const layout = layoutOf(o.layout);
  checkKeyState(combos, layout, state);
  const inputs = await session.inputs(o.timeoutMs);
  const t0 = performance.now();
  const events0 = inputs.keyEventsSent;
  const before = new Set(inputs.heldKeys);
  let first = true;
  const step = async () => {
    if (!first) await pause(KEY_STATE_GAP_MS, o.signal);
    first = false;
    if (o.signal?.aborted) throw interruptedError(`interrupted: key --${state}`, {events: inputs.keyEventsSent - events0});
  };
  try {
    for (const c of combos) {
      const keys = comboKeys(c, layout, inputs.locks.capsLock, state);
      if (state === 'down') {
        for (const k of keys) {
          if (inputs.heldKeys.includes(k)) continue;
          await step();
          inputs.keyDown(k);
        }
      } else {
        for (const k of [...keys].reverse()) {
          await step();
          inputs.keyUp(k);
        }
      }
    }
    await inputs.flush(o.timeoutMs);
  } catch (e) {
    // An interrupted or failed `--down` leaves nothing of its own held.
    if (state === 'down') releaseExcept(inputs, before);
    throw e;
  }
  return {
    state,
    combos: combos.map((c) => ({combo: c, keys: parseCombo(c).map((p) => (p.kind === 'key' ? p.name : p.char))})),
    events: inputs.keyEventsSent - events0,
    held: inputs.heldKeys.map((k) => NAMED_KEYS.find((n) => n.scancode === k)?.name ?? formatScancode(k)),
    ms: Math.round(performance.now() - t0),
  };
}

// What front ends name and check before connecting.
export {MAX_RATE} from '../input/keyboard.js';
export {DEFAULT_LAYOUT, getLayout, LAYOUT_NAMES} from '../input/layouts.js';
export {NAMED_KEYS};
export {formatScancode};
