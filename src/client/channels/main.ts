/**
 * The main channel (protocol map §3.1): INIT, NAME/UUID, CHANNELS_LIST, mouse modes, multimedia time
 * and the agent lifecycle (AGENT_CONNECTED[_TOKENS] → AGENT_START, tokens both ways). The agent
 * message stream itself (clipboard, monitors, files) is built on the 'agent-data' event.
 */
import {MouseMode} from '../wire/enums.js';
import type {MessageDef} from '../wire/message.js';
import {MainClient, MainServer} from '../wire/messages/main.js';
import {Channel} from './channel.js';
import {performance} from 'node:perf_hooks';

export type MainInit = ReturnType<typeof MainServer.INIT.layout.read>;

/** spice-gtk asks for unlimited server→client agent messages, so it never has to send AGENT_TOKEN. */
export const AGENT_TOKENS_UNLIMITED = 0xffffffff;
/** Agent data kept before a GuestAgent listens. */
const AGENT_BACKLOG_MAX = 4 << 20;

export interface MouseModes {
  supported: number;
  current: number;
}

export class MainChannel extends Channel {
  init?: MainInit;
  serverName?: string;
  uuid?: string;
  mouse: MouseModes = {supported: 0, current: 0};
  agentConnected = false;
  /** AGENT_DATA messages we may still send (server window). */
  agentTokens = 0;
  /** Last multimedia time from the server, and when we got it (performance.now()). */
  mmTime?: {ms: number; at: number};

  protected override onMessage(def: MessageDef, m: any): void {
    switch (def.type) {
      case MainServer.INIT.type:
        this.init = m;
        this.mouse = {supported: m.supported_mouse_modes, current: m.current_mouse_mode};
        this.mmTime = {ms: m.multi_media_time, at: performance.now()};
        this.agentTokens = m.agent_tokens;
        if (m.agent_connected) this.agentUp();
        this.emit('init', m);
        break;
      case MainServer.NAME.type:
        this.serverName = m.name;
        this.emit('name', m.name);
        break;
      case MainServer.UUID.type:
        this.uuid = formatUuid(m.uuid);
        this.emit('uuid', this.uuid);
        break;
      case MainServer.CHANNELS_LIST.type:
        this.emit('channels-list', m.channels as Array<{type: number; id: number}>);
        break;
      case MainServer.MOUSE_MODE.type:
        this.mouse = {supported: m.supported_modes, current: m.current_mode};
        this.emit('mouse-mode', this.mouse);
        break;
      case MainServer.MULTI_MEDIA_TIME.type:
        this.mmTime = {ms: m.time, at: performance.now()};
        this.emit('mm-time', m.time);
        break;
      case MainServer.AGENT_CONNECTED.type:
        this.agentUp();
        break;
      case MainServer.AGENT_CONNECTED_TOKENS.type:
        this.agentTokens = m.num_tokens;
        this.agentUp();
        break;
      case MainServer.AGENT_DISCONNECTED.type:
        this.agentConnected = false;
        this.agentBacklog = [];
        this.emit('agent', false);
        break;
      case MainServer.AGENT_TOKEN.type:
        this.agentTokens += m.num_tokens;
        this.emit('agent-tokens', this.agentTokens);
        break;
      case MainServer.AGENT_DATA.type:
        // Kept until a GuestAgent listens, so its reassembly starts at the first byte of the stream.
        if (this.listenerCount('agent-data') === 0) this.keepAgentData(m.data as Uint8Array);
        else this.emit('agent-data', m.data as Uint8Array);
        break;
      case MainServer.MIGRATE_BEGIN.type:
      case MainServer.MIGRATE_BEGIN_SEAMLESS.type:
        // Semi-seamless and seamless migration caps are not advertised; a server may still announce one.
        this.log.warn(`main: the server announced a migration (${def.name}); migration is not supported yet`);
        this.send(MainClient.MIGRATE_CONNECT_ERROR, {});
        break;
      case MainServer.MIGRATE_SWITCH_HOST.type:
      case MainServer.MIGRATE_CANCEL.type:
      case MainServer.MIGRATE_END.type:
      case MainServer.MIGRATE_DST_SEAMLESS_ACK.type:
      case MainServer.MIGRATE_DST_SEAMLESS_NACK.type:
        this.log.warn(`main: ignoring ${def.name}: migration is not supported yet`);
        break;
    }
  }

  /** AGENT_DATA received while nobody listened to 'agent-data' (bounded; dropped beyond the bound). */
  private agentBacklog: Uint8Array[] = [];
  private agentBacklogBytes = 0;
  /** True if agent data had to be dropped from the backlog (the agent stream is then out of step). */
  agentBacklogOverflow = false;

  private keepAgentData(data: Uint8Array): void {
    if (this.agentBacklogBytes + data.length > AGENT_BACKLOG_MAX) {
      this.agentBacklogOverflow = true;
      return;
    }
    this.agentBacklog.push(data);
    this.agentBacklogBytes += data.length;
  }

  /** Hands over (and forgets) the agent data received before anyone listened. */
  takeAgentBacklog(): Uint8Array[] {
    const out = this.agentBacklog;
    this.agentBacklog = [];
    this.agentBacklogBytes = 0;
    return out;
  }

  private agentUp(): void {
    const was = this.agentConnected;
    this.agentConnected = true;
    this.send(MainClient.AGENT_START, {num_tokens: AGENT_TOKENS_UNLIMITED});
    if (!was) this.emit('agent', true);
  }

  attachChannels(): void {
    this.send(MainClient.ATTACH_CHANNELS, {});
  }

  requestMouseMode(mode: number): void {
    this.send(MainClient.MOUSE_MODE_REQUEST, {mode});
  }

  /** The server's multimedia clock now, extrapolated from the last update. */
  currentMmTime(): number | undefined {
    if (!this.mmTime) return undefined;
    return (this.mmTime.ms + Math.round(performance.now() - this.mmTime.at)) >>> 0;
  }
}

export function mouseModeNames(flags: number): string[] {
  const out: string[] = [];
  if (flags & MouseMode.SERVER) out.push('server');
  if (flags & MouseMode.CLIENT) out.push('client');
  return out;
}

function formatUuid(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
