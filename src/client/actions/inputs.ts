/**
 * The inputs channel as actions use it: ready (its INIT arrived, so the lock state is known) and flushed
 * (every event written has left for the server) before an action reports.
 */
import type {InputsChannel} from '../channels/inputs.js';
import type {SpiceSession} from '../session.js';

export function readyInputs(session: SpiceSession, timeoutMs: number): Promise<InputsChannel> {
  return session.inputs(timeoutMs);
}

export function flushed(inputs: InputsChannel, timeoutMs: number): Promise<void> {
  return inputs.flush(timeoutMs);
}
