/**
 * Capture actions: a screenshot of a monitor (or a region of it) once the display is still, optionally with
 * the guest's cursor drawn over it, encoded as PNG or PPM; and the current screen as RGBA for needles.
 */
import {accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync} from 'node:fs';
import {basename, dirname, resolve} from 'node:path';
import {cannotWriteError, SpiceError} from '../errors.js';
import type {RgbImage} from '../display/export.js';
import type {DisplayLayer} from '../display/layer.js';
import {surfaceToRgba} from '../display/surface.js';
import type {SpiceSession} from '../session.js';
import {MouseMode} from '../wire/enums.js';
import {displayOf, waitStill} from './display.js';

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ScreenshotOptions {
  monitor?: number;
  region?: Region;
  /** ms without any draw before the picture is taken; 0 takes the first complete frame. */
  stillMs: number;
  /** Draw the cursor channel's cursor over the picture. */
  cursor?: boolean;
  format: 'png' | 'ppm';
  timeoutMs: number;
  /** Added to the message of a stillness that never came (front ends name their flag). */
  stillHint?: string;
}

export interface CursorReport {
  drawn: boolean;
  reason?: string;
  visible?: boolean;
  mouseMode?: string;
  x?: number;
  y?: number;
  type?: string;
  width?: number;
  height?: number;
  hotX?: number;
  hotY?: number;
  changedPixels?: number;
}

export interface ScreenshotReport {
  width: number;
  height: number;
  format: 'png' | 'ppm';
  firstFrameMs: number;
  totalMs: number;
  /** The SpiceImageTypes the session's draws used, e.g. {QUIC: 1, FROM_CACHE: 3}. */
  images: Record<string, number>;
  cursor?: CursorReport;
}

/** A --region value: X,Y,WIDTH,HEIGHT in pixels. */
export function parseRegion(text: string, flag = '--region'): Region {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0) || parts[2] === 0 || parts[3] === 0) {
    throw new SpiceError('usage', `invalid ${flag} '${text}': expected X,Y,WIDTH,HEIGHT in pixels`);
  }
  const [x, y, width, height] = parts as [number, number, number, number];
  return {x, y, width, height};
}

/** Takes the picture; `bytes` is the encoded file, the report what --json prints. `t0`: when the command started. */
export async function screenshot(session: SpiceSession, o: ScreenshotOptions, t0 = performance.now()): Promise<{bytes: Uint8Array; report: ScreenshotReport}> {
  const display = await displayOf(session, o.timeoutMs);
  const firstFrameMs = performance.now() - t0;
  if (o.stillMs > 0) await waitStill(session, o.stillMs, {timeoutMs: o.timeoutMs, hint: o.stillHint});
  const monitorIndex = o.monitor ?? 0;
  const {surface, monitor} = display.monitorSurface(monitorIndex);
  const area = {left: monitor.x, top: monitor.y, right: monitor.x + monitor.width, bottom: monitor.y + monitor.height};
  const r = o.region;
  if (r) {
    if (r.x + r.width > monitor.width || r.y + r.height > monitor.height) {
      throw new SpiceError('usage', `--region ${r.x},${r.y},${r.width},${r.height} is outside monitor ${monitorIndex} (${monitor.width}x${monitor.height})`);
    }
    area.left += r.x;
    area.top += r.y;
    area.right = area.left + r.width;
    area.bottom = area.top + r.height;
  }
  const {surfaceToRgb, encodePng, encodePpm} = await import('../display/export.js');
  const img = surfaceToRgb(surface, area);
  const cursor = o.cursor ? await drawCursor(session, img, area, monitorIndex) : undefined;
  const bytes = o.format === 'ppm' ? encodePpm(img) : await encodePng(img);
  const report: ScreenshotReport = {
    width: img.width,
    height: img.height,
    format: o.format,
    firstFrameMs: Math.round(firstFrameMs * 10) / 10,
    totalMs: Math.round((performance.now() - t0) * 10) / 10,
    images: imageCounts(display),
    ...(cursor ? {cursor} : {}),
  };
  return {bytes, report};
}

