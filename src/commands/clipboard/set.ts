import {Args, Flags} from '@oclif/core';
import {durationFlag} from '../../cli/duration.js';
import {SessionCommand} from '../../cli/base-command.js';
import {checkUtf8, readInput, readPng, selectionFlag, selectionOf} from '../../cli/clipboard-input.js';
import {selectionName, type ClipKind, setClipboard} from '../../client/actions/clipboard.js';
import {SpiceError} from '../../client/errors.js';

export default class ClipboardSet extends SessionCommand {
  static override summary = "Put text or a PNG image on the guest's clipboard through its agent.";
  static override description = `The guest fetches clipboard data on demand (when something pastes), so the command stays connected: it serves the guest's requests until the data has been fetched once, then exits 0 — or, with --hold SECONDS, serves every request for that long. Once it exits, the guest's selection is empty again (the agent drops what the client offered). Without --hold, a guest that does not fetch within --timeout exits 40. Without a guest agent: exit 30.`;
  static override examples = [
    '<%= config.bin %> clipboard set --uri spice://127.0.0.1:5900 -- "Grüße 世界 🎉"',
    '<%= config.bin %> clipboard set --file notes.txt --hold 60',
    '<%= config.bin %> clipboard set --image picture.png',
    'printf "secret" | <%= config.bin %> clipboard set --selection primary -',
  ];
  static override strict = false;
  static override args = {
    text: Args.string({description: 'The text (after --; "-" reads stdin); several arguments are joined with spaces.'}),
  };
  static override flags = {
    selection: selectionFlag,
    file: Flags.string({char: 'f', description: 'Offer the content of this UTF-8 text file (byte for byte).'}),
    image: Flags.string({description: 'Offer this PNG image.'}),
    hold: durationFlag({name: 'hold', unit: 's', description: 'Serve requests this long (every paste), instead of until the first fetch.'}),
  };

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ClipboardSet);
    const selection = selectionOf(flags.selection);
    const holdMs = flags.hold;
    const {kind, data} = await readData(argv as string[], flags.file, flags.image);
    const onOffered = () => {
      if (!flags.json) process.stderr.write(`offered ${data.length} bytes of ${kind} on the guest's ${selectionName(selection)}; ${holdMs !== undefined ? `serving for ${holdMs / 1000} s` : 'waiting for the guest to fetch them'}\n`);
    };
    this.report(await this.withSession(flags, {channels: []}, (s) => setClipboard(s, selection, kind, data, {timeoutMs: flags.timeout, holdMs, onOffered})), () => undefined);
  }
}

async function readData(argv: string[], file: string | undefined, image: string | undefined): Promise<{kind: ClipKind; data: Uint8Array}> {
  const given = [argv.length > 0, file !== undefined, image !== undefined].filter(Boolean).length;
  if (given === 0) throw new SpiceError('usage', 'nothing to set: give the text (after --), "-" for stdin, --file FILE or --image PNG');
  if (given > 1) throw new SpiceError('usage', 'give only one of: the text, --file, --image');
  if (image !== undefined) return {kind: 'image', data: await readPng(image)};
  if (file !== undefined) return {kind: 'text', data: checkUtf8(readInput(file, file), file)};
  if (argv.length === 1 && argv[0] === '-') return {kind: 'text', data: checkUtf8(readInput(0, 'stdin'), 'stdin')};
  return {kind: 'text', data: Buffer.from(argv.join(' '), 'utf8')};
}
