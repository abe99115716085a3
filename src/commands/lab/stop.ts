import {Args, Flags} from '@oclif/core';
import {LabCommand} from '../../cli/lab-command.js';
import {SpiceError} from '../../client/errors.js';
import {readState, stopTargetInfo} from '../../lab/state.js';

export default class LabStop extends LabCommand {
  static override summary = 'Stop a lab target started with `spice-cli lab start` (or all of them)';
  static override examples = ['<%= config.bin %> lab stop xspice-123', '<%= config.bin %> lab stop --all'];

  static override args = {
    name: Args.string({description: 'target name, as shown by `spice-cli lab status`'}),
  };

  static override flags = {
    all: Flags.boolean({description: 'stop every running lab target'}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(LabStop);
    if (!args.name && !flags.all) throw new SpiceError('usage', 'name a target to stop, or use --all (see `spice-cli lab status`)');
    if (args.name && flags.all) throw new SpiceError('usage', 'give either a target name or --all, not both');
    const targets = readState();
    const chosen = flags.all ? targets : targets.filter((t) => t.name === args.name);
    if (args.name && chosen.length === 0) {
      throw new SpiceError('usage', `no running lab target named "${args.name}" (see \`spice-cli lab status\`)`);
    }
    const errors: string[] = [];
    const stopped: string[] = [];
    for (const t of chosen) {
      try {
        await stopTargetInfo(t);
        stopped.push(t.name);
        if (!this.jsonOut) this.log(`stopped ${t.name}`);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (flags.all && chosen.length === 0 && !this.jsonOut) this.logToStderr('no lab targets running');
    if (errors.length > 0) throw new Error(errors.join('\n'));
    if (this.jsonOut) this.report({stopped});
  }
}
