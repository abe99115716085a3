/** The spice-cli side of the benchmark: SpiceSession.connect() in this process, and `spice-cli info` as a process. */
import {SpiceSession} from '../client/session.js';
import {timeProcessOk} from './processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Time from the SpiceSession.connect() call to its resolve (every listed channel linked); held holdMs, then closed. */
export async function timeSessionConnect(uri: string, timeoutMs: number, holdMs: number): Promise<{ms: number; channels: number}> {
  const t0 = performance.now();
  const session = await SpiceSession.connect(uri, {timeoutMs});
  const ms = performance.now() - t0;
  try {
    const failed = session.channels.filter((c) => !c.channel).map((c) => `${c.name}: ${c.error?.message}`);
    if (failed.length) throw new Error(`spice-cli: channels not linked: ${failed.join('; ')}`);
    await sleep(holdMs);
    return {ms, channels: session.channels.length};
  } finally {
    session.close();
  }
}

/** `node bin/run.js ARGS` wall time, process start → exit. */
export function timeCli(bin: string, args: string[], timeoutMs: number) {
  return timeProcessOk(process.execPath, [bin, ...args], timeoutMs, {...process.env, SPICE_URI: '', SPICE_PASSWORD: ''});
}

/** `spice-cli info --uri URI --json` as a whole process; the channel count comes from its JSON. */
export async function timeCliInfo(bin: string, uri: string, timeoutMs: number): Promise<{ms: number; channels: number}> {
  const r = await timeCli(bin, ['info', '--uri', uri, '--json'], timeoutMs);
  const out = JSON.parse(r.stdout) as {channels: Array<{error?: string}>};
  const failed = out.channels.filter((c) => c.error);
  if (failed.length) throw new Error(`spice-cli info: channels not linked: ${JSON.stringify(failed)}`);
  return {ms: r.ms, channels: out.channels.length};
}
