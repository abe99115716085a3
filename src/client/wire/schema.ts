/**
 * Message schemas as data (the wire DSL). A Schema knows how to read a value from a WireReader and write it to a
 * WireWriter; structs are built from named fields, so one declaration gives the decoder, the encoder
 * and the TypeScript type of a message. Conventions follow spice.proto: little-endian, packed,
 * pointers are u32 offsets from the start of the message body (0 = null).
 */
import {WireError, WireReader} from './reader.js';
import {WireWriter} from './writer.js';

/** Facts a layout may depend on besides the bytes: negotiated capabilities, by name. */
export interface WireContext {
  readonly caps?: ReadonlySet<string>;
}

/** The fields of the struct being read or written so far (for counts and switches). */
export type Scope = Record<string, unknown>;

export interface Schema<R, W = R> {
  /** Human-readable name for errors and traces. */
  readonly name: string;
  read(r: WireReader, scope: Scope, ctx: WireContext): R;
  write(w: WireWriter, value: W, scope: Scope, ctx: WireContext): void;
  /** Set on fields whose value is computed from siblings when writing (counts, sizes). */
  readonly derive?: (scope: Scope) => unknown;
}

export type ReadOf<L> = L extends Schema<infer R, any> ? R : never;
export type WriteOf<L> = L extends Schema<any, infer W> ? W : never;

// ---------------------------------------------------------------- scalars
function scalar<T>(name: string, read: (r: WireReader) => T, write: (w: WireWriter, v: T) => void): Schema<T> {
  return {name, read: (r) => read(r), write: (w, v) => write(w, v)};
}

export const u8 = scalar('u8', (r) => r.u8(), (w, v: number) => w.u8(v));
export const i8 = scalar('i8', (r) => r.i8(), (w, v: number) => w.i8(v));
export const u16 = scalar('u16', (r) => r.u16(), (w, v: number) => w.u16(v));
export const i16 = scalar('i16', (r) => r.i16(), (w, v: number) => w.i16(v));
export const u32 = scalar('u32', (r) => r.u32(), (w, v: number) => w.u32(v));
export const i32 = scalar('i32', (r) => r.i32(), (w, v: number) => w.i32(v));
export const u64 = scalar('u64', (r) => r.u64(), (w, v: bigint) => w.u64(v));
export const i64 = scalar('i64', (r) => r.i64(), (w, v: bigint) => w.i64(v));

/** A field that must hold one value (magic numbers, reserved zeros); read checks it, write emits it. */
export function constant(inner: Schema<number>, value: number, what: string): Derived {
  return {
    name: `${inner.name}=${value}`,
    read(r, scope, ctx) {
      const v = inner.read(r, scope, ctx);
      if (v !== value) throw new WireError(`${what}: expected ${value}, got ${v}`);
      return v;
    },
    write: (w, _v, scope, ctx) => inner.write(w, value, scope, ctx),
    derive: () => value,
  };
}

/** Reserved bytes (spice's `__reserved`): skipped when reading whatever they hold, written as zeros. */
export function reserved(n: number): Schema<undefined, never> & {derive: () => undefined} {
  return {
    name: `reserved[${n}]`,
    read(r) {
      r.take(n, 'reserved bytes');
      return undefined;
    },
    write: (w) => w.bytes(new Uint8Array(n)),
    derive: () => undefined,
  };
}

/**
 * A NUL that servers put after a counted string (NOTIFY's message): read if present (and anything after
 * it ignored), always written.
 */
export const trailingNul: Schema<undefined, never> & {derive: () => undefined} = {
  name: 'trailing NUL',
  read(r) {
    r.take(r.remaining, 'trailing bytes');
    return undefined;
  },
  write: (w) => w.u8(0),
  derive: () => undefined,
};

// ---------------------------------------------------------------- counts and sizes
/**
 * A count computed from the fields read so far (spice.proto's `image_size(bpp, width, rows)`, for one).
 * It must return a non-negative integer; anything else is a WireError.
 */
export type CountFn = ((scope: Scope) => number) & {readonly label?: string};

