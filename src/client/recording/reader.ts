/** Reads a .spicerec file (see format.ts), checking every length against the file. */
import {readFileSync} from 'node:fs';
import {SpiceError} from '../errors.js';
import {RECORD_HEADER_SIZE, RECORDING_MAGIC, RECORDING_VERSION, type RecordedMessage, type RecordingHeader} from './format.js';

export interface Recording {
  header: RecordingHeader;
  messages: RecordedMessage[];
}

export function readRecording(path: string): Recording {
  return parseRecording(readFileSync(path), path);
}

export function parseRecording(buf: Buffer, name = 'recording'): Recording {
  const bad = (why: string) => new SpiceError('usage', `${name}: not a valid spice-cli recording: ${why}`);
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== RECORDING_MAGIC) throw bad('missing SPICEREC magic');
  const version = buf.readUInt32LE(8);
  if (version !== RECORDING_VERSION) throw bad(`version ${version} (this spice-cli reads version ${RECORDING_VERSION})`);
  const hlen = buf.readUInt32LE(12);
  if (16 + hlen > buf.length) throw bad('truncated header');
  let header: RecordingHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + hlen));
  } catch (e) {
    throw bad(`header is not JSON (${(e as Error).message})`);
  }
  const messages: RecordedMessage[] = [];
  let pos = 16 + hlen;
  while (pos < buf.length) {
    if (pos + RECORD_HEADER_SIZE > buf.length) throw bad(`truncated record at byte ${pos}`);
    const len = buf.readUInt32LE(pos + 14);
    const start = pos + RECORD_HEADER_SIZE;
    if (start + len > buf.length) throw bad(`record at byte ${pos} runs past the end`);
    messages.push({
      dir: buf.readUInt8(pos) === 0 ? 'in' : 'out',
      channelType: buf.readUInt8(pos + 1),
      channelId: buf.readUInt8(pos + 2),
      timeUs: Number(buf.readBigUInt64LE(pos + 4)),
      type: buf.readUInt16LE(pos + 12),
      body: new Uint8Array(buf.buffer, buf.byteOffset + start, len),
    });
    pos = start + len;
  }
  return {header, messages};
}