/**
 * Makes sure `file` can be written: its folder is created and must be writable (a usage error, exit 2, before
 * anything connects). "-" (stdout) always can.
 */
export function prepareOutput(file: string): void {
  if (file === '-') return;
  const dir = dirname(resolve(file));
  try {
    mkdirSync(dir, {recursive: true});
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw cannotWriteError(file, e, dir);
  }
  if (existsSync(file) && statSync(file).isDirectory()) throw cannotWriteError(file, {code: 'EISDIR'});
}

/** Writes `bytes` to `file` (its folder created); a local file problem is a usage error naming the file (not a protocol one). */
export function writeOutput(file: string, bytes: Uint8Array): void {
  try {
    mkdirSync(dirname(resolve(file)), {recursive: true});
    writeFileSync(file, bytes);
  } catch (e) {
    throw cannotWriteError(file, e);
  }
}

/**
 * The picture format screenshot writes, by the output's extension: .ppm → PPM; .png, "-", or a name without an
 * extension (/dev/null) → PNG. Another extension (.jpg) is refused rather than filled with PNG bytes.
 */
export function imageFormatOf(file: string): 'png' | 'ppm' {
  const ext = /\.([A-Za-z0-9]+)$/.exec(basename(file))?.[1]?.toLowerCase();
  if (ext === 'ppm') return 'ppm';
  if (ext === undefined || ext === 'png') return 'png';
  throw new SpiceError('usage', `${file}: the picture is written as PNG (.png, or - for stdout) or PPM (.ppm), not .${ext}; give one of those extensions`);
}

async function drawCursor(session: SpiceSession, img: RgbImage, area: {left: number; top: number}, monitor: number): Promise<CursorReport> {
  const {compositeCursor} = await import('../display/cursor-composite.js');
  const ch = session.cursor;
  if (!ch) return {drawn: false, reason: 'the server has no cursor channel'};
  await ch.waitInit(2000).catch(() => undefined);
  const mode = session.main.mouse.current === MouseMode.CLIENT ? 'client' : 'server';
  const {shape, position, visible} = ch;
  const info: CursorReport = {drawn: false, visible, mouseMode: mode, ...(position ? {x: position.x, y: position.y} : {})};
  if (shape) Object.assign(info, {type: shape.typeName, width: shape.width, height: shape.height, hotX: shape.hotX, hotY: shape.hotY});
  const reason = !shape
    ? 'the server sent no cursor shape'
    : !visible
      ? 'the cursor is hidden'
      : !position
        ? 'no cursor position'
        : mode === 'client'
          ? 'client mouse mode: the server does not report the pointer position'
          : monitor !== 0
            ? 'the cursor is drawn on monitor 0 only'
            : undefined;
  if (reason) return {...info, drawn: false, reason};
  const changed = compositeCursor(img, shape!, position!.x - shape!.hotX - area.left, position!.y - shape!.hotY - area.top);
  return {...info, drawn: true, changedPixels: changed};
}

/** The SpiceImageTypes the session's draws used, summed over the display channels. */
function imageCounts(display: DisplayLayer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of display.renderers.values()) for (const [k, n] of r.imageCounts) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** The current picture of a monitor (or a region of it) as RGBA, for needles and artifacts. */
export function grabScreen(session: SpiceSession, monitorIndex: number, region?: readonly number[]) {
  const display = session.display;
  if (!display) throw new Error('internal error: grabScreen needs a session opened with render: true');
  const {surface, monitor} = display.monitorSurface(monitorIndex);
  const [x, y, w, h] = region ?? [0, 0, monitor.width, monitor.height];
  const left = monitor.x + x!;
  const top = monitor.y + y!;
  return surfaceToRgba(surface, {left, top, right: left + w!, bottom: top + h!});
}
