/**
 * The MJPEG frame decoder (jpeg-baseline.ts) on damaged input, as a stream hands it frames: checked by
 * checkMjpegFrame (size in proportion to the stream, EOI at the end), then decoded. Thousands of recorded
 * frames truncated, bit-flipped, with bytes overwritten or marker segments cut out: every one either
 * decodes to a frame of the size its header gives or raises a SpiceError of kind 'protocol' — never
 * another exception, a hang (the cases run in a bounded loop under the test's timeout) or an allocation
 * out of proportion (the size check comes first).
 */
import {describe, expect, it} from 'vitest';
import {decodeJpegFast} from '../../src/client/codecs/jpeg-baseline.js';
import {jpegSize} from '../../src/client/codecs/jpeg.js';
import {checkMjpegFrame} from '../../src/client/display/streams.js';
import {SpiceError} from '../../src/client/errors.js';
import {jpegPayloads} from '../support/jpeg-payloads.js';
import {prng} from '../support/prng.js';

type Damage = (src: Uint8Array, rnd: () => number) => Uint8Array;

/** Byte offsets of the frame's markers (0xFF then neither 0x00 nor 0xFF) before its scan data. */
function headerMarkers(d: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 2; i + 3 < d.length; ) {
    out.push(i);
    if (d[i + 1] === 0xda) break;
    i += 2 + ((d[i + 2]! << 8) | d[i + 3]!);
  }
  return out;
}

const pick = (n: number, rnd: () => number) => Math.floor(rnd() * n);

const DAMAGES: Record<string, Damage> = {
  // Cut anywhere, keeping an EOI so that the frame passes the stream's check and reaches the decoder.
  'truncated, EOI kept': (s, r) => Uint8Array.from([...s.subarray(0, pick(s.length - 2, r)), 0xff, 0xd9]),
  truncated: (s, r) => s.slice(0, pick(s.length, r)),
  'bit flips': (s, r) => {
    const d = s.slice();
    for (let k = 0, n = 1 + pick(8, r); k < n; k++) d[pick(d.length - 2, r)]! ^= 1 << pick(8, r);
    return d;
  },
  'header bit flips': (s, r) => {
    const d = s.slice();
    const end = headerMarkers(s).at(-1)! + 14;
    for (let k = 0, n = 1 + pick(3, r); k < n; k++) d[pick(end, r)]! ^= 1 << pick(8, r);
    return d;
  },
  'bytes overwritten': (s, r) => {
    const d = s.slice();
    const at = pick(d.length - 2, r);
    for (let k = 0, n = 1 + pick(32, r); k < n && at + k < d.length - 2; k++) d[at + k] = pick(256, r);
    return d;
  },
  'a header segment cut out': (s, r) => {
    const m = headerMarkers(s);
    const i = pick(m.length, r);
    const end = i + 1 < m.length ? m[i + 1]! : m[i]! + 4;
    return Uint8Array.from([...s.subarray(0, m[i]!), ...s.subarray(end)]);
  },
  'markers in the scan data': (s, r) => {
    const d = s.slice();
    const scan = headerMarkers(s).at(-1)! + 14;
    for (let k = 0, n = 1 + pick(4, r); k < n; k++) {
      const at = scan + pick(d.length - scan - 3, r);
      d[at] = 0xff;
      d[at + 1] = [0xd0 + pick(8, r), 0xd9, 0xc4, 0xda, 0xdd, 0x01][pick(6, r)]!;
    }
    return d;
  },
};

describe('MJPEG frame decoder on damaged frames', () => {
  // The stream's frames (most without Huffman tables) and the JPEG images (with theirs), each checked
  // against a stream of its own undamaged size.
  const frames = [...jpegPayloads('xspice-stream'), ...jpegPayloads('xspice-jpeg')];

  it.each(Object.keys(DAMAGES))('%s: 500 cases, each decodes or is a protocol error', (name) => {
    const rnd = prng(name.length * 7919 + name.charCodeAt(0));
    const outcome = {decoded: 0, refused: 0};
    for (let n = 0; n < 500; n++) {
      const f = frames[pick(frames.length, rnd)]!;
      const d = DAMAGES[name]!(f.data, rnd);
      const declared = jpegSize(f.data);
      const dest = {left: 0, top: 0, right: declared.width, bottom: declared.height};
      try {
        const size = checkMjpegFrame(d, 'fuzz', declared, dest);
        const px = decodeJpegFast(d);
        expect([px.width, px.height]).toEqual([size.width, size.height]);
        expect(px.data.length).toBe(size.width * size.height);
        outcome.decoded++;
      } catch (e) {
        if (!(e instanceof SpiceError) || e.kind !== 'protocol') {
          throw new Error(`${name} case ${n} (${f.name}): expected a protocol SpiceError, got ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
        }
        outcome.refused++;
      }
    }
    expect(outcome.decoded + outcome.refused).toBe(500);
  }, 60_000);
});
