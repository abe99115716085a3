/**
 * Runs one validated scenario over one SpiceSession (render: true): screen steps poll the display
 * (re-matching after damage), input steps use the keyboard and mouse of src/client/input. Every wait has
 * a timeout; a lost session ends the run with its error (exit 11). The step log records timings, and
 * the last screen and the needle of a failed screen step stay available for the artifacts.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {SpiceError} from '../client/errors.js';
import type {SpiceSession} from '../client/session.js';
import type {InputsChannel} from '../client/channels/inputs.js';
import {surfaceToRgba} from '../client/display/surface.js';
import {GuestAgent} from '../client/agent/agent.js';
import {applyLayout, currentLayout, formatLayout, resizedLayout, type MonitorLayout} from '../client/agent/monitors.js';
import {Clipboard, SELECTIONS} from '../client/agent/clipboard.js';
import {sendFile} from '../client/agent/file-xfer.js';
import {comboStrokes} from '../client/input/combos.js';
import {Keyboard, pacingFor} from '../client/input/keyboard.js';
import {getLayout} from '../client/input/layouts.js';
import {buttonOf, Mouse, scrollButton} from '../client/actions/mouse.js';
import {interpolate, needlePath, where, type NeedleRef, type Scenario, type Step} from './load.js';
import {loadNeedleCached, needles as needlesModule, type MatchResult, type Needle, type Rgba} from './needle-access.js';
import {encodeRgbaPng} from './artifacts.js';

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
}

export type Progress =
  | {type: 'step-start'; index: string; kind: string; where: string; label: string}
  | {type: 'step-end'; record: StepRecord}
  | {type: 'score'; needle: string; score: number};

export interface RunnerOptions {
  artifactsDir: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

const DEFAULT_THRESHOLD = 95;
const POLL_MS = 50;

export class ScenarioRunner {
  readonly log: StepRecord[] = [];
  readonly figures: Record<string, number> = {};
  readonly screenshots: string[] = [];
  /** The screen the last screen step looked at. */
  lastScreen?: Rgba;
  /** The best match of the last screen step (for the failure artifacts). */
  lastMatch?: {needle: Needle; result: MatchResult};
  private readonly vars: Record<string, string>;
  private readonly t0 = performance.now();
  private lostError?: SpiceError;
  private lostWaiters = new Set<(e: SpiceError) => void>();
  private inputs?: InputsChannel;
  private mouse?: Mouse;
  private agent?: GuestAgent;
  private clipboard?: Clipboard;

  constructor(
    readonly scenario: Scenario,
    private readonly session: SpiceSession,
    private readonly opts: RunnerOptions,
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
    this.clipboard?.close();
    this.agent?.close();
    this.session.off('failed', this.onLost);
    this.session.off('closed', this.onLost);
  }

  async run(): Promise<void> {
    const display = this.session.display;
    if (!display) throw new Error('internal error: the scenario session must render');
    await this.guard(display.waitFirstFrame(this.scenario.defaults.timeoutMs));
    await this.runSteps(this.scenario.steps, '');
  }

  private elapsed(): number {
    return performance.now() - this.t0;
  }

  /** Races `p` against the loss of the session. */
  private guard<T>(p: Promise<T>): Promise<T> {
    if (this.lostError) return Promise.reject(this.lostError);
    return new Promise<T>((resolve, reject) => {
      const onLost = (e: SpiceError) => reject(e);
      this.lostWaiters.add(onLost);
      p.then(resolve, reject).finally(() => this.lostWaiters.delete(onLost));
    });
  }

  /** A pause that ends early (and lets the process exit) when the session is lost. */
  private sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return this.guard(new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, ms))))).finally(() => clearTimeout(timer));
  }

  private async runSteps(steps: Step[], prefix: string): Promise<void> {
    for (let i = 0; i < steps.length; i++) {
      if (this.opts.signal?.aborted) throw new SpiceError('usage', 'interrupted');
      const step = steps[i]!;
      const index = `${prefix}${i + 1}`;
      const rec: StepRecord = {index, kind: step.kind, where: where(step.pos), atMs: Math.round(this.elapsed()), ms: 0, ok: false};
      this.opts.onProgress?.({type: 'step-start', index, kind: step.kind, where: rec.where, label: this.label(step)});
      const t = performance.now();
      // Only the failing step's own match goes to the failure artifacts.
      this.lastMatch = undefined;
      try {
        rec.detail = await this.runStep(step, `${index}.`);
        rec.ok = true;
      } catch (e) {
        rec.detail = e instanceof Error ? e.message : String(e);
        throw e instanceof SpiceError ? new SpiceError(e.kind, `${rec.where}: ${step.kind}: ${e.message}`, {cause: e}) : e;
      } finally {
        rec.ms = Math.round(performance.now() - t);
        this.log.push(rec);
        this.opts.onProgress?.({type: 'step-end', record: rec});
      }
    }
  }

  private label(step: Step): string {
    const a = step.args;
    const first = a.needles ?? a.screen ?? a.until ?? a.text ?? a.keys ?? a.name ?? a.ms ?? a.file;
    if (Array.isArray(first)) return first.map((v) => (typeof v === 'object' ? (v as NeedleRef).ref : String(v))).join(', ');
    if (step.kind === 'click' || step.kind === 'move') return `${String(a.x)} ${String(a.y)}`;
    return first === undefined ? '' : JSON.stringify(first);
  }

  private expand(s: string): string {
    return interpolate(s, this.vars, new Set(), (msg) => {
      throw new SpiceError('usage', msg);
    });
  }

  private timeout(step: Step, fallback?: number): number {
    return (step.args.timeout as number | undefined) ?? fallback ?? this.scenario.defaults.timeoutMs;
  }

  private async runStep(step: Step, prefix: string): Promise<string | undefined> {
    const a = step.args;
    const d = this.scenario.defaults;
    switch (step.kind) {
      case 'wait_still':
        await this.guard(this.session.display!.waitStill(a.ms as number, this.timeout(step)));
        return undefined;
      case 'wait_screen':
      case 'assert_screen':
      case 'click_needle': {
        const ms = this.timeout(step);
        const m = await this.findNeedles(a.needles as NeedleRef[], ms, a.threshold as number | undefined);
        if (!m) throw this.notFound(step.kind === 'assert_screen' ? 'expectation' : 'timeout', a.needles as NeedleRef[], ms);
        if (step.kind === 'click_needle') {
          const p = m.result.click ?? clickPoint(m.needle, m.result);
          const mouse = await this.getMouse();
          await this.guard(mouse.moveTo(p.x, p.y));
          await this.guard(mouse.click(buttonOf((a.button as string | undefined) ?? 'left'), a.double ? 2 : 1));
          await this.flush();
          return `${m.needle.name} (${m.result.score.toFixed(1)}%), clicked ${p.x},${p.y}`;
        }
        return `${m.needle.name} (${m.result.score.toFixed(1)}%)`;
      }
      case 'check_screen': {
        const m = await this.findNeedles(a.needles as NeedleRef[], this.timeout(step, 0), a.threshold as number | undefined);
        this.vars.MATCHED = m?.needle.name ?? '';
        if (a.as) this.vars[a.as as string] = this.vars.MATCHED;
        return m ? `matched ${m.needle.name} (${m.result.score.toFixed(1)}%)` : 'no match';
      }
      case 'if': {
        let cond: boolean;
        if (a.screen !== undefined) cond = Boolean(await this.findNeedles(a.screen as NeedleRef[], this.timeout(step, 0), a.threshold as number | undefined));
        else cond = this.vars.MATCHED === this.expand(a.matched as string);
        const branch = cond ? (a.then as Step[]) : ((a.else as Step[] | undefined) ?? []);
        await this.runSteps(branch, `${prefix}${cond ? 'then' : 'else'}.`);
        return cond ? 'then' : 'else';
      }
      case 'repeat': {
        const times = (a.times as number | undefined) ?? 10;
        const until = a.until as NeedleRef[] | undefined;
        for (let round = 1; round <= times; round++) {
          if (until && (await this.findNeedles(until, 0, a.threshold as number | undefined))) return `until matched before round ${round}`;
          await this.runSteps(a.steps as Step[], `${prefix}${round}.`);
        }
        if (until) {
          if (await this.findNeedles(until, 0, a.threshold as number | undefined)) return `until matched after ${times} rounds`;
          throw this.notFound('expectation', until, 0, `after ${times} rounds`);
        }
        return `${times} rounds`;
      }
      case 'wait_change': {
        const region = a.region as number[] | undefined;
        const ref = this.grab(region);
        const ms = this.timeout(step);
        const changed = await this.poll((s) => (sameImage(s, ref) ? undefined : true), ms, region);
        if (!changed) throw new SpiceError('timeout', `the ${region ? `region ${region.join(',')}` : 'screen'} did not change within ${fmtMs(ms)}`);
        return undefined;
      }
      case 'type': {
        const layout = getLayout((a.layout as string | undefined) ?? d.layout);
        const inputs = await this.getInputs();
        const plan = layout.plan(this.expand(a.text as string), inputs.locks.capsLock);
        await this.guard(new Keyboard(inputs, this.opts.signal).play(plan.strokes, pacingFor((a.rate as number | undefined) ?? d.rate)));
        await this.flush();
        return `${plan.chars} characters`;
      }
      case 'key': {
        const layout = getLayout((a.layout as string | undefined) ?? d.layout);
        const inputs = await this.getInputs();
        const strokes = (a.keys as string[]).flatMap((k) => comboStrokes(this.expand(k), layout, inputs.locks.capsLock));
        await this.guard(new Keyboard(inputs, this.opts.signal).play(strokes, pacingFor(10, 50)));
        await this.flush();
        return undefined;
      }
      case 'click':
      case 'move': {
        const mouse = await this.getMouse();
        await this.guard(mouse.moveTo(a.x as number, a.y as number));
        if (step.kind === 'click') await this.guard(mouse.click(buttonOf((a.button as string | undefined) ?? 'left'), a.double ? 2 : 1));
        await this.flush();
        return undefined;
      }
      case 'drag': {
        const [x1, y1] = a.from as number[];
        const [x2, y2] = a.to as number[];
        const mouse = await this.getMouse();
        const button = buttonOf((a.button as string | undefined) ?? 'left');
        await this.guard(mouse.moveTo(x1!, y1!));
        await this.guard(mouse.press(button));
        try {
          await this.guard(mouse.glideTo(x2!, y2!, 10));
        } finally {
          await mouse.release(button).catch(() => undefined);
        }
        await this.flush();
        return undefined;
      }
      case 'scroll': {
        const mouse = await this.getMouse();
        const at = a.at as number[] | undefined;
        if (at) await this.guard(mouse.moveTo(at[0]!, at[1]!));
        await this.guard(mouse.scroll(scrollButton(a.direction as string), (a.clicks as number | undefined) ?? 1));
        await this.flush();
        return undefined;
      }
      case 'clipboard_set': {
        const text = this.expand(a.text as string);
        const clipboard = await this.getClipboard();
        await this.guard(clipboard.set(SELECTIONS.clipboard, 'text', Buffer.from(text, 'utf8')));
        return `offered ${Buffer.byteLength(text)} bytes`;
      }
      case 'clipboard_expect':
        return this.clipboardExpect(this.expand(a.text as string), this.timeout(step));
      case 'send_file': {
        const name = a.name === undefined ? undefined : this.expand(a.name as string);
        const o = await this.guard(sendFile(await this.getAgent(), this.expand(a.file as string), {timeoutMs: this.timeout(step), name, signal: this.opts.signal}));
        if (o.cancelledByClient) throw new SpiceError('usage', 'interrupted');
        if (!o.ok) throw new SpiceError('expectation', `the guest agent refused ${o.name} (${o.status}): ${o.reason}`);
        return `${o.name}: ${o.size} bytes in ${o.ms} ms`;
      }
      case 'resize': {
        const display = this.session.display!;
        const layout = resizedLayout(currentLayout(display), (a.monitor as number | undefined) ?? 0, {width: a.width as number, height: a.height as number});
        const after = await this.guard(applyLayout(await this.getAgent(), display, layout, this.timeout(step)));
        return `display ${after.map(formatLayout).join(',')}`;
      }
      case 'monitors': {
        const after = await this.guard(applyLayout(await this.getAgent(), this.session.display!, a.set as MonitorLayout[], this.timeout(step)));
        return `display ${after.map(formatLayout).join(',')}`;
      }
      case 'screenshot': {
        const s = this.grab();
        const name = this.expand(a.name as string).replace(/[^A-Za-z0-9._-]/g, '_');
        mkdirSync(this.opts.artifactsDir, {recursive: true});
        const file = join(this.opts.artifactsDir, `${name}.png`);
        writeFileSync(file, await encodeRgbaPng(s));
        this.screenshots.push(file);
        return file;
      }
      case 'sleep':
        await this.sleep(a.ms as number);
        return undefined;
      case 'measure': {
        const t = performance.now();
        if (a.steps) await this.runSteps(a.steps as Step[], prefix);
        const ms = this.timeout(step);
        if (a.until) {
          const m = await this.findNeedles(a.until as NeedleRef[], Math.max(0, ms - (performance.now() - t)), a.threshold as number | undefined);
          if (!m) throw this.notFound('timeout', a.until as NeedleRef[], ms);
        } else {
          await this.guard(this.session.display!.waitStill(a.still as number, ms));
        }
        // With `still`, the condition held from the last draw on: that is the end of what is measured.
        const figure = a.until ? performance.now() - t : Math.max(0, this.session.display!.lastDrawAt() - t);
        this.figures[a.name as string] = Math.round(figure * 10) / 10;
        return `${a.name as string} = ${fmtMs(figure)}`;
      }
      default:
        throw new Error(`internal error: step ${step.kind} has no runner`);
    }
  }

  private notFound(kind: 'timeout' | 'expectation', refs: NeedleRef[], ms: number, when?: string): SpiceError {
    const best = this.lastMatch ? ` (best: ${this.lastMatch.needle.name} at ${this.lastMatch.result.score.toFixed(1)}%)` : '';
    const names = refs.map((r) => r.ref).join(', ');
    const what = refs.length > 1 ? `none of the needles ${names} matched` : `the needle ${names} did not match`;
    return new SpiceError(kind, `${what} ${when ?? `within ${fmtMs(ms)}`}${best}`);
  }

  /** The current monitor's pixels (or a region of it). */
  grab(region?: number[]): Rgba {
    const {surface, monitor} = this.session.display!.monitorSurface(this.scenario.defaults.monitor);
    const [x, y, w, h] = region ?? [0, 0, monitor.width, monitor.height];
    const left = monitor.x + x!;
    const top = monitor.y + y!;
    return surfaceToRgba(surface, {left, top, right: left + w!, bottom: top + h!});
  }

  private tryGrab(region?: number[]): Rgba | undefined {
    try {
      return this.grab(region);
    } catch (e) {
      const switching = e instanceof SpiceError && (e.kind === 'protocol' || (e.kind === 'usage' && this.session.display!.monitors().length === 0));
      if (switching && !this.lostError) return undefined;
      throw e;
    }
  }

  /** Calls `check` on the screen now and after every change, until it returns a value or `timeoutMs` passes. */
  private async poll<T>(check: (s: Rgba) => T | undefined, timeoutMs: number, region?: number[]): Promise<T | undefined> {
    const display = this.session.display!;
    const deadline = performance.now() + timeoutMs;
    let dirty = true;
    const onDamage = () => (dirty = true);
    display.on('damage', onDamage);
    try {
      for (;;) {
        if (this.lostError) throw this.lostError;
        if (dirty) {
          dirty = false;
          // While the guest changes mode the monitor may point at a surface not created yet: look again later.
          const s = this.tryGrab(region);
          if (!s) dirty = true;
          else {
            if (!region) this.lastScreen = s;
            const r = check(s);
            if (r !== undefined) return r;
          }
        }
        const left = deadline - performance.now();
        if (left <= 0) return undefined;
        await this.sleep(Math.min(left, POLL_MS));
      }
    } finally {
      display.off('damage', onDamage);
    }
  }

  private async findNeedles(refs: NeedleRef[], timeoutMs: number, threshold?: number): Promise<{needle: Needle; result: MatchResult} | undefined> {
    const {matchNeedle} = await needlesModule();
    const list = await Promise.all(refs.map((r) => loadNeedleCached(needlePath({ref: this.expand(r.ref), dir: r.dir}))));
    const th = threshold ?? this.scenario.defaults.threshold;
    return this.poll((screen) => {
      let best: {needle: Needle; result: MatchResult} | undefined;
      for (const needle of list) {
        const result = matchNeedle(screen, needle, th !== undefined ? {threshold: th} : {});
        if (!best || (result.found && !best.result.found) || (result.found === best.result.found && result.score > best.result.score)) best = {needle, result};
      }
      if (best) {
        this.lastMatch = best;
        this.opts.onProgress?.({type: 'score', needle: best.needle.name, score: best.result.score});
      }
      return best?.result.found ? best : undefined;
    }, timeoutMs);
  }

  /** The guest agent's clipboard, opened on first use (waits up to the default timeout for the agent). */
  private async getAgent(): Promise<GuestAgent> {
    if (!this.agent) {
      const timeoutMs = this.scenario.defaults.timeoutMs;
      this.agent = await this.guard(GuestAgent.open(this.session, {timeoutMs, agentWaitMs: timeoutMs}));
    }
    return this.agent;
  }

  private async getClipboard(): Promise<Clipboard> {
    this.clipboard ??= new Clipboard(await this.getAgent());
    return this.clipboard;
  }

  /** Asks the guest for its clipboard text until it equals `want` (a failed expectation at the timeout). */
  private async clipboardExpect(want: string, timeoutMs: number): Promise<string> {
    const clipboard = await this.getClipboard();
    const deadline = performance.now() + timeoutMs;
    // The last answer: the text, null for "no text"; a request that timed out leaves it as it was.
    let last: string | null | undefined;
    for (;;) {
      const left = deadline - performance.now();
      const got = await this.guard(clipboard.get(SELECTIONS.clipboard, 'text', {timeoutMs: Math.min(5000, Math.max(1000, left))})).then(
        (d) => Buffer.from(d.data).toString('utf8'),
        (e: unknown) => {
          // An empty clipboard (or one without text) is a value to wait past, like a different text.
          if (e instanceof SpiceError && e.kind === 'expectation') return null;
          if (e instanceof SpiceError && e.kind === 'timeout') return undefined;
          throw e;
        },
      );
      if (got === want) return `${Buffer.byteLength(want)} bytes`;
      if (got !== undefined) last = got;
      if (deadline - performance.now() <= 0) {
        const held = last === undefined ? 'did not answer' : last === null ? 'holds no text' : `holds ${JSON.stringify(last.length > 200 ? `${last.slice(0, 200)}…` : last)}`;
        throw new SpiceError('expectation', `the guest clipboard ${held}, expected ${JSON.stringify(want)} (within ${fmtMs(timeoutMs)})`);
      }
      await this.sleep(Math.min(200, deadline - performance.now()));
    }
  }

  private async getInputs(): Promise<InputsChannel> {
    this.inputs ??= await this.guard(this.session.inputs(this.scenario.defaults.timeoutMs));
    return this.inputs;
  }

  private async getMouse(): Promise<Mouse> {
    if (!this.mouse) {
      const inputs = await this.getInputs();
      const opts = {timeoutMs: this.scenario.defaults.timeoutMs, monitor: this.scenario.defaults.monitor, signal: this.opts.signal, cursor: this.session.cursor};
      this.mouse = await this.guard(new Mouse(this.session, inputs, opts).ready());
    }
    return this.mouse;
  }

  private async flush(): Promise<void> {
    if (this.inputs) await this.guard(this.inputs.flush(this.scenario.defaults.timeoutMs));
  }

  /** Lets go of every mouse button (errors). */
  releaseAll(): void {
    try {
      this.mouse?.releaseAll();
    } catch {
      /* the session is gone */
    }
  }
}

export const DEFAULT_MATCH_THRESHOLD = DEFAULT_THRESHOLD;

function clickPoint(needle: Needle, r: MatchResult): {x: number; y: number} {
  const area = needle.areas.find((x) => x.type === 'match') ?? needle.areas[0];
  if (!area) return {x: Math.round(needle.image.width / 2), y: Math.round(needle.image.height / 2)};
  return {x: area.x + r.dx + Math.floor(area.width / 2), y: area.y + r.dy + Math.floor(area.height / 2)};
}

function sameImage(a: Rgba, b: Rgba): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.length).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.length));
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(Math.round(ms / 100) / 10).toString()} s` : `${Math.round(ms)} ms`;
}
