/**
 * Keyboard without a server: set-1 scancode encoding, the generated layouts under the XKB rules (Caps
 * Lock, AltGr, dead keys), combination parsing, pacing, and the inputs channel's own bookkeeping (every
 * press released on close) over a fake socket.
 */
import {describe, expect, it} from 'vitest';
import {SpiceError} from '../../src/client/errors.js';
import {silentLogger} from '../../src/client/log.js';
import {CapSet} from '../../src/client/wire/caps.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {InputsServer} from '../../src/client/wire/messages/inputs.js';
import {InputsChannel, lockFlags, lockState} from '../../src/client/channels/inputs.js';
import type {LinkedSocket} from '../../src/client/channels/channel.js';
import {comboStrokes, parseCombo} from '../../src/client/input/combos.js';
import {DEFAULT_RATE, Interrupted, Keyboard, pacingFor} from '../../src/client/input/keyboard.js';
import {getLayout, LAYOUT_NAMES} from '../../src/client/input/layouts.js';
import {splitText, type Stroke} from '../../src/client/input/layout.js';
import {evdevToScancode, namedKey, NAMED_KEYS} from '../../src/client/input/scancodes.js';
import {packScancode, PAUSE_BREAK_CODE, SC, scancodeBytes} from '../../src/client/wire/scancodes.js';

describe('set-1 scancodes on the wire', () => {
  it('packs plain keys as one byte, release with 0x80', () => {
    expect(packScancode(0x1e, false)).toBe(0x1e); // A
    expect(packScancode(0x1e, true)).toBe(0x9e);
    expect(packScancode(0x01, true)).toBe(0x81);
    expect(scancodeBytes(0x2a, true)).toEqual([0xaa]);
  });

  it('packs E0-extended keys as 0xE0 | code << 8, release on the code byte', () => {
    expect(packScancode(0xe038, false)).toBe(0x38e0); // right Alt (AltGr)
    expect(packScancode(0xe038, true)).toBe(0xb8e0);
    expect(packScancode(0xe053, true)).toBe(0xd3e0); // Delete
    expect(scancodeBytes(0xe048, false)).toEqual([0xe0, 0x48]);
    expect(scancodeBytes(PAUSE_BREAK_CODE, true)).toEqual([0xe0, 0xc6]);
  });

  it('rejects what is not a scancode', () => {
    expect(() => packScancode(0, false)).toThrow(RangeError);
    expect(() => packScancode(0x1e1d, false)).toThrow(RangeError);
    expect(() => packScancode(0xe000, false)).toThrow(RangeError);
  });

  it('maps evdev codes by the AT translation', () => {
    expect(evdevToScancode(1)).toBe(0x01); // ESC
    expect(evdevToScancode(30)).toBe(0x1e); // A
    expect(evdevToScancode(83)).toBe(0x53); // KPDOT
    expect(evdevToScancode(86)).toBe(0x56); // 102ND
    expect(evdevToScancode(87)).toBe(0x57); // F11
    expect(evdevToScancode(96)).toBe(0xe01c); // KPENTER
    expect(evdevToScancode(100)).toBe(0xe038); // RIGHTALT
    expect(evdevToScancode(103)).toBe(0xe048); // UP
    expect(evdevToScancode(111)).toBe(0xe053); // DELETE
    expect(evdevToScancode(119)).toBe(PAUSE_BREAK_CODE);
    expect(evdevToScancode(125)).toBe(0xe05b); // LEFTMETA
    expect(evdevToScancode(127)).toBe(0xe05d); // COMPOSE
    expect(evdevToScancode(84)).toBeUndefined();
  });

  it('names keys, aliases included, and every name is unique', () => {
    expect(namedKey('Enter')?.scancode).toBe(0x1c);
    expect(namedKey('page_up')?.scancode).toBe(0xe049);
    expect(namedKey('PgDn')?.scancode).toBe(0xe051);
    expect(namedKey('kp_7')?.scancode).toBe(0x47);
    expect(namedKey('f12')?.scancode).toBe(0x58);
    expect(namedKey('f10')?.scancode).toBe(0x44);
    expect(namedKey('win')?.scancode).toBe(0xe05b);
    const all = NAMED_KEYS.flatMap((k) => [k.name, ...(k.aliases ?? [])]);
    expect(new Set(all).size).toBe(all.length);
  });
});

