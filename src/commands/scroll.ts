import {Args, Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {POINTER_CHANNELS, pointerFlags, pointerOptions, warnInexact} from '../cli/pointer-flags.js';
import {checkGesture, pointer, type PointerGesture, parsePoints} from '../client/actions/pointer.js';
import {SpiceError} from '../client/errors.js';

export default class Scroll extends SessionCommand {
  static override summary = 'Turn the mouse wheel up or down N clicks (default 1).';
  static override description =
    'Each click is a PRESS+RELEASE of the wheel button. With --at X Y the pointer moves there first. SPICE has no horizontal wheel, so left/right are refused.';
  static override examples = ['<%= config.bin %> scroll --uri spice://127.0.0.1:5900 up 5', '<%= config.bin %> scroll down 3 --at 200,200'];
  static override args = {
    direction: Args.string({description: 'up or down', required: true}),
    clicks: Args.string({description: 'Wheel clicks (default 1).'}),
  };
  static override flags = {
    ...pointerFlags,
    at: Flags.string({description: 'Move the pointer to X,Y first ("X Y" in quotes also works).'}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Scroll);
    const clicks = args.clicks === undefined ? 1 : Number(args.clicks);
    if (!Number.isInteger(clicks) || clicks < 1 || clicks > 10_000) throw new SpiceError('usage', `clicks: "${args.clicks}" is not a whole number 1..10000`);
    const at = flags.at === undefined ? undefined : parsePoints([flags.at], ['--at point'])[0];
    const gesture: PointerGesture = {action: 'scroll', direction: args.direction, clicks, at};
    checkGesture(gesture);
    const out = await this.withSession(flags, {channels: POINTER_CHANNELS}, (s, signal) => pointer(s, gesture, {...pointerOptions(flags), signal}));
    this.report(out, warnInexact);
  }
}
