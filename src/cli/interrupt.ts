/** Ctrl-C for commands that drive the guest: an AbortSignal while they run, and exit 130 when they were interrupted. */
import type {Interrupted} from '../client/input/keyboard.js';

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

/** Reports an interrupted run (Ctrl-C): exit 130, as shells do. */
export function interrupted(e: Interrupted, json: boolean, print: (v: unknown) => void): void {
  if (json) print({ok: false, interrupted: true, keystrokes: e.done, of: e.total, message: e.message});
  else process.stderr.write(`spice-cli: ${e.message}\n`);
  process.exitCode = 130;
}
