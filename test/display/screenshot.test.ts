/**
 * `spice-cli screenshot` against live lab servers equals spice-gtk's `spicy-screenshot` pixel for pixel
 * once the screen is still, for every image compression the server can be set to, with off-screen
 * surfaces on and off, on QEMU's BIOS screen and on the tiny Linux guest's console (qxl DRM + fbcon).
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {richDesktopClients} from '../../src/lab/desktop.js';
import {startQemu} from '../../src/lab/qemu.js';
import {connectSerial} from '../../src/lab/guest/serial.js';
import type {LabTarget} from '../../src/lab/types.js';
import {startXspice, type XspiceCompression, type XspiceOptions} from '../../src/lab/xspice.js';
import {runCli} from '../support/cli.js';
import {compareRgb, readImage} from '../support/images.js';

const work = mkdtempSync(join(tmpdir(), 'spice-cli-shot-'));
const targets: LabTarget[] = [];
afterAll(async () => {
  await Promise.all(targets.map((t) => t.stop()));
});

async function desktop(compression: XspiceCompression, surfaces = true, wan: Pick<XspiceOptions, 'jpegWan' | 'zlibGlzWan'> = {}): Promise<LabTarget> {
  const t = await startXspice({compression, surfaces, clients: richDesktopClients(work), ...wan});
  targets.push(t);
  execFileSync('xdotool', ['mousemove', '1023', '767'], {env: {...process.env, DISPLAY: t.display!}});
  await new Promise((r) => setTimeout(r, 400));
  return t;
}

/** Our screenshot, then spice-gtk's of the same still screen; both as RGB. */
async function both(t: LabTarget, name: string, args: string[] = [], settle = 300) {
  const ours = join(work, `${name}-ours.png`);
  const r = await runCli(['screenshot', '--uri', t.uri, '-o', ours, '--settle', String(settle), '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  const theirs = join(work, `${name}-spicy.ppm`);
  execFileSync('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(t.port), '-o', theirs], {timeout: 20_000, stdio: 'pipe'});
  // images: the SpiceImageTypes our session's draws used.
  return {...compareRgb(await readImage(ours), await readImage(theirs)), images: JSON.parse(r.stdout).images as Record<string, number>};
}

describe('screenshot equals spicy-screenshot', () => {
  it.each(['off', 'quic', 'lz', 'glz', 'auto_lz', 'auto_glz'] as const)('Xspice with image compression %s', async (mode) => {
    const t = await desktop(mode);
    const c = await both(t, mode, ['--compression', 'server']);
    console.log(`[screenshot] ${mode}: images ${JSON.stringify(c.images)}`);
    expect(c.differing, JSON.stringify(c.first)).toBe(0);
    // The whole surface comes as one image in the mode's codec (glz and the auto modes pick by content: LZ_RGB here).
    const fixed: Record<string, string> = {off: 'BITMAP', quic: 'QUIC', lz: 'LZ_RGB'};
    if (fixed[mode]) expect(c.images).toEqual({[fixed[mode]!]: 1});
  });

  // The WAN options make spice-server send photo-like draws as JPEG and GLZ images wrapped in zlib during a
  // session (the recordings xspice-jpeg and xspice-zlib_glz hold them; test/display/replay.test.ts). A client that
  // connects to a still screen gets the whole surface as one lossless image (QUIC, LZ_RGB), spice-gtk and we alike.
  it.each([
    ['JPEG', 'quic', {jpegWan: 'always'}, 'QUIC'],
    ['ZLIB_GLZ', 'glz', {zlibGlzWan: 'always'}, 'LZ_RGB'],
  ] as const)('Xspice with %s forced by the WAN option (image compression %s)', async (name, mode, wan, firstImage) => {
    const t = await desktop(mode, true, wan);
    const c = await both(t, `wan-${name}`, ['--compression', 'server']);
    console.log(`[screenshot] ${name} forced: ${((1 - c.differing / c.total) * 100).toFixed(3)} % identical pixels, PSNR ${Number.isFinite(c.psnr) ? `${c.psnr.toFixed(1)} dB` : 'infinite'}, images ${JSON.stringify(c.images)}`);
    expect(c.images).toEqual({[firstImage]: 1});
    expect(c.differing, JSON.stringify(c.first)).toBe(0);
  });

  it('Xspice with LZ4 requested by the client', async () => {
    const t = await desktop('auto_lz');
    const c = await both(t, 'lz4', ['--compression', 'lz4']);
    expect(c.images).toEqual({LZ4: 1});
    expect(c.differing, JSON.stringify(c.first)).toBe(0);
  });

  it('Xspice with off-screen surfaces disabled', async () => {
    const t = await desktop('auto_glz', false);
    const c = await both(t, 'nosurfaces');
    expect(c.differing, JSON.stringify(c.first)).toBe(0);
  });

  it('QEMU BIOS screen', async () => {
    const t = await startQemu({mode: 'bios'});
    targets.push(t);
    // The BIOS switches from 640x480 to its 720x400 text mode early on: wait until it has.
    await new Promise((r) => setTimeout(r, 1500));
    // The text-mode cursor blinks: the two clients may catch it in different phases, so compare a few
    // times; every difference must be confined to the cursor's character cell, and one round must be exact.
    let exact = false;
    for (let round = 0; round < 6 && !exact; round++) {
      const c = await both(t, `bios-${round}`, [], 0);
      expect(c.total).toBe(720 * 400);
      if (c.differing === 0) exact = true;
      else expect(c.differing, JSON.stringify(c.first)).toBeLessThanOrEqual(9 * 16);
    }
    expect(exact).toBe(true);
  }, 120_000);

  it("QEMU tiny guest's console (qxl DRM framebuffer), coloured text", async () => {
    const t = await startQemu({mode: 'linux'});
    targets.push(t);
    const shell = await connectSerial(t.extra.serial!);
    try {
      await shell.waitForShell(90_000);
      // Text in the 16 console colours on tty1 (the screen), and the cursor still so both clients see one picture.
      const colours = Array.from({length: 8}, (_, i) => `\\033[3${i}mcolour-3${i} \\033[1;3${i}mbold-3${i}\\033[0m`).join(' ');
      await shell.run(`echo 0 > /sys/class/graphics/fbcon/cursor_blink; printf '${colours}\\n\\033[44;37m white on blue \\033[0m\\n' > /dev/tty1`);
    } finally {
      shell.close();
    }
    await new Promise((r) => setTimeout(r, 500));
    const c = await both(t, 'tiny-guest', [], 500);
    expect(c.total).toBe(1024 * 768);
    expect(c.differing, JSON.stringify(c.first)).toBe(0);
    // The coloured text is on the screen (not a blank console that trivially matches).
    const ours = await readImage(join(work, 'tiny-guest-ours.png'));
    const seen = new Set<number>();
    for (let i = 0; i < ours.rgb.length; i += 3) seen.add((ours.rgb[i]! << 16) | (ours.rgb[i + 1]! << 8) | ours.rgb[i + 2]!);
    expect(seen.size).toBeGreaterThanOrEqual(10);
    // The TCG boot alone takes ~15 s on an idle 2-core machine and two to three times that under CI load.
  }, 180_000);
});

describe('screenshot options and errors', () => {
  it('writes PPM by extension, PNG to stdout with -o -, a region, and JSON facts', async () => {
    const t = await desktop('auto_lz');
    const ppm = join(work, 'opt.ppm');
    const r = await runCli(['screenshot', '--uri', t.uri, '-o', ppm, '--region', '10,20,300,200', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({width: 300, height: 200, format: 'ppm'});
    const img = await readImage(ppm);
    expect([img.width, img.height]).toEqual([300, 200]);
    const full = join(work, 'opt-full.png');
    expect((await runCli(['screenshot', '--uri', t.uri, '-o', full])).code).toBe(0);
    const whole = await readImage(full);
    // The region is the same pixels as that part of the whole screen.
    for (let y = 0; y < 200; y += 37) {
      const a = img.rgb.subarray(y * 300 * 3, (y * 300 + 300) * 3);
      const b = whole.rgb.subarray(((20 + y) * 1024 + 10) * 3, ((20 + y) * 1024 + 310) * 3);
      expect(Buffer.compare(a, b)).toBe(0);
    }
    const stdout = await runCli(['screenshot', '--uri', t.uri, '-o', '-', '--settle', '0']);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout.slice(1, 4)).toBe('PNG');
  });

  it('refuses a region outside the monitor and a monitor that does not exist (exit 2)', async () => {
    const t = await desktop('auto_lz');
    const r = await runCli(['screenshot', '--uri', t.uri, '-o', join(work, 'x.png'), '--region', '1000,700,100,100']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/outside monitor 0 \(1024x768\)/);
    const m = await runCli(['screenshot', '--uri', t.uri, '-o', join(work, 'x.png'), '--monitor', '3']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/no monitor 3/);
  });
});
