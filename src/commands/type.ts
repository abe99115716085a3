import {readFileSync} from 'node:fs';
import {Args, Flags} from '@oclif/core';
import {durationFlag} from '../cli/duration.js';
import {SessionCommand} from '../cli/base-command.js';
import {SpiceError} from '../client/errors.js';
import {ChannelType} from '../client/wire/enums.js';
import {MAX_RATE, DEFAULT_LAYOUT, getLayout, LAYOUT_NAMES, checkCombos, checkTypeable, DEFAULT_TYPE_RATE, typePacing, typeText} from '../client/actions/keyboard.js';
import {pasteText} from '../client/actions/clipboard.js';
import {parseNumber} from '../cli/numbers.js';

export default class Type extends SessionCommand {
  static override summary = 'Type text into the guest, as keystrokes for its keyboard layout.';
  static override description = `SPICE carries PC scancodes, not characters: the text is turned into the keystrokes that type it on the guest's keyboard layout (--layout; Shift, AltGr and dead keys included), whatever the guest's Caps Lock state, and sent at a pace real guests keep up with (--rate). A character the layout cannot type is an error (exit 2) before anything is sent. Every key pressed is released, also on errors and Ctrl-C (exit 130).

Layouts: ${LAYOUT_NAMES.join(', ')} (X keyboard layouts of the same names; dvorak is "us" variant "dvorak"). The guest must use the same layout.`;
  static override examples = [
    '<%= config.bin %> type --uri spice://127.0.0.1:5900 -- "echo hello"',
    '<%= config.bin %> type --layout de -- "Grüße, 10 €"',
    'printf "root\\n" | <%= config.bin %> type -',
    '<%= config.bin %> type --file script.sh --rate 20',
  ];
  static override strict = false;
  static override args = {
    text: Args.string({description: 'The text to type ("-" reads stdin); several arguments are joined with spaces. Newlines are Enter.'}),
  };
  static override flags = {
    layout: Flags.string({char: 'l', description: `Keyboard layout of the guest: ${LAYOUT_NAMES.join(', ')}.`, default: DEFAULT_LAYOUT}),
    rate: Flags.string({char: 'r', description: `Keystrokes per second (at most ${MAX_RATE}).`, default: String(DEFAULT_TYPE_RATE)}),
    hold: durationFlag({name: 'hold', unit: 'ms', description: 'How long each key is held down (default 40% of a keystroke, at most 50ms).'}),
    file: Flags.string({char: 'f', description: 'Type the content of this file (UTF-8) instead of an argument.'}),
    'via-clipboard': Flags.boolean({description: 'Paste the text through the guest agent instead of typing it (any character, any layout): offered on CLIPBOARD and PRIMARY, then --paste-key is pressed.', default: false}),
    'paste-key': Flags.string({description: 'The key combination that pastes, with --via-clipboard (e.g. shift-insert).', default: 'ctrl-v'}),
  };

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Type);
    const text = readText(argv as string[], flags.file);
    const o = {layout: getLayout(flags.layout), rate: parseNumber(flags.rate, '--rate'), holdMs: flags.hold, timeoutMs: flags.timeout};
    if (flags['via-clipboard']) {
      checkCombos([flags['paste-key']], o.layout);
      const out = await this.withSession(flags, {channels: [ChannelType.INPUTS]}, (s, signal) => pasteText(s, text, flags['paste-key'], {...o, signal}));
      return this.report(out);
    }
    // Everything the layout cannot type, and a bad --rate or --hold, is reported before connecting.
    checkTypeable(text, o.layout);
    typePacing(o);
    const out = await this.withSession(flags, {channels: [ChannelType.INPUTS]}, (s, signal) => typeText(s, text, {...o, signal}));
    this.report(out, (r) => flags.verbose && process.stderr.write(`typed ${r.characters} characters (${r.keystrokes} keystrokes) in ${r.ms} ms on layout ${r.layout}\n`));
  }
}

function readText(argv: string[], file: string | undefined): string {
  if (file !== undefined) {
    if (argv.length) throw new SpiceError('usage', 'give the text either as an argument or with --file, not both');
    return readFileText(file);
  }
  if (argv.length === 0) throw new SpiceError('usage', 'nothing to type: give the text as an argument (after --), "-" for stdin, or --file FILE');
  if (argv.length === 1 && argv[0] === '-') return readFileText(0);
  return argv.join(' ');
}

function readFileText(file: string | number): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new SpiceError('usage', `cannot read ${file === 0 ? 'stdin' : file}: ${(e as Error).message}`);
  }
  const text = new TextDecoder('utf-8', {fatal: false}).decode(buf);
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0 && !buf.includes(Buffer.from('\uFFFD'))) {
    throw new SpiceError('usage', `${file === 0 ? 'stdin' : file} is not UTF-8 text (invalid byte near offset ${bad})`);
  }
  return text;
}
