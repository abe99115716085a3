/**
 * USB storage throughput (`spice-cli bench --usb`): the emulated disk (actions/usb.ts attachUsb, a disk image of
 * USB_BENCH.imageMib MiB) plugged into the QEMU tiny Linux guest through a usbredir slot over SPICE; each run drops
 * the guest's page cache and times, from the host, `dd if=/dev/sdX of=/dev/null bs=1M count=N` over the serial
 * shell (the shell's round trip included, a few ms). MB/s = N MiB / that time. spice-gtk has no comparable figure:
 * it redirects only real host USB devices (no emulated disk), and the bench machines have no USB hardware.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {attachUsb} from '../client/actions/usb.js';
import {SpiceSession} from '../client/session.js';
import {ChannelType} from '../client/wire/enums.js';
import {ensureGuest} from '../lab/guest/build.js';
import {connectSerial} from '../lab/guest/serial.js';
import {startQemu} from '../lab/qemu.js';
import {summarize, type Summary} from './stats.js';
import {stopTarget} from './targets.js';

export const USB_BENCH = {imageMib: 32, timeoutMs: 120_000};

export interface UsbBenchResult {
  what: string;
  imageMib: number;
  /** MB/s (MiB per second) of each run. */
  readMBps: Summary;
  /** ms of each run's dd, timed from the host. */
  readMs: Summary;
  guestMs: string;
  spiceGtk: string;
}

export async function benchUsb(log: (m: string) => void, o: {runs: number}): Promise<UsbBenchResult> {
  const n = USB_BENCH.imageMib;
  const work = mkdtempSync(path.join(os.tmpdir(), 'spice-cli-bench-usb-'));
  const image = path.join(work, 'bench.img');
  // non-zero, varied content: nothing along the way can shortcut it
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  writeFileSync(image, Buffer.concat(Array(n).fill(block)));
  await ensureGuest();
  log('usb: starting the QEMU tiny Linux guest (2 usbredir slots)');
  const t = await startQemu({mode: 'linux', usbredir: 2});
  const shell = await connectSerial(t.extra.serial!);
  let session: SpiceSession | undefined;
  try {
    await shell.waitForShell(180_000);
    session = await SpiceSession.connect(t.uri, {channelFilter: (type) => type === ChannelType.USBREDIR, timeoutMs: 15_000});
    const dev = await attachUsb(session, {emulate: 'storage', image, readOnly: true}, {timeoutMs: 15_000});
    try {
      const disk = await until(shell, `for d in /sys/bus/usb/devices/*; do grep -q '^spice-cli USB storage$' $d/product 2>/dev/null && ls $d/*/host*/target*/*/block 2>/dev/null; done; true`);
      await until(shell, `[ -b /dev/${disk} ] && echo yes`);
      log(`usb: the stick is /dev/${disk}; ${o.runs} runs of dd bs=1M count=${n}`);
      const ms: number[] = [];
      let guestMs = '';
      for (let i = 0; i < o.runs; i++) {
        await shell.run('sync; echo 3 > /proc/sys/vm/drop_caches', 30_000);
        const t0 = performance.now();
        const r = await shell.exec(`dd if=/dev/${disk} of=/dev/null bs=1M count=${n} 2>&1`, USB_BENCH.timeoutMs);
        ms.push(performance.now() - t0);
        if (r.status !== 0) throw new Error(`dd failed in the guest: ${r.output}`);
        guestMs = r.output.split('\n').pop() ?? '';
      }
      const readMs = summarize(ms.map((m) => Math.round(m * 10) / 10));
      return {
        what: `sequential read of the emulated USB stick in the guest through SPICE (usbredir): dd if=/dev/sdX of=/dev/null bs=1M count=${n}, page cache dropped before each run, timed from the host over the serial shell`,
        imageMib: n,
        readMBps: summarize(ms.map((m) => Math.round((n / (m / 1000)) * 100) / 100)),
        readMs,
        guestMs: `dd's own last line: ${guestMs}`,
        spiceGtk: 'no comparable figure: spice-gtk redirects only real host USB devices (it has no emulated disk), and the bench machines have no USB hardware',
      };
    } finally {
      await dev.detach(10_000);
    }
  } finally {
    session?.close();
    shell.close();
    await stopTarget(t, 30_000);
    rmSync(work, {recursive: true, force: true});
  }
}

async function until(shell: {exec(cmd: string, timeoutMs?: number): Promise<{status: number; output: string}>}, cmd: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await shell.exec(cmd, 30_000);
    if (r.status === 0 && r.output.trim()) return r.output.trim().split('\n')[0]!;
    if (Date.now() > deadline) throw new Error(`usb bench: the guest did not answer "${cmd}" in ${timeoutMs} ms (last: ${r.output})`);
    await new Promise((res) => setTimeout(res, 500));
  }
}
