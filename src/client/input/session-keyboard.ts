/**
 * The keyboard side of a session, for commands and scenarios: find the inputs channel, wait for the
 * guest's lock state, play strokes, make sure the last events left the socket, and on Ctrl-C stop at
 * once with every key released.
 */
import {SpiceError} from '../errors.js';
import {InputsChannel} from '../channels/inputs.js';
import type {SpiceSession} from '../session.js';
import type {Interrupted} from './keyboard.js';
import {ChannelType} from '../wire/enums.js';

/** The session's inputs channel once its INIT has arrived. */
export async function inputsOf(session: SpiceSession, timeoutMs: number): Promise<InputsChannel> {
  const state = session.channels.find((c) => c.type === ChannelType.INPUTS);
  if (!state) throw new SpiceError('protocol', 'the server offers no inputs channel (keyboard and mouse)');
  if (!state.channel) throw state.error ?? new SpiceError('protocol', 'the inputs channel did not link');
  if (!(state.channel instanceof InputsChannel)) throw new Error('internal error: the inputs channel is not an InputsChannel');
  await state.channel.waitInit(timeoutMs);
  return state.channel;
}

/** Waits until everything written to the channel's socket has been handed to the OS (bounded). */
export function flushInputs(ch: InputsChannel, timeoutMs: number): Promise<void> {
  const socket = ch.link.socket;
  if (ch.isClosed || socket.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new SpiceError('timeout', `timed out after ${timeoutMs} ms sending the key events to the server`)), timeoutMs);
    socket.write(Buffer.alloc(0), () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** An AbortController that SIGINT/SIGTERM abort while `run` runs. */
export async function withInterrupt<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await run(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A number flag (--rate 12.5, --hold 30). */
export function parseNumber(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '') throw new SpiceError('usage', `${flag}: "${v}" is not a number`);
  return n;
}

/** Reports an interrupted run (Ctrl-C): exit 130, as shells do. */
export function interrupted(e: Interrupted, json: boolean, print: (v: unknown) => void): void {
  if (json) print({ok: false, interrupted: true, keystrokes: e.done, of: e.total, message: e.message});
  else process.stderr.write(`spice-cli: ${e.message}\n`);
  process.exitCode = 130;
}
