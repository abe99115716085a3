/**
 * One scenario from connection to artifacts: connect (render: true, display and inputs channels), run,
 * and on failure write the last screen, the needle, the diff and the step log.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {asSpiceError, SpiceError} from '../client/errors.js';
import type {SessionOptions, SpiceSession} from '../client/session.js';
import {ChannelType} from '../client/wire/enums.js';
import {writeFailureArtifacts, writeStepLog} from './artifacts.js';
import type {Scenario} from './load.js';
import {ScenarioRunner, type Progress, type StepRecord} from './runner.js';
import {audioChannels} from './audio-checks.js';
import {usesUsb} from './usb-steps.js';

/** Exit code of an interrupted run (Ctrl-C), as README's table says. */
export const INTERRUPTED = 130;

export interface ScenarioResult {
  file: string;
  name: string;
  ok: boolean;
  skipped?: boolean;
  exitCode: number;
  error?: {kind: string; message: string};
  ms: number;
  steps: StepRecord[];
  figures: Record<string, number>;
  artifacts: string[];
}

export interface ExecuteOptions {
  uri?: string;
  session: SessionOptions;
  artifactsDir: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  connect: (uri: string, opts: SessionOptions) => Promise<SpiceSession>;
}

function scenarioPassword(sc: Scenario, fallback: string | undefined): string | undefined {
  if (sc.passwordFile) {
    try {
      return readFileSync(sc.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new SpiceError('usage', `${sc.file}: cannot read password_file ${sc.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (sc.passwordEnv) {
    const v = process.env[sc.passwordEnv];
    if (!v) throw new SpiceError('usage', `${sc.file}: password_env ${sc.passwordEnv} is not set`);
    return v;
  }
  return fallback;
}

export async function executeScenario(sc: Scenario, o: ExecuteOptions): Promise<ScenarioResult> {
  const t0 = performance.now();
  const result: ScenarioResult = {file: sc.file, name: sc.name, ok: false, exitCode: 0, ms: 0, steps: [], figures: {}, artifacts: []};
  let runner: ScenarioRunner | undefined;
  let session: SpiceSession | undefined;
  try {
    const uri = sc.uri ?? o.uri;
    if (!uri) throw new SpiceError('usage', `${sc.file}: no server: give uri: in the scenario, --uri, or SPICE_URI`);
    const audio = audioChannels(sc.steps);
    const usb = usesUsb(sc.steps);
    const opts: SessionOptions = {
      ...o.session,
      password: scenarioPassword(sc, o.session.password),
      render: true,
      timeoutMs: o.session.timeoutMs,
      // CURSOR: its reported position makes server-mode mouse moves closed-loop (src/client/actions/mouse.ts);
      // PLAYBACK and RECORD only for the audio steps that use them.
      channelFilter: (type) =>
        type === ChannelType.DISPLAY || type === ChannelType.INPUTS || type === ChannelType.CURSOR || (audio.playback && type === ChannelType.PLAYBACK) || (audio.record && type === ChannelType.RECORD) || (usb && type === ChannelType.USBREDIR),
    };
    session = await o.connect(uri, opts);
    runner = new ScenarioRunner(sc, session, {artifactsDir: o.artifactsDir, onProgress: o.onProgress, signal: o.signal});
    await runner.run();
    result.ok = true;
  } catch (e) {
    const err = asSpiceError(e);
    result.exitCode = o.signal?.aborted ? INTERRUPTED : err.exitCode;
    result.error = o.signal?.aborted ? {kind: 'interrupted', message: 'interrupted (Ctrl-C); every key and button was released'} : {kind: err.kind, message: err.message};
    runner?.releaseAll();
  } finally {
    runner?.dispose();
    session?.close();
  }
  result.ms = Math.round(performance.now() - t0);
  if (runner) {
    result.steps = runner.log;
    result.figures = runner.figures;
    result.artifacts.push(...runner.screenshots, ...runner.audioFiles);
    if (!result.ok) {
      const m = runner.lastMatch;
      result.artifacts.push(
        ...(await writeFailureArtifacts({dir: o.artifactsDir, log: runner.log, screen: safeGrab(runner) ?? runner.lastScreen, needle: m?.needle, dx: m?.result.dx, dy: m?.result.dy}).catch(() => [])),
      );
    }
  }
  if (runner || !result.ok) {
    result.artifacts.push(...writeStepLog(o.artifactsDir, result.steps, {file: sc.file, name: sc.name, ok: result.ok, error: result.error, figures: result.figures}));
  }
  return result;
}

function safeGrab(r: ScenarioRunner) {
  try {
    return r.grab();
  } catch {
    return undefined;
  }
}

/** Folder of a scenario's artifacts: DIR/<name>, made safe for file systems. */
export function artifactsFolder(root: string, sc: Scenario, index: number, all: Scenario[]): string {
  const base = sc.name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'scenario';
  const clash = all.filter((s) => s.name === sc.name).length > 1;
  return join(root, clash ? `${base}-${index + 1}` : base);
}
