/** The session's display as actions use it: rendered, with its first complete frame drawn. */
import {SpiceError} from '../errors.js';
import type {DisplayLayer} from '../display/layer.js';
import type {SpiceSession} from '../session.js';

export async function displayOf(session: SpiceSession, timeoutMs: number): Promise<DisplayLayer> {
  const display = session.display;
  if (!display) throw new Error('internal error: this action needs a session opened with render: true');
  await display.waitFirstFrame(timeoutMs);
  return display;
}

/** Waits until nothing was drawn for stillMs (the screen is still); `hint` is added to a timeout's message. */
export async function waitStill(session: SpiceSession, stillMs: number, o: {timeoutMs: number; hint?: string}): Promise<void> {
  const display = await displayOf(session, o.timeoutMs);
  await display.waitStill(stillMs, o.timeoutMs).catch((e: unknown) => {
    if (o.hint && e instanceof SpiceError && e.kind === 'timeout') throw new SpiceError('timeout', `${e.message}: ${o.hint}`);
    throw e;
  });
}
