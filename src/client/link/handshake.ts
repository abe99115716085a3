/**
 * The link stage of one channel socket (protocol map §1.1): SpiceLinkHeader + SpiceLinkMess out,
 * SpiceLinkHeader + SpiceLinkReply in, auth mechanism selection, the RSA-OAEP ticket, the u32 result.
 */
import {performance} from 'node:perf_hooks';
import {SpiceError} from '../errors.js';
import type {ByteStream} from '../transport/byte-stream.js';
import {CapSet, CommonCap, wordsToCaps} from '../wire/caps.js';
import {AuthMechanism, channelTypeName, LinkErr, linkErrText, SPICE_MAGIC, SPICE_VERSION_MAJOR, SPICE_VERSION_MINOR} from '../wire/enums.js';
import {decode, encode} from '../wire/schema.js';
import {LINK_HEADER_SIZE, LINK_REPLY_FIXED_SIZE, LinkAuthMechanism, LinkHeader, LinkMess, LinkReplyFixed} from '../wire/messages/link.js';
import {WireReader} from '../wire/reader.js';
import {encryptTicket} from './ticket.js';
import {capsToWords} from '../wire/caps.js';

export interface LinkParams {
  connectionId: number;
  channelType: number;
  channelId: number;
  commonCaps: number[];
  channelCaps: number[];
  password?: string;
  timeoutMs: number;
}

export interface LinkOutcome {
  serverCommonCaps: number[];
  serverChannelCaps: number[];
  caps: CapSet;
  miniHeader: boolean;
  /** Time from sending SpiceLinkMess to the whole SpiceLinkReply: one protocol round trip. */
  linkRttMs: number;
}

/** A link refused with a SpiceLinkErr (kept so the caller can retry NEED_SECURED on the TLS port). */
export class LinkRefused extends SpiceError {
  constructor(
    readonly code: number,
    readonly channel: string,
  ) {
    super(code === LinkErr.PERMISSION_DENIED ? 'auth' : 'protocol', linkRefusedText(code, channel));
    this.name = 'LinkRefused';
  }
}

function linkRefusedText(code: number, channel: string): string {
  if (code === LinkErr.PERMISSION_DENIED) return `authentication failed: the server refused the password for the ${channel} channel`;
  return `the server refused the ${channel} channel: ${linkErrText[code] ?? `link error ${code}`}`;
}

/** Sends our link message and returns the server's reply, checking that the peer speaks SPICE at all. */
export async function link(stream: ByteStream, p: LinkParams): Promise<LinkOutcome> {
  const channel = channelTypeName(p.channelType) + (p.channelId ? `:${p.channelId}` : '');
  const mess = encode(LinkMess, {
    connection_id: p.connectionId,
    channel_type: p.channelType,
    channel_id: p.channelId,
    common_caps: capsToWords(p.commonCaps),
    channel_caps: capsToWords(p.channelCaps),
  });
  const header = encode(LinkHeader, {major_version: SPICE_VERSION_MAJOR, minor_version: SPICE_VERSION_MINOR, size: mess.length});
  const t0 = performance.now();
  stream.socket.write(Buffer.concat([header, mess]));

  const rawHeader = await stream.read(LINK_HEADER_SIZE, 'the link reply', p.timeoutMs).catch((e: unknown) => {
    throw notSpiceIfGarbage(e, stream);
  });
  const view = new DataView(rawHeader.buffer, rawHeader.byteOffset, rawHeader.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== SPICE_MAGIC) {
    const http = Buffer.from(rawHeader.subarray(0, 5)).toString('latin1') === 'HTTP/';
    throw new SpiceError(
      'protocol',
      `not a SPICE server: ${http ? 'an HTTP server answered' : 'the reply does not start with the SPICE magic "REDQ"'} (got ${printable(rawHeader.subarray(0, 8))})`,
    );
  }
  const major = view.getUint32(4, true);
  const size = view.getUint32(12, true);
  if (major !== SPICE_VERSION_MAJOR) {
    throw new SpiceError('protocol', `the server speaks SPICE protocol ${major}.${view.getUint32(8, true)}; spice-cli speaks ${SPICE_VERSION_MAJOR}.${SPICE_VERSION_MINOR}`);
  }
  if (size < 4 || size > 64 * 1024) throw new SpiceError('protocol', `invalid link reply size ${size}`);
  const body = await stream.read(size, 'the link reply body', p.timeoutMs);
  const linkRttMs = performance.now() - t0;
  const errorCode = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0, true);
  if (errorCode !== LinkErr.OK) throw new LinkRefused(errorCode, channel);
  if (size < LINK_REPLY_FIXED_SIZE) throw new SpiceError('protocol', `link reply too short (${size} bytes)`);
  const reply = decode(LinkReplyFixed, body);
  const capsReader = new WireReader(body, 0, body.length).at(reply.caps_offset, 'link reply caps');
  const commonWords: number[] = [];
  const channelWords: number[] = [];
  if (reply.num_common_caps > 64 || reply.num_channel_caps > 64) throw new SpiceError('protocol', 'link reply declares too many caps');
  for (let i = 0; i < reply.num_common_caps; i++) commonWords.push(capsReader.u32());
  for (let i = 0; i < reply.num_channel_caps; i++) channelWords.push(capsReader.u32());
  const serverCommonCaps = wordsToCaps(commonWords);
  const serverChannelCaps = wordsToCaps(channelWords);
  const caps = CapSet.intersect({common: p.commonCaps, channel: p.channelCaps}, {common: serverCommonCaps, channel: serverChannelCaps});

  // Auth: with PROTOCOL_AUTH_SELECTION on both sides we name the mechanism (its cap number) first.
  const out: Uint8Array[] = [];
  if (caps.hasCommon(CommonCap.PROTOCOL_AUTH_SELECTION)) {
    if (!serverCommonCaps.includes(CommonCap.AUTH_SPICE)) {
      throw new SpiceError('auth', `the server offers only SASL authentication for the ${channel} channel, which spice-cli does not support yet`);
    }
    out.push(encode(LinkAuthMechanism, {auth_mechanism: AuthMechanism.SPICE}));
  }
  out.push(encryptTicket(reply.pub_key, p.password));
  stream.socket.write(Buffer.concat(out));

  const result = await stream.read(4, 'the link result', p.timeoutMs);
  const code = new DataView(result.buffer, result.byteOffset, 4).getUint32(0, true);
  if (code !== LinkErr.OK) throw new LinkRefused(code, channel);
  return {serverCommonCaps, serverChannelCaps, caps, miniHeader: caps.hasCommon(CommonCap.MINI_HEADER), linkRttMs};
}

function printable(b: Uint8Array): string {
  const s = Buffer.from(b).toString('latin1');
  return /^[\x20-\x7e]+$/.test(s) ? JSON.stringify(s) : Buffer.from(b).toString('hex');
}

/** A peer that closes after we sent the link header, having sent a few non-SPICE bytes, is not a SPICE server. */
function notSpiceIfGarbage(e: unknown, stream: ByteStream): unknown {
  if (e instanceof SpiceError && e.kind === 'connection-lost' && stream.bytesRead > 0) {
    return new SpiceError('protocol', `not a SPICE server: it answered the link message with ${stream.bytesRead} bytes that are not a SPICE link reply`);
  }
  if (e instanceof SpiceError && e.kind === 'connection-lost') {
    return new SpiceError('protocol', 'not a SPICE server (or it refused us): the connection closed before any link reply');
  }
  return e;
}
