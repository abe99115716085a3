/**
 * What a scenario leaves behind: screenshots, and on failure the last screen, the expected needle (its
 * PNG and JSON), a diff image (pixelmatch: needle image against the screen at the best location) and the
 * step log with timings (steps.log, and steps.json for tools).
 */
import {copyFileSync, existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {Needle, Rgba} from './needle-access.js';
import type {StepRecord} from './runner.js';

/** A name made safe as a file name (screenshots, audio captures). */
export const fileSafe = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

export async function encodeRgbaPng(img: Rgba): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {raw: {width: img.width, height: img.height, channels: 4}}).png({compressionLevel: 6}).toBuffer();
}

/** The part of `screen` under the needle image, shifted by the best match offset (outside: transparent black). */
function screenUnderNeedle(screen: Rgba, needle: Rgba, dx: number, dy: number): Rgba {
  const out = new Uint8Array(needle.width * needle.height * 4);
  for (let y = 0; y < needle.height; y++) {
    const sy = y + dy;
    if (sy < 0 || sy >= screen.height) continue;
    for (let x = 0; x < needle.width; x++) {
      const sx = x + dx;
      if (sx < 0 || sx >= screen.width) continue;
      const s = (sy * screen.width + sx) * 4;
      out.set(screen.data.subarray(s, s + 4), (y * needle.width + x) * 4);
    }
  }
  return {width: needle.width, height: needle.height, data: out};
}

/**
 * Only the needle's match areas are compared: elsewhere `under` takes the needle's own pixels, so the diff shows
 * them faded and marks nothing there (a needle cut from a whole screenshot would otherwise be red wherever the
 * rest of the screen moved on).
 */
function keepOnlyMatchAreas(under: Rgba, needle: Needle): void {
  const areas = needle.areas.filter((a) => a.type === 'match');
  if (!areas.length) return;
  const {width, height} = under;
  const inside = new Uint8Array(width * height);
  for (const a of areas) {
    for (let y = Math.max(0, a.y); y < Math.min(height, a.y + a.height); y++) inside.fill(1, y * width + Math.max(0, a.x), y * width + Math.min(width, a.x + a.width));
  }
  for (let p = 0; p < inside.length; p++) if (!inside[p]) under.data.set(needle.image.data.subarray(p * 4, p * 4 + 4), p * 4);
}

export function stepLogText(log: StepRecord[]): string {
  return log
    .slice()
    .sort((a, b) => a.atMs - b.atMs || a.index.split('.').length - b.index.split('.').length)
    .map((r) => `${String(r.atMs).padStart(7)} ms  ${r.ok ? 'ok  ' : 'FAIL'}  ${r.index.padEnd(8)} ${r.kind.padEnd(16)} ${String(r.ms).padStart(6)} ms  ${r.where}${r.detail ? `  ${r.detail}` : ''}`)
    .join('\n');
}

export interface FailureInput {
  dir: string;
  log: StepRecord[];
  screen?: Rgba;
  needle?: Needle;
  dx?: number;
  dy?: number;
}

/** Writes the failure artifacts; returns the files written. */
export async function writeFailureArtifacts(f: FailureInput): Promise<string[]> {
  mkdirSync(f.dir, {recursive: true});
  const files: string[] = [];
  const put = (name: string, data: Buffer | string) => {
    const p = join(f.dir, name);
    writeFileSync(p, data);
    files.push(p);
  };
  if (f.screen) put('screen.png', await encodeRgbaPng(f.screen));
  if (f.needle) {
    put('needle.png', await encodeRgbaPng(f.needle.image));
    if (existsSync(f.needle.file)) {
      copyFileSync(f.needle.file, join(f.dir, 'needle.json'));
      files.push(join(f.dir, 'needle.json'));
    }
    if (f.screen) {
      const pixelmatch = (await import('pixelmatch')).default;
      const {width, height} = f.needle.image;
      const under = screenUnderNeedle(f.screen, f.needle.image, f.dx ?? 0, f.dy ?? 0);
      keepOnlyMatchAreas(under, f.needle);
      const diff = new Uint8Array(width * height * 4);
      pixelmatch(f.needle.image.data, under.data, diff, width, height, {threshold: 0.1});
      put('diff.png', await encodeRgbaPng({width, height, data: diff}));
    }
  }
  return files;
}

export function writeStepLog(dir: string, log: StepRecord[], extra: Record<string, unknown>): string[] {
  mkdirSync(dir, {recursive: true});
  writeFileSync(join(dir, 'steps.log'), stepLogText(log) + '\n');
  writeFileSync(join(dir, 'steps.json'), JSON.stringify({...extra, steps: log}, null, 2) + '\n');
  return [join(dir, 'steps.log'), join(dir, 'steps.json')];
}