/**
 * How many elements or bytes: a fixed number, a sibling field's name, 'rest' (to the end of the message),
 * or a function of the sibling fields.
 */
export type Count = number | string | 'rest' | CountFn;

function countLabel(count: Count): string {
  return typeof count === 'function' ? (count.label ?? 'computed') : String(count);
}

function resolveCount(count: Count, scope: Scope, r: WireReader | null, what: string): number | 'rest' {
  if (typeof count === 'number') return count;
  if (count === 'rest') return 'rest';
  const v = typeof count === 'function' ? count(scope) : scope[count];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new WireError(`${what}: count ${typeof count === 'function' ? countLabel(count) : `field '${count}'`} is ${String(v)}`);
  }
  if (r && v > r.remaining + 1e9) throw new WireError(`${what}: count ${v} is absurd`);
  return v;
}

/** An integer field holding the length of a sibling array, bytes or string; computed when writing. */
export type Derived = Schema<number, never> & {derive: (scope: Scope) => number};

export function lengthOf(field: string, inner: Schema<number> = u32, opts: {plus?: number} = {}): Derived {
  const plus = opts.plus ?? 0;
  return {
    name: `${inner.name}(len ${field})`,
    read: (r, scope, ctx) => inner.read(r, scope, ctx),
    write: (w, _v, scope, ctx) => inner.write(w, lengthOfValue(scope[field]) + plus, scope, ctx),
    derive: (scope) => lengthOfValue(scope[field]) + plus,
  };
}

/**
 * spice.proto's `image_size(bpp, width, rows)`: the bytes of `rows` rows of `width` pixels at `bpp` bits each,
 * every row rounded up to whole bytes. `width` and `rows` name sibling fields.
 */
export function imageSize(bpp: number, width: string, rows: string): CountFn {
  const fn = (scope: Scope): number => {
    const w = scope[width];
    const h = scope[rows];
    if (typeof w !== 'number' || typeof h !== 'number') return NaN;
    return Math.floor((bpp * w + 7) / 8) * h;
  };
  return Object.assign(fn, {label: `image_size(${bpp}, ${width}, ${rows})`});
}

function lengthOfValue(v: unknown): number {
  if (v == null) return 0;
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (v instanceof Uint8Array || Array.isArray(v)) return v.length;
  throw new WireError(`cannot take the length of ${typeof v}`);
}

// ---------------------------------------------------------------- bytes, strings, arrays
/** Raw bytes (a view into the message, not a copy). */
export function bytes(count: Count): Schema<Uint8Array> {
  return {
    name: `bytes[${countLabel(count)}]`,
    read(r, scope) {
      const n = resolveCount(count, scope, r, 'bytes');
      return r.take(n === 'rest' ? r.remaining : n);
    },
    write(w, v, scope) {
      if (typeof count === 'number' && v.length !== count) throw new WireError(`bytes[${count}]: got ${v.length} bytes`);
      if (typeof count === 'function') {
        const n = resolveCount(count, scope, null, 'bytes');
        if (v.length !== n) throw new WireError(`bytes[${countLabel(count)}]: got ${v.length} bytes, the other fields say ${String(n)}`);
      }
      w.bytes(v);
    },
  };
}

/**
 * UTF-8 text stored in `count` bytes. With `nul: true` the stored bytes end with a NUL that the
 * value does not contain (write adds it; count fields made with lengthOf should then use plus: 1).
 */
export function text(count: Count, opts: {nul?: boolean} = {}): Schema<string> {
  const b = bytes(count);
  return {
    name: `text[${countLabel(count)}]`,
    read(r, scope, ctx) {
      let raw = b.read(r, scope, ctx);
      const z = raw.indexOf(0);
      if (z >= 0) raw = raw.subarray(0, z);
      return Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('utf8');
    },
    write(w, v) {
      w.bytes(Buffer.from(v, 'utf8'));
      if (opts.nul) w.u8(0);
    },
  };
}

/**
 * A NUL-terminated string in a fixed field of `size` bytes (C's `char name[size]`): read up to the first NUL (or
 * the whole field), written NUL-padded to the size; a value that does not fit with its NUL is a WireError.
 */
