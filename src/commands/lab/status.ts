import {Command, Flags} from '@oclif/core';
import {fail, formatTargets, publicInfo} from '../../lab/cli.js';
import {labRoot, readState} from '../../lab/state.js';

export default class LabStatus extends Command {
  static override summary = 'List the running lab targets';
  static override description = 'Reads the lab state file ($SPICE_CLI_LAB_DIR/state.json, default in the temp dir); targets whose server died are dropped.';

  static override flags = {
    json: Flags.boolean({description: 'print the targets (without passwords) as a JSON array'}),
  };

  async run(): Promise<void> {
    try {
      const {flags} = await this.parse(LabStatus);
      const targets = readState();
      if (flags.json) this.log(JSON.stringify(targets.map(publicInfo), null, 2));
      else {
        this.log(formatTargets(targets));
        if (targets.length > 0) this.logToStderr(`lab root: ${labRoot()}`);
      }
    } catch (err) {
      fail(this, err);
    }
  }
}
