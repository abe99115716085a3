import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {Flags} from '@oclif/core';
import {LabCommand} from '../../cli/lab-command.js';
import {packageRoot} from '../../lab/cli.js';
import {MissingPackageError, XSPICE_PACKAGES, installLabPackages, isRoot, missingLabPackages} from '../../lab/install.js';
import {startXspice} from '../../lab/xspice.js';
import type {LabTarget} from '../../lab/types.js';

/** Xspice, and spice-vdagent + xclip for the clipboard example. */
const DEMO_PACKAGES = [...XSPICE_PACKAGES, 'spice-vdagent', 'xclip'];

export default class LabDemo extends LabCommand {
  static override summary = 'Start an Xspice target with the guest agent, run `spice-cli info` and the Xspice example scenarios against it, stop it';
  static override description =
    'Installs the lab packages first when running as root and some are missing. The target is stopped at the end, also on Ctrl-C.';

  static override flags = {
    'timeout-ms': Flags.integer({description: 'limit for the info run', default: 30_000}),
    'run-timeout-ms': Flags.integer({description: 'limit for the example scenarios', default: 120_000}),
  };

  async run(): Promise<void> {
    let target: LabTarget | undefined;
    // Ctrl-C / SIGTERM (the base command's one signal path): stop the target, then exit 130 / 143.
    const onAbort = () => {
      this.logToStderr(`\n${this.interruptedExitCode === 130 ? 'SIGINT' : 'SIGTERM'}: stopping the demo target`);
      const t = target;
      target = undefined;
      void (t ? t.stop() : Promise.resolve()).finally(() => process.exit(this.interruptedExitCode));
    };
    this.signal.addEventListener('abort', onAbort, {once: true});
    try {
      const {flags} = await this.parse(LabDemo);
      const missing = await missingLabPackages(DEMO_PACKAGES);
      if (missing.length > 0) {
        if (!isRoot()) throw new MissingPackageError(missing, 'the demo needs Xspice');
        this.logToStderr(`installing ${missing.join(' ')} ...`);
        await installLabPackages({packages: missing});
      }
      const t0 = Date.now();
      target = await startXspice({stopOnExit: true, vdagent: true});
      this.logToStderr(`started ${target.name} at ${target.uri} in ${Date.now() - t0} ms (listening after ${target.extra.listenMs} ms)`);

      const root = packageRoot();
      if (!existsSync(join(root, 'dist', 'commands', 'info.js'))) {
        this.log(`the \`info\` command is not in this build yet (dist/commands/info.js is missing): try \`spice-cli info --uri ${target.uri}\` once it exists`);
      } else {
        this.logToStderr(`$ spice-cli info --uri ${target.uri}`);
        const code = await runCommand(root, target.uri, flags['timeout-ms']);
        if (code !== 0) process.exitCode = code;
      }
      // The example scenarios (docs/scenarios.md), when this build has `run`. They share the xterm: the
      // clipboard one goes first, while its prompt is still where its needle looks for it.
      const examples = ['examples/xspice-clipboard.yaml', 'examples/xspice-branch.yaml', 'examples/xspice-xterm.yaml'];
      if (process.exitCode === undefined && existsSync(join(root, 'dist', 'commands', 'run.js')) && examples.every((e) => existsSync(join(root, e)))) {
        this.logToStderr(`$ spice-cli run ${examples.join(' ')} --uri ${target.uri}`);
        const code = await runCommand(root, target.uri, flags['run-timeout-ms'], ['run', ...examples, '--artifacts', join(target.dir, 'artifacts')]);
        if (code !== 0) process.exitCode = code;
      }
    } catch (err) {
      await target?.stop().catch(() => undefined);
      target = undefined;
      throw err;
    } finally {
      this.signal.removeEventListener('abort', onAbort);
      const t = target;
      target = undefined;
      if (t) {
        await t.stop();
        this.logToStderr(`stopped ${t.name}`);
      }
    }
  }
}

/** Runs `node bin/run.js info --uri URI` (or another command) with inherited output; resolves to its exit code. */
function runCommand(root: string, uri: string, timeoutMs: number, command: string[] = ['info']): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), ...command, '--uri', uri], {cwd: root, stdio: ['ignore', 'inherit', 'inherit']});
    const timer = setTimeout(() => {
      process.stderr.write(`spice-cli ${command[0]} did not finish within ${timeoutMs} ms: stopping it\n`);
      child.kill('SIGTERM');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      process.stderr.write(`cannot run spice-cli ${command[0]}: ${err.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
