/**
 * The cursor channel (protocol map §7): a thin channel. Its messages go, in order, to the consumer the
 * session sets: the CursorLayer (display/cursor.ts) keeps the cache, shape, position and visibility.
 */
import type {MessageConsumer, MessageDef} from '../wire/message.js';
import {Channel} from './channel.js';

export class CursorChannel extends Channel {
  // spice-server's worker sends the first messages once it has the channel (see Channel.greetsOnLink).
  protected override readonly greetsOnLink = true;
  /** Receives every cursor message in order (the session's CursorLayer). */
  consumer?: MessageConsumer;

  protected override onMessage(def: MessageDef, value: unknown, body: Uint8Array): void | Promise<void> {
    return this.consumer ? this.consumer(def, value) : super.onMessage(def, value, body);
  }
}
