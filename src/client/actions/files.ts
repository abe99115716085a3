/**
 * File transfer to the guest agent: each file as FILE_XFER_START, data once the guest agrees, then its final
 * status; one after the other. A refused file does not stop the others: the action ends with an
 * 'expectation' error naming every refusal; an abort cancels the file being sent (the guest deletes it).
 */
import {sendFile, type XferOutcome, type XferProgress} from '../agent/file-xfer.js';
import {interruptedError, SpiceError} from '../errors.js';
import type {SpiceSession} from '../session.js';

export interface SendFilesOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (p: XferProgress) => void;
  /** Called with each file's outcome as it ends. */
  onFile?: (o: XferOutcome) => void;
  /** Wait this long for an agent that is not connected yet (default 0). */
  agentWaitMs?: number;
}

export interface FileReport {
  name: string;
  size: number;
  ms: number;
  MiBps: number;
  status: string;
  sent?: number;
  reason?: string;
  guestFreeBytes?: number;
  errorType?: number;
  errorCode?: number;
}

export interface SendFilesReport {
  files: FileReport[];
}

/** MiB/s over ms (0 when nothing was measured). */
export function mibps(bytes: number, ms: number): number {
  return ms > 0 ? Math.round((bytes / 2 ** 20 / (ms / 1000)) * 100) / 100 : 0;
}

/** A file name on one line: quoted (JSON escapes) when it holds control characters. */
export function shown(name: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name) : name;
}

/** Sends `files` (path and optional guest name) one after the other. */
export async function sendFiles(session: SpiceSession, files: ReadonlyArray<{path: string; name?: string}>, o: SendFilesOptions): Promise<SendFilesReport> {
  const agent = await session.agent({timeoutMs: o.timeoutMs, agentWaitMs: o.agentWaitMs});
  const outcomes: XferOutcome[] = [];
  for (const f of files) {
    if (o.signal?.aborted) break;
    const out = await sendFile(agent, f.path, {timeoutMs: o.timeoutMs, name: f.name, signal: o.signal, onProgress: o.onProgress});
    outcomes.push(out);
    o.onFile?.(out);
  }
  const report = {files: outcomes.map(fileReport)};
  if (o.signal?.aborted || outcomes.some((x) => x.cancelledByClient)) throw interruptedError('interrupted: the transfer was cancelled', report);
  const refused = outcomes.filter((x) => !x.ok);
  if (refused.length) {
    const message = refused.map((x) => `${shown(x.name)}: the guest agent refused it (${x.status}): ${x.reason}`).join('; ');
    throw new SpiceError('expectation', message, {details: report});
  }
  return report;
}

function fileReport(o: XferOutcome): FileReport {
  return {
    name: o.name,
    size: o.size,
    ms: o.ms,
    MiBps: o.ok ? mibps(o.size, o.ms) : 0,
    status: o.status,
    ...(o.ok ? {} : {sent: o.sent, reason: o.cancelledByClient ? 'cancelled by spice-cli' : o.reason}),
    ...(o.detail?.diskFreeSpace !== undefined ? {guestFreeBytes: o.detail.diskFreeSpace} : {}),
    ...(o.detail?.errorCode !== undefined ? {errorType: o.detail.errorType, errorCode: o.detail.errorCode} : {}),
  };
}

export type {XferOutcome, XferProgress} from '../agent/file-xfer.js';
