/**
 * Clipboard actions through the guest agent: read a selection, offer data on one (and serve the guest's
 * requests), wait until the guest's clipboard holds a text, and paste a text (offer it, press the paste key).
 */
import {selectionName, type ClipKind} from '../agent/clipboard.js';
import {formatMs, SpiceError} from '../errors.js';
import {AgentCap} from '../wire/caps.js';
import {AgentClipboardSelection, AgentClipboardType, nameOf} from '../wire/enums.js';
import type {SpiceSession} from '../session.js';
import {clipboardOf, type AgentWait} from './agent.js';
import {pause} from './pause.js';
import {pressKeys, layoutOf, checkCombos, type KeyboardOptions} from './keyboard.js';

export interface ClipboardGetReport {
  selection: string;
  type: ClipKind;
  guestType: string;
  bytes: number;
  /** The data itself (front ends write it out). */
  data: Uint8Array;
}

/** Reads the guest's `selection`: text (UTF-8) or an image (PNG); with waitMs, waits for the guest to copy some. */
export async function getClipboard(session: SpiceSession, selection: number, kind: ClipKind, o: AgentWait & {waitMs?: number}): Promise<ClipboardGetReport> {
  const clipboard = await clipboardOf(session, o);
  const got = await clipboard.get(selection, kind, {timeoutMs: o.timeoutMs, waitMs: o.waitMs});
  return {selection: selectionName(selection).toLowerCase(), type: kind, guestType: nameOf(AgentClipboardType, got.guestType), bytes: got.data.length, data: got.data};
}

export interface ClipboardSetOptions extends AgentWait {
  /** Serve every request for this long instead of until the first fetch. */
  holdMs?: number;
  /** Called once the data is offered (before waiting for the guest). */
  onOffered?: () => void;
  /** Return as soon as the data is offered (a scenario keeps serving it while its later steps run). */
  noWait?: boolean;
}

export interface ClipboardSetReport {
  selection: string;
  type: ClipKind;
  bytes: number;
  fetched: number;
  ms: number;
}

/** Offers `data` on the guest's `selection` and serves its requests: until the first fetch, or for holdMs. */
export async function setClipboard(session: SpiceSession, selection: number, kind: ClipKind, data: Uint8Array, o: ClipboardSetOptions): Promise<ClipboardSetReport> {
  const clipboard = await clipboardOf(session, o);
  const started = Date.now();
  await clipboard.set(selection, kind, data);
  o.onOffered?.();
  if (o.noWait) {
    // nothing to wait for
  } else if (o.holdMs !== undefined) {
    await clipboard.waitServed(selection, Number.MAX_SAFE_INTEGER, o.holdMs).catch((e: SpiceError) => {
      if (e.kind !== 'timeout' && e.kind !== 'expectation') throw e; // held long enough, or the guest copied something else
    });
  } else {
    await clipboard.waitServed(selection, 1, o.timeoutMs);
  }
  return {selection: selectionName(selection).toLowerCase(), type: kind, bytes: data.length, fetched: clipboard.served(selection), ms: Date.now() - started};
}

/** Asks the guest for its CLIPBOARD text until it equals `want` (a failed expectation at the timeout). */
export async function expectClipboardText(session: SpiceSession, want: string, o: AgentWait & {signal?: AbortSignal}): Promise<{bytes: number}> {
  const clipboard = await clipboardOf(session, o);
  const deadline = performance.now() + o.timeoutMs;
  // The last answer: the text, null for "no text"; a request that timed out leaves it as it was.
  let last: string | null | undefined;
  for (;;) {
    const left = deadline - performance.now();
    const got = await clipboard.get(AgentClipboardSelection.CLIPBOARD, 'text', {timeoutMs: Math.min(5000, Math.max(1000, left))}).then(
      (d) => Buffer.from(d.data).toString('utf8'),
      (e: unknown) => {
        // An empty clipboard (or one without text) is a value to wait past, like a different text.
        if (e instanceof SpiceError && e.kind === 'expectation') return null;
        if (e instanceof SpiceError && e.kind === 'timeout') return undefined;
        throw e;
      },
    );
    if (got === want) return {bytes: Buffer.byteLength(want)};
    if (got !== undefined) last = got;
    if (deadline - performance.now() <= 0) {
      const held = last === undefined ? 'did not answer' : last === null ? 'holds no text' : `holds ${JSON.stringify(last.length > 200 ? `${last.slice(0, 200)}…` : last)}`;
      throw new SpiceError('expectation', `the guest clipboard ${held}, expected ${JSON.stringify(want)} (within ${formatMs(o.timeoutMs)})`);
    }
    await pause(Math.min(200, deadline - performance.now()), o.signal);
  }
}

export interface PasteReport {
  viaClipboard: true;
  bytes: number;
  characters: number;
  pasteKey: string;
  ms: number;
}

/**
 * `type --via-clipboard`: offers the text on the guest's CLIPBOARD and PRIMARY selections (so both Ctrl-V and
 * Shift-Insert style pastes find it), presses the paste key, and waits until the guest fetched it once.
 */
export async function pasteText(session: SpiceSession, text: string, pasteKey: string, o: KeyboardOptions): Promise<PasteReport> {
  checkCombos([pasteKey], layoutOf(o.layout)); // a bad combo is a usage error before anything is offered
  const agent = await session.agent(o);
  const clipboard = await clipboardOf(session, o);
  const data = Buffer.from(text, 'utf8');
  const selections: number[] = [AgentClipboardSelection.CLIPBOARD];
  if (agent.negotiated(AgentCap.CLIPBOARD_SELECTION)) selections.push(AgentClipboardSelection.PRIMARY);
  for (const s of selections) await clipboard.set(s, 'text', data);
  const started = Date.now();
  const fetched = Promise.any(selections.map((s) => clipboard.waitServed(s, 1, o.timeoutMs))).catch((e: AggregateError) => {
    throw e.errors[0];
  });
  fetched.catch(() => undefined); // awaited below; an early rejection must not go unhandled meanwhile
  await pressKeys(session, [pasteKey], {layout: o.layout, timeoutMs: o.timeoutMs, signal: o.signal}); // combo pacing, whatever --rate says
  await fetched;
  return {viaClipboard: true, bytes: data.length, characters: [...text].length, pasteKey, ms: Date.now() - started};
}

// Selection and kind names for front ends.
export {SELECTIONS, selectionName, type ClipKind, type SelectionName} from '../agent/clipboard.js';
