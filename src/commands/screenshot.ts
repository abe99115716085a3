import {Flags} from '@oclif/core';
import {durationFlag} from '../cli/duration.js';
import {monitorFlag} from '../cli/sessions.js';
import {SessionCommand} from '../cli/base-command.js';
import {compressionFlag, preferredCompression} from '../cli/compression.js';
import {imageFormatOf, parseRegion, prepareOutput, screenshot, writeOutput, type ScreenshotOptions} from '../client/actions/capture.js';
import {ChannelType} from '../client/wire/enums.js';

export default class Screenshot extends SessionCommand {
  static override summary = 'Save what the guest shows, once the display is still.';
  static override description = `Connects, waits for the first complete frame (the server's MARK), then for the display to be still (no draw command for --still ms), and writes the picture: PNG, or PPM when the file name ends in .ppm; "-o -" writes PNG to stdout. The pixels are the guest's framebuffer exactly as spice-gtk shows it.`;
  static override examples = [
    '<%= config.bin %> screenshot --uri spice://127.0.0.1:5900 -o screen.png',
    '<%= config.bin %> screenshot -o - --still 0 > first-frame.png',
    '<%= config.bin %> screenshot -o top-left.ppm --region 0,0,320,200 --monitor 0',
  ];

  static override flags = {
    output: Flags.string({char: 'o', description: 'Output file (.png or .ppm; its folder is created), or - for PNG on stdout (then --json prints on stderr).', required: true}),
    still: durationFlag({name: 'still', unit: 'ms', aliases: ['settle'], description: 'How long the display must be still (no draw) before the picture is taken; 0 takes the first complete frame. --settle is the old spelling.', defaultMs: 100}),
    monitor: monitorFlag('The one to save.'),
    region: Flags.string({description: 'Only this part of the monitor: X,Y,WIDTH,HEIGHT.'}),
    compression: compressionFlag,
    cursor: Flags.boolean({description: "Draw the guest's cursor over the picture (when the server shows one and reports its position: server mouse mode).", default: false}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Screenshot);
    const t0 = performance.now();
    prepareOutput(flags.output);
    const options: ScreenshotOptions = {
      monitor: flags.monitor,
      region: flags.region ? parseRegion(flags.region) : undefined,
      stillMs: flags.still,
      cursor: flags.cursor,
      format: imageFormatOf(flags.output),
      timeoutMs: flags.timeout,
      stillHint: 'the screen kept changing (a video or animation?); use a shorter --still, or --still 0 for the first complete frame',
    };
    // Like spicy-screenshot, link only what the picture needs: each link costs the server an RSA key.
    const spec = {channels: [ChannelType.DISPLAY, ...(flags.cursor ? [ChannelType.CURSOR] : [])], render: true, display: preferredCompression(flags.compression)};
    const {bytes, report} = await this.withSession(flags, spec, (s) => screenshot(s, options, t0));
    if (flags.output === '-') {
      // stdout carries the PNG: the JSON report goes to stderr.
      process.stdout.write(bytes);
      if (flags.json) process.stderr.write(JSON.stringify({ok: true, file: '-', ...report}, null, 2) + '\n');
      return;
    }
    writeOutput(flags.output, bytes);
    const c = report.cursor;
    this.report({file: flags.output, ...report}, `wrote ${flags.output} (${report.width}x${report.height})${c ? (c.drawn ? ', with the cursor' : `, without the cursor: ${c.reason}`) : ''}`);
  }
}
