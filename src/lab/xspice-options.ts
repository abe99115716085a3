/**
 * What an Xspice lab target can be asked for (XspiceOptions), the allowed values of its settings,
 * the default X clients, and the validation of options before anything is started.
 */
import {existsSync} from 'node:fs';
import {SpiceError} from '../client/errors.js';

export const XSPICE_COMPRESSIONS = ['off', 'auto_glz', 'auto_lz', 'quic', 'glz', 'lz'] as const;
export type XspiceCompression = (typeof XSPICE_COMPRESSIONS)[number];
export const XSPICE_WAN_MODES = ['auto', 'never', 'always'] as const;
export type XspiceWanMode = (typeof XSPICE_WAN_MODES)[number];
export const XSPICE_STREAMING = ['off', 'all', 'filter'] as const;
export type XspiceStreaming = (typeof XSPICE_STREAMING)[number];

/** An X client to start on the target's display once it is up. */
export interface XClient {
  command: string;
  args?: string[];
  /** Extra environment (DISPLAY, HOME, LANG and SHELL are set already). */
  env?: Record<string, string>;
  /** Whether it opens a top-level window to wait for (default true). */
  window?: boolean;
}

export interface XspiceOptions {
  /** Target name (default "xspice-N", N being the X display number). */
  name?: string;
  /** Lab root (default $SPICE_CLI_LAB_DIR or ${os.tmpdir()}/spice-cli-lab). */
  labDir?: string;
  /** SPICE password; undefined disables ticketing. */
  password?: string;
  /** Also open a TLS port, with a lab CA and server certificate (the plain port stays open). */
  tls?: boolean;
  /** Run spice-vdagentd + spice-vdagent (clipboard, monitors config, file transfer). */
  vdagent?: boolean;
  /**
   * XSPICE_AGENT_MOUSE=1 (SpiceAgentMouse; Xspice's default is off): in client mouse mode spice-server hands
   * MOUSE_POSITION to the guest agent (x, y relative to monitor display_id, as QEMU does by default) instead of
   * Xspice's own tablet (x, y on the whole X screen, display_id ignored). Needs vdagent.
   */
  agentMouse?: boolean;
  /** Where spice-vdagent saves transferred files (implies vdagent). */
  fileXferDir?: string;
  /** Playback channel fed from a FIFO (extra.audioFifo: raw S16LE stereo 48 kHz PCM); playback compression on (Opus to clients that announce it). */
  audio?: boolean;
  compression?: XspiceCompression;
  jpegWan?: XspiceWanMode;
  zlibGlzWan?: XspiceWanMode;
  streaming?: XspiceStreaming;
  /** XSPICE_VIDEO_CODECS, e.g. "gstreamer:vp8;spice:mjpeg". */
  videoCodecs?: string;
  /** XSPICE_DEFERRED_FPS */
  deferredFps?: number;
  /** XSPICE_EXIT_ON_DISCONNECT=1: the server exits when the client disconnects. */
  exitOnDisconnect?: boolean;
  /** Off-screen surfaces (EnableSurfaces), default true. */
  surfaces?: boolean;
  /** QXL heads (xorg.conf NumHeads), 1–16, default 1: the X outputs a multi-monitor MONITORS_CONFIG can enable. */
  heads?: number;
  /** Screen size, default 1024x768. */
  width?: number;
  height?: number;
  /** X clients to start; default defaultXClients() (xterm with a shell, xlogo). Pass [] for none. */
  clients?: XClient[];
  /**
   * WM_CLASS of a window to give the X input focus once the clients are up (there is no
   * window manager: without this, keys go to whatever window is under the pointer).
   * Default "xterm" when an xterm is among the clients; false to leave focus alone.
   */
  focusClass?: string | false;
  /** Extra environment for Xorg (e.g. other XSPICE_* variables). */
  env?: Record<string, string>;
  /** Limit for the server to listen, default 10 s. */
  startTimeoutMs?: number;
  /** Limit for the clients' windows to appear, default 10 s. */
  clientTimeoutMs?: number;
  /** Record the target in the lab state file (for `spice-cli lab status|stop`), default true. */
  register?: boolean;
  /** SIGKILL everything if this Node process exits without stop() (for tests), default false. */
  stopOnExit?: boolean;
  /** Keep the target directory (logs) after stop(); default false unless $SPICE_CLI_LAB_KEEP is set. */
  keepDir?: boolean;
}

/** The default X clients: an xterm running a shell (top left) and an xlogo (top right). */
export function defaultXClients(): XClient[] {
  return [
    {
      command: 'xterm',
      // A shell without rc files, so the prompt is the same everywhere ("$ ").
      args: ['-u8', '-geometry', '80x24+16+16', '-title', 'spice-cli-lab', '-e', ...(existsSync('/bin/bash') ? ['/bin/bash', '--noprofile', '--norc'] : ['/bin/sh'])],
    },
    {command: 'xlogo', args: ['-geometry', '160x160+760+16']},
  ];
}

function check<T extends string>(what: string, value: T | undefined, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new SpiceError('usage', `invalid ${what} "${value}": expected one of ${allowed.join(', ')}`);
  }
}

/** Throws a usage SpiceError for the first option that is out of range. */
export function validateXspiceOptions(opts: XspiceOptions): void {
  check('compression', opts.compression, XSPICE_COMPRESSIONS);
  check('jpeg-wan compression', opts.jpegWan, XSPICE_WAN_MODES);
  check('zlib-glz-wan compression', opts.zlibGlzWan, XSPICE_WAN_MODES);
  check('streaming mode', opts.streaming, XSPICE_STREAMING);
  for (const [k, v] of [['width', opts.width], ['height', opts.height]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 64 || v > 8192)) throw new SpiceError('usage', `invalid ${k} ${v}: expected an integer between 64 and 8192`);
  }
  if (opts.agentMouse && !(opts.vdagent || opts.fileXferDir)) throw new SpiceError('usage', 'agentMouse needs the guest agent (vdagent)');
  if (opts.heads !== undefined && (!Number.isInteger(opts.heads) || opts.heads < 1 || opts.heads > 16)) {
    throw new SpiceError('usage', `invalid heads ${opts.heads}: expected an integer between 1 and 16`);
  }
  if (opts.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(opts.name)) {
    throw new SpiceError('usage', `invalid target name "${opts.name}": use letters, digits, '.', '_' and '-'`);
  }
  if (opts.password !== undefined && (opts.password.length === 0 || opts.password.length > 60)) {
    // spice-server keeps at most 60 characters of a ticket.
    throw new SpiceError('usage', 'the password must be 1 to 60 characters long');
  }
}
