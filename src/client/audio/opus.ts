/**
 * Opus (RFC 6716) through the `opusscript` package: libopus 1.4 compiled to WebAssembly, encoder and decoder in
 * one (why this package: ARCHITECTURE.md, "Opus"). Loaded on first use by loadOpus() (a dynamic import: the
 * sessions that never ask for Opus never load it); the WebAssembly module is instantiated synchronously by the
 * first coder made. PCM in and out is interleaved S16LE. SPICE sends one Opus packet per playback DATA in
 * SPICE_AUDIO_DATA_MODE_OPUS, 10 ms (480 frames at 48 kHz) each (spice-common snd_codec.c).
 */
import {SpiceError} from '../errors.js';

/** The rates libopus encodes and decodes at (a decoder outputs any of them, whatever the encoder's rate). */
export const OPUS_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];
/** The largest Opus packet opusscript takes (3 × 1276 bytes). */
const MAX_PACKET_BYTES = 3828;
/** OPUS_APPLICATION_AUDIO, what spice-common's encoder uses. */
const APPLICATION_AUDIO = 2049;

type OpusScriptClass = typeof import('opusscript');
type OpusScriptInstance = InstanceType<OpusScriptClass>;

export interface OpusLibrary {
  /** A decoder to interleaved S16LE at `rate` (one of OPUS_RATES) with `channels` (1 or 2). */
  decoder(rate: number, channels: number): OpusDecoder;
  encoder(rate: number, channels: number, options?: {bitrate?: number}): OpusEncoder;
}

let loading: Promise<OpusLibrary> | undefined;

/** Loads opusscript once (the first call imports it). */
export function loadOpus(): Promise<OpusLibrary> {
  loading ??= import('opusscript').then((m) => {
    const OpusScript = (m.default ?? m) as OpusScriptClass;
    return {
      decoder: (rate, channels) => new OpusDecoder(create(OpusScript, rate, channels), channels),
      encoder: (rate, channels, options) => {
        const codec = create(OpusScript, rate, channels);
        if (options?.bitrate) codec.setBitrate(options.bitrate);
        return new OpusEncoder(codec, channels);
      },
    };
  });
  return loading;
}

function create(OpusScript: OpusScriptClass, rate: number, channels: number): OpusScriptInstance {
  if (!OPUS_RATES.includes(rate)) throw new SpiceError('protocol', `Opus works at ${OPUS_RATES.join(', ')} Hz, not ${rate} Hz`);
  if (channels !== 1 && channels !== 2) throw new SpiceError('protocol', `Opus carries 1 or 2 channels here, not ${channels}`);
  return new OpusScript(rate as 48000, channels, APPLICATION_AUDIO, {wasm: true});
}

/** Holds WebAssembly memory: close() it when done. */
export class OpusDecoder {
  constructor(
    private codec: OpusScriptInstance | undefined,
    readonly channels: number,
  ) {}

  /** One Opus packet → interleaved S16LE (its frames; a protocol error for a packet libopus rejects). */
  decode(packet: Uint8Array): Uint8Array {
    const codec = this.live();
    if (packet.length > MAX_PACKET_BYTES) throw new SpiceError('protocol', `an Opus packet of ${packet.length} bytes (at most ${MAX_PACKET_BYTES})`);
    try {
      return codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.length));
    } catch (e) {
      throw new SpiceError('protocol', `undecodable Opus packet (${packet.length} bytes): ${(e as Error).message}`, {cause: e});
    }
  }

  close(): void {
    this.codec?.delete();
    this.codec = undefined;
  }

  private live(): OpusScriptInstance {
    if (!this.codec) throw new Error('internal error: the Opus decoder was closed');
    return this.codec;
  }
}

export class OpusEncoder {
  constructor(
    private codec: OpusScriptInstance | undefined,
    readonly channels: number,
  ) {}

  /** Interleaved S16LE of one Opus frame (2.5, 5, 10, 20, 40 or 60 ms) → one Opus packet. */
  encode(pcm: Uint8Array): Uint8Array {
    if (!this.codec) throw new Error('internal error: the Opus encoder was closed');
    const frames = pcm.length / (2 * this.channels);
    return this.codec.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.length), frames);
  }

  close(): void {
    this.codec?.delete();
    this.codec = undefined;
  }
}
