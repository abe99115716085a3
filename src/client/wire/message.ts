/**
 * A message definition ties a type number on one channel and direction to its layout. Channel files
 * (messages/*.ts) declare their server→client and client→server catalogues with message().
 */
import type {Layout, ReadOf, WriteOf} from './layout.js';
import {struct} from './layout.js';

export interface MessageDef<R = any, W = any> {
  readonly type: number;
  readonly name: string;
  readonly layout: Layout<R, W>;
}

export function message<L extends Layout<any, any>>(type: number, name: string, layout: L): MessageDef<ReadOf<L>, WriteOf<L>> {
  return {type, name, layout};
}

/** A message with an empty body. */
export const empty = struct('Empty', {});

export type Catalogue = Readonly<Record<string, MessageDef>>;

export interface ChannelMessages {
  /** Server → client, keyed by name. */
  readonly server: Catalogue;
  /** Client → server, keyed by name. */
  readonly client: Catalogue;
}

/** Index a catalogue by type number. */
export function byType(...cats: Catalogue[]): Map<number, MessageDef> {
  const m = new Map<number, MessageDef>();
  for (const cat of cats) for (const def of Object.values(cat)) m.set(def.type, def);
  return m;
}
