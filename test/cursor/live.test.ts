/**
 * The cursor channel against a real server. Of the lab servers only QEMU's qxl with the Linux guest sends
 * a cursor shape, and only once a guest program sets a DRM cursor: the SeaBIOS screen, the guest's fbcon and
 * Xspice (its X server loads no cursor on the qxl device here) send INIT and no SET. So the test builds a tiny
 * static helper (nolibc, gcc on the host), copies it to the guest over the serial shell, and runs it: it sets
 * a 64x64 ARGB cursor (hot spot 3,5) at 200,150 through DRM_IOCTL_MODE_CURSOR2. Then: the channel's shape,
 * hot spot and position, and `screenshot --cursor` differs from a plain screenshot in exactly the pixels the
 * cursor covers (its opaque and half-transparent pixels, none outside its rectangle).
 *
 * spice-server keeps the cursor position of MOVE commands only: a client that connects after the guest's SET
 * gets INIT with position 0,0 until the guest moves the cursor. The helper re-sends its position every 100 ms.
 */
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CursorChannel} from '../../src/client/channels/cursor.js';
import {silentLogger} from '../../src/client/log.js';
import {SpiceSession} from '../../src/client/session.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {connectSerial, type SerialShell} from '../../src/lab/guest/serial.js';
import {which} from '../../src/lab/install.js';
import {startQemu} from '../../src/lab/qemu.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';
import {buildGuestHelper, installInGuest} from '../support/guest-helper.js';
import {readImage} from '../support/images.js';

const runLab = (which('qemu-system-x86_64') !== undefined && which('gcc') !== undefined) || !!process.env.CI;
const work = mkdtempSync(join(tmpdir(), 'spice-cli-cursor-'));

/** The guest helper: raw syscalls, no libc, x86-64 Linux. */
const SETCURSOR_C = String.raw`/* Test helper for the lab guest: sets a 64x64 ARGB (qxl cursors are 64x64) DRM cursor with hot spot (3,5) at (X,Y) and sleeps. */
static void fail(const char *s, long code) { out("setcursor: "); out(s); out(" failed\n"); sc(60, (int)code, 0, 0, 0, 0, 0); }
void __attribute__((used)) cmain(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  int x = argc > 1 ? num(argv[1]) : 100, y = argc > 2 ? num(argv[2]) : 80;
  int fd = (int)sc(2, (long)"/dev/dri/card0", 2 /*O_RDWR*/, 0, 0, 0, 0);
  if (fd < 0) fail("open", 1);
  unsigned int crtcs[8];
  struct drm_mode_card_res res = {0};
  res.crtc_id_ptr = (unsigned long)crtcs;
  res.count_crtcs = 0;
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
    for (int c = 0; c < 64; c++) {
      /* ARGB32: an opaque magenta triangle (c <= r), a half-alpha cyan bar in rows 28..31, the rest clear */
      row[c] = c >= 32 ? 0 : c <= r && r < 28 ? 0xffff00ff : r >= 28 && r < 32 ? 0x8000ffff : 0;
    }
  }
  struct drm_mode_cursor2 cur = {0};
  cur.flags = DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE;
  cur.crtc_id = crtcs[0];
  cur.x = x; cur.y = y; cur.width = 64; cur.height = 64; cur.handle = cd.handle; cur.hot_x = 3; cur.hot_y = 5;
  if (sc(16, fd, DRM_IOCTL_MODE_CURSOR2, (long)&cur, 0, 0, 0) < 0) fail("cursor2", 7);
  out("setcursor: ok\n");
  /* spice-server remembers the position of MOVE commands only (a new client's INIT says 0,0 after a SET):
     move to the same place every 100 ms so every client learns it. */
  long ts[2] = {0, 100000000};
  cur.flags = DRM_MODE_CURSOR_MOVE;
  for (;;) {
    sc(35 /*nanosleep*/, (long)ts, 0, 0, 0, 0, 0);
    sc(16, fd, DRM_IOCTL_MODE_CURSOR2, (long)&cur, 0, 0, 0);
  }
}
`;

/** Where the helper puts the cursor's top-left, and its hot spot and size. */
const AT = {x: 200, y: 150};
const HOT = {x: 3, y: 5};
const SIZE = 64;

