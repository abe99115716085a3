/**
 * The playback channel (protocol map §8): what the guest plays. A thin channel, like the cursor channel: its
 * messages (MODE, START, DATA, STOP, VOLUME, MUTE, LATENCY) go, in order, to the consumer the session sets, the
 * PlaybackStream (audio/playback-stream.ts), which keeps the stream's state and hands out the samples.
 * No client messages of its own. The caps we announce (channels/advertised-caps.ts: VOLUME, LATENCY, and OPUS when
 * the session's audio options ask for it; never CELT) decide the server's data mode: without OPUS it sends
 * SPICE_AUDIO_DATA_MODE_RAW.
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

  /** The session's multimedia clock now (main channel, extrapolated); undefined before INIT. */
  mmTime(): number | undefined {
    return this.main()?.currentMmTime?.();
  }

  /** Sets the session's multimedia clock (the stream does while audio plays, as spice-gtk). */
  setMmTime(ms: number): void {
    this.main()?.setMmTime?.(ms);
  }

  private main(): {currentMmTime?: () => number | undefined; setMmTime?: (ms: number) => void} | undefined {
    return this.ctx.findChannel(ChannelType.MAIN, 0) as {currentMmTime?: () => number | undefined; setMmTime?: (ms: number) => void} | undefined;
  }
}
