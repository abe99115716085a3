/**
 * The cursor over an xterm on lab Xspice equals what X reports (XFixesGetCursorImage, read by a tiny C
 * helper compiled here with gcc against libX11/libXfixes): shape (every ARGB pixel), size and hot spot.
 *
 * Protocol facts found here (Xspice = Xorg + xf86-video-qxl's spiceqxl, spice-server 0.15):
 * - The driver takes only ARGB cursors as hardware cursors and sends them as SET with an ALPHA shape: the
 *   B,G,R,A bytes are X's ARGB32 cursor pixels unchanged (X keeps them premultiplied by alpha). Core
 *   (bitmap / font) cursors are refused as hardware cursors: X draws them in software into the framebuffer
 *   and the driver sends HIDE. So a plain xterm (XC_xterm, a core font cursor) sends no shape at all, and
 *   neither does the root window's X_cursor: the MONO and COLOR decode paths are never exercised by
 *   Xspice. With a cursor theme (XCURSOR_THEME=Adwaita) Xlib's XCreateFontCursor loads the themed ARGB
 *   cursor through libXcursor, and that one is sent: the decode path exercised is ALPHA.
 * - SET's position is the driver's last pointer position plus the new hot spot; in client mouse mode the
 *   server forwards no MOVE, so the cursor channel's position is only meaningful in server mouse mode.
 *
 * Then, in server mouse mode, `screenshot --cursor` equals the plain screenshot with X's own cursor image
 * composited at the pointer X reports minus the hot spot.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CursorChannel} from '../../src/client/channels/cursor.js';
import {SpiceSession} from '../../src/client/session.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {Mouse} from '../../src/client/actions/mouse.js';
import {compositeCursor} from '../../src/client/display/cursor-composite.js';
import type {CursorShape} from '../../src/client/codecs/cursor.js';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';
import {readImage} from '../support/images.js';

const work = mkdtempSync(join(tmpdir(), 'spice-cli-xfixes-'));
const HELPER = join(work, 'xcursor');

/** Prints "width height xhot yhot x y" then the ARGB pixels (hex, row by row) of X's current cursor. */
const XCURSOR_C = String.raw`/* Test helper: prints X's current cursor image (XFixesGetCursorImage). */
#include <stdio.h>
#include <X11/Xlib.h>
#include <X11/extensions/Xfixes.h>
int main(void) {
  Display *d = XOpenDisplay(NULL);
  if (!d) { fprintf(stderr, "xcursor: cannot open the display\n"); return 2; }
  XFixesCursorImage *c = XFixesGetCursorImage(d);
  if (!c) { fprintf(stderr, "xcursor: no cursor image\n"); return 3; }
  printf("%d %d %d %d %d %d\n", c->width, c->height, c->xhot, c->yhot, c->x, c->y);
  for (int i = 0; i < c->width * c->height; i++) printf("%08lx%c", c->pixels[i] & 0xffffffffUL, (i + 1) % c->width ? ' ' : '\n');
  return 0;
}
`;

interface XCursor {
  width: number;
  height: number;
  xhot: number;
  yhot: number;
  x: number;
  y: number;
  /** R, G, B, A per pixel, as the ARGB32 words X holds. */
  rgba: Uint8Array;
}

let t: LabTarget;

