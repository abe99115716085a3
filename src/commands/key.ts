import {Args, Flags} from '@oclif/core';
import {durationFlag} from '../cli/duration.js';
import {SessionCommand} from '../cli/base-command.js';
import {SpiceError} from '../client/errors.js';
import {ChannelType} from '../client/wire/enums.js';
import {MAX_RATE, DEFAULT_LAYOUT, getLayout, LAYOUT_NAMES, formatScancode, NAMED_KEYS, checkCombos, checkKeyState, comboPacing, DEFAULT_COMBO_HOLD_MS, DEFAULT_COMBO_RATE, pressKeys, setKeyState} from '../client/actions/keyboard.js';
import {parseNumber} from '../cli/numbers.js';

export default class Key extends SessionCommand {
  static override summary = 'Press keys and key combinations in the guest (enter, ctrl-alt-delete, shift-f10, ctrl-d).';
  static override description = `Each COMBO is key names or one character joined by "-" or "+": the keys before the last are held (in order) while the last is pressed for --hold ms, then all are released in reverse order. A plain character ("a", "/", "ctrl-c") is looked up in the guest's keyboard layout (--layout); alone it types exactly that character whatever Caps Lock is. Several combos are pressed one after the other. \`spice-cli key --list\` prints the key names.`;
  static override examples = [
    '<%= config.bin %> key --uri spice://127.0.0.1:5900 ctrl-alt-delete',
    '<%= config.bin %> key enter',
    '<%= config.bin %> key ctrl-d',
    '<%= config.bin %> key alt-f4 --hold 100',
    '<%= config.bin %> key --hold 2000 power          # a long press',
    '<%= config.bin %> do key --down shift + click 100 200 + key --up shift   # held across actions: inside do',
    '<%= config.bin %> key --up shift                 # let go of a key another client left down',
    '<%= config.bin %> key --list',
  ];
  static override strict = false;
  static override args = {
    combo: Args.string({description: 'Key combinations, e.g. enter ctrl-alt-delete shift-f10 super ctrl-c a'}),
  };
  static override flags = {
    list: Flags.boolean({description: 'Print the key names and exit.', default: false}),
    hold: durationFlag({name: 'hold', unit: 'ms', description: 'How long each combination is held.', defaultMs: DEFAULT_COMBO_HOLD_MS}),
    rate: Flags.string({description: `Combinations per second when several are given (at most ${MAX_RATE}).`, default: String(DEFAULT_COMBO_RATE)}),
    layout: Flags.string({char: 'l', description: `Keyboard layout of the guest, for plain characters: ${LAYOUT_NAMES.join(', ')}.`, default: DEFAULT_LAYOUT}),
    down: Flags.boolean({
      description: 'Press the keys and leave them held. A session releases every key it holds when it ends, so this works only inside `spice-cli do` (`do key --down shift + type a + key --up shift`); alone it is refused (for a long press: --hold MS).',
      default: false,
      exclusive: ['up', 'hold', 'rate'],
    }),
    up: Flags.boolean({description: 'Release the keys (also keys another client left down).', default: false, exclusive: ['down', 'hold', 'rate']}),
  };

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Key);
    if (flags.list) return this.list(flags.json);
    const combos = argv as string[];
    const o = {layout: getLayout(flags.layout), rate: parseNumber(flags.rate, '--rate'), holdMs: flags.hold, timeoutMs: flags.timeout};
    // Every combination, --rate and --hold are checked before connecting.
    if (combos.length === 0) throw new SpiceError('usage', 'no keys given: e.g. `spice-cli key enter` or `spice-cli key ctrl-alt-delete` (--list prints the names)');
    checkCombos(combos, o.layout);
    if (flags.down) {
      throw new SpiceError(
        'usage',
        `key --down: the keys would be released at once, when this command's session ends: hold them inside one session with \`spice-cli do key --down ${combos.join(' ')} + ... + key --up ${combos.join(' ')}\`, or press them for a while with \`key --hold MS ${combos.join(' ')}\``,
      );
    }
    if (flags.up) {
      checkKeyState(combos, o.layout, 'up');
      this.report(await this.withSession(flags, {channels: [ChannelType.INPUTS]}, (s, signal) => setKeyState(s, combos, 'up', {...o, signal})));
      return;
    }
    comboPacing(o);
    this.report(await this.withSession(flags, {channels: [ChannelType.INPUTS]}, (s, signal) => pressKeys(s, combos, {...o, signal})));
  }

  private list(json: boolean): void {
    if (json) {
      this.report({keys: NAMED_KEYS.map((k) => ({name: k.name, aliases: k.aliases ?? [], scancode: formatScancode(k.scancode), description: k.description}))});
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
