/**
 * The record stream's pacing (src/client/audio/pacer.ts) on a fake clock: packet k leaves at start + k · period
 * however late the wake-ups are, so ten minutes of 10 ms packets neither drift nor burst; a stall is caught up
 * with only the packets already due; the run ends when a packet cannot be sent or the stop check says so.
 */
import {describe, expect, it} from 'vitest';
import {pace, type PacingClock} from '../../src/client/audio/pacer.js';
import {prngU32} from '../support/prng.js';

/** A clock whose sleeps oversleep by `late(i)` ms (the i-th sleep), and whose sends take `work` ms. */
function fakeClock(late: (i: number) => number): PacingClock & {t: number} {
  let sleeps = 0;
  const c = {
    t: 1000,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms + late(sleeps++);
    },
  };
  return c;
}

describe('record pacing', () => {
  it('ten minutes of 10 ms packets with up to 3 ms late wake-ups: no drift, never early, never more than 3 ms late', async () => {
    const next = prngU32(12);
    const clock = fakeClock(() => (next() % 3001) / 1000);
    const sentAt: number[] = [];
    const count = 60_000; // 600 s
    const r = await pace({
      count,
      periodMs: 10,
      clock,
      send: () => {
        sentAt.push(clock.t);
        clock.t += 0.2; // the encode and the socket write
      },
    });
    expect(r.packets).toBe(count);
    const start = 1000;
    let worst = 0;
    for (let k = 0; k < count; k++) {
      const late = sentAt[k]! - (start + k * 10);
      expect(late).toBeGreaterThanOrEqual(0);
      worst = Math.max(worst, late);
    }
    expect(worst).toBeLessThanOrEqual(3.0001);
    expect(r.maxLateMs).toBeCloseTo(worst, 2);
    // The last packet is as late as any other, not 60 000 × the mean lateness: errors do not add up.
    expect(r.lastLateMs).toBeLessThanOrEqual(3.0001);
    expect(sentAt[count - 1]! - sentAt[0]!).toBeGreaterThan((count - 1) * 10 - 3.0001);
    expect(sentAt[count - 1]! - sentAt[0]!).toBeLessThan((count - 1) * 10 + 3.0001);
  });

  it('after a 55 ms stall only the packets already due go at once, then the pace resumes', async () => {
    const clock = fakeClock((i) => (i === 10 ? 55 : 0));
    const sentAt: number[] = [];
    await pace({count: 30, periodMs: 10, clock, send: () => void sentAt.push(clock.t)});
    const offsets = sentAt.map((t) => Math.round((t - 1000) * 1000) / 1000);
    // The 11th wait (packet 11, due at 110) overslept to 165: packets 11–16 (due ≤ 160) go at 165, 17 at 170.
    expect(offsets.slice(10, 19)).toEqual([100, 165, 165, 165, 165, 165, 165, 170, 180]);
    expect(offsets[29]).toBe(290);
  });

  it('stops at the first packet that cannot be sent, and on the stop check', async () => {
    const clock = fakeClock(() => 0);
    const sent: number[] = [];
    const r = await pace({count: 100, periodMs: 10, clock, send: (k) => (k === 7 ? false : void sent.push(k))});
    expect(r.packets).toBe(7);
    expect(sent).toEqual([0, 1, 2, 3, 4, 5, 6]);
    let n = 0;
    const r2 = await pace({count: 100, periodMs: 10, clock, stopped: () => n >= 4, send: () => void n++});
    expect(r2.packets).toBe(4);
  });

  // Generous bounds: the suite shares two cores with QEMU guests (a packet 51 ms late was seen at load 12).
  it('the real clock: 50 packets of 10 ms take 490–700 ms and none is more than 150 ms late', async () => {
    const t0 = performance.now();
    const r = await pace({count: 50, periodMs: 10, send: () => undefined});
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(489);
    expect(ms).toBeLessThan(700);
    expect(r.maxLateMs).toBeLessThan(150);
  });
});
