/**
 * `type --via-clipboard`: offers the text on the guest's CLIPBOARD and PRIMARY selections (so both Ctrl-V and
 * Shift-Insert style pastes find it), presses the paste key, and waits until the guest fetched it once.
 */
import {GuestAgent} from '../client/agent/agent.js';
import {Clipboard} from '../client/agent/clipboard.js';
import {comboStrokes} from '../client/input/combos.js';
import {Keyboard, pacingFor} from '../client/input/keyboard.js';
import type {KeyboardLayout} from '../client/input/layout.js';
import type {SpiceSession} from '../client/session.js';
import {AgentCap} from '../client/wire/caps.js';
import {AgentClipboardSelection} from '../client/wire/enums.js';

export async function pasteViaClipboard(
  session: SpiceSession,
  opts: {text: string; pasteKey: string; layout: KeyboardLayout; timeoutMs: number},
): Promise<Record<string, unknown>> {
  try {
    comboStrokes(opts.pasteKey, opts.layout, false); // a bad combo is a usage error before anything is offered
    const inputs = await session.inputs(opts.timeoutMs);
    const agent = await GuestAgent.open(session, {timeoutMs: opts.timeoutMs});
    const clipboard = new Clipboard(agent);
    const data = Buffer.from(opts.text, 'utf8');
    const selections: number[] = [AgentClipboardSelection.CLIPBOARD];
    if (agent.negotiated(AgentCap.CLIPBOARD_SELECTION)) selections.push(AgentClipboardSelection.PRIMARY);
    for (const s of selections) await clipboard.set(s, 'text', data);
    const started = Date.now();
    const fetched = Promise.any(selections.map((s) => clipboard.waitServed(s, 1, opts.timeoutMs))).catch((e: AggregateError) => {
      throw e.errors[0];
    });
    const strokes = comboStrokes(opts.pasteKey, opts.layout, inputs.locks.capsLock);
    await new Keyboard(inputs).play(strokes, pacingFor(10, 50));
    await inputs.flush(opts.timeoutMs);
    await fetched;
    return {ok: true, viaClipboard: true, bytes: data.length, characters: [...opts.text].length, pasteKey: opts.pasteKey, ms: Date.now() - started};
  } finally {
    session.close();
  }
}
