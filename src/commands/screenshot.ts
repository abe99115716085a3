import {writeFileSync} from 'node:fs';
import {Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {compressionFlag, preferredCompression} from '../cli/compression.js';
import {SpiceError} from '../client/errors.js';

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
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Screenshot);
    this.jsonOut = flags.json;
    const uri = this.requireUri(flags.uri);
    const region = flags.region ? parseRegion(flags.region) : undefined;
    const opts = await this.sessionOptions(flags);
    const t0 = performance.now();
    const session = await this.openSession(uri, {...opts, render: true, display: preferredCompression(flags.compression)});
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
      const ppm = flags.output.toLowerCase().endsWith('.ppm');
      const bytes = ppm ? encodePpm(img) : await encodePng(img);
      if (flags.output === '-') process.stdout.write(bytes);
      else writeFileSync(flags.output, bytes);
      const result = {file: flags.output, width: img.width, height: img.height, format: ppm ? 'ppm' : 'png', firstFrameMs: Math.round(firstFrameMs * 10) / 10, totalMs: Math.round((performance.now() - t0) * 10) / 10};
      if (flags.json && flags.output !== '-') this.printJson(result);
      else if (flags.output !== '-') process.stderr.write(`wrote ${flags.output} (${img.width}x${img.height})\n`);
    } finally {
      session.close();
    }
  }
}

function parseRegion(text: string): {x: number; y: number; w: number; h: number} {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0) || parts[2] === 0 || parts[3] === 0) {
    throw new SpiceError('usage', `invalid --region '${text}': expected X,Y,WIDTH,HEIGHT in pixels`);
  }
  const [x, y, w, h] = parts as [number, number, number, number];
  return {x, y, w, h};
}
