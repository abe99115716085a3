import {Args, Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {SpiceError} from '../client/errors.js';
import {parseCoord, scrollButton} from '../client/actions/mouse.js';
import {mouseCommand, mouseFlags} from './move.js';

export default class Scroll extends SessionCommand {
  static override summary = 'Turn the mouse wheel up or down N clicks (default 1).';
  static override description =
    'Each click is a PRESS+RELEASE of the wheel button. With --at X Y the pointer moves there first. SPICE has no horizontal wheel, so left/right are refused.';
  static override examples = ['<%= config.bin %> scroll --uri spice://127.0.0.1:5900 up 5', '<%= config.bin %> scroll down --at 200 200'];
  static override args = {
    direction: Args.string({description: 'up or down', required: true}),
    clicks: Args.string({description: 'Wheel clicks (default 1).'}),
  };
  static override flags = {
    ...mouseFlags,
    at: Flags.string({description: 'Move the pointer to "X Y" (or X,Y) first.'}),
  };

  printJsonPublic(v: unknown): void {
    this.printJson(v);
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Scroll);
    this.jsonOut = flags.json;
    const button = scrollButton(args.direction);
    const clicks = args.clicks === undefined ? 1 : Number(args.clicks);
    if (!Number.isInteger(clicks) || clicks < 1 || clicks > 10_000) throw new SpiceError('usage', `clicks: "${args.clicks}" is not a whole number 1..10000`);
    let at: {x: number; y: number} | undefined;
    if (flags.at !== undefined) {
      const parts = flags.at.split(/[ ,x]+/).filter(Boolean);
      if (parts.length !== 2) throw new SpiceError('usage', `--at: "${flags.at}" is not "X Y"`);
      at = {x: parseCoord(parts[0]!, 'X'), y: parseCoord(parts[1]!, 'Y')};
    }
    await mouseCommand(this, flags, {action: 'scroll', direction: args.direction.toLowerCase(), clicks}, async (m) => {
      if (at) await m.moveTo(at.x, at.y);
      await m.scroll(button, clicks);
    });
  }
}