describe.runIf(runLab)('cursor channel on QEMU + the Linux guest', () => {
  let t: LabTarget;
  let shell: SerialShell;

  beforeAll(async () => {
    const bin = buildGuestHelper(work, 'setcursor', SETCURSOR_C);
    t = await startQemu({mode: 'linux'});
    shell = await connectSerial(t.extra.serial!);
    await shell.waitForShell(60_000);
    // A steady screen: no blinking text cursor on the qxl framebuffer console.
    await shell.run('echo 0 > /sys/class/graphics/fbcon/cursor_blink');
    await installInGuest(shell, bin, '/tmp/setcursor');
    expect(await shell.run(`/tmp/setcursor ${AT.x} ${AT.y} > /tmp/sc.log 2>&1 & sleep 1; cat /tmp/sc.log`, 10_000)).toContain('setcursor: ok');
  }, 180_000);

  afterAll(async () => {
    shell?.close();
    await t?.stop();
  });

  it('the channel holds the shape, hot spot and position; the server is in server mouse mode', async () => {
    const s = await SpiceSession.connect(t.uri, {timeoutMs: 20_000, logger: silentLogger} as never);
    try {
      const ch = s.findChannel(ChannelType.CURSOR, 0);
      expect(ch).toBeInstanceOf(CursorChannel);
      const c = s.cursor!;
      await c.waitInit(10_000);
      // INIT says 0,0 (see above); the helper's next MOVE brings the real position.
      const until = Date.now() + 5000;
      while (c.position?.x !== AT.x + HOT.x && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(c.visible).toBe(true);
      expect(c.shape).toMatchObject({typeName: 'ALPHA', width: SIZE, height: SIZE, hotX: HOT.x, hotY: HOT.y});
      // The server's position is the hot spot's.
      expect(c.position).toEqual({x: AT.x + HOT.x, y: AT.y + HOT.y});
      const px = (x: number, y: number) => [...c.shape!.rgba.subarray((y * SIZE + x) * 4, (y * SIZE + x) * 4 + 4)];
      expect(px(0, 0)).toEqual([255, 0, 255, 255]); // opaque magenta triangle
      expect(px(20, 10)).toEqual([0, 0, 0, 0]);
      expect(px(5, 29)).toEqual([0, 255, 255, 128]); // half-transparent cyan bar
    } finally {
      s.close();
    }
  });

  it('screenshot --cursor changes exactly the pixels under the cursor', async () => {
    const plain = join(work, 'plain.ppm');
    const withCursor = join(work, 'cursor.ppm');
    const a = await runCli(['screenshot', '--uri', t.uri, '-o', plain, '--settle', '300']);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['screenshot', '--uri', t.uri, '-o', withCursor, '--settle', '300', '--cursor', '--json']);
    expect(b.code, b.stderr).toBe(0);
    const info = JSON.parse(b.stdout).cursor;
    expect(info).toMatchObject({drawn: true, mouseMode: 'server', type: 'ALPHA', width: SIZE, height: SIZE, hotX: HOT.x, hotY: HOT.y, x: AT.x + HOT.x, y: AT.y + HOT.y});
    const p = await readImage(plain);
    const q = await readImage(withCursor);
    expect([q.width, q.height]).toEqual([p.width, p.height]);
    let inside = 0;
    let outside = 0;
    for (let y = 0; y < p.height; y++) {
      for (let x = 0; x < p.width; x++) {
        const i = (y * p.width + x) * 3;
        if (p.rgb[i] === q.rgb[i] && p.rgb[i + 1] === q.rgb[i + 1] && p.rgb[i + 2] === q.rgb[i + 2]) continue;
        const dx = x - AT.x;
        const dy = y - AT.y;
        // The helper's opaque pixels: column <= row in rows 0..27; half-alpha: rows 28..31; columns < 32.
        if (dx >= 0 && dx < 32 && dy >= 0 && dy < 32 && (dy >= 28 || dx <= dy)) inside++;
        else outside++;
      }
    }
    console.info(`[cursor] screenshot --cursor: ${JSON.stringify(info)}; ${inside} pixels differ from the plain screenshot, ${outside} outside the cursor`);
    expect(outside).toBe(0);
    expect(inside).toBe(info.changedPixels);
    // Every opaque magenta pixel differs unless the screen there was magenta already (it is a text console).
    expect(inside).toBeGreaterThan(400);
    const at = (img: typeof q, x: number, y: number) => [...img.rgb.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];
    expect(at(q, AT.x + 1, AT.y + 10)).toEqual([255, 0, 255]);
  }, 60_000);
});
