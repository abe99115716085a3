import {Flags} from '@oclif/core';
import {LabCommand} from '../../cli/lab-command.js';
import {formatTargets, publicInfo} from '../../lab/cli.js';
import {labRoot, readState} from '../../lab/state.js';

export default class LabStatus extends LabCommand {
  static override summary = 'List the running lab targets';
  static override description = 'Reads the lab state file ($SPICE_CLI_LAB_DIR/state.json, default in the temp dir); targets whose server died are dropped.';

  static override flags = {
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(LabStatus);
    const targets = readState();
    if (flags.json) this.report({targets: targets.map(publicInfo)});
    else {
      this.log(formatTargets(targets));
      if (targets.length > 0) this.logToStderr(`lab root: ${labRoot()}`);
    }
  }
}
