/**
 * Alternating rounds against one lab target. Each round: spice-cli in-process, spice-gtk in-process,
 * spice-cli process, spice-gtk process, spicy-screenshot process (ABAB, so drift hits both clients),
 * with a pause between runs; one warm-up round first, discarded.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {LabTarget} from '../lab/types.js';
import {timeCliInfo, timeSessionConnect} from './spice-cli.js';
import {SpiceGtkRunner, timeSpiceGtkProcess, timeSpicyScreenshot} from './spice-gtk.js';
import {ratio, summarize, type Summary} from './stats.js';

export interface BenchPaths {
  bin: string;
  gtkScript: string;
}

export const BENCH_TIMING = {
  warmupRounds: 1,
  /** In-process sessions stay up this long after the timed part (see the note on Xspice crashes). */
  holdMs: 300,
  /** Pause after every run, so the server has finished with the last client. */
  settleMs: 100,
  connectTimeoutMs: 10_000,
  processTimeoutMs: 30_000,
};

export interface TargetResult {
  description: string;
  channels: number;
  spiceCli: {inProcess: Summary; process: Summary};
  spiceGtk: {channels: number; inProcess: Summary; process: Summary; spicyScreenshot: Summary & {note: string}};
  ratio: {inProcess: number; process: number};
  versions: {spiceGtk: string; python: string};
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchTarget(target: LabTarget, description: string, runs: number, paths: BenchPaths, log: (line: string) => void): Promise<TargetResult> {
  const {holdMs, settleMs, connectTimeoutMs, processTimeoutMs, warmupRounds} = BENCH_TIMING;
  const host = target.host;
  const port = target.port!;
  const samples = {cliIn: [] as number[], gtkIn: [] as number[], cliProc: [] as number[], gtkProc: [] as number[], shot: [] as number[]};
  const cliCounts = new Set<number>();
  const gtkCounts = new Set<number>();
  let versions = {spiceGtk: '?', python: '?'};
  const scratch = mkdtempSync(join(tmpdir(), 'spice-cli-bench-'));
  const gtk = new SpiceGtkRunner(paths.gtkScript, host, port, holdMs);
  const timed = async <T extends {ms: number}>(run: () => Promise<T>): Promise<T> => {
    const r = await run();
    await sleep(settleMs);
    return r;
  };
  try {
    for (let round = -warmupRounds; round < runs; round++) {
      const cliIn = await timed(() => timeSessionConnect(target.uri, connectTimeoutMs, holdMs));
      const gtkIn = await timed(() => gtk.run(connectTimeoutMs + holdMs + 10_000));
      const cliProc = await timed(() => timeCliInfo(paths.bin, target.uri, processTimeoutMs));
      const gtkProc = await timed(() => timeSpiceGtkProcess(paths.gtkScript, host, port, holdMs, processTimeoutMs));
      const shot = await timed(() => timeSpicyScreenshot(host, port, scratch, processTimeoutMs));
      versions = gtkProc.versions;
      [cliIn.channels, cliProc.channels].forEach((n) => cliCounts.add(n));
      [gtkIn.channels, gtkProc.channels].forEach((n) => gtkCounts.add(n));
      const label = round < 0 ? 'warm-up' : `round ${round + 1}/${runs}`;
      log(`${target.kind} ${label}: in-process cli ${cliIn.ms.toFixed(1)} / gtk ${gtkIn.ms.toFixed(1)} ms; process cli ${cliProc.ms.toFixed(0)} / gtk ${gtkProc.ms.toFixed(0)} / spicy-screenshot ${shot.ms.toFixed(0)} ms`);
      if (round < 0) continue;
      samples.cliIn.push(cliIn.ms);
      samples.gtkIn.push(gtkIn.ms);
      samples.cliProc.push(cliProc.ms);
      samples.gtkProc.push(gtkProc.ms);
      samples.shot.push(shot.ms);
    }
  } finally {
    gtk.close();
    rmSync(scratch, {recursive: true, force: true});
  }
  const notes: string[] = [];
  if (cliCounts.size > 1) notes.push(`spice-cli channel counts varied between runs: ${[...cliCounts].join(', ')}`);
  if (gtkCounts.size > 1) notes.push(`spice-gtk channel counts varied between runs: ${[...gtkCounts].join(', ')}`);
  const channels = Math.max(...cliCounts);
  const gtkChannels = Math.max(...gtkCounts);
  if (channels !== gtkChannels) notes.push(`spice-cli linked ${channels} channels, spice-gtk ${gtkChannels}`);
  const s = {cliIn: summarize(samples.cliIn), gtkIn: summarize(samples.gtkIn), cliProc: summarize(samples.cliProc), gtkProc: summarize(samples.gtkProc)};
  return {
    description,
    channels,
    spiceCli: {inProcess: s.cliIn, process: s.cliProc},
    spiceGtk: {
      channels: gtkChannels,
      inProcess: s.gtkIn,
      process: s.gtkProc,
      spicyScreenshot: {...summarize(samples.shot), note: 'spicy-screenshot links main + display 0 only and exits at the first display invalidate: not the same work'},
    },
    ratio: {inProcess: ratio(s.cliIn, s.gtkIn), process: ratio(s.cliProc, s.gtkProc)},
    versions,
    notes,
  };
}
