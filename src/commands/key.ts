import {Args, Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {SpiceError} from '../client/errors.js';
import {ChannelType} from '../client/wire/enums.js';
import {comboStrokes, parseCombo} from '../client/input/combos.js';
import {Interrupted, Keyboard, MAX_RATE, pacingFor} from '../client/input/keyboard.js';
import type {Stroke} from '../client/input/layout.js';
import {DEFAULT_LAYOUT, getLayout, LAYOUT_NAMES} from '../client/input/layouts.js';
import {formatScancode} from '../client/wire/scancodes.js';
import {NAMED_KEYS} from '../client/input/scancodes.js';
import {interrupted, withInterrupt} from '../cli/interrupt.js';
import {parseNumber} from '../cli/numbers.js';

/** Combinations per second when several are given; a combination is a single (held) keystroke. */
const DEFAULT_KEY_RATE = 10;
const DEFAULT_HOLD_MS = 50;

export default class Key extends SessionCommand {
  static override summary = 'Press keys and key combinations in the guest (enter, ctrl-alt-delete, shift-f10, ctrl-d).';
  static override description = `Each COMBO is key names or one character joined by "-" or "+": the keys before the last are held (in order) while the last is pressed for --hold ms, then all are released in reverse order. A plain character ("a", "/", "ctrl-c") is looked up in the guest's keyboard layout (--layout); alone it types exactly that character whatever Caps Lock is. Several combos are pressed one after the other. \`spice-cli key --list\` prints the key names.`;
  static override examples = [
    '<%= config.bin %> key --uri spice://127.0.0.1:5900 ctrl-alt-delete',
    '<%= config.bin %> key enter',
    '<%= config.bin %> key ctrl-d',
    '<%= config.bin %> key alt-f4 --hold 100',
    '<%= config.bin %> key --list',
  ];
  static override strict = false;
  static override args = {
    combo: Args.string({description: 'Key combinations, e.g. enter ctrl-alt-delete shift-f10 super ctrl-c a'}),
  };
  static override flags = {
    list: Flags.boolean({description: 'Print the key names and exit.', default: false}),
    hold: Flags.string({description: `How long each combination is held, in ms (default ${DEFAULT_HOLD_MS}).`}),
    rate: Flags.string({description: `Combinations per second when several are given (default ${DEFAULT_KEY_RATE}; at most ${MAX_RATE}).`}),
    layout: Flags.string({char: 'l', description: `Keyboard layout of the guest, for plain characters: ${LAYOUT_NAMES.join(', ')}.`, default: DEFAULT_LAYOUT}),
  };

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Key);
    this.jsonOut = flags.json;
    if (flags.list) return this.list(flags.json);
    const combos = argv as string[];
    if (combos.length === 0) throw new SpiceError('usage', 'no keys given: e.g. `spice-cli key enter` or `spice-cli key ctrl-alt-delete` (--list prints the names)');
    const layout = getLayout(flags.layout);
    const pacing = pacingFor(parseNumber(flags.rate, '--rate') ?? DEFAULT_KEY_RATE, parseNumber(flags.hold, '--hold') ?? DEFAULT_HOLD_MS);
    // Every combination is checked before connecting (Caps Lock only matters for lone characters).
    for (const c of combos) comboStrokes(c, layout, false);

    const uri = this.requireUri(flags.uri);
    const opts = await this.sessionOptions(flags);
    const timeoutMs = flags.timeout * 1000;
    await withInterrupt(async (signal) => {
      const session = await this.openSession(uri, {...opts, channelFilter: (type) => type === ChannelType.INPUTS});
      try {
        const inputs = await session.inputs(timeoutMs);
        const caps = inputs.locks.capsLock;
        const strokes: Stroke[] = combos.flatMap((c) => comboStrokes(c, layout, caps));
        const report = await new Keyboard(inputs, signal).play(strokes, pacing);
        await inputs.flush(timeoutMs);
        if (flags.json) {
          this.printJson({
            ok: true,
            combos: combos.map((c) => ({combo: c, keys: parseCombo(c).map((p) => (p.kind === 'key' ? p.name : p.char))})),
            keystrokes: report.keystrokes,
            events: report.events,
            ms: report.ms,
            holdMs: pacing.holdMs,
            capsLock: caps,
          });
        }
      } catch (e) {
        if (e instanceof Interrupted) return interrupted(e, flags.json, (v) => this.printJson(v));
        throw e;
      } finally {
        session.close();
      }
    });
  }

  private list(json: boolean): void {
    if (json) {
      this.printJson(NAMED_KEYS.map((k) => ({name: k.name, aliases: k.aliases ?? [], scancode: formatScancode(k.scancode), description: k.description})));
      return;
    }
    const rows = NAMED_KEYS.map((k) => [k.name, (k.aliases ?? []).join(', '), formatScancode(k.scancode), k.description]);
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    const lines = rows.map((r) => `${r[0]!.padEnd(w[0]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]}${r[1] ? `  (also: ${r[1]})` : ''}`);
    process.stdout.write(
      `${lines.join('\n')}\n\nAny other single character (a, Z, /, 7, é) is looked up in --layout. Join keys with - or +: ctrl-alt-delete, shift+f10, ctrl--.\n`,
    );
  }
}
