/**
 * Every JPEG payload in the recordings: JPEG and JPEG_ALPHA images anywhere in a display message (the
 * decoded message is walked for SpiceImage descriptors) and MJPEG frames of STREAM_DATA / STREAM_DATA_SIZED.
 */
import {join} from 'node:path';
import {subMessages} from '../../src/client/wire/sub-messages.js';
import {readRecording} from '../../src/client/recording/reader.js';
import {ChannelType, ImageType} from '../../src/client/wire/enums.js';
import {decode} from '../../src/client/wire/schema.js';
import {CommonServer} from '../../src/client/wire/messages/common.js';
import {DisplayServer} from '../../src/client/wire/messages/display.js';
import {serverMessage} from '../../src/client/wire/messages/index.js';

export const RECORDINGS_DIR = join(import.meta.dirname, '..', '..', 'recordings');

export interface JpegPayload {
  /** e.g. "xspice-stream #12 STREAM_DATA". */
  name: string;
  kind: 'image' | 'frame';
  data: Uint8Array;
}

function walk(v: unknown, out: Uint8Array[], seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || seen.has(v) || v instanceof Uint8Array) return;
  seen.add(v);
  const o = v as Record<string, any>;
  const t = o.descriptor?.type;
  if (t === ImageType.JPEG && o.jpeg) out.push(o.jpeg.data);
  else if (t === ImageType.JPEG_ALPHA && o.jpeg_alpha) out.push(o.jpeg_alpha.data.subarray(0, o.jpeg_alpha.jpeg_size));
  for (const k of Object.keys(o)) walk(o[k], out, seen);
}

/** The JPEG payloads of one recording (file name without .spicerec), in message order. */
export function jpegPayloads(recording: string): JpegPayload[] {
  const rec = readRecording(join(RECORDINGS_DIR, `${recording}.spicerec`));
  const out: JpegPayload[] = [];
  let n = 0;
  for (const m of rec.messages) {
    if (m.dir !== 'in' || m.channelType !== ChannelType.DISPLAY) continue;
    const parts = m.type === CommonServer.LIST.type ? subMessages(m.body, 0) : [{type: m.type, body: m.body}];
    for (const p of parts) {
      const def = serverMessage(ChannelType.DISPLAY, p.type);
      if (!def || p.type < 100) continue;
      n++;
      const msg: any = decode(def.schema, p.body);
      if (def === DisplayServer.STREAM_DATA || def === DisplayServer.STREAM_DATA_SIZED) {
        out.push({name: `${recording} msg ${n} ${def.name}`, kind: 'frame', data: msg.data});
        continue;
      }
      const images: Uint8Array[] = [];
      walk(msg, images, new Set());
      images.forEach((data, i) => out.push({name: `${recording} msg ${n} ${def.name} image ${i}`, kind: 'image', data}));
    }
  }
  return out;
}
