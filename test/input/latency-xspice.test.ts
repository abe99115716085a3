/**
 * Latency hooks against a real Xspice: an xterm running bash at 0,0 (100x30 cells). Each input event sent
 * is timestamped and paired with the first display update applied after it: the pairing and the order are
 * checked against every 'damage' event the display layer emitted, and the update of a typed character lies
 * in the xterm's window (xdotool getwindowgeometry). Durations are never asserted (they are benchmarks).
 */
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {SpiceSession} from '../../src/client/session.js';
import type {DamageEvent} from '../../src/client/display/renderer.js';
import {InputLatency, measureKeyToPixel} from '../../src/client/actions/latency.js';
import {SC} from '../../src/client/wire/scancodes.js';
import {SpiceError} from '../../src/client/errors.js';

let t: LabTarget;
let session: SpiceSession;
let tracker: InputLatency;
const damage: DamageEvent[] = [];
let win: {x: number; y: number; w: number; h: number};

const KEY_A = 0x1e;

beforeAll(async () => {
  const shell = existsSync('/bin/bash') ? ['/bin/bash', '--noprofile', '--norc'] : ['/bin/sh'];
  t = await startXspice({stopOnExit: true, clients: [{command: 'xterm', args: ['-geometry', '100x30+0+0', '-title', 'spice-cli-latency', '-e', ...shell]}]});
  const g = spawnSync('xdotool', ['search', '--name', 'spice-cli-latency', 'getwindowgeometry', '--shell'], {env: {...process.env, DISPLAY: t.display}, encoding: 'utf8', timeout: 10_000});
  const v = (k: string) => Number(new RegExp(`^${k}=(\\d+)`, 'm').exec(g.stdout)?.[1]);
  win = {x: v('X'), y: v('Y'), w: v('WIDTH'), h: v('HEIGHT')};
  expect(win.w).toBeGreaterThan(0);
  session = await SpiceSession.connect(t.uri, {render: true, timeoutMs: 15_000});
  await session.display!.waitFirstFrame();
  await session.display!.waitStill(500);
  session.display!.on('damage', (d: DamageEvent) => damage.push(d));
  tracker = await InputLatency.of(session, 10_000);
}, 60_000);

afterAll(async () => {
  tracker?.stop();
  session?.close();
  await t?.stop();
});

/** The first damage event applied at or after `at`. */
const firstDamageAfter = (at: number) => damage.find((d) => d.at >= at);

describe('input latency hooks on Xspice', () => {
  it('a typed character: the press is paired with the first update after it, inside the xterm', async () => {
    const r = await measureKeyToPixel(tracker, KEY_A, 10_000);
    const [down, up] = tracker.samples;
    expect(down.event).toMatchObject({kind: 'key-down', code: KEY_A});
    expect(up.event).toMatchObject({kind: 'key-up', code: KEY_A});
    expect(up.sentAt).toBeGreaterThanOrEqual(down.sentAt);
    // The pairing is exactly the first damage event emitted after the press.
    expect(r.update).toBe(firstDamageAfter(down.sentAt));
    expect(r.firstUpdateAt).toBe(r.update.at);
    expect(r.firstUpdateAt).toBeGreaterThanOrEqual(r.sentAt);
    expect(r.update.rects.length).toBeGreaterThan(0);
    for (const rect of r.update.rects) {
      expect(rect.left).toBeGreaterThanOrEqual(win.x);
      expect(rect.top).toBeGreaterThanOrEqual(win.y);
      expect(rect.right).toBeLessThanOrEqual(win.x + win.w);
      expect(rect.bottom).toBeLessThanOrEqual(win.y + win.h);
    }
    // The release was sent after that update: its own first update (if any came) is a later one.
    await new Promise((r) => setTimeout(r, 300));
    if (up.update) {
      expect(up.update).toBe(firstDamageAfter(up.sentAt));
      expect(up.firstUpdateAt!).toBeGreaterThanOrEqual(r.firstUpdateAt);
    }
  });

  it('events sent together share the first update that follows them; each later event gets a later one', async () => {
    await session.display!.waitStill(300);
    const from = tracker.samples.length;
    for (const sc of [0x30 /* b */, 0x2e /* c */]) {
      tracker.inputs.keyDown(sc);
      tracker.inputs.keyUp(sc);
    }
    const batch = tracker.samples.slice(from);
    expect(batch.map((s) => s.event.kind)).toEqual(['key-down', 'key-up', 'key-down', 'key-up']);
    await tracker.waitUpdate(batch[3], 10_000);
    const first = firstDamageAfter(batch[3].sentAt);
    for (const s of batch) expect(s.update).toBe(first);
    const next = await measureKeyToPixel(tracker, 0x20 /* d */, 10_000);
    expect(next.firstUpdateAt).toBeGreaterThan(first!.at);
    expect(next.sentAt).toBeGreaterThan(batch[3].sentAt);
  });

  it('mouse events are tracked too, and an event that changes nothing times out waiting', async () => {
    await session.display!.waitStill(300);
    const from = tracker.samples.length;
    tracker.inputs.keyDown(SC.LSHIFT); // Shift alone draws nothing in an xterm
    const shift = tracker.samples[from];
    expect(shift.event).toMatchObject({kind: 'key-down', code: SC.LSHIFT});
    const err = await tracker.waitUpdate(shift, 700).catch((e) => e);
    tracker.inputs.keyUp(SC.LSHIFT);
    expect(err).toBeInstanceOf(SpiceError);
    expect((err as SpiceError).kind).toBe('timeout');
    tracker.inputs.mousePress(1);
    tracker.inputs.mouseRelease(1);
    expect(tracker.samples.slice(-2).map((s) => [s.event.kind, s.event.code])).toEqual([
      ['press', 1],
      ['release', 1],
    ]);
  });
});
