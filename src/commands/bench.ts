import {spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Flags} from '@oclif/core';
import {SpiceCommand} from '../cli/base-command.js';
import {SpiceError} from '../client/errors.js';

/** The benchmark runner (`npm run bench` runs the same file); it starts and stops its own lab targets. */
const RUNNER = fileURLToPath(new URL('../bench/run.js', import.meta.url));

export default class Bench extends SpiceCommand {
  static override summary = 'Measure spice-cli beside spice-gtk on lab targets: link, first frame, screenshot, codecs, needles, scenario steps; a JSON report.';
  static override description = `Starts lab targets (Xspice, and QEMU with --target qemu|both), measures, stops them (also on Ctrl-C), and prints one JSON report on stdout; progress lines go to stderr. The same as \`npm run bench\`. Figures are medians and p90 over --runs rounds after warm-up rounds; ratios are spice-cli / spice-gtk (lower is better for spice-cli). Needs the lab packages (\`spice-cli lab install\`). Exit 0 with the report, 1 when a measurement failed, 2 for bad flags.`;
  static override examples = [
    '<%= config.bin %> bench --target xspice --runs 5',
    '<%= config.bin %> bench --input-only --target xspice',
    '<%= config.bin %> bench --clipboard -o bench.json',
    '<%= config.bin %> bench --audio-only',
  ];

  static override flags = {
    runs: Flags.integer({description: 'Timed rounds per measurement.', default: 15, min: 1, max: 1000}),
    target: Flags.string({description: 'Lab targets to measure on.', options: ['xspice', 'qemu', 'both'], default: 'both'}),
    input: Flags.boolean({description: 'Add the input benchmarks: keystrokes/s without loss and key-to-pixel latency, beside spice-gtk (about a minute more).'}),
    'input-only': Flags.boolean({description: 'Only the input benchmarks.', exclusive: ['clipboard-only']}),
    clipboard: Flags.boolean({description: 'Add the clipboard round trips (1 KiB and 1 MiB both ways), beside spice-gtk.'}),
    'clipboard-only': Flags.boolean({description: 'Only the clipboard round trips.'}),
    audio: Flags.boolean({description: 'Add Opus encode and decode speed (real-time factors; a few seconds, no server).'}),
    'audio-only': Flags.boolean({description: 'Only the Opus speed.'}),
    usb: Flags.boolean({description: "Add the emulated USB stick's sequential read throughput in the QEMU tiny guest (MB/s, dd over the serial shell; spice-gtk has no comparable figure)."}),
    'usb-only': Flags.boolean({description: 'Only the USB throughput.'}),
    output: Flags.string({char: 'o', description: 'Also write the JSON report to this file.'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Bench);
    const args = ['--runs', String(flags.runs), '--target', flags.target];
    if (flags.input) args.push('--input');
    if (flags['input-only']) args.push('--input-only');
    if (flags.clipboard) args.push('--clipboard');
    if (flags['clipboard-only']) args.push('--clipboard-only');
    if (flags.audio) args.push('--audio');
    if (flags['audio-only']) args.push('--audio-only');
    if (flags.usb) args.push('--usb');
    if (flags['usb-only']) args.push('--usb-only');
    const {code, report} = await runBenchmark(args, this.signal, () => this.interruptedExitCode);
    if (code === 130) {
      // Interrupted: the runner has stopped its lab targets and said so.
      process.exitCode = this.interruptedExitCode;
      return;
    }
    if (code !== 0) throw new SpiceError('expectation', `the benchmark failed (exit ${code}); its progress lines above say where`);
    if (flags.output) writeFileSync(flags.output, report);
    process.stdout.write(report);
  }
}

/** Runs the benchmark in a child process (stderr passed through); Ctrl-C/SIGTERM (the command's signal) reach it so it stops its targets. */
function runBenchmark(args: string[], abort: AbortSignal, exitCode: () => number): Promise<{code: number | null; report: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, ...args], {stdio: ['ignore', 'pipe', 'inherit']});
    let report = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (report += d));
    // Ctrl-C on a terminal signals the whole process group; a SIGTERM to this process alone is passed on.
    const onAbort = () => child.kill(exitCode() === 143 ? 'SIGTERM' : 'SIGINT');
    abort.addEventListener('abort', onAbort, {once: true});
    child.on('error', reject);
    child.on('close', (code, signal) => {
      abort.removeEventListener('abort', onAbort);
      resolve({code: signal ? 130 : code, report});
    });
  });
}
