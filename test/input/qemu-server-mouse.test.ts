/**
 * Server mouse mode, closed loop, against QEMU + the Linux guest (PS/2 mouse, no usb-tablet, no agent, so
 * the server offers server mode only). A tiny static guest helper (nolibc, gcc on the host, copied over the
 * serial shell, as in test/cursor/live.test.ts) plays a pointer: it reads the PS/2 mouse's evdev device,
 * applies the relative motion 1:1 (no acceleration) clamped to the screen, moves a DRM cursor (hot spot 3,5)
 * with DRM_MODE_CURSOR_MOVE so qxl reports CURSOR_MOVE, and prints every position and button event on its
 * stdout. So the guest's own pointer position is the ground truth: `move`, `click` and `drag` must land on
 * the exact pixel there, and report `exact: true` in server mode.
 */
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {connectSerial, type SerialShell} from '../../src/lab/guest/serial.js';
import {which} from '../../src/lab/install.js';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';
import {buildGuestHelper, installInGuest} from '../support/guest-helper.js';

const runLab = (which('qemu-system-x86_64') !== undefined && which('gcc') !== undefined) || !!process.env.CI;
const work = mkdtempSync(join(tmpdir(), 'spice-cli-srvmouse-'));

/**
 * The guest helper: raw syscalls, no libc, x86-64 Linux. Usage: pointer EVDEV W H X0 Y0 [ACCEL]. With ACCEL 1
 * it accelerates as X's default profile roughly does: per axis and event, motion beyond 4 counts double.
 */
