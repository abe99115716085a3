import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {defineConfig} from 'vitest/config';

// Every test run gets its own lab root: concurrent runs (CI, a developer's shell) never share targets.
const labDir = process.env.SPICE_CLI_TEST_LAB_DIR ?? mkdtempSync(join(tmpdir(), 'spice-cli-lab-test-'));
process.env.SPICE_CLI_LAB_DIR = labDir;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/support/global-setup.ts'],
    env: {SPICE_CLI_LAB_DIR: labDir},
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real servers (Xspice, QEMU) bind free ports; files run in parallel on the 2 cores.
    fileParallelism: true,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
