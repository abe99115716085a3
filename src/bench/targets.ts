/** The lab targets the benchmark runs against: one per kind, started fresh and stopped after its rounds. */
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {startQemu, WEBDAV_PORT_NAME} from '../lab/qemu.js';
import {startXspice} from '../lab/xspice.js';
import type {LabTarget} from '../lab/types.js';

export const BENCH_TARGETS = ['xspice', 'qemu'] as const;
export type BenchTargetKind = (typeof BENCH_TARGETS)[number];

export const TARGET_DESCRIPTIONS: Record<BenchTargetKind, string> = {
  xspice: 'Xspice (Xorg + spiceqxl), no X clients: main, display, cursor, inputs',
  qemu: 'QEMU BIOS mode, allDevices (agent, audio, smartcard, 2 usbredir, tablet) + a WebDAV port',
};

export function startBenchTarget(kind: BenchTargetKind): Promise<LabTarget> {
  if (kind === 'xspice') return startXspice({clients: [], register: false, stopOnExit: true});
  return startQemu({mode: 'bios', allDevices: true, ports: [WEBDAV_PORT_NAME]});
}

/** Why a target stopped answering, when its log says it crashed (Xspice logs a backtrace). */
export function crashNote(target: LabTarget): string | undefined {
  const log = join(target.dir, 'xorg.log');
  if (target.kind !== 'xspice' || !existsSync(log)) return undefined;
  return /Segmentation fault|Fatal server error/.test(readFileSync(log, 'utf8')) ? `the Xspice server crashed (see ${log})` : undefined;
}

/** Stops a target, giving up (without throwing) after timeoutMs. */
export async function stopTarget(target: LabTarget, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([target.stop().catch(() => undefined), limit]);
  clearTimeout(timer);
}
