import {Args, Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {BUTTON_NAMES, buttonOf, parseCoord} from '../client/actions/mouse.js';
import {mouseCommand, mouseFlags} from './move.js';

export default class Drag extends SessionCommand {
  static override summary = 'Drag with a mouse button held from X1 Y1 to X2 Y2 (guest screen pixels).';
  static override description = 'Moves to X1 Y1, presses the button, glides to X2 Y2 in --steps steps and releases there. The button is released also on errors and Ctrl-C.';
  static override examples = ['<%= config.bin %> drag --uri spice://127.0.0.1:5900 20 20 300 20', '<%= config.bin %> drag 100 100 400 300 --button middle'];
  static override args = {
    x1: Args.string({required: true, description: 'start X'}),
    y1: Args.string({required: true, description: 'start Y'}),
    x2: Args.string({required: true, description: 'end X'}),
    y2: Args.string({required: true, description: 'end Y'}),
  };
  static override flags = {
    ...mouseFlags,
    button: Flags.string({char: 'b', description: 'Mouse button.', options: [...BUTTON_NAMES], default: 'left'}),
    steps: Flags.integer({description: 'Intermediate motion events while the button is held.', default: 10, min: 1, max: 1000}),
  };

  printJsonPublic(v: unknown): void {
    this.printJson(v);
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Drag);
    this.jsonOut = flags.json;
    const [x1, y1, x2, y2] = [parseCoord(args.x1, 'X1'), parseCoord(args.y1, 'Y1'), parseCoord(args.x2, 'X2'), parseCoord(args.y2, 'Y2')];
    const button = buttonOf(flags.button);
    await mouseCommand(this, flags, {action: 'drag', button: flags.button, from: {x: x1, y: y1}, to: {x: x2, y: y2}}, async (m) => {
      await m.moveTo(x1, y1);
      await m.press(button);
      try {
        await m.glideTo(x2, y2, flags.steps);
      } finally {
        await m.release(button);
      }
    });
  }
}
