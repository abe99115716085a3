import {Args, Flags} from '@oclif/core';
import {durationFlag} from '../cli/duration.js';
import {SessionCommand} from '../cli/base-command.js';
import {POINTER_CHANNELS, pointerFlags, pointerOptions, warnInexact} from '../cli/pointer-flags.js';
import {pointer, BUTTON_NAMES, checkGesture, parsePoints} from '../client/actions/pointer.js';

export default class Click extends SessionCommand {
  static override summary = 'Click a mouse button at X,Y (guest screen pixels).';
  static override description = 'Moves the pointer to X Y (client mouse mode when the server supports it), then presses and releases the button (a point off the screen is refused, exit 2); --double clicks twice. The button is released also on errors and Ctrl-C.';
  static override examples = [
    '<%= config.bin %> click --uri spice://127.0.0.1:5900 100,200',
    '<%= config.bin %> click 100 200    # the same point as separate arguments',
    '<%= config.bin %> click 500 300 --button right',
    '<%= config.bin %> click 20 20 --double',
    '<%= config.bin %> click 300 40 --hold 1500    # a long press',
  ];
  static override args = {
    x: Args.string({description: 'X,Y, or X (pixels from the left) with Y next', required: true}),
    y: Args.string({description: 'Y (pixels from the top), when X,Y was not given as one'}),
  };
  static override flags = {
    ...pointerFlags,
    button: Flags.string({char: 'b', description: 'Mouse button.', options: [...BUTTON_NAMES], default: 'left'}),
    double: Flags.boolean({description: 'Double-click.', default: false}),
    hold: durationFlag({name: 'hold', unit: 'ms', description: 'How long the button stays down (default 20ms): a long press.'}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Click);
    const [at] = parsePoints([args.x, args.y], ['point']);
    const gesture = {action: 'click', x: at!.x, y: at!.y, button: flags.button, double: flags.double, holdMs: flags.hold} as const;
    checkGesture(gesture);
    const out = await this.withSession(flags, {channels: POINTER_CHANNELS}, (s, signal) => pointer(s, gesture, {...pointerOptions(flags), signal}));
    this.report(out, warnInexact);
  }
}
