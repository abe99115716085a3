/**
 * Before any test: the lab's Debian packages must be there (Xspice, QEMU, spice-gtk as the oracle).
 * As root they are installed (so `npm test` works on a fresh Debian machine); otherwise the run stops
 * with the exact apt-get command to run. After the run, any lab target a test left behind is stopped.
 * Each run has its own lab root (vitest.config.ts sets SPICE_CLI_LAB_DIR), so runs never touch
 * each other's targets.
 */
import {rmSync} from 'node:fs';
import {installLabPackages} from '../../src/lab/install.js';
import {labRoot, readState, stopTargetInfo} from '../../src/lab/state.js';

export default async function setup(): Promise<() => Promise<void>> {
  const r = await installLabPackages({onOutput: process.env.CI ? (s) => process.stderr.write(s) : undefined});
  if (r.command) {
    throw new Error(`the tests need these Debian packages: ${r.missing.join(' ')}\nInstall them with:\n  ${r.command}`);
  }
  if (r.ran) process.stderr.write(`installed lab packages: ${r.installed.join(' ')}\n`);
  const root = labRoot();
  return async () => {
    const left = readState(root);
    await Promise.all(left.map((t) => stopTargetInfo(t, root).catch(() => undefined)));
    if (left.length) process.stderr.write(`stopped ${left.length} lab target(s) left by tests: ${left.map((t) => t.name).join(' ')}\n`);
    rmSync(root, {recursive: true, force: true});
  };
}
