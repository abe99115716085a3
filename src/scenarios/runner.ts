/**
 * Runs one validated scenario over one SpiceSession (render: true): screen steps poll the display
 * (re-matching after damage), input steps use the keyboard and mouse of src/client/input. Every wait has
 * a timeout; a lost session ends the run with its error (exit 11). The step log records timings, and
 * the last screen and the needle of a failed screen step stay available for the artifacts.
 */
import {join} from 'node:path';
import {SpiceError} from '../client/errors.js';
import type {SpiceSession} from '../client/session.js';
import type {KeyboardOptions} from '../client/actions/keyboard.js';
import {releaseButtons, type PointerOptions} from '../client/actions/pointer.js';
import {grabScreen} from '../client/actions/capture.js';
import {fmtMs, needlesNotFound, type NeedleCandidate, type NeedleWaitOptions} from '../client/actions/screen.js';
import {interpolate, needlePath, where, type NeedleRef, type Scenario, type Step} from './load.js';
import {loadNeedleCached, type Needle, type Rgba} from './needle-access.js';
import {STEP_HANDLERS, type StepArgs} from './step-handlers.js';
import {ScenarioCaptures} from './audio-captures.js';
import {ScenarioUsb} from './usb-steps.js';
import {fileSafe} from './artifacts.js';


export interface StepRecord {
  /** Position in the scenario: "3", or "5.2" for the second step inside step 5. */
  index: string;
  kind: string;
  where: string;
  /** Start, ms after the scenario started. */
  atMs: number;
  ms: number;
  ok: boolean;
  detail?: string;
  /** What the step measured (audio_expect: levels, frequency, likeness), also when it failed. */
  measured?: Record<string, unknown>;
}

/** A handler's result: the detail for the step log, and what the step measured. */
export type StepOutcome = string | {detail: string; measured: Record<string, unknown>} | undefined;

export type Progress =
  | {type: 'step-start'; index: string; kind: string; where: string; label: string}
  | {type: 'step-end'; record: StepRecord}
  | {type: 'score'; needle: string; score: number};

export interface RunnerOptions {
  artifactsDir: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Where `screenshot NAME` writes (default: ARTIFACTS/NAME.png, the name made file-safe); spice-cli do: relative to the current directory. */
  screenshotPath?: (name: string) => string;
  /** Where an audio capture NAME writes (default: ARTIFACTS/NAME.wav, the name made file-safe). */
  audioPath?: (name: string) => string;
  /** A pause between the top-level steps, ms (spice-cli do --delay). */
  delayMs?: number;
  /** Strings hold no runtime variables (spice-cli do's command line: `${` is the guest's). */
  literal?: boolean;
}

export class ScenarioRunner {
  readonly log: StepRecord[] = [];
  readonly figures: Record<string, number> = {};
  readonly screenshots: string[] = [];
  /** The named audio captures (audio_capture, audio_expect), made on first use. */
  private audio?: ScenarioCaptures;
  /** The USB devices usb_attach plugged in, made on first use. */
  private usbDevices?: ScenarioUsb;
  /** The screen the last screen step looked at. */
  lastScreen?: Rgba;
  /** The best match of the last screen step (for the failure artifacts). */
  lastMatch?: NeedleCandidate;
  /** The scenario's screenshots folder. */
  readonly vars: Record<string, string>;
  private readonly t0 = performance.now();
  private lostError?: SpiceError;
  private lostWaiters = new Set<(e: SpiceError) => void>();

  constructor(
    readonly scenario: Scenario,
    readonly session: SpiceSession,
    readonly opts: RunnerOptions,
  ) {
    this.vars = {...scenario.vars, MATCHED: ''};
    session.on('failed', this.onLost);
    session.on('closed', this.onLost);
    // Ctrl-C ends every wait at once, as a lost session does; the command reports exit 130.
    opts.signal?.addEventListener('abort', () => this.onLost(new SpiceError('usage', 'interrupted')), {once: true});
  }

