/**
 * Progress of `spice-cli send-file` for logs and CI: plain lines on stderr, one per file at the start,
 * then at every further 10 % or every second, whichever comes first, and one at the end.
 */
import type {XferOutcome, XferProgress} from '../client/actions/files.js';

export interface XferView {
  progress(p: XferProgress): void;
  done(o: XferOutcome): void;
  /** Removes any live drawing (before the process ends or prints errors). */
  close(): void;
}

/** A size for people: B below 1 KiB, then KiB, MiB. */
export function mib(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export {mibps, shown} from '../client/actions/files.js';
import {mibps, shown} from '../client/actions/files.js';

export function outcomeLine(o: XferOutcome): string {
  if (o.ok) return `${shown(o.name)}: sent ${mib(o.size)} in ${(o.ms / 1000).toFixed(1)} s${o.size >= 2 ** 20 ? ` (${mibps(o.size, o.ms)} MiB/s)` : ''}`;
  return `${shown(o.name)}: ${o.cancelledByClient ? 'cancelled' : `refused by the guest agent (${o.status}): ${o.reason}`}`;
}

export function plainXferView(out: NodeJS.WritableStream): XferView {
  let last = {id: -1, pct: -1, at: 0};
  return {
    progress(p) {
      const pct = p.size ? Math.floor((p.sent / p.size) * 100) : 100;
      const now = performance.now();
      if (p.id === last.id && p.sent < p.size && pct < last.pct + 10 && now - last.at < 1000) return;
      if (p.id === last.id && p.sent === p.size && last.pct === 100) return;
      last = {id: p.id, pct, at: now};
      out.write(`${shown(p.name)}: ${pct}% (${mib(p.sent)} of ${mib(p.size)})\n`);
    },
    done: (o) => out.write(outcomeLine(o) + '\n'),
    close: () => undefined,
  };
}
