/**
 * The capabilities spice-cli advertises, per channel type. A cap goes here only once it is implemented
 * and tested: the server (and through it the guest driver) changes what it sends according to these.
 */
import {CommonCap, DisplayCap, InputsCap, MainCap, PlaybackCap, RecordCap, SpicevmcCap} from '../wire/caps.js';
import {ChannelType} from '../wire/enums.js';
import type {AudioOptions} from './channel.js';

/** Auth selection and the 6-byte mini header. Not AUTH_SASL: SASL is not implemented. */
export const COMMON_CAPS: number[] = [CommonCap.PROTOCOL_AUTH_SELECTION, CommonCap.AUTH_SPICE, CommonCap.MINI_HEADER];

const perChannel: Record<number, number[]> = {
  // NAME/UUID and the tokens-with-connect message are handled in channels/main.ts; no migration caps.
  [ChannelType.MAIN]: [MainCap.NAME_AND_UUID, MainCap.AGENT_CONNECTED_TOKENS],
  // KEY_SCANCODE (raw set-1 bytes, used for Pause): channels/inputs.ts, tested in test/input.
  [ChannelType.INPUTS]: [InputsCap.KEY_SCANCODE],
  // MONITORS_CONFIG (heads, display/renderer.ts), PREFERRED_COMPRESSION (channels/display.ts) and LZ4 images
  // (codecs/lz4.ts): screenshots pixel-exact with spice-gtk in test/display. COMPOSITE and A8_SURFACE: the
  // canvas draws them exactly as spice-common's canvas (test/display/oracle.test.ts, recorded reference
  // results); Xspice's driver never emits them (qxl_uxa.c), only the legacy non-KMS driver on a real QXL.
  // Video streams (display/streams.ts; test/display/streams*.test.ts): MJPEG frames, STREAM_DATA_SIZED and
  // STREAM_REPORT. CODEC_MJPEG only matters with MULTI_CODEC, which is not advertised (MJPEG is all we decode).
  [ChannelType.DISPLAY]: [
    DisplayCap.MONITORS_CONFIG,
    DisplayCap.COMPOSITE,
    DisplayCap.A8_SURFACE,
    DisplayCap.PREF_COMPRESSION,
    DisplayCap.LZ4_COMPRESSION,
    DisplayCap.SIZED_STREAM,
    DisplayCap.STREAM_REPORT,
    DisplayCap.CODEC_MJPEG,
  ],
  // VOLUME: the server's record VOLUME and MUTE are kept and reported (audio/record-stream.ts, test/audio/record-channel).
  // OPUS only when the session asks for it (audio.recordOpus: audio/record-encoder.ts; test/audio/send-qemu.test.ts);
  // never the deprecated CELT_0_5_1.
  [ChannelType.RECORD]: [RecordCap.VOLUME],
  // VOLUME (VOLUME, MUTE) and LATENCY: kept and reported by audio/playback-stream.ts, tested in test/audio.
  // OPUS only when the session asks for it (audio.opus; test/audio/opus-xspice.test.ts); CELT_0_5_1 never.
  [ChannelType.PLAYBACK]: [PlaybackCap.VOLUME, PlaybackCap.LATENCY],
  // DATA_COMPRESS_LZ4 on usbredir channels: COMPRESSED_DATA is decoded by usb/spicevmc-data.ts (codecs/lz4.ts) and
  // counted per slot (`usb redirect --json`'s `received`); test/usb/storage-qemu.test.ts has spice-server compress
  // the guest's writes. We still send only DATA (spice-server decodes LZ4 from us too, but it is not needed).
  [ChannelType.USBREDIR]: [SpicevmcCap.DATA_COMPRESS_LZ4],
};

/** The channel caps to announce; `audio` adds playback OPUS and record OPUS when asked. */
export function advertisedCaps(channelType: number, options: {audio?: AudioOptions} = {}): number[] {
  const caps = perChannel[channelType] ?? [];
  if (channelType === ChannelType.PLAYBACK && options.audio?.opus) return [...caps, PlaybackCap.OPUS];
  if (channelType === ChannelType.RECORD && options.audio?.recordOpus) return [...caps, RecordCap.OPUS];
  return caps;
}
