/**
 * Capability bits (spice/enums.h, vd_agent.h). Caps travel as uint32 words: cap N is bit N%32 of word N/32.
 * Advertise a capability only once it is implemented and tested (see ADVERTISED in link/caps-advertised.ts).
 */
import {ChannelType, type EnumObject, nameOf} from './enums.js';

export const CommonCap = {
  PROTOCOL_AUTH_SELECTION: 0,
  AUTH_SPICE: 1,
  AUTH_SASL: 2,
  MINI_HEADER: 3,
} as const;

export const MainCap = {
  SEMI_SEAMLESS_MIGRATE: 0,
  NAME_AND_UUID: 1,
  AGENT_CONNECTED_TOKENS: 2,
  SEAMLESS_MIGRATE: 3,
} as const;

export const DisplayCap = {
  SIZED_STREAM: 0,
  MONITORS_CONFIG: 1,
  COMPOSITE: 2,
  A8_SURFACE: 3,
  STREAM_REPORT: 4,
  LZ4_COMPRESSION: 5,
  PREF_COMPRESSION: 6,
  GL_SCANOUT: 7,
  MULTI_CODEC: 8,
  CODEC_MJPEG: 9,
  CODEC_VP8: 10,
  CODEC_H264: 11,
  PREF_VIDEO_CODEC_TYPE: 12,
  CODEC_VP9: 13,
  CODEC_H265: 14,
} as const;

export const InputsCap = {KEY_SCANCODE: 0} as const;
export const PlaybackCap = {CELT_0_5_1: 0, VOLUME: 1, LATENCY: 2, OPUS: 3} as const;
export const RecordCap = {CELT_0_5_1: 0, VOLUME: 1, OPUS: 2} as const;
/** Usbredir, port and webdav channels (spicevmc). */
export const SpicevmcCap = {DATA_COMPRESS_LZ4: 0} as const;

export const channelCaps: Record<number, EnumObject> = {
  [ChannelType.MAIN]: MainCap,
  [ChannelType.DISPLAY]: DisplayCap,
  [ChannelType.INPUTS]: InputsCap,
  [ChannelType.CURSOR]: {},
  [ChannelType.PLAYBACK]: PlaybackCap,
  [ChannelType.RECORD]: RecordCap,
  [ChannelType.TUNNEL]: {},
  [ChannelType.SMARTCARD]: {},
  [ChannelType.USBREDIR]: SpicevmcCap,
  [ChannelType.PORT]: SpicevmcCap,
  [ChannelType.WEBDAV]: SpicevmcCap,
};

/** Cap numbers → uint32 words. */
export function capsToWords(caps: Iterable<number>): number[] {
  const words: number[] = [];
  for (const c of caps) {
    const i = c >>> 5;
    while (words.length <= i) words.push(0);
    words[i] = (words[i]! | (1 << (c & 31))) >>> 0;
  }
  return words;
}

/** uint32 words → sorted cap numbers. */
export function wordsToCaps(words: readonly number[]): number[] {
  const caps: number[] = [];
  words.forEach((w, i) => {
    for (let b = 0; b < 32; b++) if ((w >>> b) & 1) caps.push(i * 32 + b);
  });
  return caps;
}

export function capName(e: EnumObject, cap: number): string {
  const n = nameOf(e, cap);
  return n.startsWith('UNKNOWN') ? `CAP_${cap}` : n;
}

/** A negotiated cap set: what both sides advertised. */
export class CapSet {
  constructor(readonly common: ReadonlySet<number>, readonly channel: ReadonlySet<number>) {}
  static intersect(ours: {common: number[]; channel: number[]}, theirs: {common: number[]; channel: number[]}): CapSet {
    const both = (a: number[], b: number[]) => new Set(a.filter((c) => b.includes(c)));
    return new CapSet(both(ours.common, theirs.common), both(ours.channel, theirs.channel));
  }
  hasCommon(cap: number): boolean {
    return this.common.has(cap);
  }
  has(cap: number): boolean {
    return this.channel.has(cap);
  }
}

/**
 * VDAgent capabilities (vd_agent.h), exchanged in VD_AGENT_ANNOUNCE_CAPABILITIES, not in the link.
 * Layouts that depend on them test `agent:NAME` in the WireContext caps set (see agentCapNames).
 */
export const AgentCap = {
  MOUSE_STATE: 0,
  MONITORS_CONFIG: 1,
  REPLY: 2,
  CLIPBOARD: 3,
  DISPLAY_CONFIG: 4,
  CLIPBOARD_BY_DEMAND: 5,
  CLIPBOARD_SELECTION: 6,
  SPARSE_MONITORS_CONFIG: 7,
  GUEST_LINEEND_LF: 8,
  GUEST_LINEEND_CRLF: 9,
  MAX_CLIPBOARD: 10,
  AUDIO_VOLUME_SYNC: 11,
  MONITORS_CONFIG_POSITION: 12,
  FILE_XFER_DISABLED: 13,
  FILE_XFER_DETAILED_ERRORS: 14,
  GRAPHICS_DEVICE_INFO: 15,
  CLIPBOARD_NO_RELEASE_ON_REGRAB: 16,
  CLIPBOARD_GRAB_SERIAL: 17,
} as const;

/** Agent cap numbers → the `agent:NAME` strings agent layouts look for in WireContext.caps. */
export function agentCapNames(caps: Iterable<number>): Set<string> {
  const out = new Set<string>();
  for (const c of caps) out.add(`agent:${capName(AgentCap, c)}`);
  return out;
}
