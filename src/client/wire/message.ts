/**
 * A message definition ties a type number on one channel and direction to its schema. Channel files
 * (messages/*.ts) declare their server→client and client→server catalogues with message().
 */
import type {Schema, ReadOf, WriteOf} from './schema.js';
import {struct} from './schema.js';

export interface MessageDef<R = unknown, W = unknown> {
  readonly type: number;
  readonly name: string;
  readonly schema: Schema<R, W>;
}

export function message<L extends Schema<any, any>>(type: number, name: string, schema: L): MessageDef<ReadOf<L>, WriteOf<L>> {
  return {type, name, schema};
}

/** A message with an empty body. */
export const empty = struct('Empty', {});

export type Catalogue = Readonly<Record<string, MessageDef>>;

/** Index a catalogue by type number. */
export function byType(...cats: Catalogue[]): Map<number, MessageDef> {
  const m = new Map<number, MessageDef>();
  for (const cat of cats) for (const def of Object.values(cat)) m.set(def.type, def);
  return m;
}

/** Receives decoded messages of any type in order (a display layer fed by its channel). */
export type MessageConsumer = (def: MessageDef, value: unknown) => void | Promise<void>;

/** A handler of one message: it receives the value its declaration's schema reads. */
export type MessageHandler<R, C = void> = (value: R, ctx: C) => void | Promise<void>;

/**
 * Typed dispatch: a table from message type number to the handler of that declaration. `on(def, fn)` gives
 * `fn` the exact type `def` declares (ReadOf of its schema), so no handler sees `any`.
 */
export class MessageHandlers<C = void> {
  private readonly table = new Map<number, {def: MessageDef; fn: MessageHandler<never, C>}>();

  on<R>(def: MessageDef<R, unknown>, fn: MessageHandler<R, C>): this {
    this.table.set(def.type, {def, fn: fn as MessageHandler<never, C>});
    return this;
  }

  has(type: number): boolean {
    return this.table.has(type);
  }

  /**
   * Runs the handler of `def` with `value` (decoded from def's schema by the caller). Returns false when
   * no handler is registered for that type; a handler registered for another definition with the same
   * type number (a different channel's catalogue) is an internal error.
   */
  dispatch(def: MessageDef, value: unknown, ctx: C): false | void | Promise<void> {
    const entry = this.table.get(def.type);
    if (!entry) return false;
    if (entry.def !== def) throw new Error(`internal error: ${def.name} dispatched to the handler of ${entry.def.name}`);
    return entry.fn(value as never, ctx);
  }
}
