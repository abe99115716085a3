import {Args, Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {BUTTON_NAMES, buttonOf, parseCoord} from '../client/actions/mouse.js';
import {mouseCommand, mouseFlags} from './move.js';

export default class Click extends SessionCommand {
  static override summary = 'Click a mouse button at X Y (guest screen pixels).';
  static override description = 'Moves the pointer to X Y (client mouse mode when the server supports it), then presses and releases the button; --double clicks twice. The button is released also on errors and Ctrl-C.';
  static override examples = [
    '<%= config.bin %> click --uri spice://127.0.0.1:5900 100 200',
    '<%= config.bin %> click 500 300 --button right',
    '<%= config.bin %> click 20 20 --double',
  ];
  static override args = {
    x: Args.string({description: 'X (pixels from the left)', required: true}),
    y: Args.string({description: 'Y (pixels from the top)', required: true}),
  };
  static override flags = {
    ...mouseFlags,
    button: Flags.string({char: 'b', description: 'Mouse button.', options: [...BUTTON_NAMES], default: 'left'}),
    double: Flags.boolean({description: 'Double-click.', default: false}),
  };

  printJsonPublic(v: unknown): void {
    this.printJson(v);
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Click);
    this.jsonOut = flags.json;
    const x = parseCoord(args.x, 'X');
    const y = parseCoord(args.y, 'Y');
    const button = buttonOf(flags.button);
    await mouseCommand(this, flags, {action: 'click', button: flags.button, double: flags.double}, async (m) => {
      await m.moveTo(x, y);
      await m.click(button, flags.double ? 2 : 1);
    });
  }
}
