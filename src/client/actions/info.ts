/** What `spice-cli info` reports about a linked session: pure data, no I/O. */
import {capName, channelCaps, CommonCap} from '../wire/caps.js';
import {channelTypeName} from '../wire/enums.js';
import {mouseModeNames} from '../channels/main.js';
import type {SpiceSession} from '../session.js';

export interface ChannelReport {
  type: string;
  id: number;
  /** Channel caps both sides advertised (what is in use). */
  caps: string[];
  /** Every channel cap the server advertised. */
  serverCaps: string[];
  commonCaps: string[];
  tls: boolean;
  miniHeader: boolean;
  error?: string;
}

export interface SessionReport {
  uri: string;
  name: string | null;
  uuid: string | null;
  sessionId: number;
  channels: ChannelReport[];
  mouseModes: {supported: string[]; current: string | null};
  agentConnected: boolean;
  multimediaTime: number | null;
  /** Network round trip: the smallest TCP handshake time over all channel sockets, in ms. */
  rttMs: number;
  /** Smallest link exchange (SpiceLinkMess out → SpiceLinkReply in; includes the server's per-link RSA key generation), in ms. */
  linkMs: number;
  connectMs?: number;
}

export function sessionReport(s: SpiceSession): SessionReport {
  const channels: ChannelReport[] = s.channels.map((c) => {
    const capsEnum = channelCaps[c.type] ?? {};
    const link = c.channel?.link;
    return {
      type: channelTypeName(c.type),
      id: c.id,
      caps: link ? [...link.caps.channel].sort((a, b) => a - b).map((n) => capName(capsEnum, n)) : [],
      serverCaps: link ? link.serverChannelCaps.map((n) => capName(capsEnum, n)) : [],
      commonCaps: link ? [...link.caps.common].sort((a, b) => a - b).map((n) => capName(CommonCap, n)) : [],
      tls: c.tls,
      miniHeader: link?.miniHeader ?? false,
      ...(c.error ? {error: c.error.message} : {}),
    };
  });
  const links = s.channels.flatMap((c) => (c.channel ? [c.channel.link] : []));
  const ms3 = (v: number) => Math.round(v * 1000) / 1000;
  const current = mouseModeNames(s.main.mouse.current);
  return {
    uri: s.target.display,
    name: s.main.serverName ?? null,
    uuid: s.main.uuid ?? null,
    sessionId: s.main.init?.session_id ?? 0,
    channels,
    mouseModes: {supported: mouseModeNames(s.main.mouse.supported), current: current[0] ?? null},
    agentConnected: s.main.agentConnected,
    multimediaTime: s.main.currentMmTime() ?? null,
    rttMs: ms3(Math.min(...links.map((l) => l.connectMs))),
    linkMs: ms3(Math.min(...links.map((l) => l.linkRttMs))),
  };
}

export function formatReport(r: SessionReport): string {
  const lines = [
    `Server      ${r.uri}`,
    `Name        ${r.name ?? '(not set)'}`,
    `UUID        ${r.uuid ?? '(not set)'}`,
    `Mouse       ${r.mouseModes.current ?? '?'} (supported: ${r.mouseModes.supported.join(', ') || 'none'})`,
    `Agent       ${r.agentConnected ? 'connected' : 'not connected'}`,
    `MM time     ${r.multimediaTime ?? '?'} ms`,
    `RTT         ${r.rttMs.toFixed(3)} ms (link exchange ${r.linkMs.toFixed(3)} ms)`,
    ...(r.connectMs !== undefined ? [`Connected   in ${r.connectMs.toFixed(1)} ms`] : []),
    `Channels    ${r.channels.length}`,
  ];
  for (const c of r.channels) {
    const name = `${c.type}${c.id ? `:${c.id}` : ''}`;
    const detail = c.error ? `refused: ${c.error}` : `${c.tls ? 'tls' : 'plain'}  caps: ${c.caps.join(' ') || '-'}`;
    lines.push(`  ${name.padEnd(12)}${detail}`);
  }
  return lines.join('\n');
}
