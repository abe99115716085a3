import {Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {monitorFlag, SCREEN_SESSION} from '../cli/screen-flags.js';
import {parseRegion} from '../client/actions/capture.js';
import {waitChange} from '../client/actions/screen.js';

export default class WaitChange extends SessionCommand {
  static override summary = 'Wait until the screen (or a region of it) changes: exit 0, or 40 when it did not within --timeout.';
  static override description = 'Takes the picture once the first frame is drawn, then looks again after every draw until a pixel of the monitor (or of --region) differs, as the scenario step wait_change does.';
  static override examples = ['<%= config.bin %> wait-change --uri spice://127.0.0.1:5900 --timeout 30', '<%= config.bin %> wait-change --region 16,16,500,100 --json'];
  static override flags = {
    region: Flags.string({description: 'Only this part of the monitor: X,Y,WIDTH,HEIGHT.'}),
    monitor: monitorFlag,
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(WaitChange);
    const options = {timeoutMs: flags.timeout, monitor: flags.monitor, region: flags.region ? parseRegion(flags.region) : undefined};
    const out = await this.withSession(flags, SCREEN_SESSION, (s, signal) => waitChange(s, {...options, signal}));
    this.report(out, `the ${out.region ? `region ${flags.region}` : 'screen'} changed after ${out.ms} ms`);
  }
}
