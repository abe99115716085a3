/**
 * Before any test: the lab's Debian packages must be there (Xspice, QEMU, spice-gtk as the oracle).
 * As root they are installed (so `npm test` works on a fresh Debian machine); otherwise the run stops
 * with the exact apt-get command to run.
 */
import {installLabPackages} from '../../src/lab/install.js';

export default async function setup(): Promise<void> {
  const r = await installLabPackages({onOutput: process.env.CI ? (s) => process.stderr.write(s) : undefined});
  if (r.command) {
    throw new Error(`the tests need these Debian packages: ${r.missing.join(' ')}\nInstall them with:\n  ${r.command}`);
  }
  if (r.ran) process.stderr.write(`installed lab packages: ${r.installed.join(' ')}\n`);
}
