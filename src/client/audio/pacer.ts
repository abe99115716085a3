/**
 * Real-time pacing of the record stream's packets: packet k is due at start + k · period, an absolute time on
 * one clock, so a late wake-up delays only that packet (no burst to catch up beyond what is due, and no drift:
 * errors never add up over minutes). The clock is injected so that tests can run hours of packets at once.
 */

export interface PacingClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after about `ms` (never early on a real clock; a late wake-up is the lateness measured). */
  sleep(ms: number): Promise<void>;
}

export const realClock: PacingClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface PacingFigures {
  /** Packets sent. */
  packets: number;
  /** Largest lateness of a packet behind its due time (ms, 0.01 ms precision). */
  maxLateMs: number;
  /** Mean lateness (ms). */
  meanLateMs: number;
  /** How far the last packet's send was from its due time, i.e. the drift at the end (ms). */
  lastLateMs: number;
}

export interface PaceOptions {
  /** Packets to send. */
  count: number;
  /** Time between due times (ms): a packet's duration. */
  periodMs: number;
  clock?: PacingClock;
  /** Sends packet k; false when it could not (the server stopped recording): the run ends there. */
  send: (k: number, dueMs: number) => boolean | void;
  /** Checked before every packet: true ends the run (an abort). */
  stopped?: () => boolean;
}

export async function pace(o: PaceOptions): Promise<PacingFigures> {
  const clock = o.clock ?? realClock;
  const start = clock.now();
  let maxLate = 0;
  let sumLate = 0;
  let lastLate = 0;
  let sent = 0;
  for (let k = 0; k < o.count; k++) {
    const due = start + k * o.periodMs;
    const wait = due - clock.now();
    if (wait > 0) await clock.sleep(wait);
    if (o.stopped?.()) break;
    const late = Math.max(0, clock.now() - due);
    if (o.send(k, due) === false) break;
    lastLate = late;
    maxLate = Math.max(maxLate, late);
    sumLate += late;
    sent++;
  }
  const r = (ms: number) => Math.round(ms * 100) / 100;
  return {packets: sent, maxLateMs: r(maxLate), meanLateMs: r(sent ? sumLate / sent : 0), lastLateMs: r(lastLate)};
}