const POINTER_C = String.raw`/* Test helper for the lab guest: a 1:1 pointer driven by an evdev mouse, drawn as a DRM cursor (hot spot 3,5). */
struct input_event { long sec, usec; u16 type, code; int value; };
struct pollfd { int fd; short events, revents; };
#define HOTX 3
#define HOTY 5
static void outn(long v) { char b[24]; int i = 23; b[i] = 0; int neg = v < 0; if (neg) v = -v; do { b[--i] = '0' + v % 10; v /= 10; } while (v); if (neg) b[--i] = '-'; out(b + i); }
static void fail(const char *s, long code) { out("pointer: "); out(s); out(" failed\n"); sc(60, (int)code, 0, 0, 0, 0, 0); }
void __attribute__((used)) cmain(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  if (argc < 6) fail("usage", 9);
  int w = num(argv[2]), h = num(argv[3]), x = num(argv[4]), y = num(argv[5]), accel = argc > 6 && num(argv[6]) == 1;
  int ev = (int)sc(2, (long)argv[1], 0 /*O_RDONLY*/, 0, 0, 0, 0);
  if (ev < 0) fail("open evdev", 8);
  int fd = (int)sc(2, (long)"/dev/dri/card0", 2 /*O_RDWR*/, 0, 0, 0, 0);
  if (fd < 0) fail("open", 1);
  unsigned int crtcs[8];
  struct drm_mode_card_res res = {0};
  res.crtc_id_ptr = (unsigned long)crtcs;
  if (sc(16, fd, DRM_IOCTL_MODE_GETRESOURCES, (long)&res, 0, 0, 0) < 0) fail("getresources", 2);
  if (res.count_crtcs > 8) res.count_crtcs = 8;
  res.count_fbs = res.count_connectors = res.count_encoders = 0;
  if (sc(16, fd, DRM_IOCTL_MODE_GETRESOURCES, (long)&res, 0, 0, 0) < 0 || !res.count_crtcs) fail("getresources 2", 3);
  struct drm_mode_create_dumb cd = {0};
  cd.width = 64; cd.height = 64; cd.bpp = 32;
  if (sc(16, fd, DRM_IOCTL_MODE_CREATE_DUMB, (long)&cd, 0, 0, 0) < 0) fail("create_dumb", 4);
  struct drm_mode_map_dumb md = {0};
  md.handle = cd.handle;
  if (sc(16, fd, DRM_IOCTL_MODE_MAP_DUMB, (long)&md, 0, 0, 0) < 0) fail("map_dumb", 5);
  long p = sc(9, 0, cd.size, 3 /*RW*/, 1 /*SHARED*/, fd, md.offset);
  if (p < 0 && p > -4096) fail("mmap", 6);
  for (int r = 0; r < 64; r++) {
    unsigned int *row = (unsigned int *)(p + r * cd.pitch);
    for (int c = 0; c < 64; c++) row[c] = c < 16 && r < 16 && c <= r ? 0xff00ff00 : 0;
  }
  struct drm_mode_cursor2 cur = {0};
  cur.flags = DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE;
  cur.crtc_id = crtcs[0];
  cur.x = x - HOTX; cur.y = y - HOTY; cur.width = 64; cur.height = 64; cur.handle = cd.handle; cur.hot_x = HOTX; cur.hot_y = HOTY;
  if (sc(16, fd, DRM_IOCTL_MODE_CURSOR2, (long)&cur, 0, 0, 0) < 0) fail("cursor2", 7);
  cur.flags = DRM_MODE_CURSOR_MOVE;
  out("pointer: ok\n");
  struct input_event e[32];
  struct pollfd pf = {ev, 1 /*POLLIN*/, 0};
  int dx = 0, dy = 0;
  for (;;) {
    /* spice-server remembers the position of MOVE commands only: re-send it every 100 ms so a new client's INIT is current. */
    if (sc(7 /*poll*/, (long)&pf, 1, 100, 0, 0, 0) <= 0) { sc(16, fd, DRM_IOCTL_MODE_CURSOR2, (long)&cur, 0, 0, 0); continue; }
    long n = sc(0, ev, (long)e, sizeof e, 0, 0, 0);
    if (n <= 0) fail("read", 10);
    for (long i = 0; i < n / (long)sizeof e[0]; i++) {
      if (e[i].type == 2 /*EV_REL*/ && e[i].code == 0 /*REL_X*/) dx += e[i].value;
      else if (e[i].type == 2 && e[i].code == 1 /*REL_Y*/) dy += e[i].value;
      else if (e[i].type == 1 /*EV_KEY*/ && e[i].code >= 0x110 && e[i].code <= 0x112) {
        out("btn "); outn(e[i].code); out(" "); outn(e[i].value); out(" "); outn(x); out(" "); outn(y); out("\n");
      } else if (e[i].type == 0 /*EV_SYN*/ && (dx || dy)) {
        if (accel) {
          if (dx > 4) dx = 4 + (dx - 4) * 2; else if (dx < -4) dx = -4 + (dx + 4) * 2;
          if (dy > 4) dy = 4 + (dy - 4) * 2; else if (dy < -4) dy = -4 + (dy + 4) * 2;
        }
        x += dx; y += dy; dx = dy = 0;
        if (x < 0) x = 0;
        if (x > w - 1) x = w - 1;
        if (y < 0) y = 0;
        if (y > h - 1) y = h - 1;
        cur.x = x - HOTX; cur.y = y - HOTY;
        sc(16, fd, DRM_IOCTL_MODE_CURSOR2, (long)&cur, 0, 0, 0);
        out("pos "); outn(x); out(" "); outn(y); out("\n");
      }
    }
  }
}
`;

interface MouseJson {
  ok: boolean;
  mode: string;
  exact: boolean;
  x: number;
  y: number;
  motions: number;
  rounds: number;
  ms: number;
}

