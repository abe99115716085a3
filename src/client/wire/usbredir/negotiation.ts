/**
 * usbredir capability negotiation: our hello's caps against the peer's. Until the peer's hello arrives nothing but
 * hello may be sent (the header's id width and several layouts depend on both sets); after it, a layout field
 * exists when both sides have its cap, and ids are 64-bit when both have 64bits_ids.
 */
import {capsToWords, wordsToCaps} from '../caps.js';
import {nameOf} from '../enums.js';
import {HEADER_SIZE_32, HEADER_SIZE_64, UsbredirCap} from './protocol.js';
import {usbredirCapName} from './packets.js';

/** usbredirparser drops bulk_streams from a set without ep_info_max_packet_size (the protocol forbids it). */
function sane(caps: Iterable<number>): Set<number> {
  const s = new Set(caps);
  if (s.has(UsbredirCap.BULK_STREAMS) && !s.has(UsbredirCap.EP_INFO_MAX_PACKET_SIZE)) s.delete(UsbredirCap.BULK_STREAMS);
  return s;
}

export class UsbredirNegotiation {
  readonly ours: ReadonlySet<number>;
  private peerCaps?: Set<number>;
  /** The peer's hello version string (free-form, for logs). */
  peerVersion?: string;
  /** Names of the caps both sides have, as layouts test them (`usbredir:64bits_ids`). */
  readonly context: {caps: Set<string>} = {caps: new Set()};

  constructor(ours: Iterable<number>) {
    this.ours = sane(ours);
  }

  /** Our caps as the hello's u32 words (at least one word). */
  get ourWords(): number[] {
    const words = capsToWords(this.ours);
    return words.length ? words : [0];
  }

  /** Records the peer's hello. */
  setPeer(version: string, words: readonly number[]): void {
    this.peerVersion = version;
    this.peerCaps = sane(wordsToCaps(words));
    for (const c of this.negotiated) this.context.caps.add(usbredirCapName(c));
  }

  get hasPeer(): boolean {
    return this.peerCaps !== undefined;
  }

  get peer(): ReadonlySet<number> {
    return this.peerCaps ?? new Set();
  }

  /** Caps both sides announced (empty before the peer's hello). */
  get negotiated(): number[] {
    return [...this.ours].filter((c) => this.peer.has(c)).sort((a, b) => a - b);
  }

  both(cap: number): boolean {
    return this.ours.has(cap) && this.peer.has(cap);
  }

  get ids64(): boolean {
    return this.both(UsbredirCap['64BITS_IDS']);
  }

  get headerSize(): number {
    return this.ids64 ? HEADER_SIZE_64 : HEADER_SIZE_32;
  }
}

/** Cap numbers → their usbredir names (e.g. '64BITS_IDS'), for reports. */
export function usbredirCapNames(caps: Iterable<number>): string[] {
  return [...caps].map((c) => nameOf(UsbredirCap, c));
}
