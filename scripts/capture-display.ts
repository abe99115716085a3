/**
 * Captures display recordings of a lab Xspice desktop, one per image compression, each with the
 * reference screenshots of the same still moment:
 *   recordings/xspice-<mode>.spicerec   every message of a spice-cli session (display, cursor, ...)
 *   recordings/xspice-<mode>.png        what spicy-screenshot (spice-gtk) saw
 *   recordings/xspice-<mode>.root.png   the X framebuffer itself (xwd -root) at the end
 *   recordings/xspice-<mode>.connect.png  the X framebuffer just before connecting: what the server's
 *                                        first full-screen DRAW_COPY must decode to
 *
 *   npx tsx scripts/capture-display.ts [MODE ...]     (default: all modes)
 *
 * The desktop: an xterm with coloured text, xlogo, a photo-like image (xwud), and an xterm that scrolls
 * text while the session records. The pointer is parked in the bottom-right corner.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import sharp from 'sharp';
import {SpiceSession} from '../src/client/session.js';
import {RecordingWriter} from '../src/client/recording/writer.js';
import {DisplayCap} from '../src/client/wire/caps.js';
import {ImageCompression} from '../src/client/wire/enums.js';
import {startXspice, type XspiceOptions} from '../src/lab/xspice.js';
import {captureRoot} from '../src/lab/xwd.js';
import {richDesktopClients} from '../src/lab/desktop.js';

interface Mode {
  xspice: Partial<XspiceOptions>;
  /** Asked for by the client (PREFERRED_COMPRESSION), with the caps it needs. */
  preferred?: number;
  caps?: number[];
  spicyArgs?: string[];
}

export const MODES: Record<string, Mode> = {
  off: {xspice: {compression: 'off'}},
  quic: {xspice: {compression: 'quic'}},
  lz: {xspice: {compression: 'lz'}},
  glz: {xspice: {compression: 'glz'}},
  auto_lz: {xspice: {compression: 'auto_lz'}},
  auto_glz: {xspice: {compression: 'auto_glz'}},
  // spicy-screenshot cannot ask for LZ4; its reference is the same still screen over auto_lz.
  lz4: {xspice: {compression: 'auto_lz'}, preferred: ImageCompression.LZ4, caps: [DisplayCap.LZ4_COMPRESSION]},
  jpeg: {xspice: {compression: 'quic', jpegWan: 'always'}},
  zlib_glz: {xspice: {compression: 'glz', zlibGlzWan: 'always'}},
};

const out = join(import.meta.dirname, '..', 'recordings');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function toPng(rgb: Buffer, width: number, height: number, path: string): Promise<void> {
  await sharp(rgb, {raw: {width, height, channels: 3}}).png({compressionLevel: 9}).toFile(path);
}

async function saveRoot(display: string, path: string): Promise<void> {
  const root = captureRoot(display);
  const rgb = Buffer.alloc(root.width * root.height * 3);
  root.data.forEach((v, i) => {
    rgb[i * 3] = (v >> 16) & 255;
    rgb[i * 3 + 1] = (v >> 8) & 255;
    rgb[i * 3 + 2] = v & 255;
  });
  await toPng(rgb, root.width, root.height, path);
}

function ppmToRgb(ppm: Buffer): {width: number; height: number; rgb: Buffer} {
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.toString('latin1', 0, 64));
  if (!m) throw new Error('not a P6 PPM');
  return {width: Number(m[1]), height: Number(m[2]), rgb: ppm.subarray(m[0].length)};
}

async function captureMode(name: string, mode: Mode): Promise<void> {
  const work = join(out, '.work');
  mkdirSync(work, {recursive: true});
  const scroller = 'sleep 1.5; for i in $(seq 1 60); do echo "line $i of the scrolling xterm"; done; sleep 600';
  const t = await startXspice({
    ...mode.xspice,
    clients: [...richDesktopClients(work), {command: 'xterm', args: ['-geometry', '60x10+100+450', '-e', 'sh', '-c', scroller]}],
  });
  try {
    execFileSync('xdotool', ['mousemove', '1023', '767'], {env: {...process.env, DISPLAY: t.display!}});
    await sleep(300);
    await saveRoot(t.display!, join(out, `xspice-${name}.connect.png`));
    const rec = new RecordingWriter(join(out, `xspice-${name}.spicerec`), `Xspice 1024x768, ${name}: xterm with colours, xlogo, a photo (xwud), a scrolling xterm`, {
      server: 'xspice',
      mode: name,
      xspice: mode.xspice,
      preferredCompression: mode.preferred,
    });
    const s = await SpiceSession.connect(t.uri, {tap: rec.tap, timeoutMs: 15_000, display: {preferredCompression: mode.preferred, extraCaps: mode.caps}});
    await sleep(4000); // the scroller runs at 1.5 s; the screen is still well before the end
    s.close();
    rec.close();
    await saveRoot(t.display!, join(out, `xspice-${name}.root.png`));
    const ppmPath = join(work, `${name}.ppm`);
    execFileSync('spicy-screenshot', ['-h', '127.0.0.1', '-p', String(t.port), '-o', ppmPath, ...(mode.spicyArgs ?? [])], {timeout: 20_000, stdio: 'pipe'});
    const {readFileSync} = await import('node:fs');
    const ppm = ppmToRgb(readFileSync(ppmPath));
    await toPng(ppm.rgb, ppm.width, ppm.height, join(out, `xspice-${name}.png`));
    console.log(`${name}: ${rec.messages} messages`);
  } finally {
    await t.stop();
  }
}

const wanted = process.argv.slice(2);
for (const [name, mode] of Object.entries(MODES)) {
  if (wanted.length && !wanted.includes(name)) continue;
  await captureMode(name, mode);
}
