/**
 * One handler per scenario step: each is the step's arguments turned into one action call (src/client/actions)
 * or one screen wait of the runner, and returns the detail for the step log. Steps that hold other steps (if,
 * repeat, measure) run them through the runner.
 */
import {mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {formatLayout, type MonitorLayout, resizeMonitor, setMonitors} from '../client/actions/monitors.js';
import {SELECTIONS, expectClipboardText, setClipboard} from '../client/actions/clipboard.js';
import {waitStill} from '../client/actions/display.js';
import {pressKeys, setKeyState, typeText} from '../client/actions/keyboard.js';
import {pointer} from '../client/actions/pointer.js';
import {sendFiles, type FileReport} from '../client/actions/files.js';
import {writeOutput} from '../client/actions/capture.js';
import {clickPoint, fmtMs, waitChange, waitForNeedles, type NeedleCandidate} from '../client/actions/screen.js';
import {SpiceError} from '../client/errors.js';
import {encodeRgbaPng, fileSafe} from './artifacts.js';
import type {NeedleRef, Step} from './load.js';
import type {ScenarioRunner, StepOutcome} from './runner.js';
import {audioCaptureStep, audioExpectStep, audioSendStep} from './audio-steps.js';
import {usbAttachStep, usbDetachStep, usbTypeStep} from './usb-steps.js';

export type StepArgs = Step['args'];
type Handler = (r: ScenarioRunner, a: StepArgs, step: Step, prefix: string) => Promise<StepOutcome>;

/** Looks for the needles `refs` name until one matches or `timeoutMs` passes (undefined). */
async function findNeedles(r: ScenarioRunner, refs: NeedleRef[], timeoutMs: number, match?: number): Promise<NeedleCandidate | undefined> {
  const needles = await r.loadNeedles(refs);
  return r.guard(waitForNeedles(r.session, needles, r.screenOptions(timeoutMs, match)));
}

const screenStep: Handler = async (r, a, step) => {
  const ms = r.timeout(step);
  const m = await findNeedles(r, a.needles as NeedleRef[], ms, a.match as number | undefined);
  if (!m) throw r.notFound(step.kind === 'assert_screen' ? 'expectation' : 'timeout', a.needles as NeedleRef[], ms);
  if (step.kind !== 'click_needle') return `${m.needle.name} (${m.result.score.toFixed(1)}%)`;
  const p = clickPoint(m.needle, m.result);
  await r.guard(pointer(r.session, {action: 'click', x: p.x, y: p.y, button: (a.button as string | undefined) ?? 'left', double: Boolean(a.double)}, r.pointerOptions()));
  return `${m.needle.name} (${m.result.score.toFixed(1)}%), clicked ${p.x},${p.y}`;
};

const layoutDetail = (after: string[]) => `display ${after.join(',')}`;

export const STEP_HANDLERS: Record<string, Handler> = {
  wait_still: async (r, a, step) => {
    await r.guard(waitStill(r.session, a.ms as number, {timeoutMs: r.timeout(step)}));
    return undefined;
  },
  wait_screen: screenStep,
  assert_screen: screenStep,
  click_needle: screenStep,
  check_screen: async (r, a, step) => {
    const m = await findNeedles(r, a.needles as NeedleRef[], r.timeout(step, 0), a.match as number | undefined);
    r.vars.MATCHED = m?.needle.name ?? '';
    if (a.as) r.vars[a.as as string] = r.vars.MATCHED;
    return m ? `matched ${m.needle.name} (${m.result.score.toFixed(1)}%)` : 'no match';
  },
  if: async (r, a, step, prefix) => {
    let cond: boolean;
    if (a.screen !== undefined) cond = Boolean(await findNeedles(r, a.screen as NeedleRef[], r.timeout(step, 0), a.match as number | undefined));
    else cond = r.vars.MATCHED === r.expand(a.matched as string);
    const branch = cond ? (a.then as Step[]) : ((a.else as Step[] | undefined) ?? []);
    await r.runSteps(branch, `${prefix}${cond ? 'then' : 'else'}.`);
    return cond ? 'then' : 'else';
  },
  repeat: async (r, a, _step, prefix) => {
    const times = (a.times as number | undefined) ?? 10;
    const until = a.until as NeedleRef[] | undefined;
    for (let round = 1; round <= times; round++) {
      if (until && (await findNeedles(r, until, 0, a.match as number | undefined))) return `until matched before round ${round}`;
      await r.runSteps(a.steps as Step[], `${prefix}${round}.`);
    }
    if (until) {
      if (await findNeedles(r, until, 0, a.match as number | undefined)) return `until matched after ${times} rounds`;
      throw r.notFound('expectation', until, 0, `after ${times} rounds`);
    }
    return `${times} rounds`;
  },
  wait_change: async (r, a, step) => {
    await r.guard(waitChange(r.session, {region: a.region as number[] | undefined, timeoutMs: r.timeout(step), monitor: r.scenario.defaults.monitor, signal: r.opts.signal}));
    return undefined;
  },
  type: async (r, a) => {
    const out = await r.guard(typeText(r.session, r.expand(a.text as string), {...r.keyboardOptions(a), rate: a.rate as number | undefined ?? r.scenario.defaults.rate}));
    return `${out.characters} characters`;
  },
  key: async (r, a) => {
    const keys = (a.keys as string[]).map((k) => r.expand(k));
    if (a.down || a.up) {
      const out = await r.guard(setKeyState(r.session, keys, a.down ? 'down' : 'up', r.keyboardOptions(a)));
      return out.held.length ? `held: ${out.held.join(' ')}` : 'none held';
    }
    await r.guard(pressKeys(r.session, keys, {...r.keyboardOptions(a), holdMs: a.hold as number | undefined}));
    return undefined;
  },
  click: async (r, a) => {
    const gesture = {action: 'click', x: a.x as number, y: a.y as number, button: (a.button as string | undefined) ?? 'left', double: Boolean(a.double), holdMs: a.hold as number | undefined} as const;
    await r.guard(pointer(r.session, gesture, r.pointerOptions()));
    return undefined;
  },
  move: async (r, a) => {
    await r.guard(pointer(r.session, {action: 'move', x: a.x as number, y: a.y as number}, r.pointerOptions()));
    return undefined;
  },
  drag: async (r, a) => {
    const [x1, y1] = a.from as number[];
    const [x2, y2] = a.to as number[];
    await r.guard(pointer(r.session, {action: 'drag', from: {x: x1!, y: y1!}, to: {x: x2!, y: y2!}, button: (a.button as string | undefined) ?? 'left'}, r.pointerOptions()));
    return undefined;
  },
  scroll: async (r, a) => {
    const at = a.at as number[] | undefined;
    const gesture = {action: 'scroll', direction: a.direction as string, clicks: (a.clicks as number | undefined) ?? 1, at: at ? {x: at[0]!, y: at[1]!} : undefined} as const;
    await r.guard(pointer(r.session, gesture, r.pointerOptions()));
    return undefined;
  },
  clipboard_set: async (r, a, step) => {
    const text = r.expand(a.text as string);
    // The offer stays served while the later steps run (the session's clipboard outlives the step).
    await r.guard(setClipboard(r.session, SELECTIONS.clipboard, 'text', Buffer.from(text, 'utf8'), {...r.agentOptions(step), noWait: true}));
    return `offered ${Buffer.byteLength(text)} bytes`;
  },
  clipboard_expect: async (r, a, step) => {
    const out = await r.guard(expectClipboardText(r.session, r.expand(a.text as string), {...r.agentOptions(step), signal: r.opts.signal}));
    return `${out.bytes} bytes`;
  },
  send_file: async (r, a, step) => {
    const name = a.name === undefined ? undefined : r.expand(a.name as string);
    const file = {path: r.expand(a.file as string), name};
    const out = await r.guard(sendFiles(r.session, [file], {...r.agentOptions(step), signal: r.opts.signal})).catch((e: unknown) => {
      if (e instanceof SpiceError && e.kind === 'interrupted') throw new SpiceError('usage', 'interrupted');
      const refused = e instanceof SpiceError && e.kind === 'expectation' ? (e.details?.files as FileReport[] | undefined)?.[0] : undefined;
      if (refused) throw new SpiceError('expectation', `the guest agent refused ${refused.name} (${refused.status}): ${refused.reason}`);
      throw e;
    });
    const f = out.files[0]!;
    return `${f.name}: ${f.size} bytes in ${f.ms} ms`;
  },
  resize: async (r, a, step) => {
    const size = {width: a.width as number, height: a.height as number};
    const out = await r.guard(resizeMonitor(r.session, (a.monitor as number | undefined) ?? 0, size, r.agentOptions(step)));
    return layoutDetail(out.after);
  },
  monitors: async (r, a, step) => {
    const out = await r.guard(setMonitors(r.session, a.set as MonitorLayout[], r.agentOptions(step)));
    return layoutDetail(out.after);
  },
  screenshot: async (r, a) => {
    const s = r.grab();
    const name = r.expand(a.name as string);
    const file = r.opts.screenshotPath?.(name) ?? join(r.opts.artifactsDir, `${fileSafe(name)}.png`);
    mkdirSync(dirname(file), {recursive: true});
    writeOutput(file, await encodeRgbaPng(s));
    r.screenshots.push(file);
    return file;
  },
  sleep: async (r, a) => {
    await r.sleep(a.ms as number);
    return undefined;
  },
  measure: async (r, a, step, prefix) => {
    const t = performance.now();
    if (a.steps) await r.runSteps(a.steps as Step[], prefix);
    const ms = r.timeout(step);
    if (a.until) {
      const m = await findNeedles(r, a.until as NeedleRef[], Math.max(0, ms - (performance.now() - t)), a.match as number | undefined);
      if (!m) throw r.notFound('timeout', a.until as NeedleRef[], ms);
    } else {
      await r.guard(waitStill(r.session, a.still as number, {timeoutMs: ms}));
    }
    // With `still`, the condition held from the last draw on: that is the end of what is measured.
    const figure = a.until ? performance.now() - t : Math.max(0, r.session.display!.lastDrawAt() - t);
    r.figures[a.name as string] = Math.round(figure * 10) / 10;
    return `${a.name as string} = ${fmtMs(figure)}`;
  },
  audio_capture: audioCaptureStep,
  audio_expect: audioExpectStep,
  audio_send: audioSendStep,
  usb_attach: usbAttachStep,
  usb_detach: usbDetachStep,
  usb_type: usbTypeStep,
};

export {formatLayout};
