/**
 * Images a guest offers in another format than PNG (an X application copying image/bmp, image/tiff or
 * image/jpeg: spice-vdagent announces IMAGE_BMP, IMAGE_TIFF or IMAGE_JPG) come out of `clipboard get
 * --type image` as PNG with the same pixels: BMP (24-bit bottom-up and 32-bit top-down BI_BITFIELDS, written
 * here by hand) and TIFF exactly, JPEG as libjpeg (sharp) decodes the same file.
 */
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import sharp from 'sharp';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {runCli} from '../support/cli.js';
import {xclipIn} from './support.js';

const scratch = mkdtempSync(join(tmpdir(), 'spice-cli-clip-convert-'));
let t: LabTarget;
beforeAll(async () => {
  t = await startXspice({vdagent: true, clients: []});
});
afterAll(async () => {
  await t?.stop();
});

const W = 37;
const H = 23;
/** Opaque RGBA test pixels. */
function rgba(): Buffer {
  const out = Buffer.alloc(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    const x = i % W;
    const y = Math.floor(i / W);
    out.set([(x * 13) & 255, (y * 11) & 255, (x * y * 3) & 255, 255], i * 4);
  }
  return out;
}

/** BMP file, 24-bit BI_RGB, rows bottom-up padded to 4 bytes. */
function bmp24(px: Buffer): Buffer {
  const stride = Math.ceil((W * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + stride * H);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(W, 18);
  buf.writeInt32LE(H, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = (y * W + x) * 4;
      const d = 54 + (H - 1 - y) * stride + x * 3;
      buf[d] = px[s + 2]!;
      buf[d + 1] = px[s + 1]!;
      buf[d + 2] = px[s]!;
    }
  }
  return buf;
}

/** BMP file, 32-bit BI_BITFIELDS (masks after a 40-byte header), top-down (negative height). */
function bmp32(px: Buffer): Buffer {
  const off = 54 + 12;
  const buf = Buffer.alloc(off + W * H * 4);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(off, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(W, 18);
  buf.writeInt32LE(-H, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(32, 28);
  buf.writeUInt32LE(3, 30);
  buf.writeUInt32LE(0x00ff0000, 54);
  buf.writeUInt32LE(0x0000ff00, 58);
  buf.writeUInt32LE(0x000000ff, 62);
  for (let i = 0; i < W * H; i++) buf.writeUInt32LE(((px[i * 4]! << 16) | (px[i * 4 + 1]! << 8) | px[i * 4 + 2]!) >>> 0, off + i * 4);
  return buf;
}

async function getImage(): Promise<{json: any; pixels: Buffer; width: number; height: number}> {
  const out = join(scratch, `got-${Date.now()}.png`);
  const r = await runCli(['clipboard', 'get', '--uri', t.uri, '--type', 'image', '-o', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const file = readFileSync(out);
  const meta = await sharp(file).metadata();
  expect(meta.format).toBe('png');
  const {data, info} = await sharp(file).ensureAlpha().raw().toBuffer({resolveWithObject: true});
  return {json: JSON.parse(r.stdout), pixels: data, width: info.width, height: info.height};
}

describe('guest images in other formats → PNG', () => {
  const px = rgba();

  it('BMP 24-bit bottom-up: pixel-exact', async () => {
    xclipIn(t, 'clipboard', bmp24(px), 'image/bmp');
    const got = await getImage();
    expect(got.json).toMatchObject({ok: true, guestType: 'IMAGE_BMP'});
    expect([got.width, got.height]).toEqual([W, H]);
    expect(got.pixels.equals(px)).toBe(true);
  });

  it('BMP 32-bit BI_BITFIELDS top-down: pixel-exact', async () => {
    xclipIn(t, 'clipboard', bmp32(px), 'image/bmp');
    const got = await getImage();
    expect(got.json).toMatchObject({ok: true, guestType: 'IMAGE_BMP'});
    expect(got.pixels.equals(px)).toBe(true);
  });

  it('TIFF: pixel-exact', async () => {
    const tiff = await sharp(px, {raw: {width: W, height: H, channels: 4}}).tiff({compression: 'lzw'}).toBuffer();
    xclipIn(t, 'clipboard', tiff, 'image/tiff');
    const got = await getImage();
    expect(got.json).toMatchObject({ok: true, guestType: 'IMAGE_TIFF'});
    expect(got.pixels.equals(px)).toBe(true);
  });

  it('JPEG: the pixels libjpeg decodes from the same file', async () => {
    const jpeg = await sharp(px, {raw: {width: W, height: H, channels: 4}}).removeAlpha().jpeg({quality: 90}).toBuffer();
    const want = await sharp(jpeg).ensureAlpha().raw().toBuffer();
    xclipIn(t, 'clipboard', jpeg, 'image/jpeg');
    const got = await getImage();
    expect(got.json).toMatchObject({ok: true, guestType: 'IMAGE_JPG'});
    expect(got.pixels.equals(want)).toBe(true);
  });
});
