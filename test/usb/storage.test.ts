/**
 * The emulated USB stick through its own UsbDevice interface, driven as a Bulk-Only host would: CBWs on the Bulk-Out
 * endpoint, data phases, CSWs on Bulk-In, STALLs cleared with CLEAR_FEATURE(ENDPOINT_HALT), Reset Recovery after an
 * invalid CBW. Checks the descriptors, SCSI data, sense data, the thirteen-case handling and that nothing outside
 * the image is ever read or written. The protocol peer is real QEMU in storage-qemu.test.ts.
 */
import {createHash} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {commandBlockWrapper, CswStatus, CSW_SIGNATURE} from '../../src/client/usb/storage/bot.js';
import {UsbMassStorage} from '../../src/client/usb/storage/device.js';
import {checkDiskImage, DiskImage} from '../../src/client/usb/storage/image.js';
import {parseEmulation} from '../../src/client/actions/usb.js';
import {UsbredirCap as C, UsbredirStatus} from '../../src/client/wire/usbredir/protocol.js';
import type {SpicevmcConsumer} from '../../src/client/channels/usbredir.js';
import {UsbredirConnection, type UsbredirPipe} from '../../src/client/usb/connection.js';
import {UsbDeviceHost} from '../../src/client/usb/host.js';
import {DataCompressionType} from '../../src/client/wire/enums.js';
import {UsbredirCodec, type UsbredirPacket} from '../../src/client/wire/usbredir/codec.js';
import {UsbredirPackets as P, splitBulkLength} from '../../src/client/wire/usbredir/packets.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'spice-cli-usbstore-'));
const opened: DiskImage[] = [];
afterAll(async () => {
  await Promise.all(opened.map((i) => i.close().catch(() => undefined)));
  rmSync(dir, {recursive: true, force: true});
});

const BLOCKS = 64;
const md5 = (f: string) => createHash('md5').update(readFileSync(f)).digest('hex');

/** An image of BLOCKS blocks (+ `tail` bytes) where block n is filled with byte n. */
function makeImage(name: string, tail = 0): string {
  const f = path.join(dir, name);
  const data = Buffer.alloc(BLOCKS * 512 + tail);
  for (let b = 0; b < BLOCKS; b++) data.fill(b, b * 512, b * 512 + 512);
  data.fill(0xee, BLOCKS * 512);
  writeFileSync(f, data);
  return f;
}

async function stick(name: string, readOnly = false, tail = 0) {
  const file = makeImage(name, tail);
  const image = await DiskImage.open(file, readOnly);
  opened.push(image);
  return {file, dev: new UsbMassStorage(image, {serial: '0123456789AB'}), image};
}

