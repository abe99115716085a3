/**
 * `npm run test:unit`: the test files that need nothing but Node, node_modules and this repository
 * (recordings/, test/fixtures/): no lab server, no Debian program or file (Xspice, QEMU, spice-gtk,
 * djpeg, xmllint, openssl, spice-html5, ...), no built CLI (dist/, bin/run.js). They run from the sources
 * in seconds, with no lab setup. `npm test` (vitest.config.ts) still runs every file, these included.
 *
 * A file is listed only when every test in it runs without them; a test that compares with a lab file only
 * when it is installed (lz, quic: spice-html5) skips itself elsewhere. A new test file joins `npm test`
 * automatically; add it here only if it qualifies.
 */
import {existsSync} from 'node:fs';
import {defineConfig} from 'vitest/config';

export const UNIT_TEST_FILES = [
  'test/agent/monitor-layout.test.ts',
  'test/audio/analysis.test.ts',
  'test/audio/correlate.test.ts',
  'test/audio/expectations.test.ts',
  'test/audio/record-channel.test.ts',
  'test/audio/record-convert.test.ts',
  'test/audio/record-pacing.test.ts',
  'test/audio/opus.test.ts',
  'test/audio/wav.test.ts',
  'test/architecture/layers.test.ts',
  'test/usb/emulation.test.ts',
  'test/cli/flag-names.test.ts',
  'test/agent/recorded-clipboard.test.ts',
  'test/codecs/glz.test.ts',
  'test/codecs/jpeg-fuzz.test.ts',
  'test/codecs/lz-fuzz.test.ts',
  'test/codecs/lz.test.ts', // its spice-html5 comparison runs only where Debian's spice-html5 is installed
  'test/codecs/quic.test.ts', // likewise
  'test/codecs/lz4.test.ts',
  'test/codecs/robustness.test.ts',
  'test/codecs/zlib-glz.test.ts',
  'test/cli/output-files.test.ts',
  'test/cursor/channel.test.ts',
  'test/cursor/decode.test.ts',
  'test/display/canvas.test.ts',
  'test/display/oracle.test.ts', // recorded spice-common results (oracle/golden.json) unless SPICE_CANVAS_ORACLE names a runner
  'test/display/replay.test.ts',
  'test/display/streams.test.ts',
  'test/input/keyboard-unit.test.ts',
  'test/input/mouse-unit.test.ts',
  'test/lab/args.test.ts',
  'test/lab/launch.test.ts',
  'test/needles/compare.test.ts',
  'test/needles/match.test.ts',
  'test/scenarios/do-actions.test.ts',
  'test/scenarios/audio-check.test.ts',
  'test/scenarios/check.test.ts',
  'test/scenarios/match-spelling.test.ts',
  'test/scenarios/progress-ink.test.ts',
  'test/wire/bytes.test.ts',
  'test/wire/captured.test.ts',
  'test/wire/fuzz.test.ts',
  'test/wire/handlers.test.ts',
  'test/wire/schema-ext.test.ts',
  'test/wire/schema.test.ts',
  'test/wire/messages.test.ts',
  'test/wire/recordings.test.ts',
  'test/wire/usbredir.test.ts',
  'test/usb/connection.test.ts',
  'test/usb/host-device.test.ts',
  'test/usb/host-filter.test.ts',
  'test/usb/storage.test.ts',
  'test/usb/hid.test.ts',
];

// A listed file that was moved or renamed must not drop out of the unit run silently.
const missing = UNIT_TEST_FILES.filter((f) => !existsSync(new URL(f, import.meta.url)));
if (missing.length) throw new Error(`vitest.unit.config.ts lists test files that do not exist: ${missing.join(' ')}`);

export default defineConfig({
  test: {
    include: UNIT_TEST_FILES,
    // No globalSetup: the lab packages are neither checked nor installed, and no lab root is made.
    testTimeout: 60_000,
    // Both cores: the seeded fuzz files dominate and are independent.
    maxWorkers: 2,
    // The same closing "N passed, N failed" line as `npm test`, so CI can read either run the same way.
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
