import {readFileSync} from 'node:fs';
import {Args, Flags} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {SpiceError} from '../client/errors.js';
import {ChannelType} from '../client/wire/enums.js';
import {DEFAULT_RATE, Interrupted, Keyboard, MAX_RATE, pacingFor} from '../client/input/keyboard.js';
import {splitText} from '../client/input/layout.js';
import {DEFAULT_LAYOUT, getLayout, LAYOUT_NAMES} from '../client/input/layouts.js';
import {interrupted, withInterrupt} from '../cli/interrupt.js';
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
    rate: Flags.string({char: 'r', description: `Keystrokes per second (default ${DEFAULT_RATE}; at most ${MAX_RATE}).`}),
    hold: Flags.string({description: 'How long each key is held down, in ms (default 40% of a keystroke, at most 50).'}),
    file: Flags.string({char: 'f', description: 'Type the content of this file (UTF-8) instead of an argument.'}),
    'via-clipboard': Flags.boolean({description: 'Paste the text through the guest agent instead of typing it (any character, any layout): offered on CLIPBOARD and PRIMARY, then --paste-key is pressed.', default: false}),
    'paste-key': Flags.string({description: 'The key combination that pastes, with --via-clipboard (e.g. shift-insert).', default: 'ctrl-v'}),
  };

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Type);
    this.jsonOut = flags.json;
    const layout = getLayout(flags.layout);
    const pacing = pacingFor(parseNumber(flags.rate, '--rate') ?? DEFAULT_RATE, parseNumber(flags.hold, '--hold'));
    const text = readText(argv as string[], flags.file);
    if (flags['via-clipboard']) {
      const {pasteViaClipboard} = await import('../cli/paste-via-clipboard.js');
      const uri = this.requireUri(flags.uri);
      const out = await pasteViaClipboard(await this.openSession(uri, {...(await this.sessionOptions(flags)), channelFilter: (type) => type === ChannelType.INPUTS}), {
        text, pasteKey: flags['paste-key'], layout, timeoutMs: flags.timeout * 1000,
      });
      if (flags.json) this.printJson(out);
      return;
    }
    // Everything the layout cannot type is reported before connecting.
    const missing = [...new Set(splitText(text))].filter((c) => !layout.canType(c));
    if (missing.length) layout.plan(missing.join(''), false); // throws the usage error naming them

    const uri = this.requireUri(flags.uri);
    const opts = await this.sessionOptions(flags);
    const timeoutMs = flags.timeout * 1000;
    await withInterrupt(async (signal) => {
      const session = await this.openSession(uri, {...opts, channelFilter: (type) => type === ChannelType.INPUTS});
      try {
        const inputs = await session.inputs(timeoutMs);
        const caps = inputs.locks.capsLock;
        const plan = layout.plan(text, caps);
        const report = await new Keyboard(inputs, signal).play(plan.strokes, pacing);
        await inputs.flush(timeoutMs);
        const out = {
          ok: true,
          layout: layout.name,
          characters: plan.chars,
          keystrokes: report.keystrokes,
          events: report.events,
          ms: report.ms,
          keysPerSecond: report.ms > 0 ? Math.round((report.keystrokes / report.ms) * 1000 * 10) / 10 : null,
          rate: pacing.rate,
          holdMs: pacing.holdMs,
          capsLock: caps,
        };
        if (flags.json) this.printJson(out);
        else if (flags.verbose) process.stderr.write(`typed ${plan.chars} characters (${report.keystrokes} keystrokes) in ${report.ms} ms on layout ${layout.name}\n`);
      } catch (e) {
        if (e instanceof Interrupted) return interrupted(e, flags.json, (v) => this.printJson(v));
        throw e;
      } finally {
        session.close();
      }
    });
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
