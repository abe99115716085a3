/**
 * The clipboard through the guest agent (vd_agent.h CLIPBOARD_*): GRAB announces the types one side holds,
 * REQUEST asks for one, CLIPBOARD carries it, RELEASE withdraws a grab. Data moves on demand only.
 *
 * - Selections CLIPBOARD and PRIMARY (CLIPBOARD_SELECTION cap).
 * - Grab serials (CLIPBOARD_GRAB_SERIAL): one counter per selection, 0 after our caps request. A guest grab
 *   carries the guest's serial s: we accept it if s ≥ ours and then expect s + 1; an older one lost a race
 *   with our own grab and is dropped. Our grab carries our counter, then increments it.
 * - Text is UTF-8; with GUEST_LINEEND_CRLF (Windows guests) LF ↔ CRLF is converted, otherwise bytes are untouched.
 * - Images: PNG both ways; a guest offering only BMP, TIFF or JPEG is converted to PNG (sharp; bmp.ts).
 * - A fresh client gets no GRAB for a clipboard set before it connected, but spice-vdagent answers a REQUEST
 *   without a prior grab, so get() asks directly.
 */
import {EventEmitter} from 'node:events';
import {SpiceError} from '../errors.js';
import {AgentCap} from '../wire/caps.js';
import {AgentClipboardSelection, AgentClipboardType} from '../wire/enums.js';
import {MessageHandlers} from '../wire/message.js';
import {AgentMessages} from '../wire/messages/agent.js';
import {decodeBmp} from './bmp.js';
import type {GuestAgent} from './agent.js';

export type SelectionName = 'clipboard' | 'primary';
export type ClipKind = 'text' | 'image';

export const SELECTIONS: Record<SelectionName, number> = {
  clipboard: AgentClipboardSelection.CLIPBOARD,
  primary: AgentClipboardSelection.PRIMARY,
};

const GRAB_GRACE_MS = 500;

const IMAGE_TYPES = [AgentClipboardType.IMAGE_PNG, AgentClipboardType.IMAGE_BMP, AgentClipboardType.IMAGE_TIFF, AgentClipboardType.IMAGE_JPG];

export interface ClipboardData {
  /** The AgentClipboardType the guest sent (before any conversion). */
  guestType: number;
  /** UTF-8 text (line endings as on the client), or PNG bytes. */
  data: Uint8Array;
}

interface Grab {
  types: number[];
}

interface Offer {
  type: number;
  data: Uint8Array;
  served: number;
}

/** The Clipboards of each agent (a shared GuestAgent can have several users). */
const clipboardsOf = new WeakMap<GuestAgent, Set<Clipboard>>();

export class Clipboard extends EventEmitter {
  /** What the guest last grabbed, per selection (only grabs seen on this connection). */
  readonly guestGrabs = new Map<number, Grab>();
  private readonly offers = new Map<number, Offer>();
  private readonly serials = new Map<number, number>();
  private readonly stopMessages: () => void;
  private readonly onReconnect = () => this.serials.clear();

  constructor(private readonly agent: GuestAgent) {
    super();
    this.stopMessages = agent.onMessages(this.handlers);
    agent.on('connected', this.onReconnect);
    const peers = clipboardsOf.get(agent) ?? new Set<Clipboard>();
    peers.add(this);
    clipboardsOf.set(agent, peers);
  }

  close(): void {
    this.stopMessages();
    this.agent.off('connected', this.onReconnect);
    clipboardsOf.get(this.agent)?.delete(this);
  }

  /** Another Clipboard on the same agent offers this selection (it answers the request, not us). */
  private peerOffers(selection: number): boolean {
    for (const c of clipboardsOf.get(this.agent) ?? []) if (c !== this && c.offers.has(selection)) return true;
    return false;
  }

  private checkSelection(selection: number): void {
    if (selection !== AgentClipboardSelection.CLIPBOARD && !this.agent.negotiated(AgentCap.CLIPBOARD_SELECTION)) {
      throw new SpiceError('expectation', 'the guest agent has no selections other than CLIPBOARD (no CLIPBOARD_SELECTION capability)');
    }
  }

  private get crlf(): boolean {
    return this.agent.hasCap(AgentCap.GUEST_LINEEND_CRLF);
  }