  private readonly onLost = (e?: SpiceError | null): void => {
    this.lostError ??= e ?? new SpiceError('connection-lost', 'the session was closed');
    for (const w of this.lostWaiters) w(this.lostError);
  };

  /** Stops listening to the session (which may run further scenarios). */
  dispose(): void {
    this.session.off('failed', this.onLost);
    this.session.off('closed', this.onLost);
  }

  async run(): Promise<void> {
    const display = this.session.display;
    if (!display) throw new Error('internal error: the scenario session must render');
    let ok = false;
    try {
      await this.guard(display.waitFirstFrame(this.scenario.defaults.timeoutMs));
      await this.runSteps(this.scenario.steps, '');
      ok = true;
    } finally {
      // Captures still running are saved; after a failure, that failure is the one reported.
      // USB devices still attached are unplugged (the guest's ack awaited briefly); never a failure of their own.
      await this.usbDevices?.detachAll(this.opts.signal?.aborted ? 200 : Math.min(this.scenario.defaults.timeoutMs, 5000));
      await this.audio?.finish().catch((e: unknown) => {
        if (ok) throw e;
      });
    }
  }

  /** The scenario's audio captures (the playback stream is looked up on first use: exit 2 on a server without one). */
  captures(): ScenarioCaptures {
    this.audio ??= new ScenarioCaptures(this.session, (name) => this.opts.audioPath?.(name) ?? join(this.opts.artifactsDir, `${fileSafe(name)}.wav`), this.opts.signal);
    return this.audio;
  }

  /** The scenario's attached USB devices (usb_attach, usb_detach, usb_type). */
  usb(): ScenarioUsb {
    this.usbDevices ??= new ScenarioUsb();
    return this.usbDevices;
  }

  /** The WAV files the audio captures wrote. */
  get audioFiles(): string[] {
    return this.audio?.files ?? [];
  }

  private elapsed(): number {
    return performance.now() - this.t0;
  }

  /** Races `p` against the loss of the session. */
  guard<T>(p: Promise<T>): Promise<T> {
    if (this.lostError) return Promise.reject(this.lostError);
    return new Promise<T>((resolve, reject) => {
      const onLost = (e: SpiceError) => reject(e);
      this.lostWaiters.add(onLost);
      p.then(resolve, reject).finally(() => this.lostWaiters.delete(onLost));
    });
  }