/** Strokes as readable strings: "shift+0x1e", "caps", "altgr+0x10". */
function show(strokes: Stroke[]): string[] {
  const name = (sc: number) => (sc === SC.LSHIFT ? 'shift' : sc === SC.RALT ? 'altgr' : sc === SC.CAPSLOCK ? 'caps' : '0x' + sc.toString(16));
  return strokes.map((s) => [...s.hold, s.scancode].map(name).join('+'));
}

describe('layouts', () => {
  it('has us, gb, de, fr, es, it and dvorak, each typing every printable US-ASCII character', () => {
    expect(LAYOUT_NAMES).toEqual(['us', 'gb', 'de', 'fr', 'es', 'it', 'dvorak']);
    const ascii = Array.from({length: 95}, (_, i) => String.fromCharCode(0x20 + i)).join('') + '\n\t';
    for (const n of LAYOUT_NAMES) {
      const l = getLayout(n);
      expect(l.plan(ascii, false).chars, n).toBe(97);
      expect(l.plan(ascii, true).chars, n).toBe(97);
    }
  });

  it('us: letters take the opposite Shift with Caps Lock on, digits and symbols do not', () => {
    const us = getLayout('us');
    expect(show(us.plan('aA1!', false).strokes)).toEqual(['0x1e', 'shift+0x1e', '0x2', 'shift+0x2']);
    expect(show(us.plan('aA1!', true).strokes)).toEqual(['shift+0x1e', '0x1e', '0x2', 'shift+0x2']);
    expect(show(us.plan('\n\t ', false).strokes)).toEqual(['0x1c', '0xf', '0x39']);
  });

  it('de: AltGr symbols, QWERTZ, and dead keys for ^ ` ´ and ê', () => {
    const de = getLayout('de');
    expect(show(de.plan('zy@€{ß', false).strokes)).toEqual(['0x15', '0x2c', 'altgr+0x10', 'altgr+0x12', 'altgr+0x8', '0xc']);
    // ^ is dead circumflex then space; ê is dead circumflex then e; ´ is dead acute twice (X Compose).
    expect(show(de.plan('^', false).strokes)).toEqual(['0x29', '0x39']);
    expect(show(de.plan('ê', false).strokes)).toEqual(['0x29', '0x12']);
    expect(show(de.plan('`', false).strokes)).toEqual(['shift+0xd', '0x39']);
    expect(show(de.plan('´', false).strokes)).toEqual(['0xd', '0xd']);
    expect(de.plan('ê', false).strokes.map((s) => s.note ?? s.text)).toEqual(['dead', 'ê']);
  });

  it('de: ß with Caps Lock on toggles Caps Lock around it (Lock gives ẞ on that key) and restores it', () => {
    const de = getLayout('de');
    expect(show(de.plan('ß', true).strokes)).toEqual(['caps', '0xc', 'caps']);
    expect(show(de.plan('ẞ', true).strokes)).toEqual(['0xc']);
    expect(show(de.plan('ä', true).strokes)).toEqual(['shift+0x28']);
  });

  it('fr: AZERTY, and é with Caps Lock on (Lock unconsumed capitalises it) needs a toggle', () => {
    const fr = getLayout('fr');
    expect(show(fr.plan('aqzwm1é', false).strokes)).toEqual(['0x10', '0x1e', '0x11', '0x2c', '0x27', 'shift+0x2', '0x3']);
    expect(show(fr.plan('É', true).strokes)).toEqual(['0x3']);
    expect(show(fr.plan('é', true).strokes)).toEqual(['caps', '0x3', 'caps']);
  });

  it('dvorak and gb put keys where they belong', () => {
    expect(show(getLayout('dvorak').plan('aoeu;q', false).strokes)).toEqual(['0x1e', '0x1f', '0x20', '0x21', '0x2c', '0x2d']);
    const gb = getLayout('gb');
    expect(show(gb.plan('"@£#~', false).strokes)).toEqual(['shift+0x3', 'shift+0x28', 'shift+0x4', '0x2b', 'shift+0x2b']);
  });

  it('normalises text: NFC, CR LF as one Enter', () => {
    expect(splitText('e\u0301\r\nx\ry')).toEqual(['é', '\n', 'x', '\n', 'y']);
    expect(show(getLayout('us').plan('a\r\nb', false).strokes)).toEqual(['0x1e', '0x1c', '0x30']);
  });

  it('a character the layout cannot type is a usage error naming it, its code point and the layout', () => {
    const err = (() => {
      try {
        getLayout('de').plan('ok ñ ☃ ñ', false);
      } catch (e) {
        return e as SpiceError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(SpiceError);
    expect(err.kind).toBe('usage');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('"de" keyboard layout (German)');
    expect(err.message).toContain('"ñ" (U+00F1)');
    expect(err.message).toContain('"☃" (U+2603)');
    expect(err.message).toMatch(/2 characters/);
    expect(() => getLayout('us').plan('\u0007', false)).toThrow(/U\+0007/);
    expect(() => getLayout('xx')).toThrow(/unknown keyboard layout "xx"/);
  });
});

describe('key combinations', () => {
  const us = getLayout('us');
  it('parses names and characters joined by - or +', () => {
    const names = (c: string) => parseCombo(c).map((p) => (p.kind === 'key' ? p.name : `'${p.char}'`));
    expect(names('ctrl-alt-delete')).toEqual(['ctrl', 'alt', 'delete']);
    expect(names('Shift+F10')).toEqual(['shift', 'f10']);
    expect(names('ctrl--')).toEqual(['ctrl', "'-'"]);
    expect(names('alt++')).toEqual(['alt', "'+'"]);
    expect(names('kp-1')).toEqual(['kp-1']);
    expect(names('-')).toEqual(["'-'"]);
    expect(names('ctrl-A')).toEqual(['ctrl', "'A'"]);
    expect(names('del')).toEqual(['delete']);
    expect(() => parseCombo('ctrl-')).toThrow(/ends with a separator/);
    expect(() => parseCombo('ctrl-foo')).toThrow(/unknown key name "foo"/);
  });

  it('holds the first keys around the last; characters come from the layout', () => {
    expect(comboStrokes('ctrl-alt-delete', us, false)).toEqual([{scancode: 0xe053, hold: [SC.LCTRL, SC.LALT]}]);
    expect(comboStrokes('ctrl-c', us, true)).toEqual([{scancode: 0x2e, hold: [SC.LCTRL], text: 'c'}]);
    expect(comboStrokes('ctrl-@', us, false)).toEqual([{scancode: 0x03, hold: [SC.LCTRL, SC.LSHIFT], text: '@'}]);
    expect(comboStrokes('ctrl-@', getLayout('de'), false)).toEqual([{scancode: 0x10, hold: [SC.LCTRL, SC.RALT], text: '@'}]);
    // A lone character types exactly that character, Caps Lock included.
    expect(show(comboStrokes('a', us, true))).toEqual(['shift+0x1e']);
    expect(show(comboStrokes('^', getLayout('de'), false))).toEqual(['0x29', '0x39']);
    expect(() => comboStrokes('a-b', us, false)).toThrow(/only the last key/);
    expect(() => comboStrokes('ctrl-ñ', us, false)).toThrow(/has no key for "ñ"/);
  });
});

describe('pacing', () => {
  it('derives hold and gap from the rate', () => {
    expect(pacingFor()).toEqual({rate: DEFAULT_RATE, holdMs: 8, gapMs: 2.5});
    expect(pacingFor(10, 100)).toEqual({rate: 10, holdMs: 100, gapMs: 10});
    expect(pacingFor(1000).gapMs).toBe(0.5);
    expect(() => pacingFor(0)).toThrow(SpiceError);
    expect(() => pacingFor(5000)).toThrow(/invalid rate/);
    expect(() => pacingFor(10, -1)).toThrow(/invalid hold/);
  });
});

/** An inputs channel over a fake socket: records the client messages it writes. serverCaps: the negotiated inputs caps. */
function fakeInputs(serverCaps: number[] = [0]) {
  const writes: Buffer[] = [];
  const socket = {
    write: (b: Buffer, cb?: () => void) => (writes.push(Buffer.from(b)), cb?.(), true),
    end: () => undefined,
    destroy: () => undefined,
    destroyed: false,
    writableEnded: false,
  };
  const link = {
    socket,
    stream: undefined,
    caps: new CapSet(new Set(), new Set(serverCaps)),
    serverCommonCaps: [],
    serverChannelCaps: serverCaps,
    miniHeader: true,
    linkRttMs: 0,
    connectMs: 0,
    tls: false,
  } as unknown as LinkedSocket;
  const ch = new InputsChannel(ChannelType.INPUTS, 0, link, {logger: silentLogger, findChannel: () => undefined, timeoutMs: 1000});
  /** The messages sent, as [type, u32 code or raw bytes]. */
  const messages = () => {
    const all = Buffer.concat(writes);
    const out: Array<[number, number | number[]]> = [];
    for (let i = 0; i < all.length; ) {
      const type = all.readUInt16LE(i);
      const size = all.readUInt32LE(i + 2);
      const body = all.subarray(i + 6, i + 6 + size);
      out.push([type, type === 104 ? [...body] : size === 4 ? body.readUInt32LE(0) : body.readUInt16LE(0)]);
      i += 6 + size;
    }
    return out;
  };
  return {ch, messages};
}

describe('inputs channel', () => {
  it('converts lock flags both ways', () => {
    expect(lockState(4)).toEqual({capsLock: true, numLock: false, scrollLock: false});
    expect(lockFlags({numLock: true, scrollLock: true})).toBe(3);
  });

  it('releases every held key on close, modifiers last', () => {
    const {ch, messages} = fakeInputs();
    ch.keyDown(SC.LSHIFT);
    ch.keyDown(0x1e);
    ch.keyUp(0x1e);
    ch.keyDown(SC.RALT);
    ch.close();
    expect(messages()).toEqual([
      [101, 0x2a],
      [101, 0x1e],
      [102, 0x9e],
      [101, 0x38e0],
      [102, 0xb8e0], // released by close()
      [102, 0xaa],
    ]);
    expect(ch.heldKeys).toEqual([]);
    expect(() => ch.keyDown(0x1e)).toThrow(/closed/);
  });

  it('plays strokes with their modifiers, Pause as one KEY_SCANCODE, and releases all when aborted', async () => {
    const {ch, messages} = fakeInputs();
    await new Keyboard(ch).play([{scancode: 0x1e, hold: [SC.LSHIFT]}, {scancode: SC.PAUSE, hold: []}], pacingFor(1000));
    expect(messages()).toEqual([
      [101, 0x2a],
      [101, 0x1e],
      [102, 0x9e],
      [102, 0xaa],
      [104, [0xe0, 0x46, 0xe0, 0xc6]],
    ]);
    const {ch: ch2, messages: m2} = fakeInputs([]);
    const ac = new AbortController();
    const play = new Keyboard(ch2, ac.signal).play([{scancode: 0x1e, hold: [SC.LCTRL]}, {scancode: SC.PAUSE, hold: []}], pacingFor(10, 200));
    setTimeout(() => ac.abort(), 50);
    await expect(play).rejects.toBeInstanceOf(Interrupted);
    // Ctrl and A were down when the abort came: both released, A first.
    expect(m2()).toEqual([
      [101, 0x1d],
      [101, 0x1e],
      [102, 0x9e],
      [102, 0x9d],
    ]);
  });

  it('leaves keys held before play() held (key --down in do): no second press or release of a held modifier; its own keys released on abort', async () => {
    const {ch, messages} = fakeInputs();
    ch.keyDown(SC.LSHIFT);
    await new Keyboard(ch).play([{scancode: 0x1e, hold: []}, {scancode: 0x1e, hold: [SC.LSHIFT]}], pacingFor(1000));
    expect(messages()).toEqual([
      [101, 0x2a],
      [101, 0x1e],
      [102, 0x9e],
      [101, 0x1e],
      [102, 0x9e],
    ]);
    expect(ch.heldKeys).toEqual([SC.LSHIFT]);
    const ac = new AbortController();
    const play = new Keyboard(ch, ac.signal).play([{scancode: 0x1e, hold: [SC.LCTRL]}], pacingFor(10, 200));
    setTimeout(() => ac.abort(), 50);
    await expect(play).rejects.toBeInstanceOf(Interrupted);
    expect(messages().slice(5)).toEqual([
      [101, 0x1d],
      [101, 0x1e],
      [102, 0x9e],
      [102, 0x9d],
    ]);
    expect(ch.heldKeys).toEqual([SC.LSHIFT]);
  });

  it('keeps the lock state from INIT and KEY_MODIFIERS, waits for INIT with a timeout, and sends KEY_MODIFIERS', async () => {
    const {ch, messages} = fakeInputs();
    await expect(ch.waitInit(20)).rejects.toMatchObject({kind: 'timeout'});
    const waiting = ch.waitInit(1000);
    (ch as any).onMessage(InputsServer.INIT, {keyboard_modifiers: 4});
    expect(await waiting).toBe(4);
    expect(ch.locks.capsLock).toBe(true);
    (ch as any).onMessage(InputsServer.KEY_MODIFIERS, {modifiers: 2});
    expect(ch.locks).toEqual({capsLock: false, numLock: true, scrollLock: false});
    ch.setLockModifiers(lockFlags({capsLock: true}));
    expect(messages()).toEqual([[103, 4]]);
  });
});