  /**
   * Reads the guest's clipboard: text (UTF-8) or an image (PNG). With waitMs, an empty clipboard (or one
   * without that kind) is asked again when the guest next grabs it, until waitMs have passed.
   */
  async get(selection: number, kind: ClipKind, opts: {timeoutMs: number; waitMs?: number}): Promise<ClipboardData> {
    this.checkSelection(selection);
    // A guest still reading a new X selection owner's targets answers NONE and sends its GRAB just after:
    // an empty answer is retried on a GRAB within GRAB_GRACE_MS even without --wait.
    const deadline = Date.now() + Math.max(opts.waitMs ?? 0, GRAB_GRACE_MS);
    for (;;) {
      const got = await this.fetch(selection, kind, opts.timeoutMs);
      if (got) return got;
      const left = deadline - Date.now();
      if (left <= 0) {
        // spice-vdagent (0.22) drops its record of the guest's selections when a client disconnects and
        // announces them again only when the guest copies anew: without a GRAB this session, say so.
        const why = this.guestGrabs.has(selection)
          ? ''
          : `; the guest announced no copy during this connection, and spice-vdagent forgets a copy made before it once a client disconnects: copy again in the guest, or read the clipboard in the session that saw the copy (spice-cli do ... + clipboard-expect TEXT)`;
        throw new SpiceError('expectation', `the guest's ${selectionName(selection)} selection holds no ${kind}${opts.waitMs ? ` (waited ${opts.waitMs / 1000} s)` : ''}${why}`);
      }
      await this.agent
        .waitFor(AgentMessages.CLIPBOARD_GRAB, (g) => (g.selection ?? 0) === selection && g.types.some((t) => typesOf(kind).includes(t)), left, `the guest to copy ${kind}`)
        .catch((e: SpiceError) => {
          if (e.kind !== 'timeout') throw e;
        });
    }
  }

  /** One round of requests (the grabbed types first, else every type of the kind in order); undefined if none. */
  private async fetch(selection: number, kind: ClipKind, timeoutMs: number): Promise<ClipboardData | undefined> {
    const grabbed = this.guestGrabs.get(selection)?.types;
    const candidates = grabbed ? typesOf(kind).filter((t) => grabbed.includes(t)) : typesOf(kind);
    for (const type of candidates) {
      const reply = this.agent.waitFor(AgentMessages.CLIPBOARD, (m) => (m.selection ?? 0) === selection, timeoutMs, `the guest's ${selectionName(selection)} data`);
      try {
        await this.agent.sendMessage(AgentMessages.CLIPBOARD_REQUEST, {selection, type});
      } catch (e) {
        reply.catch(() => undefined); // the request never left: its answer is not awaited
        throw e;
      }
      const m = await reply;
      if (m.type === AgentClipboardType.NONE || m.type !== type) continue;
      if (m.data.length === 0) {
        // spice-vdagent answers data above our VD_AGENT_MAX_CLIPBOARD with an empty message.
        const max = this.agent.maxClipboard;
        if (this.agent.hasCap(AgentCap.MAX_CLIPBOARD) && max >= 0) {
          throw new SpiceError('expectation', `the guest sent no ${kind}: its ${selectionName(selection)} selection is empty or larger than the ${max}-byte limit (MAX_CLIPBOARD)`);
        }
        continue;
      }
      return {guestType: m.type, data: await this.fromGuest(m.type, m.data)};
    }
    return undefined;
  }

  private async fromGuest(type: number, data: Uint8Array): Promise<Uint8Array> {
    if (type === AgentClipboardType.UTF8_TEXT) {
      let text = data;
      // Some guests NUL-terminate text; the terminator is not part of it.
      if (text.length && text[text.length - 1] === 0) text = text.subarray(0, text.length - 1);
      return this.crlf ? Buffer.from(Buffer.from(text).toString('utf8').replace(/\r\n/g, '\n'), 'utf8') : text;
    }
    if (type === AgentClipboardType.IMAGE_PNG) return data;
    const sharp = (await import('sharp')).default;
    try {
      if (type === AgentClipboardType.IMAGE_BMP) {
        const img = decodeBmp(data);
        return await sharp(Buffer.from(img.data), {raw: {width: img.width, height: img.height, channels: 4}}).png().toBuffer();
      }
      return await sharp(Buffer.from(data)).png().toBuffer();
    } catch (e) {
      if (e instanceof SpiceError) throw e;
      throw new SpiceError('protocol', `the guest's clipboard image (type ${type}) is not readable: ${(e as Error).message}`);
    }
  }

