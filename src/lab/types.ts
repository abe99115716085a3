/**
 * Shared shapes of the lab: real SPICE servers (Xspice, QEMU) started on 127.0.0.1
 * for the tests, the demo and `spice-cli lab`.
 */
export type LabKind = 'xspice' | 'qemu';

/** One running lab target, as returned by startXspice/startQemu and stored in the lab state file. */
export interface LabTargetInfo {
  /** Short unique name, e.g. "xspice-1"; `spice-cli lab stop NAME` uses it. */
  name: string;
  kind: LabKind;
  /** URI spice-cli connects with: spice://127.0.0.1:PORT (plus ?tls-port=N when TLS is on), or spice+unix:///path. */
  uri: string;
  host: string;
  port?: number;
  tlsPort?: number;
  unixPath?: string;
  /** Set when the target requires a password (never logged by spice-cli itself). */
  password?: string;
  /** PEM CA that signed the server certificate, when TLS is on. */
  caFile?: string;
  /** Subject of the server certificate, in spice-gtk's "C=..,O=..,CN=.." form. */
  hostSubject?: string;
  /** PIDs of every process the target started (server first); stopped in reverse order. */
  pids: number[];
  /** Working directory of the target: logs, sockets, FIFOs, certs. */
  dir: string;
  /** X display number of an Xspice target (":N"). */
  display?: string;
  /** Extra per-target facts (e.g. audio FIFO path, vdagent socket, serial socket, QMP socket). */
  extra: Record<string, string>;
  startedAt: string;
}

/** What a caller gets back: the facts, plus a way to stop it. */
export interface LabTarget extends LabTargetInfo {
  stop(): Promise<void>;
}
