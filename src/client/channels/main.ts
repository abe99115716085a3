/**
 * The main channel (protocol map §3.1): INIT, NAME/UUID, CHANNELS_LIST, mouse modes, multimedia time
 * and the agent lifecycle (AGENT_CONNECTED[_TOKENS] → AGENT_START, tokens both ways). The agent
 * message stream itself (clipboard, monitors, files) is built on the 'agent-data' event.
 */
import {MouseMode} from '../wire/enums.js';
import type {ReadOf} from '../wire/schema.js';
import {MainClient, MainServer} from '../wire/messages/main.js';
import {Channel} from './channel.js';
import {performance} from 'node:perf_hooks';

export type MainInit = ReadOf<typeof MainServer.INIT.schema>;

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

  constructor(...args: ConstructorParameters<typeof Channel>) {
    super(...args);
    const migrationNotice = (name: string) => () => this.log.warn(`main: ignoring ${name}: migration is not supported yet`);
    const migrationBegin = (name: string) => () => {
      // Semi-seamless and seamless migration caps are not advertised; a server may still announce one.
      this.log.warn(`main: the server announced a migration (${name}); migration is not supported yet`);
      this.send(MainClient.MIGRATE_CONNECT_ERROR, {});
    };
    this.handlers
      .on(MainServer.INIT, (m) => {
        this.init = m;
        this.mouse = {supported: m.supported_mouse_modes, current: m.current_mouse_mode};
        this.mmTime = {ms: m.multi_media_time, at: performance.now()};
        this.agentTokens = m.agent_tokens;
        if (m.agent_connected) this.agentUp();
        this.emit('init', m);
      })
      .on(MainServer.NAME, (m) => {
        this.serverName = m.name;
        this.emit('name', m.name);
      })
      .on(MainServer.UUID, (m) => {
        this.uuid = formatUuid(m.uuid);
        this.emit('uuid', this.uuid);
      })
      .on(MainServer.CHANNELS_LIST, (m) => {
        this.emit('channels-list', m.channels);
      })
      .on(MainServer.MOUSE_MODE, (m) => {
        this.mouse = {supported: m.supported_modes, current: m.current_mode};
        this.emit('mouse-mode', this.mouse);
      })
      .on(MainServer.MULTI_MEDIA_TIME, (m) => {
        this.mmTime = {ms: m.time, at: performance.now()};
        this.emit('mm-time', m.time);
      })
      .on(MainServer.AGENT_CONNECTED, () => this.agentUp())
      .on(MainServer.AGENT_CONNECTED_TOKENS, (m) => {
        this.agentTokens = m.num_tokens;
        this.agentUp();
      })
      .on(MainServer.AGENT_DISCONNECTED, () => {
        this.agentConnected = false;
        this.agentBacklog = [];
        this.emit('agent', false);
      })
      .on(MainServer.AGENT_TOKEN, (m) => {
        this.agentTokens += m.num_tokens;
        this.emit('agent-tokens', this.agentTokens);
      })
      .on(MainServer.AGENT_DATA, (m) => {
        // Kept until a GuestAgent listens, so its reassembly starts at the first byte of the stream.
        if (this.listenerCount('agent-data') === 0) this.keepAgentData(m.data);
        else this.emit('agent-data', m.data);
      })
      .on(MainServer.MIGRATE_BEGIN, migrationBegin(MainServer.MIGRATE_BEGIN.name))
      .on(MainServer.MIGRATE_BEGIN_SEAMLESS, migrationBegin(MainServer.MIGRATE_BEGIN_SEAMLESS.name))
      .on(MainServer.MIGRATE_SWITCH_HOST, migrationNotice(MainServer.MIGRATE_SWITCH_HOST.name))
      .on(MainServer.MIGRATE_CANCEL, migrationNotice(MainServer.MIGRATE_CANCEL.name))
      .on(MainServer.MIGRATE_END, migrationNotice(MainServer.MIGRATE_END.name))
      .on(MainServer.MIGRATE_DST_SEAMLESS_ACK, migrationNotice(MainServer.MIGRATE_DST_SEAMLESS_ACK.name))
      .on(MainServer.MIGRATE_DST_SEAMLESS_NACK, migrationNotice(MainServer.MIGRATE_DST_SEAMLESS_NACK.name));
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

  /**
   * Sets the session's multimedia clock (spice-gtk's spice_session_set_mm_time): INIT and MULTI_MEDIA_TIME set it
   * here, and while audio plays the playback stream does, from its packets' times less the playback delay.
   */
  setMmTime(ms: number): void {
    this.mmTime = {ms: ms >>> 0, at: performance.now()};
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
