/**
 * The emulated USB stick in QEMU's tiny Linux guest, through SPICE's usbredir channel (usb-redir on qemu-xhci): the
 * guest enumerates it (our strings under /sys/bus/usb/devices), usb-storage and sd make it /dev/sdX, a FAT image the
 * test made mounts and a file on it reads byte-exact (md5 over the serial shell); a file the guest writes lands in
 * the image (read back on the host with mtools), and a large compressible one arrives as spice-server's
 * COMPRESSED_DATA (LZ4) and lands byte-exact; read-only, the guest cannot write and the image is unchanged.
 * Also measures the guest's sequential read throughput of the disk (dd), the figure `bench --usb` will report.
 */
import {execFileSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {SpiceSession} from '../../src/client/session.js';
import {UsbDeviceHost} from '../../src/client/usb/host.js';
import {UsbMassStorage} from '../../src/client/usb/storage/device.js';
import {DiskImage} from '../../src/client/usb/storage/image.js';
import {ScsiOp} from '../../src/client/usb/storage/scsi.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {ensureGuest} from '../../src/lab/guest/build.js';
import {connectSerial, type SerialShell} from '../../src/lab/guest/serial.js';
import {which} from '../../src/lab/install.js';
import {startQemu} from '../../src/lab/qemu.js';
import {runCli} from '../support/cli.js';
import type {LabTarget} from '../../src/lab/types.js';

// On CI the lab packages are installed first: a missing one must fail, not skip.
const runLab = which('qemu-system-x86_64') !== undefined || !!process.env.CI;
const MKFS = which('mkfs.vfat') ?? '/usr/sbin/mkfs.vfat';
const IMAGE_MIB = 32;
/** The guest's large write: PATTERN_BYTES of this line repeated (compressible), then RANDOM_PART bytes of RAND.BIN. */
const PATTERN_LINE = 'spice-cli usbredir lz4 0123456789';
const PATTERN_BYTES = 4 * 1024 * 1024;
const RANDOM_PART = 256 * 1024;

const work = mkdtempSync(path.join(os.tmpdir(), 'spice-cli-usbstore-qemu-'));
const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');
const opName = new Map(Object.entries(ScsiOp).map(([k, v]) => [v as number, k]));

/** A FAT image of IMAGE_MIB MiB (no partition table, as mkfs.vfat makes it) holding RAND.BIN: random bytes. */
function fatImage(name: string, payload: Buffer): string {
  const img = path.join(work, name);
  execFileSync(MKFS, ['-C', '-n', 'SPICECLI', img, String(IMAGE_MIB * 1024)]);
  const src = path.join(work, `${name}.rand`);
  writeFileSync(src, payload);
  execFileSync('mcopy', ['-i', img, src, '::RAND.BIN']);
  return img;
}

describe.skipIf(!runLab)('emulated USB storage in the QEMU tiny guest', () => {
  let t: LabTarget;
  let shell: SerialShell;
  let session: SpiceSession;

  beforeAll(async () => {
    await ensureGuest();
    const t0 = Date.now();
    t = await startQemu({mode: 'linux', usbredir: 2});
    shell = await connectSerial(t.extra.serial!);
    await shell.waitForShell(180_000);
    console.info(`[usb-storage] guest shell ${Date.now() - t0} ms after start`);
    session = await SpiceSession.connect(t.uri, {channelFilter: (type) => type === ChannelType.USBREDIR, timeoutMs: 15_000});
  }, 300_000);

  afterAll(async () => {
    session?.close();
    shell?.close();
    await t?.stop();
    rmSync(work, {recursive: true, force: true});
  });

  /** Polls a shell condition until it holds; returns its output. */
  async function until(cmd: string, what: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await shell.exec(cmd, 30_000);
      if (r.status === 0 && r.output.trim()) return r.output.trim();
      if (Date.now() > deadline) throw new Error(`guest: ${what} did not happen in ${timeoutMs} ms (last output: ${r.output})`);
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  /** Waits for our stick in the guest: its USB device directory and its block device (sda...). */
  async function waitForStick(): Promise<{usbDir: string; disk: string}> {
    const product = await until(`grep -l '^spice-cli USB storage$' /sys/bus/usb/devices/*/product`, 'our product string under /sys/bus/usb/devices');
    const usbDir = path.dirname(product.split('\n')[0]!);
    const disk = await until(`ls ${usbDir}/*/host*/target*/*/block 2>/dev/null`, 'a block device for the stick');
    await until(`[ -b /dev/${disk} ] && echo yes`, `/dev/${disk}`);
    return {usbDir, disk};
  }

  const stickGone = () => until(`grep -l '^spice-cli USB storage$' /sys/bus/usb/devices/*/product >/dev/null 2>&1 || echo gone`, 'the stick leaving after detach');

  /** Attaches the image on slot 0; resolves with the device, its host and the guest's disk name (sda...). */
  async function attach(image: DiskImage) {
    const {slot, connection} = await session.openUsbSlot({id: 0});
    const device = new UsbMassStorage(image);
    // every CDB the guest sends, for the log
    const cdbs: string[] = [];
    const execute = device.disk.execute.bind(device.disk);
    device.disk.execute = (cdb) => (cdbs.push(`${opName.get(cdb[0]!) ?? '?'}(${Buffer.from(cdb).toString('hex')})`), execute(cdb));
    const host = new UsbDeviceHost(connection, device);
    const errors: unknown[] = [];
    host.on('device-error', (e) => errors.push(e));
    const t0 = Date.now();
    host.attach();
    const {usbDir, disk} = await waitForStick();
    console.info(`[usb-storage] attached → /dev/${disk} in ${Date.now() - t0} ms (${usbDir})`);
    const detach = async () => {
      await host.detach(10_000);
      slot.release();
      await image.close();
      expect(errors).toEqual([]);
    };
    return {device, disk, usbDir, detach, errors, cdbs, connection};
  }

  it('a writable stick: enumerated with our strings, mounted, a file reads byte-exact, a guest write lands in the image, dd throughput', async () => {
    const payload = randomBytes(3 * 1024 * 1024 + 123);
    const img = fatImage('rw.img', payload);
    const line = `written by the guest ${randomBytes(6).toString('hex')}`;
    const {device, disk, usbDir, detach, cdbs, connection} = await attach(await DiskImage.open(img, false));
    try {
      expect(await shell.run(`cat ${usbDir}/manufacturer ${usbDir}/product ${usbDir}/serial ${usbDir}/idVendor ${usbDir}/idProduct`)).toBe(
        ['spice-cli', 'spice-cli USB storage', device.strings.serial, '1209', '0001'].join('\n'),
      );
      expect(await shell.run(`cat /sys/block/${disk}/size /sys/block/${disk}/ro /sys/block/${disk}/removable`)).toBe(`${IMAGE_MIB * 2048}\n0\n1`);
      console.info(`[usb-storage] SCSI commands at enumeration:\n  ${cdbs.join('\n  ')}`);

      const mount = await shell.exec(`mkdir -p /mnt && mount /dev/${disk} /mnt 2>&1 || { dmesg | tail -15; false; }`, 60_000);
      expect(mount.status, mount.output).toBe(0);
      expect(await shell.run('ls /mnt')).toBe('RAND.BIN');
      expect(await shell.run('md5sum /mnt/RAND.BIN', 120_000)).toBe(`${md5(payload)}  /mnt/RAND.BIN`);
      expect((await shell.exec(`echo '${line}' > /mnt/new.txt && sync`, 60_000)).status).toBe(0);

      // A large compressible write: 4 MiB of a repeated line, then 256 KiB of RAND.BIN (random, incompressible). The
      // guest's bulk OUT data reaches us through spice-server, which LZ4-compresses slices over 1000 bytes for a
      // client with DATA_COMPRESS_LZ4 when that makes them smaller.
      const rx0 = connection.received;
      const w0 = Date.now();
      const big = await shell.exec(`{ yes '${PATTERN_LINE}' | head -c ${PATTERN_BYTES}; head -c ${RANDOM_PART} /mnt/RAND.BIN; } > /mnt/big.bin && sync && umount /mnt`, 240_000);
      expect(big.status, big.output).toBe(0);
      const rx1 = connection.received;
      const d = (k: keyof typeof rx1) => rx1[k] - rx0[k];
      console.info(
        `[usb-storage] guest wrote ${PATTERN_BYTES + RANDOM_PART} bytes in ${Date.now() - w0} ms: ${d('messages')} spicevmc messages (${d('bytes')} bytes), ${d('compressedMessages')} COMPRESSED_DATA: ${d('compressedBytes')} bytes on the wire for ${d('decompressedBytes')} (ratio ${(d('decompressedBytes') / Math.max(1, d('compressedBytes'))).toFixed(1)}:1)`,
      );
      expect(d('compressedMessages')).toBeGreaterThan(0);
      expect(d('decompressedBytes')).toBeGreaterThanOrEqual(PATTERN_BYTES / 2); // most of the pattern came compressed
      expect(d('compressedBytes')).toBeLessThan(d('decompressedBytes') / 10);
      expect(d('bytes')).toBeGreaterThan(PATTERN_BYTES + RANDOM_PART);

      // Sequential read of the whole disk, caches dropped first: the guest's view of the stick's speed.
      await shell.run('sync; echo 3 > /proc/sys/vm/drop_caches');
      const before = device.disk.history.length;
      const t0 = Date.now();
      const dd = await shell.exec(`time dd if=/dev/${disk} of=/dev/null bs=1M count=${IMAGE_MIB} 2>&1`, 300_000);
      const shellMs = Date.now() - t0;
      expect(dd.status).toBe(0);
      expect(dd.output).toContain(`${IMAGE_MIB}+0 records out`);
      const real = /real\s+(\d+)m\s*([\d.]+)s/.exec(dd.output);
      const guestMs = real ? (Number(real[1]) * 60 + Number(real[2])) * 1000 : shellMs;
      const reads = device.disk.history.slice(before).filter((o) => o === ScsiOp.READ_10).length;
      const mbps = (ms: number) => ((IMAGE_MIB * 1.048576) / (ms / 1000)).toFixed(1);
      console.info(
        `[usb-storage] sequential read: ${IMAGE_MIB} MiB in ${guestMs} ms in the guest = ${mbps(guestMs)} MB/s (${shellMs} ms = ${mbps(shellMs)} MB/s with the serial shell); ${reads} READ(10)s of ${((IMAGE_MIB * 1024) / Math.max(1, reads)).toFixed(0)} KiB on average`,
      );
      expect(reads).toBeGreaterThan(0);
      console.info(`[usb-storage] SCSI commands used: ${[...new Set(device.disk.history.map((o) => opName.get(o) ?? `0x${o.toString(16)}`))].join(' ')}`);
    } finally {
      await detach();
    }
    await stickGone();
    expect(execFileSync('mtype', ['-i', img, '::NEW.TXT']).toString()).toBe(`${line}\n`);
    const copy = path.join(work, 'big.out');
    execFileSync('mcopy', ['-i', img, '::BIG.BIN', copy]);
    const line0 = `${PATTERN_LINE}\n`;
    const expected = Buffer.concat([Buffer.from(line0.repeat(Math.ceil(PATTERN_BYTES / line0.length))).subarray(0, PATTERN_BYTES), payload.subarray(0, RANDOM_PART)]);
    const got = readFileSync(copy);
    expect(got.length).toBe(expected.length);
    expect(md5(got)).toBe(md5(expected));
  }, 600_000);

  it('a read-only stick: the disk is read-only in the guest, writes fail, the image is unchanged', async () => {
    const payload = randomBytes(200_000);
    const img = fatImage('ro.img', payload);
    const hash = md5(readFileSync(img));
    const {disk, detach} = await attach(await DiskImage.open(img, true));
    try {
      expect(await shell.run(`cat /sys/block/${disk}/ro`)).toBe('1'); // sd read the WP bit from MODE SENSE
      // a raw write is refused by the kernel; so is a writable mount, and a write on the read-only mount
      expect((await shell.exec(`dd if=/dev/zero of=/dev/${disk} bs=512 count=1 2>&1`, 60_000)).status).not.toBe(0);
      const rw = await shell.exec(`mkdir -p /mnt && mount -o rw /dev/${disk} /mnt 2>&1; grep " /mnt " /proc/mounts`, 60_000);
      console.info(`[usb-storage] read-only mount: ${rw.output}`);
      if (!/ \/mnt vfat ro[ ,]/.test(rw.output)) expect((await shell.exec(`mount -o ro /dev/${disk} /mnt`, 60_000)).status).toBe(0);
      expect(await shell.run('grep " /mnt " /proc/mounts')).toMatch(/ \/mnt vfat ro[ ,]/);
      expect(await shell.run('md5sum /mnt/RAND.BIN', 120_000)).toBe(`${md5(payload)}  /mnt/RAND.BIN`);
      const write = await shell.exec(`echo nope > /mnt/new.txt`);
      expect(write.status).not.toBe(0);
      console.info(`[usb-storage] write on the read-only stick: ${write.output}`);
      expect((await shell.exec('umount /mnt')).status).toBe(0);
    } finally {
      await detach();
    }
    expect(md5(readFileSync(img))).toBe(hash);
    await stickGone();
  }, 600_000);

  it('`spice-cli usb redirect --emulate storage:IMAGE:ro --for` attaches, serves the guest, detaches and reports', async () => {
    session.close(); // one client at a time: the command connects on its own
    const payload = randomBytes(100_000);
    const img = fatImage('cli.img', payload);
    const head = md5(readFileSync(img).subarray(0, 1024 * 1024));
    const cli = runCli(['usb', 'redirect', '--uri', t.uri, '--emulate', `storage:${img}:ro`, '--for', '15', '--json'], {timeoutMs: 120_000});
    const {disk} = await waitForStick();
    expect(await shell.run(`dd if=/dev/${disk} bs=64k count=16 2>/dev/null | md5sum`, 60_000)).toBe(`${head}  -`);
    const r = await cli;
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {ok: boolean; devices: (Record<string, unknown> & {device: Record<string, unknown>; commands: number; bytesRead: number; bytesWritten: number; attachedMs: number; received: {messages: number}})[]};
    console.info(`[usb-storage] usb redirect --json: ${r.stdout.replace(/\s+/g, ' ')}`);
    expect(out.ok).toBe(true);
    expect(out.devices).toHaveLength(1);
    const report = out.devices[0]!;
    expect(report).toMatchObject({slot: 'usbredir:0', bytesWritten: 0});
    expect(report.device).toMatchObject({emulate: 'storage', image: img, readOnly: true, blocks: IMAGE_MIB * 2048, vendorId: '1209', productId: '0001', product: 'spice-cli USB storage'});
    expect(report.commands).toBeGreaterThan(5);
    expect(report.bytesRead).toBeGreaterThanOrEqual(1024 * 1024);
    expect(report.attachedMs).toBeGreaterThanOrEqual(14_000);
    expect(report.received).toMatchObject({messages: expect.any(Number), compressedMessages: expect.any(Number), compressedBytes: expect.any(Number)});
    expect(report.received.messages).toBeGreaterThan(10);
    await stickGone();
  }, 600_000);
});
