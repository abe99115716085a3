/**
 * Replays the display messages of a recording through the display layer, offline: the same decoders and
 * canvas as a live session, message for message in recorded order per channel. Used by tests (pixels
 * against spice-gtk's screenshot of the same moment) and benchmarks.
 */
import {subMessages} from '../wire/sub-messages.js';
import {GLZ_WINDOW_BYTES} from '../codecs/glz-window.js';
import {silentLogger, type Logger} from '../log.js';
import {ChannelType} from '../wire/enums.js';
import {decode} from '../wire/schema.js';
import {CommonServer} from '../wire/messages/common.js';
import {serverMessage} from '../wire/messages/index.js';
import {DisplayRenderer, SharedDisplayState} from '../display/renderer.js';
import type {Recording} from './reader.js';

export interface DisplayReplay {
  renderers: Map<number, DisplayRenderer>;
  messages: number;
}

export async function replayDisplay(rec: Recording, opts: {logger?: Logger; timeoutMs?: number} = {}): Promise<DisplayReplay> {
  const shared = new SharedDisplayState({glzWindowPixels: GLZ_WINDOW_BYTES / 4, timeoutMs: opts.timeoutMs ?? 5000});
  const renderers = new Map<number, DisplayRenderer>();
  const queues = new Map<number, Array<{type: number; body: Uint8Array}>>();
  for (const m of rec.messages) {
    if (m.dir !== 'in' || m.channelType !== ChannelType.DISPLAY) continue;
    let q = queues.get(m.channelId);
    if (!q) {
      queues.set(m.channelId, (q = []));
      renderers.set(m.channelId, new DisplayRenderer(m.channelId, shared, opts.logger ?? silentLogger));
    }
    const parts = m.type === CommonServer.LIST.type ? subMessages(m.body, 0) : [{type: m.type, body: m.body}];
    for (const p of parts) if (p.type >= 100) q.push(p); // base messages (ACK, PING...) do not draw
  }
  let messages = 0;
  // Each channel's messages in order, the channels side by side (as live: GLZ and cache lookups may wait on another channel).
  await Promise.all(
    [...queues].map(async ([id, q]) => {
      const r = renderers.get(id)!;
      for (const p of q) {
        const def = serverMessage(ChannelType.DISPLAY, p.type);
        if (!def) continue;
        await r.handle(def, decode(def.schema, p.body));
        messages++;
      }
    }),
  );
  return {renderers, messages};
}
