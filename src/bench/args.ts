/** Command line of `npm run bench`: --runs N, --target xspice|qemu|both, --input, --input-only, --audio, ... */
import {BENCH_TARGETS, type BenchTargetKind} from './targets.js';

export interface BenchArgs {
  runs: number;
  targets: BenchTargetKind[];
  /** Also run the input benchmarks (keys/s without loss, key-to-pixel latency; about a minute more, QEMU boots Linux). */
  input: boolean;
  /** Only the input benchmarks. */
  inputOnly: boolean;
  /** Also the clipboard round trips (Xspice + spice-vdagent, beside spice-gtk). */
  clipboard: boolean;
  /** Only the clipboard round trips. */
  clipboardOnly: boolean;
  /** Also Opus encode/decode speed (bench/audio.ts, no server) and FIFO → first sample latency on Xspice beside spice-gtk (bench/audio-latency.ts). */
  audio: boolean;
  /** Only the audio figures. */
  audioOnly: boolean;
  /** Also the emulated USB stick's read throughput in the QEMU tiny guest (bench/usb.ts; spice-gtk has no such figure). */
  usb: boolean;
  /** Only the USB figures. */
  usbOnly: boolean;
}

export const BENCH_USAGE = 'usage: node dist/bench/run.js [--runs N (default 15)] [--target xspice|qemu|both (default both)] [--input (add the input benchmarks; with --target, their targets too)] [--input-only] [--clipboard] [--clipboard-only] [--audio] [--audio-only] [--usb] [--usb-only]';

export function parseBenchArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {runs: 15, targets: [...BENCH_TARGETS], input: false, inputOnly: false, clipboard: false, clipboardOnly: false, audio: false, audioOnly: false, usb: false, usbOnly: false};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--runs') {
      const v = value();
      args.runs = Number(v);
      if (!/^\d+$/.test(v) || args.runs < 1) throw new Error(`--runs: expected a positive integer, got "${v}"\n${BENCH_USAGE}`);
    } else if (flag === '--target') {
      const v = value();
      if (v === 'both') args.targets = [...BENCH_TARGETS];
      else if ((BENCH_TARGETS as readonly string[]).includes(v)) args.targets = [v as BenchTargetKind];
      else throw new Error(`--target: expected xspice, qemu or both, got "${v}"\n${BENCH_USAGE}`);
    } else if (flag === '--input' && inline === undefined) {
      args.input = true;
    } else if (flag === '--input-only' && inline === undefined) {
      args.input = args.inputOnly = true;
    } else if (flag === '--clipboard' && inline === undefined) {
      args.clipboard = true;
    } else if (flag === '--clipboard-only' && inline === undefined) {
      args.clipboard = args.clipboardOnly = true;
    } else if (flag === '--audio' && inline === undefined) {
      args.audio = true;
    } else if (flag === '--audio-only' && inline === undefined) {
      args.audio = args.audioOnly = true;
    } else if (flag === '--usb' && inline === undefined) {
      args.usb = true;
    } else if (flag === '--usb-only' && inline === undefined) {
      args.usb = args.usbOnly = true;
    } else throw new Error(`unknown argument "${argv[i]}"\n${BENCH_USAGE}`);
  }
  return args;
}