export function fixedText(size: number): Schema<string> {
  return {
    name: `char[${size}]`,
    read(r) {
      const raw = r.take(size, `char[${size}]`);
      const z = raw.indexOf(0);
      const used = z >= 0 ? raw.subarray(0, z) : raw;
      return Buffer.from(used.buffer, used.byteOffset, used.length).toString('utf8');
    },
    write(w, v) {
      const b = Buffer.from(v, 'utf8');
      if (b.length >= size) throw new WireError(`char[${size}]: "${v}" needs ${b.length + 1} bytes with its NUL`);
      const field = new Uint8Array(size);
      field.set(b);
      w.bytes(field);
    },
  };
}

export function array<R, W>(elem: Schema<R, W>, count: Count): Schema<R[], W[]> {
  return {
    name: `${elem.name}[${countLabel(count)}]`,
    read(r, scope, ctx) {
      const n = resolveCount(count, scope, r, `${elem.name} array`);
      const out: R[] = [];
      if (n === 'rest') {
        while (r.remaining > 0) out.push(elem.read(r, {}, ctx));
      } else {
        for (let i = 0; i < n; i++) out.push(elem.read(r, {}, ctx));
      }
      return out;
    },
    write(w, v, _scope, ctx) {
      if (typeof count === 'number' && v.length !== count) throw new WireError(`${elem.name}[${count}]: got ${v.length} elements`);
      if (typeof count === 'function') {
        const n = resolveCount(count, _scope, null, `${elem.name} array`);
        if (v.length !== n) throw new WireError(`${elem.name}[${countLabel(count)}]: got ${v.length} elements, the other fields say ${String(n)}`);
      }
      for (const e of v) elem.write(w, e, {}, ctx);
    },
  };
}

// ---------------------------------------------------------------- pointers
/** ptr32: a u32 offset from the message body start to the value; 0 is null. */
export function ptr<R, W>(target: Schema<R, W>): Schema<R | null, W | null> {
  return {
    name: `*${target.name}`,
    // The target sees the pointer's own scope: spice.proto sizes arrays behind pointers by sibling fields.
    read(r, scope, ctx) {
      const off = r.u32();
      if (off === 0) return null;
      return target.read(r.at(off, `pointer to ${target.name}`), scope, ctx);
    },
    write(w, v, scope, ctx) {
      const at = w.pos;
      w.u32(0);
      if (v == null) return;
      w.deferred.push([at, () => target.write(w, v, scope, ctx)]);
    },
  };
}

// ---------------------------------------------------------------- structs and conditions
type Shape = Record<string, Schema<any, any>>;
type DerivedKeys<S extends Shape> = {[K in keyof S]: S[K] extends {derive: (s: Scope) => unknown} ? K : never}[keyof S];
type OptionalKeys<S extends Shape> = {[K in keyof S]: undefined extends WriteOf<S[K]> ? K : never}[keyof S];
export type StructRead<S extends Shape> = {[K in keyof S]: ReadOf<S[K]>};
export type StructWrite<S extends Shape> = {
  [K in Exclude<keyof S, DerivedKeys<S> | OptionalKeys<S>>]: WriteOf<S[K]>;
} & {[K in Exclude<OptionalKeys<S>, DerivedKeys<S>>]?: WriteOf<S[K]>};
type Simplify<T> = {[K in keyof T]: T[K]} & {};

export type StructLayout<S extends Shape> = Schema<Simplify<StructRead<S>>, Simplify<StructWrite<S>>> & {fields: S};

export function struct<S extends Shape>(name: string, fields: S): StructLayout<S> {
  const entries = Object.entries(fields);
  return {
    name,
    fields,
    read(r, _scope, ctx) {
      const out: Scope = {};
      for (const [key, layout] of entries) out[key] = layout.read(r, out, ctx);
      return out as StructRead<S>;
    },
    write(w, value, _scope, ctx) {
      const scope: Scope = {...(value as Scope)};
      for (const [key, layout] of entries) {
        if (layout.derive) scope[key] = layout.derive(scope);
      }
      for (const [key, layout] of entries) layout.write(w, scope[key], scope, ctx);
    },
  };
}

