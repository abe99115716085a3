/**
 * File transfer pieces that need no session: the FILE_XFER_START keyfile text (GKeyFile escaping) and the
 * FILE_XFER_STATUS results in plain words, with the detail that FILE_XFER_DETAILED_ERRORS adds.
 */
import {decode} from '../wire/schema.js';
import {AgentFileXferStatus, AgentFileXferStatusErrorType} from '../wire/enums.js';
import {AgentFileXferStatusDetail} from '../wire/messages/agent.js';

export type XferStatusName = keyof typeof AgentFileXferStatus;

export function statusName(result: number): XferStatusName | `UNKNOWN_${number}` {
  const hit = (Object.keys(AgentFileXferStatus) as XferStatusName[]).find((k) => AgentFileXferStatus[k] === result);
  return hit ?? `UNKNOWN_${result}`;
}

/**
 * A GKeyFile string value: GLib's parser splits lines on \n (dropping a trailing \r) and trims spaces after
 * "=", so \\, \n, \r, \t and leading/trailing spaces (\s) are escaped as g_key_file_set_string does.
 */
export function keyfileValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === ' ' && (i === 0 || i === v.length - 1)) out += '\\s';
    else out += c;
  }
  return out;
}

/** The FILE_XFER_START text (the layout adds the NUL): group [vdagent-file-xfer], name= and size=. */
export function startKeyfile(name: string, size: number): string {
  return `[vdagent-file-xfer]\nname=${keyfileValue(name)}\nsize=${size}\n`;
}

/** GIOErrorEnum codes (gio/gioenums.h) a guest may report, in plain words. */
const GIO_ERRORS: Record<number, string> = {
  0: 'failed',
  1: 'not found',
  2: 'already exists',
  3: 'is a directory',
  4: 'not a directory',
  6: 'not a regular file',
  9: 'file name too long',
  10: 'invalid file name',
  12: 'no space left on the device',
  13: 'invalid argument',
  14: 'permission denied',
  15: 'not supported',
  19: 'cancelled',
  21: 'read-only file system',
  24: 'timed out',
  26: 'busy',
  31: 'too many open files (too many transfers at once)',
};

export interface XferStatusDetail {
  /** result ERROR: AgentFileXferStatusErrorType and its code (GIOErrorEnum for GLIB_IO). */
  errorType?: number;
  errorCode?: number;
  /** result NOT_ENOUGH_SPACE: free bytes on the guest's disk. */
  diskFreeSpace?: number;
}

/** Decodes the optional detail after a STATUS (only sent when we announced FILE_XFER_DETAILED_ERRORS). */
export function statusDetail(result: number, data: Uint8Array): XferStatusDetail | undefined {
  try {
    if (result === AgentFileXferStatus.ERROR && data.length >= 5) {
      const d = decode(AgentFileXferStatusDetail.ERROR, data.subarray(0, 5));
      return {errorType: d.error_type, errorCode: d.error_code};
    }
    if (result === AgentFileXferStatus.NOT_ENOUGH_SPACE && data.length >= 8) {
      const d = decode(AgentFileXferStatusDetail.NOT_ENOUGH_SPACE, data.subarray(0, 8));
      return {diskFreeSpace: Number(d.disk_free_space)};
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function mib(n: number): string {
  return n >= 1 << 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/** The agent's answer in plain words, e.g. "not enough space on the guest (79.5 GiB free)". */
export function statusWords(result: number, detail?: XferStatusDetail): string {
  switch (result) {
    case AgentFileXferStatus.SUCCESS:
      return 'saved';
    case AgentFileXferStatus.CANCELLED:
      return 'cancelled by the guest';
    case AgentFileXferStatus.ERROR: {
      if (detail?.errorType === AgentFileXferStatusErrorType.GLIB_IO && detail.errorCode !== undefined) {
        return `the guest could not save it: ${GIO_ERRORS[detail.errorCode] ?? `I/O error ${detail.errorCode}`}`;
      }
      return 'the guest could not save it (no reason given; spice-vdagent logs it)';
    }
    case AgentFileXferStatus.NOT_ENOUGH_SPACE:
      return `not enough space on the guest${detail?.diskFreeSpace !== undefined ? ` (${mib(detail.diskFreeSpace)} free)` : ''}`;
    case AgentFileXferStatus.SESSION_LOCKED:
      return "the guest's session is locked";
    case AgentFileXferStatus.VDAGENT_NOT_CONNECTED:
      return 'no session agent (spice-vdagent) is running in the guest';
    case AgentFileXferStatus.DISABLED:
      return 'file transfer is disabled on the guest';
    default:
      return `unknown status ${result}`;
  }
}
