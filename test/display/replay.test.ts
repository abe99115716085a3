/**
 * The strongest check of the canvas: replaying the display traffic of a real Xspice session that sent
 * uncompressed images (recordings/xspice-off.spicerec: SURFACE_CREATE, DRAW_FILL, DRAW_COPY of BITMAP,
 * FROM_CACHE and SURFACE images, COPY_BITS) through the canvas ops ends on the very pixels that
 * spicy-screenshot (spice-gtk) saved at the end of that session (recordings/xspice-off.png).
 */
import {join} from 'node:path';
import sharp from 'sharp';
import {describe, expect, it} from 'vitest';
import {subMessages} from '../../src/client/channels/channel.js';
import type {Pixels} from '../../src/client/codecs/pixels.js';
import {copy} from '../../src/client/display/copy.js';
import {copyBits} from '../../src/client/display/copy-bits.js';
import {fill} from '../../src/client/display/fill.js';
import {createSurface, type Surface, surfaceToRgba} from '../../src/client/display/surface.js';
import type {Brush, Rect, Source} from '../../src/client/display/types.js';
import {readRecording} from '../../src/client/recording/reader.js';
import {BitmapFlags, BitmapFmt, BrushType, ChannelType, ImageFlags, ImageType} from '../../src/client/wire/enums.js';
import {decode} from '../../src/client/wire/layout.js';
import {serverMessage} from '../../src/client/wire/messages/index.js';

const recordings = join(import.meta.dirname, '..', '..', 'recordings');

/** 32BIT and RGBA bitmaps only (all this recording holds): raw little-endian 0xAARRGGBB rows. */
function bitmapPixels(b: {format: number; flags: number; x: number; y: number; stride: number; data: Uint8Array}): Pixels {
  if (b.format !== BitmapFmt['32BIT'] && b.format !== BitmapFmt.RGBA) throw new Error(`bitmap format ${b.format} not handled by this test`);
  const data = new Uint32Array(b.x * b.y);
  const view = new DataView(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  const topDown = (b.flags & BitmapFlags.TOP_DOWN) !== 0;
  for (let y = 0; y < b.y; y++) {
    const row = (topDown ? y : b.y - 1 - y) * b.stride;
    for (let x = 0; x < b.x; x++) data[y * b.x + x] = view.getUint32(row + x * 4, true);
  }
  return {width: b.x, height: b.y, format: b.format === BitmapFmt.RGBA ? 'argb' : 'xrgb', data};
}

interface Replay {
  surfaces: Map<number, Surface>;
  counts: Map<string, number>;
}

function replay(file: string): Replay {
  const rec = readRecording(join(recordings, file));
  const surfaces = new Map<number, Surface>();
  const cache = new Map<bigint, Pixels>();
  const counts = new Map<string, number>();
  const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  const clipOf = (c: {type: number; rects?: {rects: Rect[]}}) => (c.type === 1 ? c.rects!.rects : null);

  const image = (img: any): Source => {
    const d = img.descriptor;
    let src: Source;
    switch (d.type) {
      case ImageType.BITMAP:
        src = bitmapPixels(img.bitmap);
        break;
      case ImageType.FROM_CACHE: {
        const hit = cache.get(d.id);
        if (!hit) throw new Error(`image ${d.id} not in the cache`);
        src = hit;
        break;
      }
      case ImageType.SURFACE: {
        const s = surfaces.get(img.surface.surface_id);
        if (!s) throw new Error(`no surface ${img.surface.surface_id}`);
        return s;
      }
      default:
        throw new Error(`image type ${d.type} not handled by this test`);
    }
    if (d.flags & ImageFlags.CACHE_ME) cache.set(d.id, src as Pixels);
    return src;
  };
  const brush = (b: any): Brush =>
    b.type === BrushType.SOLID ? {type: 'solid', color: b.color} : b.type === BrushType.NONE ? {type: 'none'} : {type: 'pattern', pixels: image(b.pattern.pat), pos: b.pattern.pos};

  const handle = (type: number, body: Uint8Array): void => {
    if (type === 8) {
      for (const sub of subMessages(body, 0)) handle(sub.type, sub.body);
      return;
    }
    const def = serverMessage(ChannelType.DISPLAY, type);
    if (!def) return;
    const v: any = decode(def.layout, body);
    count(def.name);
    switch (def.name) {
      case 'SURFACE_CREATE':
        surfaces.set(v.surface_id, createSurface(v.surface_id, v.width, v.height, v.format));
        break;
      case 'SURFACE_DESTROY':
        surfaces.delete(v.surface_id);
        break;
      case 'DRAW_FILL': {
        const dst = surfaces.get(v.base.surface_id)!;
        expect(v.data.mask.bitmap).toBeNull();
        fill(dst, v.base.box, clipOf(v.base.clip), brush(v.data.brush), v.data.rop_descriptor, null);
        break;
      }
      case 'DRAW_COPY': {
        const dst = surfaces.get(v.base.surface_id)!;
        expect(v.data.mask.bitmap).toBeNull();
        copy(dst, v.base.box, clipOf(v.base.clip), image(v.data.src_bitmap), v.data.src_area, v.data.rop_descriptor, v.data.scale_mode, null);
        break;
      }
      case 'COPY_BITS':
        copyBits(surfaces.get(v.base.surface_id)!, v.base.box, clipOf(v.base.clip), v.src_pos);
        break;
    }
  };
  for (const m of rec.messages) if (m.dir === 'in' && m.channelType === ChannelType.DISPLAY) handle(m.type, m.body);
  return {surfaces, counts};
}

async function png(file: string): Promise<{width: number; height: number; channels: number; data: Buffer}> {
  const {data, info} = await sharp(join(recordings, file)).raw().toBuffer({resolveWithObject: true});
  return {width: info.width, height: info.height, channels: info.channels, data};
}

describe('replay of recordings/xspice-off.spicerec', () => {
  it('ends on the pixels spice-gtk showed (xspice-off.png), pixel for pixel', async () => {
    const {surfaces, counts} = replay('xspice-off.spicerec');
    // The session drew with every op this test claims to cover.
    for (const op of ['SURFACE_CREATE', 'DRAW_FILL', 'DRAW_COPY', 'COPY_BITS']) expect(counts.get(op) ?? 0, op).toBeGreaterThan(0);
    const primary = surfaces.get(0)!;
    const ours = surfaceToRgba(primary);
    const ref = await png('xspice-off.png');
    expect([ref.width, ref.height]).toEqual([primary.width, primary.height]);
    let diff = 0;
    let first = '';
    for (let i = 0, j = 0; i < ref.width * ref.height; i++, j += ref.channels) {
      const o = i * 4;
      if (ours.data[o] !== ref.data[j] || ours.data[o + 1] !== ref.data[j + 1] || ours.data[o + 2] !== ref.data[j + 2]) {
        if (!diff) first = `first at (${i % ref.width}, ${Math.floor(i / ref.width)})`;
        diff++;
      }
    }
    expect(`${diff} pixels differ ${first}`).toBe('0 pixels differ ');
  });
});