function xCursor(): XCursor {
  const r = spawnSync(HELPER, [], {env: {...process.env, DISPLAY: t.display}, encoding: 'utf8', timeout: 10_000});
  if (r.status !== 0) throw new Error(`xcursor helper: ${r.stderr || r.error}`);
  const [head, ...rows] = r.stdout.trim().split('\n');
  const [width, height, xhot, yhot, x, y] = head!.split(' ').map(Number) as [number, number, number, number, number, number];
  const words = rows.join(' ').trim().split(/\s+/).map((h) => parseInt(h, 16));
  expect(words.length).toBe(width * height);
  const rgba = new Uint8Array(width * height * 4);
  words.forEach((w, i) => rgba.set([(w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff, w >>> 24], i * 4));
  return {width, height, xhot, yhot, x, y, rgba};
}

async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  writeFileSync(join(work, 'xcursor.c'), XCURSOR_C);
  execFileSync('gcc', ['-O1', '-o', HELPER, join(work, 'xcursor.c'), '-lXfixes', '-lX11']);
  t = await startXspice({
    stopOnExit: true,
    clients: [{command: 'xterm', args: ['-geometry', '80x24+0+0', '-title', 'spice-cli-xfixes', '-e', '/bin/sh'], env: {XCURSOR_THEME: 'Adwaita'}}],
  });
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

describe('the cursor over an xterm on Xspice equals what X reports', () => {
  it('shape (every pixel), size and hot spot; over the root window (a core cursor) the server hides it', async () => {
    const s = await SpiceSession.connect(t.uri, {timeoutMs: 15_000});
    try {
      const c = s.findChannel(ChannelType.CURSOR, 0);
      expect(c).toBeInstanceOf(CursorChannel);
      const cursor = s.cursor!;
      await cursor.waitInit(10_000);
      const mouse = await new Mouse(s, await s.inputs(10_000)).ready();
      expect(mouse.mode).toBe('client');
      await mouse.moveTo(200, 150); // over the xterm (80x24 cells at 0,0)
      await until('a visible cursor shape', () => cursor.visible && cursor.shape !== undefined);
      const x = xCursor();
      expect({x: x.x, y: x.y}).toEqual({x: 200, y: 150});
      const shape = cursor.shape!;
      expect(shape.typeName).toBe('ALPHA');
      expect({width: shape.width, height: shape.height, hotX: shape.hotX, hotY: shape.hotY}).toEqual({width: x.width, height: x.height, hotX: x.xhot, hotY: x.yhot});
      expect(Buffer.from(shape.rgba).equals(Buffer.from(x.rgba))).toBe(true);
      expect(x.rgba.some((v, i) => i % 4 === 3 && v === 255)).toBe(true); // an opaque pixel: a real shape

      // The root window's cursor is a core cursor: X draws it itself, the server hides the SPICE cursor.
      const hides = cursor.counts.HIDE ?? 0;
      await mouse.moveTo(900, 700);
      await until('HIDE', () => (cursor.counts.HIDE ?? 0) > hides);
      expect(cursor.visible).toBe(false);
      expect(xCursor()).toMatchObject({x: 900, y: 700});
      console.info(`[cursor] Xspice xterm (Adwaita): ALPHA ${shape.width}x${shape.height} hot ${shape.hotX},${shape.hotY} = XFixes; root: HIDE (core cursor drawn by X)`);
    } finally {
      s.close();
    }
  });

  it('screenshot --cursor (server mouse mode) is the plain screenshot with X\'s cursor image at X\'s pointer', async () => {
    await new Promise((r) => setTimeout(r, 500));
    // Xspice ignores relative motion (test/input/mouse-xspice): place the pointer in client mode, then leave
    // the server in server mouse mode (a --server-mode move sends motions that do not move the X pointer).
    const c = await runCli(['move', '--uri', t.uri, '--json', '200', '150']);
    expect(JSON.parse(c.stdout)).toMatchObject({mode: 'client', x: 200, y: 150});
    const m = await runCli(['move', '--uri', t.uri, '--server-mode', '--json', '200', '150']);
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({mode: 'server'});
    const x = xCursor();
    expect({x: x.x, y: x.y}).toEqual({x: 200, y: 150});
    const plain = join(work, 'plain.png');
    const withCursor = join(work, 'cursor.png');
    const a = await runCli(['screenshot', '--uri', t.uri, '-o', plain, '--settle', '300']);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['screenshot', '--uri', t.uri, '-o', withCursor, '--settle', '300', '--cursor', '--json']);
    expect(b.code, b.stderr).toBe(0);
    const info = JSON.parse(b.stdout).cursor;
    expect(info).toMatchObject({drawn: true, mouseMode: 'server', type: 'ALPHA', x: x.x, y: x.y, width: x.width, height: x.height, hotX: x.xhot, hotY: x.yhot});
    const img = await readImage(plain);
    const got = await readImage(withCursor);
    const shape: CursorShape = {unique: 0n, type: 0, typeName: 'ALPHA', width: x.width, height: x.height, hotX: x.xhot, hotY: x.yhot, rgba: x.rgba};
    const changed = compositeCursor(img, shape, x.x - x.xhot, x.y - x.yhot);
    expect(changed).toBeGreaterThan(0);
    expect(info.changedPixels).toBe(changed);
    expect(got.rgb.equals(img.rgb)).toBe(true);
  });
});
