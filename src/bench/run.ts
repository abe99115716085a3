/**
 * `npm run bench`: spice-cli against spice-gtk on the same lab targets — time to link every channel
 * in-process and as a whole process, plus CLI start-up. JSON on stdout, progress on stderr.
 * Targets are stopped at the end, on failure and on SIGINT/SIGTERM.
 */
import {readFileSync} from 'node:fs';
import os from 'node:os';
import {fileURLToPath} from 'node:url';
import type {LabTarget} from '../lab/types.js';
import {BENCH_USAGE, parseBenchArgs} from './args.js';
import {benchJpeg} from './codec-jpeg.js';
import {benchLz} from './codec-lz.js';
import {benchInput} from './input.js';
import {benchClipboard} from './clipboard.js';
import {benchAudio} from './audio.js';
import {benchAudioLatency} from './audio-latency.js';
import {benchUsb} from './usb.js';
import {benchNeedle} from './needle.js';
import {benchScenarioSteps} from './scenario-steps.js';
import {benchQuic} from './codec-quic.js';
import {benchScreenshot} from './screenshot.js';
import {killTrackedChildren, timeProcessOk} from './processes.js';
import {timeCli} from './spice-cli.js';
import {SYSTEM_PYTHON} from './spice-gtk.js';
import {summarize} from './stats.js';
import {BENCH_TIMING, benchTarget, type TargetResult} from './target-bench.js';
import {crashNote, startBenchTarget, stopTarget, TARGET_DESCRIPTIONS} from './targets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PATHS = {bin: `${ROOT}bin/run.js`, gtkScript: `${ROOT}scripts/bench-spice-gtk.py`, gtkKeysScript: `${ROOT}scripts/bench-spice-gtk-keys.py`, gtkClipboardScript: `${ROOT}scripts/bench-spice-gtk-clipboard.py`, gtkAudioScript: `${ROOT}scripts/spice-gtk-audio.py`};
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const running = new Set<LabTarget>();
let stopping: Promise<void> | undefined;
let interrupted = false;
function stopEverything(): Promise<void> {
  killTrackedChildren();
  return (stopping ??= Promise.all([...running].map((t) => stopTarget(t, 30_000))).then(() => undefined));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping the lab targets`);
    void stopEverything().finally(() => process.exit(130));
  });
}

/** spice-cli --version (CLI start-up), with bare Node and Python+GI start-up as baselines, alternated. */
async function startupTimes(runs: number) {
  const gi = "import gi; gi.require_version('SpiceClientGLib', '2.0'); from gi.repository import SpiceClientGLib";
  const t = {version: [] as number[], node: [] as number[], python: [] as number[]};
  for (let round = -BENCH_TIMING.warmupRounds; round < runs; round++) {
    const version = await timeCli(PATHS.bin, ['--version'], BENCH_TIMING.processTimeoutMs);
    const node = await timeProcessOk(process.execPath, ['-e', '0'], BENCH_TIMING.processTimeoutMs);
    const python = await timeProcessOk(SYSTEM_PYTHON, ['-c', gi], BENCH_TIMING.processTimeoutMs);
    if (round < 0) continue;
    t.version.push(version.ms);
    t.node.push(node.ms);
    t.python.push(python.ms);
  }
  log(`start-up: spice-cli --version median ${summarize(t.version).median} ms`);
  return {cliVersion: summarize(t.version), baselines: {nodeEmpty: summarize(t.node), pythonImportSpiceGtk: summarize(t.python)}};
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(BENCH_USAGE + '\n');
    return;
  }
  const args = parseBenchArgs(process.argv.slice(2));
  const inputBench = () => benchInput(PATHS.gtkKeysScript, log, {qemu: args.targets.includes('qemu')});
  const clipboardBench = () => benchClipboard(PATHS.gtkClipboardScript, log, {runs: Math.min(args.runs, 10)});
  if (args.clipboardOnly) {
    process.stdout.write(JSON.stringify({date: new Date().toISOString(), clipboard: await clipboardBench()}, null, 2) + '\n');
    return;
  }
  const audioBench = async () => {
    const runs = Math.min(args.runs, 10);
    const opus = await benchAudio({runs});
    log('audio: FIFO write → first captured sample on Xspice, spice-cli beside spice-gtk');
    return {...opus, latency: await benchAudioLatency(PATHS.gtkAudioScript, log, {runs})};
  };
  if (args.audioOnly) {
    process.stdout.write(JSON.stringify({date: new Date().toISOString(), audio: await audioBench()}, null, 2) + '\n');
    return;
  }
  const usbBench = () => benchUsb(log, {runs: Math.min(args.runs, 5)});
  if (args.usbOnly) {
    process.stdout.write(JSON.stringify({date: new Date().toISOString(), usb: await usbBench()}, null, 2) + '\n');
    return;
  }
  if (args.inputOnly) {
    process.stdout.write(JSON.stringify({date: new Date().toISOString(), input: await inputBench()}, null, 2) + '\n');
    return;
  }
  const targets: Record<string, Omit<TargetResult, 'versions'>> = {};
  let versions = {spiceGtk: '?', python: '?'};
  for (const kind of args.targets) {
    log(`starting the ${kind} target`);
    const target = await startBenchTarget(kind);
    running.add(target);
    try {
      log(`${kind} at ${target.uri}: ${args.runs} rounds`);
      const {versions: v, ...result} = await benchTarget(target, TARGET_DESCRIPTIONS[kind], args.runs, PATHS, log);
      versions = v;
      targets[kind] = result;
    } catch (e) {
      const crash = crashNote(target);
      throw crash && e instanceof Error ? new Error(`${e.message}\n(${crash})`, {cause: e}) : e;
    } finally {
      await stopTarget(target, 30_000);
      running.delete(target);
    }
  }
  const startup = await startupTimes(args.runs);
  log('screenshot: spice-cli against spicy-screenshot');
  const screenshot = await benchScreenshot(PATHS.bin, args.runs, log);
  log('codecs: decode throughput on the recordings');
  const codecs = {quic: await benchQuic({runs: Math.min(args.runs, 10)}), lz: await benchLz({runs: Math.min(args.runs, 10)}), jpeg: await benchJpeg({runs: Math.min(args.runs, 10)})};
  log('needles: matching a 200x60 area with a 50-pixel margin on a 1024x768 frame');
  const needles = await benchNeedle({runs: Math.max(100, args.runs * 10)});
  log('scenarios: steps per second over one Xspice session');
  const scenarios = await benchScenarioSteps({runs: Math.min(args.runs, 15), steps: 200, log});
  const input = args.input ? await inputBench() : undefined;
  const clipboard = args.clipboard ? await clipboardBench() : undefined;
  const audio = args.audio ? await audioBench() : undefined;
  const usb = args.usb ? await usbBench() : undefined;
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {version: string};
  const cpus = os.cpus();
  const report = {
    date: new Date().toISOString(),
    machine: {cpus: cpus.length, cpuModel: cpus[0]?.model ?? '?', memoryGb: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, node: process.version, python: versions.python},
    versions: {spiceCli: pkg.version, spiceGtk: versions.spiceGtk},
    config: {runs: args.runs, ...BENCH_TIMING},
    targets,
    screenshot,
    codecs,
    needles,
    scenarios,
    ...(clipboard ? {clipboard} : {}),
    ...(audio ? {audio} : {}),
    ...(usb ? {usb} : {}),
    ...startup,
    notes: [
      'ms; ratio = spice-cli median / spice-gtk median (lower is better for spice-cli)',
      'inProcess: from SpiceSession.connect() / spice-gtk session.connect() until every channel the server listed is linked (spice-gtk: channel-event OPENED on each); each client keeps one process for all runs (Node resp. /usr/bin/python3 with GI)',
      'process: wall time spawn → exit; spice-cli = node bin/run.js info --uri URI --json; spice-gtk = /usr/bin/python3 scripts/bench-spice-gtk.py --runs 1 (interpreter start, GI import, connect, disconnect), minus the holdMs it reports holding the session',
      'each round runs spice-cli in-process, spice-gtk in-process, spice-cli process, spice-gtk process, spicy-screenshot, settleMs apart; warm-up rounds are discarded',
      'spice-gtk sessions (in-process and process) and spice-cli in-process sessions stay connected holdMs after the timed part before closing, outside the timing: Xspice (spice-server 0.15.1) segfaults when spice-gtk disconnects right after linking, and repeated immediate spice-cli closes crashed it too; spice-cli info (process) closes at once',
      'cliVersion: node bin/run.js --version wall time; baselines: node -e 0, and python3 importing SpiceClientGLib',
    ],
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

try {
  await main();
} catch (e) {
  if (!interrupted) log(`failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await stopEverything();
}
