import {Args, Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {POINTER_CHANNELS, pointerFlags, pointerOptions, warnInexact} from '../cli/pointer-flags.js';
import {DEFAULT_DRAG_STEPS, pointer, BUTTON_NAMES, parsePoints, type Point} from '../client/actions/pointer.js';

export default class Drag extends SessionCommand {
  static override summary = 'Drag with a mouse button held from X1,Y1 to X2,Y2 (guest screen pixels).';
  static override description = 'Moves to X1 Y1, presses the button, glides to X2 Y2 in --steps steps and releases there. The button is released also on errors and Ctrl-C.';
  static override examples = ['<%= config.bin %> drag --uri spice://127.0.0.1:5900 20,20 300,20', '<%= config.bin %> drag 100 100 400 300 --button middle    # the old form: X1 Y1 X2 Y2'];
  static override args = {
    x1: Args.string({required: true, description: 'start X,Y (or start X)'}),
    y1: Args.string({required: true, description: 'end X,Y (or start Y)'}),
    x2: Args.string({description: 'end X (when the points are given as X Y)'}),
    y2: Args.string({description: 'end Y (when the points are given as X Y)'}),
  };
  static override flags = {
    ...pointerFlags,
    button: Flags.string({char: 'b', description: 'Mouse button.', options: [...BUTTON_NAMES], default: 'left'}),
    steps: Flags.integer({description: 'Intermediate motion events while the button is held.', default: DEFAULT_DRAG_STEPS, min: 1, max: 1000}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Drag);
    const [from, to] = parsePoints([args.x1, args.y1, args.x2, args.y2], ['start', 'end']) as [Point, Point];
    const gesture = {action: 'drag', from, to, button: flags.button, steps: flags.steps} as const;
    const out = await this.withSession(flags, {channels: POINTER_CHANNELS}, (s, signal) => pointer(s, gesture, {...pointerOptions(flags), signal}));
    this.report(out, warnInexact);
  }
}
