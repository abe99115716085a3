/** Flags and inputs shared by `clipboard get|set` and `type --via-clipboard`. */
import {readFileSync} from 'node:fs';
import {Flags} from '@oclif/core';
import {SpiceError} from '../client/errors.js';
import {SELECTIONS, type SelectionName} from '../client/actions/clipboard.js';

export const selectionFlag = Flags.string({
  char: 's',
  description: 'Which selection: clipboard (Ctrl-C/Ctrl-V) or primary (the X selected text, middle click).',
  options: Object.keys(SELECTIONS),
  default: 'clipboard',
});

export function selectionOf(name: string): number {
  const s = SELECTIONS[name as SelectionName];
  if (s === undefined) throw new SpiceError('usage', `unknown selection "${name}" (clipboard or primary)`);
  return s;
}

export function readInput(path: string | number, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new SpiceError('usage', `cannot read ${what}: ${(e as Error).message}`);
  }
}

/** Bytes that must be UTF-8 text; a usage error names the first invalid offset. */
export function checkUtf8(buf: Buffer, what: string): Buffer {
  try {
    new TextDecoder('utf-8', {fatal: true}).decode(buf);
  } catch {
    throw new SpiceError('usage', `${what} is not UTF-8 text`);
  }
  return buf;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG file (checked with sharp, which must be able to decode it). */
export async function readPng(path: string): Promise<Buffer> {
  const buf = readInput(path, path);
  if (!buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new SpiceError('usage', `${path} is not a PNG image`);
  const sharp = (await import('sharp')).default;
  try {
    await sharp(buf).stats();
  } catch (e) {
    throw new SpiceError('usage', `${path} is not a readable PNG image: ${(e as Error).message}`);
  }
  return buf;
}
