import {Args, Flags} from '@oclif/core';
import {monitorFlag, DISPLAY_ONLY} from '../cli/sessions.js';
import {SessionCommand} from '../cli/base-command.js';
import {parseSize, resizeMonitor} from '../client/actions/monitors.js';

export default class Resize extends SessionCommand {
  static override summary = "Resize the guest's display through its agent, and wait until the display channel shows the new size.";
  static override description = `Sends VD_AGENT_MONITORS_CONFIG to the guest agent (spice-vdagent applies it with XRandR on X guests), then waits (--timeout) until the display channel reports a primary surface of that size. Without a guest agent: exit 30; an agent without monitor configuration: exit 1; the size not shown in time: exit 40. --monitor N resizes monitor N of the layout the display channel reports, at its place, and keeps the others as they are (a monitor the guest does not show: exit 2).`;
  static override examples = ['<%= config.bin %> resize --uri spice://127.0.0.1:5900 800x600', '<%= config.bin %> resize 1280x720 --json', '<%= config.bin %> resize 640x480 --monitor 1'];
  static override args = {
    size: Args.string({description: 'WIDTHxHEIGHT, e.g. 1024x768', required: true}),
  };
  static override flags = {
    monitor: monitorFlag('The one to resize.'),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Resize);
    const size = parseSize(args.size);
    const out = await this.withSession(flags, DISPLAY_ONLY, (s) => resizeMonitor(s, flags.monitor, size, {timeoutMs: flags.timeout}));
    this.report(out, `resized to ${out.after.join(',')} (was ${out.before.join(',')})`);
  }
}
