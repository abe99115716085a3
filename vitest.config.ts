import {defineConfig} from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real servers (Xspice, QEMU) bind free ports; files run in parallel on the 2 cores.
    fileParallelism: true,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
