import {Flags} from '@oclif/core';
import {LabCommand} from '../../cli/lab-command.js';
import {allLabPackages, installCommand, installLabPackages, isRoot, missingLabPackages} from '../../lab/install.js';

export default class LabInstall extends LabCommand {
  static override summary = 'Install the Debian packages the lab needs (Xspice, QEMU, agent, reference clients, guest parts)';
  static override description =
    'As root, runs apt-get install -y --no-install-recommends for the missing packages (apt-get update first if the package lists are empty or old). ' +
    'Otherwise prints the command to run and exits with 1 when something is missing.';

  static override flags = {
    'dry-run': Flags.boolean({description: 'only report what is missing and the command that would install it'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(LabInstall);
    const packages = allLabPackages();
    const missing = await missingLabPackages(packages);
    if (missing.length === 0) {
      if (flags.json) this.report({packages, missing, installed: [], ran: false});
      else this.log(`all ${packages.length} lab packages are installed`);
      return;
    }
    if (flags['dry-run'] || !isRoot()) {
      const command = installCommand(missing);
      if (flags.json) this.report({packages, missing, installed: [], ran: false, command});
      else {
        this.log(`missing: ${missing.join(' ')}`);
        this.log(`run: ${command}`);
      }
      if (!flags['dry-run']) this.exit(1);
      return;
    }
    if (!flags.json) this.logToStderr(`installing: ${missing.join(' ')}`);
    const result = await installLabPackages({
      packages: missing,
      onOutput: flags.json ? undefined : (chunk) => process.stderr.write(chunk),
    });
    if (flags.json) this.report({packages, ...result});
    else this.log(`installed: ${result.installed.join(' ')}`);
  }
}