describe.runIf(runLab)('server mouse mode, closed loop, on QEMU + the Linux guest (PS/2 mouse)', () => {
  let t: LabTarget;
  let shell: SerialShell;
  let width = 0;
  let height = 0;
  let ev = '';
  const figures: Array<Record<string, unknown>> = [];

  /** The guest pointer's last position (its helper's last "pos" line). */
  const guestPos = async () => {
    const line = (await shell.run('grep "^pos " /tmp/pointer.log | tail -n 1')).trim();
    const m = /^pos (-?\d+) (-?\d+)$/m.exec(line);
    return m ? {x: Number(m[1]), y: Number(m[2])} : undefined;
  };
  /** The helper's button lines since the log had `skip` of them. */
  const buttons = async () => (await shell.run('grep "^btn " /tmp/pointer.log; true')).split('\n').map((l) => l.trim()).filter((l) => l.startsWith('btn '));

  const cli = async (args: string[]) => {
    const r = await runCli([...args, '--uri', t.uri, '--json', '--timeout', '30'], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as MouseJson;
    figures.push({cmd: args.join(' '), rounds: j.rounds, motions: j.motions, ms: j.ms});
    return j;
  };

  beforeAll(async () => {
    const bin = buildGuestHelper(work, 'pointer', POINTER_C);
    // No usb-tablet and no agent: the server offers server mouse mode only, driving QEMU's PS/2 mouse.
    t = await startQemu({mode: 'linux', tablet: false, agent: false});
    shell = await connectSerial(t.extra.serial!);
    await shell.waitForShell(60_000);
    await shell.run('echo 0 > /sys/class/graphics/fbcon/cursor_blink');
    const devices = await shell.run('cat /proc/bus/input/devices');
    expect(devices).toMatch(/PS\/2 .*Mouse/);
    ev = (await shell.run('for f in /sys/class/input/event*; do grep -qiE "PS/2|Mouse" $f/device/name && echo /dev/input/${f##*/}; done')).trim().split('\n')[0].trim();
    expect(ev).toMatch(/^\/dev\/input\/event\d+$/);
    const size = (await shell.run('cat /sys/class/graphics/fb0/virtual_size')).trim();
    [width, height] = size.split(',').map(Number);
    expect(width).toBeGreaterThan(600);
    expect(height).toBeGreaterThan(400);
    await installInGuest(shell, bin, '/tmp/pointer');
    // Starts in the middle of the screen.
    expect(await shell.run(`/tmp/pointer ${ev} ${width} ${height} ${width >> 1} ${height >> 1} > /tmp/pointer.log 2>&1 & sleep 1; cat /tmp/pointer.log`, 10_000)).toContain('pointer: ok');
  }, 180_000);

  afterAll(async () => {
    if (figures.length) console.info(`[server-mouse] ${JSON.stringify(figures)}`);
    shell?.close();
    await t?.stop();
  });

  it('move lands on the exact pixel in server mode, far and near, corners included', async () => {
    for (const [x, y] of [
      [100, 80],
      [width - 137, height - 91],
      [101, 79],
      [0, 0],
      [width - 1, height - 1],
      [333, 222],
    ]) {
      const j = await cli(['move', String(x), String(y)]);
      expect(j).toMatchObject({ok: true, mode: 'server', exact: true, x, y});
      expect(j.rounds).toBeGreaterThan(0);
      expect(await guestPos()).toEqual({x, y});
    }
  }, 180_000);

  it('a point off the screen is refused before anything is sent (exit 2), in server mode too', async () => {
    const before = await guestPos();
    const r = await runCli(['move', String(width + 50), '10', '--uri', t.uri, '--json', '--timeout', '30'], {timeoutMs: 60_000});
    expect(r.code, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ok: false, error: {kind: 'usage'}, screen: {width}});
    expect(await guestPos()).toEqual(before);
  }, 60_000);

  it('click presses and releases the button at the exact pixel', async () => {
    const before = (await buttons()).length;
    const j = await cli(['click', '417', '289', '--button', 'right']);
    expect(j).toMatchObject({ok: true, mode: 'server', exact: true, x: 417, y: 289});
    const lines = (await buttons()).slice(before);
    // BTN_RIGHT = 0x111
    expect(lines).toEqual(['btn 273 1 417 289', 'btn 273 0 417 289']);
  }, 60_000);

  it('drag presses at the start and releases at the end, both exact', async () => {
    const before = (await buttons()).length;
    const j = await cli(['drag', '150', '120', '512', '300', '--steps', '4']);
    expect(j).toMatchObject({ok: true, mode: 'server', exact: true, x: 512, y: 300});
    const lines = (await buttons()).slice(before);
    // BTN_LEFT = 0x110
    expect(lines).toEqual(['btn 272 1 150 120', 'btn 272 0 512 300']);
    expect(await guestPos()).toEqual({x: 512, y: 300});
  }, 120_000);

  it('an accelerating guest pointer (motion beyond 4 counts double) is still reached exactly', async () => {
    await shell.run('kill $(pidof pointer); sleep 0.3');
    expect(await shell.run(`/tmp/pointer ${ev} ${width} ${height} 40 40 1 > /tmp/pointer.log 2>&1 & sleep 1; cat /tmp/pointer.log`, 10_000)).toContain('pointer: ok');
    for (const [x, y] of [
      [700, 500],
      [123, 457],
      [124, 455],
      [901, 33],
    ]) {
      const j = await cli(['move', String(x), String(y)]);
      expect(j).toMatchObject({ok: true, mode: 'server', exact: true, x, y});
      expect(await guestPos()).toEqual({x, y});
    }
  }, 180_000);
});
