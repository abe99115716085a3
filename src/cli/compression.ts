/** The --compression flag of commands that render the display, and what it asks the server for. */
import {Flags} from '@oclif/core';
import {ImageCompression} from '../client/wire/enums.js';
import type {SessionOptions} from '../client/session.js';

type DisplayOptions = NonNullable<SessionOptions['display']>;

export const COMPRESSIONS = ['auto', 'server', 'quic', 'lz', 'glz', 'lz4', 'off'] as const;
export type CompressionChoice = (typeof COMPRESSIONS)[number];

export const compressionFlag = Flags.string({
  description: 'Image compression to ask the server for (PREFERRED_COMPRESSION): auto (what decodes fastest here), server (its own setting), quic, lz, glz, lz4, off.',
  options: [...COMPRESSIONS],
  default: 'auto',
});

/**
 * `auto` asks for LZ, what decodes fastest here (npm run bench, medians on the recordings: LZ 670–1100 Mpx/s,
 * LZ4 ~770, QUIC ~260, GLZ ~190); it also avoids GLZ's cross-channel waits.
 */
export function preferredCompression(choice: string | undefined): DisplayOptions {
  switch (choice as CompressionChoice) {
    case 'server':
      return {};
    case 'quic':
      return {preferredCompression: ImageCompression.QUIC};
    case 'lz':
      return {preferredCompression: ImageCompression.LZ};
    case 'glz':
      return {preferredCompression: ImageCompression.GLZ};
    case 'lz4':
      return {preferredCompression: ImageCompression.LZ4};
    case 'off':
      return {preferredCompression: ImageCompression.OFF};
    default:
      return {preferredCompression: ImageCompression.LZ};
  }
}
