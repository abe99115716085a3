/**
 * A TCP proxy between spice-cli and a real SPICE server that can damage what the server sends after
 * the link, to check how the client takes malformed or truncated messages. It follows the link stage
 * (SpiceLinkHeader + reply, then the u32 link result) and then the 6-byte mini headers.
 */
import {createConnection, createServer, type Server, type Socket} from 'node:net';

export interface ServerMessage {
  channelType: number;
  /** Index of the message on its channel, from 0. */
  index: number;
  type: number;
  body: Buffer;
}

/** What to do with one server message: pass it on, replace the bytes sent, hold it back, or hang up. */
export type Mutation = {action: 'pass'} | {action: 'replace'; bytes: Buffer; thenClose?: boolean} | {action: 'drop'};
export type Mutator = (m: ServerMessage) => Mutation;

/** Rewrites a channel's SpiceLinkReply (the bytes after the 16-byte SpiceLinkHeader; same length). */
export type LinkReplyEditor = (channelType: number, reply: Buffer) => void;

export async function startMutatingProxy(upstreamPort: number, mutate: Mutator, opts: {linkReply?: LinkReplyEditor} = {}): Promise<{port: number; close: () => void}> {
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = createConnection({host: '127.0.0.1', port: upstreamPort});
    sockets.push(client, upstream);
    let channelType = -1;
    let clientBuf = Buffer.alloc(0);
    client.on('data', (d) => {
      if (channelType < 0) {
        clientBuf = Buffer.concat([clientBuf, d]);
        if (clientBuf.length >= 16 + 5) channelType = clientBuf.readUInt8(16 + 4);
      }
      upstream.write(d);
    });
    // Server → client: link reply, link result, then mini-header messages.
    let buf = Buffer.alloc(0);
    let stage: 'reply' | 'result' | 'messages' = 'reply';
    let index = 0;
    upstream.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (stage === 'reply') {
          if (buf.length < 16) return;
          const n = 16 + buf.readUInt32LE(12);
          if (buf.length < n) return;
          const whole = Buffer.from(buf.subarray(0, n));
          opts.linkReply?.(channelType, whole.subarray(16));
          client.write(whole);
          buf = buf.subarray(n);
          stage = 'result';
        } else if (stage === 'result') {
          if (buf.length < 4) return;
          client.write(buf.subarray(0, 4));
          buf = buf.subarray(4);
          stage = 'messages';
        } else {
          if (buf.length < 6) return;
          const size = buf.readUInt32LE(2);
          if (buf.length < 6 + size) return;
          const whole = buf.subarray(0, 6 + size);
          buf = buf.subarray(6 + size);
          const m = mutate({channelType, index: index++, type: whole.readUInt16LE(0), body: whole.subarray(6)});
          if (m.action === 'pass') client.write(whole);
          else if (m.action === 'replace') {
            client.write(m.bytes);
            if (m.thenClose) {
              client.end();
              upstream.destroy();
              return;
            }
          }
        }
      }
    });
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as {port: number}).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A mini-header message with the given type, declared size and body bytes. */
export function miniMessage(type: number, declaredSize: number, body: Buffer): Buffer {
  const h = Buffer.alloc(6);
  h.writeUInt16LE(type, 0);
  h.writeUInt32LE(declaredSize >>> 0, 2);
  return Buffer.concat([h, body]);
}

/**
 * A LinkReplyEditor that removes channel cap `cap` from the server's reply on channels of `channelType`:
 * SpiceLinkReply is error (u32), pub_key (162 bytes), num_common_caps, num_channel_caps, caps_offset (u32 each),
 * and at caps_offset the common caps words, then the channel caps words.
 */
export function withoutServerCap(channelType: number, cap: number): LinkReplyEditor {
  return (type, reply) => {
    if (type !== channelType) return;
    const common = reply.readUInt32LE(166);
    const channel = reply.readUInt32LE(170);
    const word = cap >> 5;
    if (word >= channel) return;
    const at = reply.readUInt32LE(174) + 4 * (common + word);
    reply.writeUInt32LE((reply.readUInt32LE(at) & ~(1 << (cap & 31))) >>> 0, at);
  };
}
