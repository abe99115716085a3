/**
 * The audio steps' handlers (STEP_HANDLERS in step-handlers.ts): audio_capture starts or stops a named background
 * capture (audio-captures.ts over actions/audio-watch.ts), audio_expect checks one (actions/audio-expect.ts) and
 * reports what it measured, audio_send sends a WAV or a tone to the guest's microphone (actions/audio-send.ts).
 */
import {dirname, resolve} from 'node:path';
import {expectSound, readReferenceWav, type SoundExpectations} from '../client/actions/audio-expect.js';
import type {AudioCaptureReport} from '../client/actions/audio-capture.js';
import {prepareAudioSend, sendAudio} from '../client/actions/audio-send.js';
import type {Step} from './load.js';
import type {ScenarioRunner, StepOutcome} from './runner.js';
import type {StepArgs} from './step-handlers.js';

function captureSummary(name: string, file: string, report: AudioCaptureReport | null): StepOutcome {
  if (!report) return {detail: `${name}: no audio came (no WAV)`, measured: {file: null, frames: 0}};
  const {frames, durationMs, peakDbfs, rmsDbfs, dominantHz, endedBy} = report;
  const hz = dominantHz === null ? '' : `, ${dominantHz} Hz`;
  return {
    detail: `${name}: ${(durationMs / 1000).toFixed(2)} s, peak ${peakDbfs ?? '-∞'} dBFS${hz} → ${file}`,
    measured: {file, frames, durationMs, peakDbfs, rmsDbfs, dominantHz, endedBy},
  };
}

export async function audioCaptureStep(r: ScenarioRunner, a: StepArgs): Promise<StepOutcome> {
  const captures = r.captures();
  if (a.start !== undefined) {
    const name = r.expand(a.start as string);
    return `started ${name} → ${captures.start(name).file}`;
  }
  const name = r.expand(a.stop as string);
  const c = await r.guard(captures.stop(name));
  return captureSummary(name, c.file, c.report ?? null);
}

function expectationsOf(r: ScenarioRunner, a: StepArgs, step: Step): SoundExpectations {
  const num = (v: unknown) => v as number | undefined;
  const e: SoundExpectations = {
    silence: a.silence as boolean | undefined,
    floorDbfs: num(a.floor),
    frequencyHz: num(a.frequency),
    toleranceHz: num(a.tolerance),
    rmsAboveDbfs: num(a.rms_above),
    rmsBelowDbfs: num(a.rms_below),
    score: num(a.score),
  };
  if (a.like !== undefined) {
    // The loader made a fixed name absolute; one with a runtime variable is relative to the scenario file too.
    const path = resolve(dirname(step.pos.file), r.expand(a.like as string));
    e.like = {name: path, wav: readReferenceWav(path)};
  }
  return e;
}

export async function audioExpectStep(r: ScenarioRunner, a: StepArgs, step: Step, prefix: string): Promise<StepOutcome> {
  const expectations = expectationsOf(r, a, step);
  const captures = r.captures();
  let name: string;
  if (a.capture !== undefined) {
    name = r.expand(a.capture as string);
  } else {
    // A capture of `seconds` made now, kept as an artifact like the named ones.
    name = `audio-expect-${prefix.replace(/\.$/, '')}`;
    captures.start(name);
    await r.sleep((a.seconds as number) * 1000);
    await r.guard(captures.stop(name));
  }
  const c = captures.get(name);
  const out = expectSound(c.report === null ? null : c.file, expectations);
  return {detail: `${name}: ${out.summary}`, measured: {capture: name, file: out.file, ...out.measured}};
}

export async function audioSendStep(r: ScenarioRunner, a: StepArgs, step: Step): Promise<StepOutcome> {
  const file = a.file === undefined ? undefined : resolve(dirname(step.pos.file), r.expand(a.file as string));
  const seconds = a.seconds as number | undefined;
  const input = prepareAudioSend({file, toneHz: a.tone as number | undefined, maxMs: seconds === undefined ? undefined : seconds * 1000});
  const out = await r.guard(sendAudio(r.session, input, {timeoutMs: r.timeout(step), signal: r.opts.signal}));
  const {frames, durationMs, packets, endedBy, format} = out;
  const ended = endedBy === 'server-stopped' ? ' (the guest stopped recording)' : '';
  return {detail: `sent ${(durationMs / 1000).toFixed(2)} s (${format.channels} ch, ${format.rate} Hz) in ${packets} packets${ended}`, measured: {frames, durationMs, packets, endedBy, maxLateMs: out.pacing.maxLateMs}};
}
