/**
 * Bounded fuzz of every server→client message (and every agent payload): truncations and random bit
 * flips of an encoded sample must decode or fail with a WireError — never another exception, never a hang.
 * Whatever decodes must also re-encode, and our encoding of it must be stable. Seeded, so failures replay.
 */
import {describe, expect, it} from 'vitest';
import {decode, encode, type WireContext} from '../../src/client/wire/schema.js';
import type {MessageDef} from '../../src/client/wire/message.js';
import {WireError} from '../../src/client/wire/reader.js';
import {allMessages} from '../../src/client/wire/messages/index.js';
import {agentSamples, type Sample, samples} from './samples.js';
import {prng} from '../support/prng.js';

function seedOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const TRUNCATIONS = 150;
const FLIPS = 300;

interface Outcome {
  decoded: number;
  rejected: number;
}

function tryDecode(def: MessageDef, body: Uint8Array, ctx: WireContext, what: string, out: Outcome): void {
  let value: unknown;
  try {
    value = decode(def.schema, body, ctx);
  } catch (e) {
    if (e instanceof WireError) {
      out.rejected++;
      return;
    }
    throw new Error(`${def.name} ${what}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} (body ${Buffer.from(body).toString('hex')})`);
  }
  out.decoded++;
  // Anything that decodes is a value the layout can write back. The first re-encoding may differ from a
  // corrupted body where the wire was inconsistent (a size disagreeing with a NUL-terminated text, a glyph
  // count without a raster flag): from there on, encoding must be stable.
  const ours = encode(def.schema, value, ctx);
  const second = decode(def.schema, ours, ctx);
  expect(encode(def.schema, second, ctx), `${def.name} ${what}: re-encoding is stable`).toEqual(ours);
}

function fuzz(s: Sample, seedLabel: string): Outcome {
  const ctx = s.ctx ?? {};
  const body = encode(s.def.schema, s.value, ctx);
  const rnd = prng(seedOf(seedLabel));
  const out: Outcome = {decoded: 0, rejected: 0};
  const started = Date.now();

  // Truncations: every prefix of short bodies, a seeded selection of longer ones.
  const lengths = new Set<number>([0, Math.max(0, body.length - 1)]);
  if (body.length <= TRUNCATIONS) for (let n = 0; n < body.length; n++) lengths.add(n);
  else while (lengths.size < TRUNCATIONS) lengths.add(Math.floor(rnd() * body.length));
  for (const n of lengths) tryDecode(s.def, body.slice(0, n), ctx, `truncated to ${n}`, out);

  // Bit flips: 1–4 random bits per case; some cases also overwrite a whole u32 (pointers, counts).
  for (let i = 0; i < FLIPS && body.length > 0; i++) {
    const mutated = body.slice();
    const nflips = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < nflips; k++) {
      const bit = Math.floor(rnd() * mutated.length * 8);
      mutated[bit >> 3]! ^= 1 << (bit & 7);
    }
    if (i % 5 === 0 && mutated.length >= 4) {
      const at = Math.floor(rnd() * (mutated.length - 3));
      new DataView(mutated.buffer).setUint32(at, Math.floor(rnd() * 2 ** 32), true);
    }
    tryDecode(s.def, mutated, ctx, `mutation ${i}`, out);
  }

  // Random garbage of the sample's length.
  for (let i = 0; i < 20; i++) {
    const junk = new Uint8Array(body.length);
    for (let k = 0; k < junk.length; k++) junk[k] = Math.floor(rnd() * 256);
    tryDecode(s.def, junk, ctx, `garbage ${i}`, out);
  }

  // A crude guard against pathological (near-)hangs: each message's few hundred cases must be quick.
  expect(Date.now() - started, `${s.def.name}: fuzz time`).toBeLessThan(5000);
  return out;
}

const serverDefs = new Set(allMessages().filter((m) => m.side === 'server').map((m) => m.def));
const serverSamples = samples.filter((s) => serverDefs.has(s.def));

const label = (s: Sample, i: number) => `${s.def.type} ${s.def.name}${s.note ? ` (${s.note})` : ''} #${i}`;

describe('fuzz: server messages', () => {
  it('has a sample for every declared server message', () => {
    const covered = new Set(serverSamples.map((s) => s.def));
    expect([...serverDefs].filter((d) => !covered.has(d)).map((d) => d.name)).toEqual([]);
  });

  it.each(serverSamples.map((s, i) => [label(s, i), s] as const))('%s', (name, s) => {
    const out = fuzz(s, name);
    expect(out.decoded + out.rejected).toBeGreaterThan(0);
  });
});

describe('fuzz: agent payloads', () => {
  it.each(agentSamples.map((s, i) => [label(s, i), s] as const))('%s', (name, s) => {
    fuzz(s, `agent ${name}`);
  });
});
