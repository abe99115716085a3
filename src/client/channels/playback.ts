/**
 * The playback channel (protocol map §8): what the guest plays. A thin channel, like the cursor channel: its
 * messages (MODE, START, DATA, STOP, VOLUME, MUTE, LATENCY) go, in order, to the consumer the session sets, the
 * PlaybackStream (audio/playback-stream.ts), which keeps the stream's state and hands out the samples.
 * No client messages of its own. Which caps we announce (none yet: no OPUS, never CELT, no VOLUME or LATENCY)
 * decides the server's data mode: without OPUS it sends SPICE_AUDIO_DATA_MODE_RAW.
 */
import type {MessageConsumer, MessageDef} from '../wire/message.js';
import {ChannelType} from '../wire/enums.js';
import {Channel} from './channel.js';

export class PlaybackChannel extends Channel {
  /** Receives every playback message in order (the session's PlaybackStream). */
  consumer?: MessageConsumer;

  protected override onMessage(def: MessageDef, value: unknown, body: Uint8Array): void | Promise<void> {
    return this.consumer ? this.consumer(def, value) : super.onMessage(def, value, body);
  }

  /** The server's multimedia clock now (main channel MULTI_MEDIA_TIME, extrapolated); undefined before INIT. */
  mmTime(): number | undefined {
    const main = this.ctx.findChannel(ChannelType.MAIN, 0) as {currentMmTime?: () => number | undefined} | undefined;
    return main?.currentMmTime?.();
  }
}
