/**
 * The message catalogue of every channel type: channel type → server→client and client→server
 * definitions (the BaseChannel messages are included in each). Readers and writers derive from it.
 */
import {ChannelType} from '../enums.js';
import {byType, type Catalogue, type MessageDef} from '../message.js';
import {CommonClient, CommonServer} from './common.js';
import {CursorClient, CursorServer} from './cursor.js';
import {DisplayClient, DisplayServer} from './display.js';
import {InputsClient, InputsServer} from './inputs.js';
import {MainClient, MainServer} from './main.js';
import {PlaybackClient, PlaybackServer} from './playback.js';
import {RecordClient, RecordServer} from './record.js';
import {SmartcardClient, SmartcardServer} from './smartcard.js';
import {PortClient, PortServer, SpicevmcClient, SpicevmcServer} from './spicevmc.js';

const perChannel: Record<number, {server: Catalogue; client: Catalogue}> = {
  [ChannelType.MAIN]: {server: MainServer, client: MainClient},
  [ChannelType.DISPLAY]: {server: DisplayServer, client: DisplayClient},
  [ChannelType.INPUTS]: {server: InputsServer, client: InputsClient},
  [ChannelType.CURSOR]: {server: CursorServer, client: CursorClient},
  [ChannelType.PLAYBACK]: {server: PlaybackServer, client: PlaybackClient},
  [ChannelType.RECORD]: {server: RecordServer, client: RecordClient},
  // TUNNEL (7) is empty in spice.proto: common messages only.
  [ChannelType.SMARTCARD]: {server: SmartcardServer, client: SmartcardClient},
  [ChannelType.USBREDIR]: {server: SpicevmcServer, client: SpicevmcClient},
  [ChannelType.PORT]: {server: PortServer, client: PortClient},
  [ChannelType.WEBDAV]: {server: PortServer, client: PortClient},
};

const serverIndex = new Map<number, Map<number, MessageDef>>();
const clientIndex = new Map<number, Map<number, MessageDef>>();

function index(cache: Map<number, Map<number, MessageDef>>, channelType: number, side: 'server' | 'client'): Map<number, MessageDef> {
  let m = cache.get(channelType);
  if (!m) {
    const own = perChannel[channelType]?.[side] ?? {};
    m = byType(side === 'server' ? CommonServer : CommonClient, own);
    cache.set(channelType, m);
  }
  return m;
}

/** The definition of a server→client message on a channel type, or undefined if unknown. */
export function serverMessage(channelType: number, type: number): MessageDef | undefined {
  return index(serverIndex, channelType, 'server').get(type);
}

/** The definition of a client→server message on a channel type, or undefined if unknown. */
export function clientMessage(channelType: number, type: number): MessageDef | undefined {
  return index(clientIndex, channelType, 'client').get(type);
}

/** Every declared (channel type, side, definition), for tests and docs. */
export function allMessages(): Array<{channelType: number; side: 'server' | 'client'; def: MessageDef}> {
  const out: Array<{channelType: number; side: 'server' | 'client'; def: MessageDef}> = [];
  for (const t of Object.values(ChannelType)) {
    for (const side of ['server', 'client'] as const) {
      for (const def of index(side === 'server' ? serverIndex : clientIndex, t, side).values()) out.push({channelType: t, side, def});
    }
  }
  return out;
}
