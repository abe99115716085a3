/**
 * How the record stream's packets are encoded: the data mode (an AudioDataMode, announced in RECORD MODE) and a
 * per-packet encode function. The mode is chosen at every record START from the user's --codec and what both
 * sides announced (record cap OPUS, 2), as spice-gtk's spice_record_desired_mode does.
 *
 * Opus framing is what spice-server 0.15's sound.cpp decodes: one Opus packet per RECORD DATA, decoded by
 * spice-common's snd_codec_decode into a buffer of SND_CODEC_MAX_FRAME_SIZE (480) stereo frames — a longer
 * packet fails to decode and the server drops the DATA — with a 2-channel decoder at the channel's rate. So:
 * 480 frames per packet, stereo only (spice-gtk's encoder is stereo too), and only at rates where 480 frames
 * is an Opus frame duration (48 kHz: 10 ms; 24 kHz: 20 ms; 12 kHz: 40 ms; 8 kHz: 60 ms; not 16 kHz: 30 ms).
 * The last, shorter packet is padded with silence to 480 frames (spice-gtk keeps a partial frame unsent).
 */
import {SpiceError} from '../errors.js';
import {AudioDataMode} from '../wire/enums.js';
import {describeFormat, type PcmFormat} from './format.js';
import type {OpusLibrary} from './opus.js';

/** `--codec` of `audio send`: raw PCM; Opus (an error where the server cannot take it); auto (Opus when offered). */
export const RECORD_CODECS = ['raw', 'opus', 'auto'] as const;
export type RecordCodecChoice = (typeof RECORD_CODECS)[number];

/**
 * Frames per Opus packet: 480, spice-common's SND_CODEC_MAX_FRAME_SIZE (= SND_CODEC_OPUS_FRAME_SIZE), the most
 * spice-server's decoder takes (10 ms at 48 kHz).
 */
export const RECORD_PACKET_FRAMES = 480;

/**
 * Frames per raw packet: 512 (10.7 ms at 48 kHz), a divisor of spice-server's record ring of 8192 frames
 * (sound.cpp RECORD_SAMPLES_SIZE, written from 0 at every START), so no packet straddles the ring's end.
 * spice-server 0.15's snd_record_handle_write copies the part of a packet after the wrap from `data + now`,
 * `now` counted in frames on a byte pointer: the wrong samples. With 480-frame packets (spice-gtk's) that
 * corrupts a few ms every 8192 frames (171 ms at 48 kHz); Opus packets cannot avoid it (480 frames at most).
 */
export const RAW_PACKET_FRAMES = 512;

/** The rates at which 480 frames make one Opus frame (see above). */
export const OPUS_RECORD_RATES: readonly number[] = [48000, 24000, 12000, 8000];

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
    packetFrames: RAW_PACKET_FRAMES,
    encode: (pcm) => new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength),
    close: () => undefined,
  };
}

/** OPUS: one 480-frame Opus packet per DATA (libopus defaults, as spice-common: OPUS_APPLICATION_AUDIO). */
export function opusEncoder(opus: OpusLibrary, format: PcmFormat): RecordEncoder {
  const encoder = opus.encoder(format.rate, format.channels);
  const padded = new Int16Array(RECORD_PACKET_FRAMES * format.channels);
  return {
    mode: AudioDataMode.OPUS,
    name: 'opus',
    packetFrames: RECORD_PACKET_FRAMES,
    encode: (pcm) => {
      let frame = pcm;
      if (pcm.length < padded.length) {
        padded.fill(0).set(pcm);
        frame = padded;
      }
      return encoder.encode(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    },
    close: () => encoder.close(),
  };
}

export interface EncoderChoice {
  codec: RecordCodecChoice;
  /** Both sides announced record cap OPUS. */
  opusCap: boolean;
  format: PcmFormat;
  /** The session's Opus library (loaded when it announced record cap OPUS). */
  opus?: OpusLibrary;
}

/** spice-server announces record cap OPUS when its record rate is one Opus takes (snd_set_rate) and it has Opus. */
export const NO_RECORD_OPUS_CAP = "the server's record channel has no OPUS cap (a spice-server built without Opus, or a record rate Opus does not take)";

/** Why this stream cannot be sent as Opus (undefined: it can). */
export function opusUnusable(c: Omit<EncoderChoice, 'codec'>): string | undefined {
  if (!c.opusCap || !c.opus) return NO_RECORD_OPUS_CAP;
  if (c.format.channels !== 2) return `spice-server decodes recorded Opus as stereo only; this record stream is ${describeFormat(c.format)}`;
  if (!OPUS_RECORD_RATES.includes(c.format.rate)) return `spice-server takes 480-frame Opus packets, an Opus frame only at ${OPUS_RECORD_RATES.join(', ')} Hz; this record stream is ${describeFormat(c.format)}`;
  return undefined;
}

/** The mode to send in: raw when asked; Opus when asked and possible (else a usage error); auto: Opus when possible. */
export function chooseRecordMode(c: EncoderChoice): 'raw' | 'opus' {
  if (c.codec === 'raw') return 'raw';
  const why = opusUnusable(c);
  if (why === undefined) return 'opus';
  if (c.codec === 'opus') throw new SpiceError('usage', `--codec opus: ${why}; use --codec auto or raw`);
  return 'raw';
}

export function createRecordEncoder(c: EncoderChoice): RecordEncoder {
  return chooseRecordMode(c) === 'opus' ? opusEncoder(c.opus!, c.format) : rawEncoder();
}