export type Predicate = (scope: Scope, ctx: WireContext) => boolean;

/**
 * A field present only when the predicate holds (a flag bit, a capability, a type code). A derived inner
 * field (lengthOf, constant, reserved) stays derived: it is computed when writing, not given.
 */
export function when<R, W>(pred: Predicate, inner: Schema<R, W>): Schema<R | undefined, W | undefined> {
  const layout: Schema<R | undefined, W | undefined> = {
    name: `${inner.name}?`,
    read: (r, scope, ctx) => (pred(scope, ctx) ? inner.read(r, scope, ctx) : undefined),
    write(w, v, scope, ctx) {
      if (!pred(scope, ctx)) return;
      if (v === undefined && !inner.derive) throw new WireError(`${inner.name}: value required when its condition holds`);
      inner.write(w, v as W, scope, ctx);
    },
  };
  return inner.derive ? {...layout, derive: inner.derive} : layout;
}

/** Helpers for predicates. */
export const flagSet = (field: string, mask: number): Predicate => (s) => ((s[field] as number) & mask) !== 0;
export const fieldIs = (field: string, ...values: number[]): Predicate => (s) => values.includes(s[field] as number);
export const hasCap = (cap: string): Predicate => (_s, ctx) => ctx.caps?.has(cap) ?? false;
/** The opposite of a predicate (spice.proto's `case !FLAG:`). */
export const not = (pred: Predicate): Predicate => (s, ctx) => !pred(s, ctx);

/** Picks a switch case from the fields read so far (and the context); undefined picks no case. */
export type Selector = (scope: Scope, ctx: WireContext) => number | undefined;

/**
 * A union chosen by a sibling field's value, as spice.proto's `switch`. Cases not listed read nothing
 * (undefined), unless `otherwise` is given. Instead of a field name, `field` may be a Selector, for
 * switches on a nested field or on flag bits (spice.proto tests flags with `&`, first listed case first).
 */
export function switchOn<C extends Record<number, Schema<any, any>>>(
  field: string | Selector,
  cases: C,
  otherwise?: Schema<any, any>,
): Schema<ReadOf<C[keyof C]> | undefined, WriteOf<C[keyof C]> | undefined> {
  const key = typeof field === 'string' ? (scope: Scope) => scope[field] as number : field;
  const pick = (scope: Scope, ctx: WireContext): Schema<any, any> | undefined => {
    const k = key(scope, ctx);
    return (k === undefined ? undefined : (cases as Record<number, Schema<any>>)[k]) ?? otherwise;
  };
  return {
    name: `switch(${typeof field === 'string' ? field : 'selector'})`,
    read(r, scope, ctx) {
      const l = pick(scope, ctx);
      return l ? l.read(r, scope, ctx) : undefined;
    },
    write(w, v, scope, ctx) {
      const l = pick(scope, ctx);
      if (l) l.write(w, v, scope, ctx);
    },
  };
}

/** Maps a stored value to a richer one (e.g. u8 → boolean); both directions given. */
export function mapped<R, W, R2, W2>(inner: Schema<R, W>, name: string, decode: (v: R) => R2, encode: (v: W2) => W): Schema<R2, W2> {
  return {
    name,
    read: (r, scope, ctx) => decode(inner.read(r, scope, ctx)),
    write: (w, v, scope, ctx) => inner.write(w, encode(v), scope, ctx),
  };
}

export const bool8 = mapped(u8, 'bool8', (v) => v !== 0, (v: boolean) => (v ? 1 : 0));

/** Reads a layout from a complete message body. */
export function decode<R>(layout: Schema<R, any>, body: Uint8Array, ctx: WireContext = {}): R {
  return layout.read(new WireReader(body), {}, ctx);
}

export function encode<W>(layout: Schema<any, W>, value: W, ctx: WireContext = {}): Uint8Array {
  const w = new WireWriter();
  layout.write(w, value, {}, ctx);
  return w.finish();
}
