/**
 * The USB steps' handlers (STEP_HANDLERS in step-handlers.ts) and their load-time checks: usb_attach plugs an
 * emulated device (actions/usb.ts attachUsb) under a name, usb_detach unplugs it, usb_type types through an
 * attached keyboard (actions/usb-hid.ts usbTypeText). Devices still attached when the scenario ends are detached
 * by the runner (ScenarioUsb.detachAll).
 */
import {existsSync, statSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {attachUsb, keyboardReady, type AttachedUsb, type UsbEmulation} from '../client/actions/usb.js';
import {usbTypeText} from '../client/actions/usb-hid.js';
import {SpiceError} from '../client/errors.js';
import type {Step} from './load.js';
import type {ScenarioRunner, StepOutcome} from './runner.js';
import type {StepArgs} from './step-handlers.js';
import {usesStep} from './audio-checks.js';


/** The devices a scenario attached, by name. */
export class ScenarioUsb {
  private readonly devices = new Map<string, AttachedUsb>();

  add(name: string, d: AttachedUsb): void {
    this.devices.set(name, d);
  }

  get(name: string, step: string): AttachedUsb {
    const d = this.devices.get(name);
    if (!d) throw new SpiceError('usage', `${step}: no USB device named "${name}" is attached (attached: ${[...this.devices.keys()].join(', ') || 'none'})`);
    return d;
  }

  has(name: string): boolean {
    return this.devices.has(name);
  }

  async detach(name: string, timeoutMs: number): Promise<AttachedUsb> {
    const d = this.get(name, 'usb_detach');
    this.devices.delete(name);
    await d.detach(timeoutMs);
    return d;
  }

  /** Detaches what is still attached (the end of the scenario). */
  async detachAll(timeoutMs: number): Promise<void> {
    const all = [...this.devices.values()];
    this.devices.clear();
    await Promise.all(all.map((d) => d.detach(timeoutMs).catch(() => undefined)));
  }
}

/** Load-time problems of a usb step (image with storage only, and existing). Makes a fixed image path absolute. */
export function usbFieldProblems(kind: string, given: ReadonlySet<string>, args: Record<string, unknown>, dir: string): string[] {
  if (kind !== 'usb_attach') return [];
  const storage = args.emulate === 'storage';
  if (storage && !given.has('image')) return ['usb_attach: emulate storage needs "image" (a disk image file)'];
  if (!storage && (given.has('image') || given.has('read_only'))) return [`usb_attach: "image" and "read_only" are for emulate storage, not ${String(args.emulate)}`];
  if (storage && typeof args.image === 'string' && !args.image.includes('${')) {
    const image = (args.image = resolve(dir, args.image));
    if (!existsSync(image)) return [`usb_attach: no such image ${image} (image: relative to the scenario file)`];
    if (!statSync(image).isFile()) return [`usb_attach: image ${image} is not a file`];
  }
  return [];
}

/** Whether the scenario has usb steps (its session then links the usbredir channels). */
export const usesUsb = (steps: Step[]): boolean => usesStep(steps, ['usb_attach', 'usb_detach', 'usb_type']);

export async function usbAttachStep(r: ScenarioRunner, a: StepArgs, step: Step): Promise<StepOutcome> {
  const kind = a.emulate as UsbEmulation['emulate'];
  const name = a.as === undefined ? kind : r.expand(a.as as string);
  const usb = r.usb();
  if (usb.has(name)) throw new SpiceError('usage', `usb_attach: a USB device named "${name}" is attached already (give another "as")`);
  const e: UsbEmulation = kind === 'storage' ? {emulate: 'storage', image: resolve(dirname(step.pos.file), r.expand(a.image as string)), readOnly: Boolean(a.read_only)} : {emulate: kind};
  const d = await r.guard(attachUsb(r.session, e, {slot: a.slot as number | undefined, timeoutMs: r.timeout(step)}));
  usb.add(name, d);
  const rep = d.report();
  return {detail: `${name}: ${kind}${e.emulate === 'storage' ? ` ${e.image}${e.readOnly ? ' (read-only)' : ''}` : ''} on ${rep.slot}`, measured: {name, slot: rep.slot, emulate: kind}};
}

export async function usbDetachStep(r: ScenarioRunner, a: StepArgs, step: Step): Promise<StepOutcome> {
  const name = r.expand(a.name as string);
  const d = await r.guard(r.usb().detach(name, r.timeout(step)));
  const rep = d.report();
  const io = rep.commands === undefined ? '' : `, ${rep.commands} SCSI commands, ${rep.bytesRead} bytes read, ${rep.bytesWritten} written`;
  return {detail: `${name}: detached from ${rep.slot} after ${(rep.attachedMs / 1000).toFixed(1)} s${io}`, measured: {...rep}};
}

export async function usbTypeStep(r: ScenarioRunner, a: StepArgs, step: Step): Promise<StepOutcome> {
  const name = a.name === undefined ? 'keyboard' : r.expand(a.name as string);
  const d = r.usb().get(name, 'usb_type');
  if (d.emulate !== 'keyboard') throw new SpiceError('usage', `usb_type: "${name}" is a USB ${d.emulate}, not a keyboard`);
  const kb = await r.guard(keyboardReady(d, (step.args.timeout as number | undefined) ?? 60_000, r.opts.signal));
  const o = {...r.keyboardOptions(a), rate: (a.rate as number | undefined) ?? r.scenario.defaults.rate, timeoutMs: r.scenario.defaults.timeoutMs, signal: r.opts.signal};
  const out = await r.guard(usbTypeText(kb, r.expand(a.text as string), o));
  return `${out.characters} characters through ${name}`;
}
