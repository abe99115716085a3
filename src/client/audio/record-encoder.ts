/**
 * How the record stream's packets are encoded: the data mode (an AudioDataMode, announced in RECORD MODE) and a
 * per-packet encode function. The mode is chosen at every record START from the user's --codec and what the
 * server offers (record cap OPUS, 2) — as spice-gtk's spice_record_desired_mode does — so an Opus encoder
 * slots in beside the raw one. Raw only for now: we do not announce the OPUS cap, so servers expect raw.
 */
import {SpiceError} from '../errors.js';
import {AudioDataMode} from '../wire/enums.js';
import type {PcmFormat} from './format.js';

/** `--codec` of `audio send`: raw PCM, or auto (the best both sides have: raw until Opus is encoded). */
export const RECORD_CODECS = ['raw', 'auto'] as const;
export type RecordCodecChoice = (typeof RECORD_CODECS)[number];

/**
 * Frames per packet: 480, spice-common's SND_CODEC_MAX_FRAME_SIZE (= its Opus frame), which spice-gtk's
 * channel-record.c cuts raw data into too (10 ms at 48 kHz).
 */
export const RECORD_PACKET_FRAMES = 480;

/** The rates spice-common's Opus codec takes (snd_codec_is_capable). */
export const OPUS_RATES: readonly number[] = [48000, 24000, 16000, 12000, 8000];

export interface RecordEncoder {
  /** The AudioDataMode sent in RECORD MODE. */
  mode: number;
  name: 'raw' | 'opus';
  /** Frames per packet (per channel). */
  packetFrames: number;
  /** One packet of interleaved S16 frames (packetFrames of them, fewer for the last) → the DATA payload. */
  encode(pcm: Int16Array): Uint8Array;
  close(): void;
}

/** RAW: the S16LE samples as they are. */
export function rawEncoder(): RecordEncoder {
  return {
    mode: AudioDataMode.RAW,
    name: 'raw',
    packetFrames: RECORD_PACKET_FRAMES,
    encode: (pcm) => new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength),
    close: () => undefined,
  };
}

export interface EncoderChoice {
  codec: RecordCodecChoice;
  /** Both sides announced record cap OPUS. */
  opusCap: boolean;
  format: PcmFormat;
}

/** The mode to send in: Opus when asked for (auto) and both sides have it at this rate, else raw. */
export function chooseRecordMode(c: EncoderChoice): 'raw' | 'opus' {
  if (c.codec === 'raw') return 'raw';
  return c.opusCap && OPUS_RATES.includes(c.format.rate) ? 'opus' : 'raw';
}

export function createRecordEncoder(c: EncoderChoice): RecordEncoder {
  const mode = chooseRecordMode(c);
  if (mode === 'raw') return rawEncoder();
  // Unreachable while the OPUS record cap is not announced (channels/advertised-caps.ts).
  throw new SpiceError('protocol', 'Opus recording is not implemented yet');
}
