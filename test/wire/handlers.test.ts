import {describe, expect, expectTypeOf, it} from 'vitest';
import {decode, encode} from '../../src/client/wire/schema.js';
import {MessageHandlers} from '../../src/client/wire/message.js';
import {AgentMessages} from '../../src/client/wire/messages/agent.js';
import {DisplayServer} from '../../src/client/wire/messages/display.js';
import {MainServer} from '../../src/client/wire/messages/main.js';

describe('MessageHandlers (typed dispatch)', () => {
  it('gives each handler the value its declaration reads, with the context', async () => {
    const seen: string[] = [];
    const handlers = new MessageHandlers<string>()
      .on(MainServer.NAME, (m, ctx) => {
        expectTypeOf(m.name).toEqualTypeOf<string>();
        seen.push(`${ctx}: ${m.name}`);
      })
      .on(MainServer.MOUSE_MODE, async (m, ctx) => {
        expectTypeOf(m.current_mode).toEqualTypeOf<number>();
        await Promise.resolve();
        seen.push(`${ctx}: mode ${m.current_mode}`);
      });
    const name = decode(MainServer.NAME.schema, encode(MainServer.NAME.schema, {name: 'guest'}));
    expect(handlers.dispatch(MainServer.NAME, name, 'main')).toBeUndefined();
    await handlers.dispatch(MainServer.MOUSE_MODE, {supported_modes: 3, current_mode: 2}, 'main');
    expect(seen).toEqual(['main: guest', 'main: mode 2']);
    expect(handlers.has(MainServer.NAME.type)).toBe(true);
  });

  it('returns false for a message without a handler', () => {
    const handlers = new MessageHandlers().on(MainServer.NAME, () => undefined);
    expect(handlers.dispatch(MainServer.UUID, {uuid: new Uint8Array(16)})).toBe(false);
  });

  it('refuses a definition of another catalogue that shares the type number', () => {
    // MainServer.INIT and DisplayServer.RESET are both 103.
    const handlers = new MessageHandlers().on(MainServer.INIT, () => undefined);
    expect(() => handlers.dispatch(DisplayServer.RESET, {})).toThrow(/RESET dispatched to the handler of INIT/);
  });

  it('types the optional fields of a declaration (agent CLIPBOARD_GRAB)', () => {
    const got: Array<number | undefined> = [];
    const handlers = new MessageHandlers().on(AgentMessages.CLIPBOARD_GRAB, (m) => {
      expectTypeOf(m.serial).toEqualTypeOf<number | undefined>();
      expectTypeOf(m.types).toEqualTypeOf<number[]>();
      got.push(m.serial, ...m.types);
    });
    const ctx = {caps: new Set(['agent:CLIPBOARD_GRAB_SERIAL'])};
    const layout = AgentMessages.CLIPBOARD_GRAB.schema;
    handlers.dispatch(AgentMessages.CLIPBOARD_GRAB, decode(layout, encode(layout, {serial: 7, types: [1]}, ctx), ctx));
    expect(got).toEqual([7, 1]);
  });
});
