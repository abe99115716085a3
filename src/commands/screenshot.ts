import {writeFileSync} from 'node:fs';
import {Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {compressionFlag, preferredCompression} from '../cli/compression.js';
import {SpiceError} from '../client/errors.js';
// cursor: --cursor
import type {MainChannel} from '../client/channels/main.js';
import type {RgbImage} from '../client/display/export.js';
import type {DisplayLayer} from '../client/display/layer.js';
import type {SpiceSession} from '../client/session.js';
import {ChannelType, MouseMode} from '../client/wire/enums.js';

export default class Screenshot extends SessionCommand {
  static override summary = 'Save what the guest shows, once the display is still.';
  static override description = `Connects, waits for the first complete frame (the server's MARK), then for the display to be still (no draw command for --settle ms), and writes the picture: PNG, or PPM when the file name ends in .ppm; "-o -" writes PNG to stdout. The pixels are the guest's framebuffer exactly as spice-gtk shows it.`;
  static override examples = [
    '<%= config.bin %> screenshot --uri spice://127.0.0.1:5900 -o screen.png',
    '<%= config.bin %> screenshot -o - --settle 0 > first-frame.png',
    '<%= config.bin %> screenshot -o top-left.ppm --region 0,0,320,200 --monitor 0',
  ];

  static override flags = {
    output: Flags.string({char: 'o', description: 'Output file (.png or .ppm), or - for PNG on stdout.', required: true}),
    settle: Flags.integer({description: 'Milliseconds without any draw before the picture is taken; 0 takes the first complete frame.', default: 100, min: 0}),
    monitor: Flags.integer({description: 'Monitor (head) index.', default: 0, min: 0}),
    region: Flags.string({description: 'Only this part of the monitor: X,Y,WIDTH,HEIGHT.'}),
    compression: compressionFlag,
    // cursor: --cursor (cursor channel, src/client/cursor/)
    cursor: Flags.boolean({description: "Draw the guest's cursor over the picture (when the server shows one and reports its position: server mouse mode).", default: false}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Screenshot);
    this.jsonOut = flags.json;
    const uri = this.requireUri(flags.uri);
    const region = flags.region ? parseRegion(flags.region) : undefined;
    const opts = await this.sessionOptions(flags);
    const t0 = performance.now();
    // Like spicy-screenshot, link only what the picture needs: each link costs the server an RSA key.
    const wanted = new Set<number>([ChannelType.DISPLAY, ...(flags.cursor ? [ChannelType.CURSOR] : [])]);
    const session = await this.openSession(uri, {...opts, render: true, display: preferredCompression(flags.compression), channelFilter: (type) => wanted.has(type)});
    try {
      const display = session.display!;
      await display.waitFirstFrame();
      const firstFrameMs = performance.now() - t0;
      if (flags.settle > 0) {
        await display.waitStill(flags.settle).catch((e: unknown) => {
          if (e instanceof SpiceError && e.kind === 'timeout') {
            throw new SpiceError('timeout', `${e.message}: the screen kept changing (a video or animation?); use a shorter --settle, or --settle 0 for the first complete frame`);
          }
          throw e;
        });
      }
      const {surface, monitor} = display.monitorSurface(flags.monitor);
      const area = {left: monitor.x, top: monitor.y, right: monitor.x + monitor.width, bottom: monitor.y + monitor.height};
      if (region) {
        if (region.x + region.w > monitor.width || region.y + region.h > monitor.height) {
          throw new SpiceError('usage', `--region ${flags.region} is outside monitor ${flags.monitor} (${monitor.width}x${monitor.height})`);
        }
        area.left += region.x;
        area.top += region.y;
        area.right = area.left + region.w;
        area.bottom = area.top + region.h;
      }
      const {surfaceToRgb, encodePng, encodePpm} = await import('../client/display/export.js');
      const img = surfaceToRgb(surface, area);
      // cursor: --cursor composites the cursor channel's current shape (src/client/cursor/).
      const cursor = flags.cursor ? await drawCursor(session, img, area, flags.monitor) : undefined;
      const ppm = flags.output.toLowerCase().endsWith('.ppm');
      const bytes = ppm ? encodePpm(img) : await encodePng(img);
      if (flags.output === '-') process.stdout.write(bytes);
      else writeFileSync(flags.output, bytes);
      const result = {file: flags.output, width: img.width, height: img.height, format: ppm ? 'ppm' : 'png', firstFrameMs: Math.round(firstFrameMs * 10) / 10, totalMs: Math.round((performance.now() - t0) * 10) / 10, images: imageCounts(display), ...(cursor ? {cursor} : {})};
      if (flags.json && flags.output !== '-') this.printJson(result);
      else if (flags.output !== '-') process.stderr.write(`wrote ${flags.output} (${img.width}x${img.height})${cursor ? (cursor.drawn ? ', with the cursor' : `, without the cursor: ${cursor.reason}`) : ''}\n`);
    } finally {
      session.close();
    }
  }
}

// cursor: --cursor
async function drawCursor(
  session: SpiceSession,
  img: RgbImage,
  area: {left: number; top: number},
  monitor: number,
): Promise<Record<string, unknown>> {
  const {compositeCursor} = await import('../client/display/cursor-composite.js');
  const ch = session.cursor;
  if (!ch) return {drawn: false, reason: 'the server has no cursor channel'};
  await ch.waitInit(2000).catch(() => undefined);
  const main = session.findChannel(ChannelType.MAIN, 0) as MainChannel | undefined;
  const mode = main?.mouse.current === MouseMode.CLIENT ? 'client' : 'server';
  const {shape, position, visible} = ch;
  const info: Record<string, unknown> = {visible, mouseMode: mode, ...(position ? {x: position.x, y: position.y} : {})};
  if (shape) Object.assign(info, {type: shape.typeName, width: shape.width, height: shape.height, hotX: shape.hotX, hotY: shape.hotY});
  const reason = !shape ? 'the server sent no cursor shape' : !visible ? 'the cursor is hidden' : !position ? 'no cursor position' : mode === 'client' ? 'client mouse mode: the server does not report the pointer position' : monitor !== 0 ? 'the cursor is drawn on monitor 0 only' : undefined;
  if (reason) return {...info, drawn: false, reason};
  const changed = compositeCursor(img, shape!, position!.x - shape!.hotX - area.left, position!.y - shape!.hotY - area.top);
  return {...info, drawn: true, changedPixels: changed};
}

function parseRegion(text: string): {x: number; y: number; w: number; h: number} {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0) || parts[2] === 0 || parts[3] === 0) {
    throw new SpiceError('usage', `invalid --region '${text}': expected X,Y,WIDTH,HEIGHT in pixels`);
  }
  const [x, y, w, h] = parts as [number, number, number, number];
  return {x, y, w, h};
}

/** The SpiceImageTypes the session's draws used, summed over the display channels, e.g. {QUIC: 1, FROM_CACHE: 3}. */
function imageCounts(display: DisplayLayer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of display.renderers.values()) for (const [k, n] of r.imageCounts) out[k] = (out[k] ?? 0) + n;
  return out;
}
