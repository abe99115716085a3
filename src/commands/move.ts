import {Args} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {POINTER_CHANNELS, pointerFlags, pointerOptions, warnInexact} from '../cli/pointer-flags.js';
import {pointer, parsePoints} from '../client/actions/pointer.js';

export default class Move extends SessionCommand {
  static override summary = 'Move the mouse pointer to X,Y (guest screen pixels).';
  static override description =
    'Uses client mouse mode (absolute positions, exact) and asks the server for it when it supports it; in server mode (relative motion) it corrects until the cursor position the server reports is X Y (exact), or is best effort when the server reports none.';
  static override examples = ['<%= config.bin %> move --uri spice://127.0.0.1:5900 100,200', '<%= config.bin %> move 0 0 --monitor 1 --json'];
  static override args = {
    x: Args.string({description: 'X,Y, or X (pixels from the left) with Y next', required: true}),
    y: Args.string({description: 'Y (pixels from the top), when X,Y was not given as one'}),
  };
  static override flags = {...pointerFlags};

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Move);
    const [at] = parsePoints([args.x, args.y], ['point']);
    const gesture = {action: 'move', x: at!.x, y: at!.y} as const;
    const out = await this.withSession(flags, {channels: POINTER_CHANNELS}, (s, signal) => pointer(s, gesture, {...pointerOptions(flags), signal}));
    this.report(out, warnInexact);
  }
}