  /** A pause that ends early (and lets the process exit) when the session is lost. */
  sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return this.guard(new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, ms))))).finally(() => clearTimeout(timer));
  }

  async runSteps(steps: Step[], prefix: string): Promise<void> {
    for (let i = 0; i < steps.length; i++) {
      if (this.opts.signal?.aborted) throw new SpiceError('usage', 'interrupted');
      if (i > 0 && prefix === '' && this.opts.delayMs) await this.sleep(this.opts.delayMs);
      const step = steps[i]!;
      const index = `${prefix}${i + 1}`;
      const rec: StepRecord = {index, kind: step.kind, where: where(step.pos), atMs: Math.round(this.elapsed()), ms: 0, ok: false};
      this.opts.onProgress?.({type: 'step-start', index, kind: step.kind, where: rec.where, label: this.label(step)});
      const t = performance.now();
      // Only the failing step's own match goes to the failure artifacts.
      this.lastMatch = undefined;
      try {
        const outcome = await this.runStep(step, `${index}.`);
        if (typeof outcome === 'object') Object.assign(rec, outcome);
        else rec.detail = outcome;
        rec.ok = true;
      } catch (e) {
        rec.detail = e instanceof Error ? e.message : String(e);
        const measured = e instanceof SpiceError ? e.details?.measured : undefined;
        if (measured) rec.measured = measured as Record<string, unknown>;
        throw e instanceof SpiceError ? new SpiceError(e.kind, `${rec.where}: ${step.kind}: ${e.message}`, {cause: e, details: measured ? {measured} : undefined}) : e;
      } finally {
        rec.ms = Math.round(performance.now() - t);
        this.log.push(rec);
        this.opts.onProgress?.({type: 'step-end', record: rec});
      }
    }
  }

  private label(step: Step): string {
    const a = step.args;
    const first = a.needles ?? a.screen ?? a.until ?? a.text ?? a.keys ?? a.name ?? a.ms ?? a.file ?? a.start ?? a.stop ?? a.capture ?? a.seconds;
    if (Array.isArray(first)) return first.map((v) => (typeof v === 'object' ? (v as NeedleRef).ref : String(v))).join(', ');
    if (step.kind === 'click' || step.kind === 'move') return `${String(a.x)} ${String(a.y)}`;
    return first === undefined ? '' : JSON.stringify(first);
  }

  expand(s: string): string {
    if (this.opts.literal) return s;
    return interpolate(s, this.vars, new Set(), (msg) => {
      throw new SpiceError('usage', msg);
    });
  }

  timeout(step: Step, fallback?: number): number {
    return (step.args.timeout as number | undefined) ?? fallback ?? this.scenario.defaults.timeoutMs;
  }

  private runStep(step: Step, prefix: string): Promise<StepOutcome> {
    const handler = STEP_HANDLERS[step.kind];
    if (!handler) throw new Error(`internal error: step ${step.kind} has no runner`);
    return handler(this, step.args, step, prefix);
  }

  /** What the step handlers use: options every action takes, and the runner's own helpers. */
  keyboardOptions(a: StepArgs): KeyboardOptions {
    return {layout: (a.layout as string | undefined) ?? this.scenario.defaults.layout, timeoutMs: this.scenario.defaults.timeoutMs, signal: this.opts.signal};
  }
  pointerOptions(): PointerOptions {
    return {monitor: this.scenario.defaults.monitor, timeoutMs: this.scenario.defaults.timeoutMs, signal: this.opts.signal};
  }
  agentOptions(step: Step): {timeoutMs: number; agentWaitMs: number} {
    const d = this.scenario.defaults.timeoutMs;
    return {timeoutMs: this.timeout(step), agentWaitMs: d};
  }

  notFound(kind: 'timeout' | 'expectation', refs: NeedleRef[], ms: number, when?: string): SpiceError {
    return needlesNotFound(kind, refs.map((r) => r.ref), this.lastMatch, when ?? `within ${fmtMs(ms)}`);
  }

  /** The current monitor's pixels (or a region of it). */
  grab(region?: number[]): Rgba {
    return grabScreen(this.session, this.scenario.defaults.monitor, region);
  }

  /** The needles `refs` name (variables expanded), each file read once per run. */
  loadNeedles(refs: NeedleRef[]): Promise<Needle[]> {
    return Promise.all(refs.map((r) => loadNeedleCached(needlePath({ref: this.expand(r.ref), dir: r.dir}))));
  }

  /**
   * Options of the screen actions (src/client/actions/screen.ts) for a step: the scenario's monitor and
   * match percentage, Ctrl-C, and the runner's bookkeeping: the last screen and best match (failure artifacts) and
   * the 'score' progress events.
   */
  screenOptions(timeoutMs: number, match?: number): NeedleWaitOptions {
    return {
      timeoutMs,
      monitor: this.scenario.defaults.monitor,
      match: match ?? this.scenario.defaults.match,
      signal: this.opts.signal,
      onScreen: (s) => (this.lastScreen = s),
      onScore: (best) => {
        this.lastMatch = best;
        this.opts.onProgress?.({type: 'score', needle: best.needle.name, score: best.result.score});
      },
    };
  }

  /** Lets go of every mouse button (errors). */
  releaseAll(): void {
    releaseButtons(this.session);
  }
}

export {fmtMs};
