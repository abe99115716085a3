import {Flags} from '@oclif/core';
import {durationFlag} from '../cli/duration.js';
import {SessionCommand} from '../cli/base-command.js';
import {SCREEN_SESSION} from '../cli/screen-flags.js';
import {waitStillScreen} from '../client/actions/screen.js';

export default class WaitStill extends SessionCommand {
  static override summary = 'Wait until nothing is drawn for --still ms: exit 0, or 40 when the screen kept changing for --timeout.';
  static override description = 'Waits for the first complete frame, then until the server has drawn nothing for --still milliseconds, as the scenario step wait_still does.';
  static override examples = ['<%= config.bin %> wait-still --uri spice://127.0.0.1:5900', '<%= config.bin %> wait-still --still 2000 --timeout 60 --json'];
  static override flags = {
    still: durationFlag({name: 'still', unit: 'ms', description: 'How long nothing may be drawn.', defaultMs: 500}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(WaitStill);
    const options = {stillMs: flags.still, timeoutMs: flags.timeout, hint: 'the screen kept changing (a video, an animation, a blinking cursor?)'};
    const out = await this.withSession(flags, SCREEN_SESSION, (s, signal) => waitStillScreen(s, {...options, signal}));
    this.report(out, `still for ${out.stillMs} ms after ${out.ms} ms`);
  }
}