const IN = 0x81;
const OUT = 0x02;
const be16 = (n: number) => [n >> 8, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const cdb10 = (op: number, lba: number, count: number) => Uint8Array.from([op, 0, ...be32(lba), 0, ...be16(count), 0]);
const cdb12 = (op: number, lba: number, count: number) => Uint8Array.from([op, 0, ...be32(lba), ...be32(count), 0, 0]);
const cdb16 = (op: number, lba: number, count: number) => Uint8Array.from([op, 0, ...be32(Math.floor(lba / 2 ** 32)), ...be32(lba % 2 ** 32), ...be32(count), 0, 0]);

interface Csw {
  tag: number;
  residue: number;
  status: number;
}
interface Run {
  data: Uint8Array;
  csw: Csw;
  /** Transfers answered STALL (endpoint addresses), in order. */
  stalls: number[];
}

let tag = 1;

/** One command as Linux's usb-storage does it: CBW, data phase, CSW; a STALL is cleared and the CSW read again. */
async function command(dev: UsbMassStorage, cb: Uint8Array, phase: {in?: number; out?: Uint8Array; expected?: number} = {}): Promise<Run> {
  const stalls: number[] = [];
  const clear = (ep: number) => {
    stalls.push(ep);
    expect(dev.control({endpoint: 0, requestType: 0x02, request: 1, value: 0, index: ep, length: 0, data: new Uint8Array(0)}).status).toBe(UsbredirStatus.SUCCESS);
  };
  const expected = phase.expected ?? phase.in ?? phase.out?.length ?? 0;
  const t = tag++;
  const cbw = await dev.bulk(OUT, 31, commandBlockWrapper(t, expected, phase.in !== undefined, cb));
  expect(cbw.status).toBe(UsbredirStatus.SUCCESS);
  let data: Uint8Array = new Uint8Array(0);
  if (phase.in !== undefined && expected > 0) {
    const r = await dev.bulk(IN, phase.in, new Uint8Array(0));
    if (r.status === UsbredirStatus.STALL) clear(IN);
    else data = r.data ?? data;
  } else if (phase.out) {
    const r = await dev.bulk(OUT, phase.out.length, phase.out);
    if (r.status === UsbredirStatus.STALL) clear(OUT);
  }
  let r = await dev.bulk(IN, 13, new Uint8Array(0));
  if (r.status === UsbredirStatus.STALL) {
    clear(IN);
    r = await dev.bulk(IN, 13, new Uint8Array(0));
  }
  expect(r.status).toBe(UsbredirStatus.SUCCESS);
  const v = new DataView(r.data!.buffer, r.data!.byteOffset, 13);
  expect(r.data!.length).toBe(13);
  expect(v.getUint32(0, true)).toBe(CSW_SIGNATURE);
  const csw = {tag: v.getUint32(4, true), residue: v.getUint32(8, true), status: r.data![12]!};
  expect(csw.tag).toBe(t);
  return {data, csw, stalls};
}

/** REQUEST SENSE's key/ASC/ASCQ as "KK/AA/QQ". */
async function sense(dev: UsbMassStorage): Promise<string> {
  const r = await command(dev, Uint8Array.from([0x03, 0, 0, 0, 18, 0]), {in: 18});
  expect(r.csw.status).toBe(CswStatus.PASSED);
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `${hex(r.data[2]! & 0x0f)}/${hex(r.data[12]!)}/${hex(r.data[13]!)}`;
}

const control = (dev: UsbMassStorage, requestType: number, request: number, value: number, index: number, length: number) =>
  dev.control({endpoint: requestType & 0x80, requestType, request, value, index, length, data: new Uint8Array(0)});

describe('emulated USB storage: descriptors and class requests', () => {
  it('is a high-speed Mass Storage device: SCSI transparent, Bulk-Only, two 512-byte bulk endpoints, strings', async () => {
    const {dev} = await stick('desc.img');
    expect(dev.info.interfaces).toEqual([{number: 0, class: 8, subclass: 6, protocol: 0x50}]);
    expect(dev.info.endpoints.map((e) => [e.address, e.type, e.maxPacketSize])).toEqual([
      [0x81, 2, 512],
      [0x02, 2, 512],
    ]);
    const device = control(dev, 0x80, 6, 0x0100, 0, 18).data!;
    expect([...device.subarray(0, 4)]).toEqual([18, 1, 0x00, 0x02]);
    expect(Buffer.from(device).readUInt16LE(8).toString(16)).toBe('1209');
    const config = control(dev, 0x80, 6, 0x0200, 0, 255).data!;
    expect(config.length).toBe(32);
    expect(Buffer.from(config).readUInt16LE(2)).toBe(32);
    expect([...config.subarray(9, 18)]).toEqual([9, 4, 0, 0, 2, 8, 6, 0x50, 0]);
    expect([...config.subarray(18, 25)]).toEqual([7, 5, 0x81, 2, 0, 2, 0]);
    expect([...config.subarray(25, 32)]).toEqual([7, 5, 0x02, 2, 0, 2, 0]);
    const str = (i: number) => Buffer.from(control(dev, 0x80, 6, 0x0300 | i, 0x0409, 255).data!.subarray(2)).toString('utf16le');
    expect([str(1), str(2), str(3)]).toEqual(['spice-cli', 'spice-cli USB storage', '0123456789AB']);
    expect([...control(dev, 0x80, 6, 0x0300, 0, 255).data!]).toEqual([4, 3, 0x09, 0x04]);
    expect(control(dev, 0x80, 6, 0x0304, 0x0409, 255).status).toBe(UsbredirStatus.STALL);
    expect([...control(dev, 0xa1, 0xfe, 0, 0, 1).data!]).toEqual([0]); // Get Max LUN: one LUN
    expect(control(dev, 0x21, 0xff, 0, 0, 0).status).toBe(UsbredirStatus.SUCCESS); // Bulk-Only Mass Storage Reset
  });
});

describe('emulated USB storage: SCSI commands over Bulk-Only', () => {
  it('INQUIRY (standard and VPD 00h/80h/83h), capacities, TEST UNIT READY and the no-op commands', async () => {
    const {dev} = await stick('scsi.img', false, 100);
    const inq = await command(dev, Uint8Array.from([0x12, 0, 0, 0, 36, 0]), {in: 36});
    expect(inq.csw).toMatchObject({status: 0, residue: 0});
    expect(inq.data[0]).toBe(0);
    expect(inq.data[1]).toBe(0x80); // removable
    expect(Buffer.from(inq.data.subarray(8, 36)).toString()).toBe('SPICECLIEMULATED DISK   0001');
    const vpd = async (page: number) => (await command(dev, Uint8Array.from([0x12, 1, page, 0, 255, 0]), {in: 255})).data;
    expect([...(await vpd(0x00))]).toEqual([0, 0, 0, 3, 0x00, 0x80, 0x83]);
    expect(Buffer.from((await vpd(0x80)).subarray(4)).toString()).toBe('0123456789AB');
    expect(Buffer.from((await vpd(0x83)).subarray(8)).toString()).toBe('SPICECLIEMULATED DISK   0123456789AB');
    expect((await command(dev, Uint8Array.from([0x12, 1, 0xb0, 0, 255, 0]), {in: 255})).csw.status).toBe(CswStatus.FAILED);
    expect(await sense(dev)).toBe('05/24/00');

    // the 100-byte tail is not part of the disk: 64 blocks
    const cap10 = await command(dev, Uint8Array.from([0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]), {in: 8});
    expect([...cap10.data]).toEqual([0, 0, 0, 63, 0, 0, 2, 0]);
    const cap16 = await command(dev, Uint8Array.from([0x9e, 0x10, ...new Array<number>(8).fill(0), 0, 0, 0, 32, 0, 0]), {in: 32});
    expect(Buffer.from(cap16.data).readBigUInt64BE(0)).toBe(63n);
    expect(Buffer.from(cap16.data).readUInt32BE(8)).toBe(512);
    const fmt = await command(dev, Uint8Array.from([0x23, 0, 0, 0, 0, 0, 0, 0, 12, 0]), {in: 12});
    expect([...fmt.data]).toEqual([0, 0, 0, 8, 0, 0, 0, 64, 2, 0, 2, 0]);
    for (const cb of [
      [0x00, 0, 0, 0, 0, 0], // TEST UNIT READY
      [0x1e, 0, 0, 0, 1, 0], // PREVENT ALLOW MEDIUM REMOVAL
      [0x1b, 0, 0, 0, 1, 0], // START STOP UNIT
      [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0], // SYNCHRONIZE CACHE(10)
      [0x2f, 0, 0, 0, 0, 60, 0, 0, 4, 0], // VERIFY(10) of the last 4 blocks
    ]) {
      expect((await command(dev, Uint8Array.from(cb))).csw).toMatchObject({status: 0, residue: 0});
    }
    expect((await command(dev, Uint8Array.from([0x2f, 0, 0, 0, 0, 61, 0, 0, 4, 0]))).csw.status).toBe(CswStatus.FAILED);
    expect(await sense(dev)).toBe('05/21/00');
    expect(dev.disk.history.slice(0, 3)).toEqual([0x12, 0x12, 0x12]);
  });

  it('READ and WRITE (10), (12) and (16) move image blocks; out-of-range ones fail with 05/21/00 and touch nothing', async () => {
    const {dev, file} = await stick('rw.img');
    const r10 = await command(dev, cdb10(0x28, 3, 2), {in: 1024});
    expect(r10.csw).toMatchObject({status: 0, residue: 0});
    expect(r10.data).toEqual(Uint8Array.from({length: 1024}, (_, i) => 3 + (i >> 9)));
    expect((await command(dev, cdb12(0xa8, 63, 1), {in: 512})).data[511]).toBe(63);
    expect((await command(dev, cdb16(0x88, 10, 1), {in: 512})).data[0]).toBe(10);

    const payload = Uint8Array.from({length: 1536}, (_, i) => (i * 7) & 0xff);
    expect((await command(dev, cdb10(0x2a, 5, 3), {out: payload})).csw).toMatchObject({status: 0, residue: 0});
    expect((await command(dev, cdb12(0xaa, 20, 1), {out: payload.subarray(0, 512)})).csw.status).toBe(0);
    expect((await command(dev, cdb16(0x8a, 63, 1), {out: payload.subarray(0, 512)})).csw.status).toBe(0);
    const img = readFileSync(file);
    expect(img.subarray(5 * 512, 8 * 512)).toEqual(Buffer.from(payload));
    expect(img.subarray(20 * 512, 21 * 512)).toEqual(Buffer.from(payload.subarray(0, 512)));
    expect(img.subarray(63 * 512)).toEqual(Buffer.from(payload.subarray(0, 512)));
    expect(img[8 * 512]).toBe(8);

    const before = md5(file);
    // a READ that runs past the end: no data, Bulk-In STALLed, CHECK CONDITION, residue = all
    const past = await command(dev, cdb10(0x28, 63, 2), {in: 1024});
    expect(past.stalls).toEqual([IN]);
    expect(past.data.length).toBe(0);
    expect(past.csw).toMatchObject({status: CswStatus.FAILED, residue: 1024});
    expect(await sense(dev)).toBe('05/21/00');
    expect((await command(dev, cdb16(0x88, 2 ** 40, 1), {in: 512})).csw.status).toBe(CswStatus.FAILED);
    // WRITEs past the end: the data is accepted and discarded, the image unchanged
    for (const cb of [cdb10(0x2a, 64, 1), cdb10(0x2a, 60, 8), cdb12(0xaa, 0xffffffff, 1), cdb16(0x8a, 2 ** 50, 1)]) {
      const len = cb[0] === 0x2a && cb[5] === 60 ? 4096 : 512;
      const w = await command(dev, cb, {out: new Uint8Array(len).fill(0xab)});
      expect(w.csw).toMatchObject({status: CswStatus.FAILED, residue: len});
      expect(await sense(dev)).toBe('05/21/00');
    }
    expect(md5(file)).toBe(before);
  });

  it('a read-only image: the WP bit in MODE SENSE, WRITE fails with DATA PROTECT 07/27/00, the file unchanged', async () => {
    const {dev, file} = await stick('ro.img', true);
    const before = md5(file);
    const ms6 = await command(dev, Uint8Array.from([0x1a, 0, 0x3f, 0, 192, 0]), {in: 192});
    expect(ms6.csw).toMatchObject({status: 0, residue: 192 - ms6.data.length});
    expect(ms6.stalls).toEqual([IN]); // less data than asked: short packet, then Bulk-In STALLs before the CSW
    expect(ms6.data[0]).toBe(ms6.data.length - 1);
    expect(ms6.data[2]).toBe(0x80);
    const ms10 = await command(dev, Uint8Array.from([0x5a, 0, 0x08, 0, 0, 0, 0, 0, 255, 0]), {in: 255});
    expect(ms10.data[3]).toBe(0x80);
    expect(ms10.data[8]).toBe(0x08);
    const w = await command(dev, cdb10(0x2a, 0, 1), {out: new Uint8Array(512)});
    expect(w.csw.status).toBe(CswStatus.FAILED);
    expect(await sense(dev)).toBe('07/27/00');
    expect(md5(file)).toBe(before);
    const {dev: rw} = await stick('rw2.img');
    expect((await command(rw, Uint8Array.from([0x1a, 0, 0x3f, 0, 192, 0]), {in: 192})).data[2]).toBe(0);
  });

  it('unknown opcodes and LUNs fail with ILLEGAL REQUEST; REQUEST SENSE clears the sense', async () => {
    const {dev} = await stick('bad.img');
    expect((await command(dev, Uint8Array.from([0xc8, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).csw.status).toBe(CswStatus.FAILED);
    expect(await sense(dev)).toBe('05/20/00');
    expect(await sense(dev)).toBe('00/00/00');
    // MODE SELECT(6) with data: unknown here, its data accepted and discarded
    expect((await command(dev, Uint8Array.from([0x15, 0x10, 0, 0, 12, 0]), {out: new Uint8Array(12)})).csw).toMatchObject({status: 1, residue: 12});
    expect(await sense(dev)).toBe('05/20/00');
    const t = tag++;
    await dev.bulk(OUT, 31, commandBlockWrapper(t, 0, false, Uint8Array.from([0, 0, 0, 0, 0, 0]), 1));
    const csw = (await dev.bulk(IN, 13, new Uint8Array(0))).data!;
    expect(csw[12]).toBe(CswStatus.FAILED);
    expect(await sense(dev)).toBe('05/25/00');
  });
});

describe('emulated USB storage: Bulk-Only error handling', () => {
  it('phase errors: data where the host expects none (case 2), more than expected (7), opposite directions (8, 10)', async () => {
    const {dev, file} = await stick('phase.img');
    const before = md5(file);
    const inquiry = Uint8Array.from([0x12, 0, 0, 0, 36, 0]);
    expect((await command(dev, inquiry)).csw.status).toBe(CswStatus.PHASE_ERROR); // case 2
    const short = await command(dev, inquiry, {in: 20}); // case 7: the first 20 bytes, then phase error
    expect(short.data.length).toBe(20);
    expect(short.csw.status).toBe(CswStatus.PHASE_ERROR);
    const c8 = await command(dev, cdb10(0x2a, 0, 1), {in: 512}); // case 8: host reads, device would receive
    expect(c8.stalls).toEqual([IN]);
    expect(c8.csw.status).toBe(CswStatus.PHASE_ERROR);
    const c10 = await command(dev, cdb10(0x28, 0, 1), {out: new Uint8Array(512)}); // case 10
    expect(c10.stalls).toEqual([OUT]);
    expect(c10.csw.status).toBe(CswStatus.PHASE_ERROR);
    const c13 = await command(dev, cdb10(0x2a, 0, 2), {out: new Uint8Array(512).fill(1)}); // case 13: nothing written
    expect(c13.csw.status).toBe(CswStatus.PHASE_ERROR);
    const c3 = await command(dev, cdb10(0x2a, 0, 1)); // case 3
    expect(c3.csw.status).toBe(CswStatus.PHASE_ERROR);
    expect(md5(file)).toBe(before);
    // case 11: the host sends more than the command writes: the command's blocks land, the rest is discarded
    const c11 = await command(dev, cdb10(0x2a, 1, 1), {out: new Uint8Array(1024).fill(9)});
    expect(c11.csw).toMatchObject({status: CswStatus.PASSED, residue: 512});
    const img = readFileSync(file);
    expect([img[512], img[1023], img[1024]]).toEqual([9, 9, 2]);
  });

  it('an invalid CBW STALLs both pipes until Reset Recovery (Mass Storage Reset, then CLEAR_FEATURE on both)', async () => {
    const {dev} = await stick('reset.img');
    const bad = commandBlockWrapper(tag++, 0, false, Uint8Array.from([0, 0, 0, 0, 0, 0]));
    bad[3] = 0x44; // signature "USBD"
    expect((await dev.bulk(OUT, 31, bad)).status).toBe(UsbredirStatus.SUCCESS);
    expect((await dev.bulk(IN, 13, new Uint8Array(0))).status).toBe(UsbredirStatus.STALL);
    expect([...control(dev, 0x82, 0, 0, IN, 2).data!]).toEqual([1, 0]); // GET_STATUS: halted
    control(dev, 0x02, 1, 0, IN, 0);
    expect((await dev.bulk(IN, 13, new Uint8Array(0))).status).toBe(UsbredirStatus.STALL); // still, until the reset
    expect((await dev.bulk(OUT, 31, commandBlockWrapper(tag++, 0, false, new Uint8Array(6)))).status).toBe(UsbredirStatus.STALL);
    expect(control(dev, 0x21, 0xff, 0, 0, 0).status).toBe(UsbredirStatus.SUCCESS);
    expect((await dev.bulk(IN, 13, new Uint8Array(0))).status).toBe(UsbredirStatus.STALL); // halts survive the reset
    control(dev, 0x02, 1, 0, IN, 0);
    control(dev, 0x02, 1, 0, OUT, 0);
    expect([...control(dev, 0x82, 0, 0, IN, 2).data!]).toEqual([0, 0]);
    expect((await command(dev, Uint8Array.from([0, 0, 0, 0, 0, 0]))).csw.status).toBe(CswStatus.PASSED);
    // a CBW of the wrong size is invalid too
    expect((await dev.bulk(OUT, 30, new Uint8Array(30))).status).toBe(UsbredirStatus.SUCCESS);
    expect((await dev.bulk(IN, 13, new Uint8Array(0))).status).toBe(UsbredirStatus.STALL);
    dev.reset(); // a USB port reset clears everything
    expect((await command(dev, Uint8Array.from([0, 0, 0, 0, 0, 0]))).csw.status).toBe(CswStatus.PASSED);
  });

  it('a data-in phase split over several Bulk-In requests, and a Bulk-In with no command STALLs', async () => {
    const {dev} = await stick('split.img');
    expect((await dev.bulk(IN, 13, new Uint8Array(0))).status).toBe(UsbredirStatus.STALL);
    control(dev, 0x02, 1, 0, IN, 0);
    await dev.bulk(OUT, 31, commandBlockWrapper(tag++, 2048, true, cdb10(0x28, 4, 4)));
    const parts: number[] = [];
    for (let i = 0; i < 4; i++) parts.push((await dev.bulk(IN, 512, new Uint8Array(0))).data![0]!);
    expect(parts).toEqual([4, 5, 6, 7]);
    const csw = (await dev.bulk(IN, 13, new Uint8Array(0))).data!;
    expect([csw[8], csw[12]]).toEqual([0, 0]);
  });
});

describe('storage images', () => {
  it('--emulate storage:IMAGE[:ro] parses; other emulations are usage errors', () => {
    expect(parseEmulation('storage:disk.img')).toEqual({emulate: 'storage', image: 'disk.img', readOnly: false});
    expect(parseEmulation('storage:/a:b/disk.img:ro')).toEqual({emulate: 'storage', image: '/a:b/disk.img', readOnly: true});
    expect(parseEmulation('storage:disk.img:rw')).toEqual({emulate: 'storage', image: 'disk.img', readOnly: false});
    for (const bad of ['storage', 'storage:', 'storage::ro', 'keyboard:x', 'disk.img']) expect(() => parseEmulation(bad)).toThrow(/cannot emulate .*storage:IMAGE\[:ro\]/);
  });

  it('are checked before use: missing, a folder, under one block; the tail past the last whole block is ignored', async () => {
    await expect(checkDiskImage(path.join(dir, 'none.img'), false)).rejects.toThrow(/storage image .*none\.img: no such file or folder/);
    mkdirSync(path.join(dir, 'folder.img'));
    await expect(checkDiskImage(path.join(dir, 'folder.img'), true)).rejects.toThrow(/not a regular file/);
    writeFileSync(path.join(dir, 'tiny.img'), Buffer.alloc(100));
    await expect(checkDiskImage(path.join(dir, 'tiny.img'), true)).rejects.toMatchObject({kind: 'usage', message: expect.stringMatching(/100 bytes is less than one 512-byte block/)});
    const info = await checkDiskImage(makeImage('tail.img', 300), false);
    expect(info).toMatchObject({blocks: 64, ignoredTailBytes: 300, readOnly: false});
  });
});

/** A usbredir channel whose other end is a usb-guest codec (as QEMU's usb-redir would be). */
class GuestPipe implements UsbredirPipe {
  readonly name = 'usbredir:0';
  consumer?: SpicevmcConsumer;
  readonly fromHost: UsbredirPacket[] = [];
  readonly guest = new UsbredirCodec('guest', Object.values(C), 'qemu usb-redir guest 7.2.0');
  attach(consumer: SpicevmcConsumer): void {
    this.consumer = consumer;
  }
  write(bytes: Uint8Array): void {
    this.fromHost.push(...this.guest.feed(bytes));
  }
  send(bytes: Uint8Array): void {
    this.consumer!({type: DataCompressionType.NONE, data: bytes});
  }
  bulk(id: bigint, endpoint: number, length: number, data: Uint8Array = new Uint8Array(0)): void {
    this.send(this.guest.encode(P.BULK_PACKET, {endpoint, status: 0, stream_id: 0, ...splitBulkLength(length), data}, id));
  }
}

async function hostFor(dev: ConstructorParameters<typeof UsbDeviceHost>[1]) {
  const pipe = new GuestPipe();
  const opening = UsbredirConnection.open(pipe, {timeoutMs: 1000});
  pipe.send(pipe.guest.hello());
  const host = new UsbDeviceHost(await opening, dev);
  host.attach();
  return {pipe, host};
}

const settle = async (pipe: GuestPipe, n: number) => {
  for (let i = 0; i < 100 && pipe.fromHost.length < n; i++) await new Promise((r) => setTimeout(r, 5));
};

describe('emulated USB storage through UsbDeviceHost (usbredir packets)', () => {
  it('a READ(10) as bulk packets: CBW out, data in, CSW in, each reply with its id', async () => {
    const {dev} = await stick('host.img');
    const {pipe} = await hostFor(dev);
    expect(pipe.fromHost.map((p) => p.def.name)).toEqual(['hello', 'interface_info', 'ep_info', 'device_connect']);
    expect(pipe.fromHost[3]!.value).toMatchObject({vendor_id: 0x1209, product_id: 0x0001, speed: 2});
    pipe.bulk(10n, OUT, 31, commandBlockWrapper(77, 1024, true, cdb10(0x28, 2, 2)));
    pipe.bulk(11n, IN, 1024);
    pipe.bulk(12n, IN, 13);
    await settle(pipe, 7);
    const replies = pipe.fromHost.slice(4) as UsbredirPacket<{status: number; endpoint: number; data: Uint8Array}>[];
    expect(replies.map((p) => [p.id, p.value.endpoint, p.value.status, p.value.data.length])).toEqual([
      [10n, OUT, 0, 0],
      [11n, IN, 0, 1024],
      [12n, IN, 0, 13],
    ]);
    expect([replies[1]!.value.data[0], replies[1]!.value.data[1023]]).toEqual([2, 3]);
    expect(Buffer.from(replies[2]!.value.data).readUInt32LE(4)).toBe(77);
  });

  it('a device handler that throws gets its transfer answered with status ioerror', async () => {
    const {dev} = await stick('throws.img');
    const failing = Object.assign(Object.create(dev) as UsbMassStorage, {
      bulk: () => Promise.reject(new Error('boom')),
      control: () => {
        throw new Error('boom');
      },
    });
    const {pipe, host} = await hostFor(failing);
    const errors: unknown[] = [];
    host.on('device-error', (e) => errors.push(e));
    pipe.bulk(20n, IN, 13);
    pipe.send(pipe.guest.encode(P.CONTROL_PACKET, {endpoint: 0x80, request: 6, requesttype: 0x80, status: 0, value: 0x100, index: 0, length: 18, data: new Uint8Array(0)}, 21n));
    await settle(pipe, 6);
    expect(pipe.fromHost.slice(4).map((p) => [p.def.name, p.id, (p.value as {status: number}).status])).toEqual([
      ['bulk_packet', 20n, UsbredirStatus.IOERROR],
      ['control_packet', 21n, UsbredirStatus.IOERROR],
    ]);
    expect(errors).toHaveLength(2);
  });
});