  /**
   * Offers data on a selection (GRAB); the guest then REQUESTs it as often as its applications paste.
   * 'served' (selection, count) is emitted per request answered; 'lost' (selection) when the guest grabs it back.
   */
  async set(selection: number, kind: ClipKind, data: Uint8Array): Promise<void> {
    this.checkSelection(selection);
    const type = kind === 'text' ? AgentClipboardType.UTF8_TEXT : AgentClipboardType.IMAGE_PNG;
    const bytes = kind === 'text' && this.crlf ? Buffer.from(Buffer.from(data).toString('utf8').replace(/\r?\n/g, '\r\n'), 'utf8') : data;
    const max = this.agent.guestMaxClipboard;
    if (max !== undefined && max >= 0 && bytes.length > max) {
      throw new SpiceError('usage', `the clipboard data (${bytes.length} bytes) is larger than the guest accepts (MAX_CLIPBOARD ${max} bytes)`);
    }
    const serial = this.serials.get(selection) ?? 0;
    this.serials.set(selection, (serial + 1) >>> 0);
    this.offers.set(selection, {type, data: bytes, served: 0});
    await this.agent.sendMessage(AgentMessages.CLIPBOARD_GRAB, {selection, serial, types: [type]});
    this.emit('grabbed', selection, serial);
  }

  /** Withdraws our offer (CLIPBOARD_RELEASE) if we still hold the selection. */
  async release(selection: number): Promise<void> {
    if (!this.offers.delete(selection)) return;
    await this.agent.sendMessage(AgentMessages.CLIPBOARD_RELEASE, {selection});
  }

  /** Resolves once the guest has fetched our offer on `selection` `count` times, rejects if it is lost. */
  waitServed(selection: number, count: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const offer = this.offers.get(selection);
      if (!offer) return reject(new SpiceError('usage', 'nothing offered on that selection'));
      if (offer.served >= count) return resolve(offer.served);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('served', onServed);
        this.off('lost', onLost);
        this.agent.off('failed', onFail);
        this.agent.off('disconnected', onDown);
      };
      const onServed = (sel: number, n: number) => {
        if (sel === selection && n >= count) (cleanup(), resolve(n));
      };
      const onLost = (sel: number) => {
        if (sel === selection) (cleanup(), reject(new SpiceError('expectation', `the guest took the ${selectionName(selection)} selection back before fetching the data`)));
      };
      const onFail = (e: Error) => (cleanup(), reject(e));
      const onDown = () => (cleanup(), reject(new SpiceError('no-agent', 'the guest agent disconnected before fetching the clipboard data')));
      const timer = setTimeout(() => (cleanup(), reject(new SpiceError('timeout', `the guest did not fetch the ${selectionName(selection)} data within ${timeoutMs / 1000} s`))), timeoutMs);
      this.on('served', onServed);
      this.on('lost', onLost);
      this.agent.on('failed', onFail);
      this.agent.on('disconnected', onDown);
    });
  }

  served(selection: number): number {
    return this.offers.get(selection)?.served ?? 0;
  }

  /** The guest's clipboard messages (a selection is CLIPBOARD when the agent has no CLIPBOARD_SELECTION). */
  private readonly handlers = new MessageHandlers<Uint8Array>()
    .on(AgentMessages.CLIPBOARD_GRAB, (m) => {
      const selection = m.selection ?? 0;
      if (m.serial !== undefined) {
        const ours = this.serials.get(selection) ?? 0;
        if (m.serial < ours) return; // lost a race with our own grab
        this.serials.set(selection, (m.serial + 1) >>> 0);
      }
      this.guestGrabs.set(selection, {types: m.types});
      if (this.offers.delete(selection)) this.emit('lost', selection);
      this.emit('grab', selection, m.types, m.serial);
    })
    .on(AgentMessages.CLIPBOARD_RELEASE, (m) => {
      const selection = m.selection ?? 0;
      this.guestGrabs.delete(selection);
      this.emit('release', selection);
    })
    .on(AgentMessages.CLIPBOARD_REQUEST, (m) => {
      const selection = m.selection ?? 0;
      const offer = this.offers.get(selection);
      // Without an offer, one Clipboard per agent answers NONE (the peer holding an offer answers it).
      if (!offer && (this.peerOffers(selection) || clipboardsOf.get(this.agent)?.values().next().value !== this)) return;
      const ok = offer && offer.type === m.type;
      const data = ok ? offer.data : new Uint8Array(0);
      void this.agent
        .sendMessage(AgentMessages.CLIPBOARD, {selection, type: ok ? offer.type : AgentClipboardType.NONE, data})
        .then(() => {
          if (!ok) return;
          offer.served++;
          this.emit('served', selection, offer.served);
        })
        .catch((e) => this.emit('warning', e));
    });
}

function typesOf(kind: ClipKind): number[] {
  return kind === 'text' ? [AgentClipboardType.UTF8_TEXT] : IMAGE_TYPES;
}

export function selectionName(selection: number): string {
  return selection === AgentClipboardSelection.PRIMARY ? 'PRIMARY' : selection === AgentClipboardSelection.SECONDARY ? 'SECONDARY' : 'CLIPBOARD';
}

