import {writeFileSync} from 'node:fs';
import {Flags} from '@oclif/core';
import {SessionCommand} from '../../cli/base-command.js';
import {secondsFlag, selectionFlag, selectionOf} from '../../cli/clipboard-input.js';
import {GuestAgent} from '../../client/agent/agent.js';
import {Clipboard, selectionName, type ClipKind} from '../../client/agent/clipboard.js';
import {SpiceError} from '../../client/errors.js';
import {AgentClipboardType, nameOf} from '../../client/wire/enums.js';

export default class ClipboardGet extends SessionCommand {
  static override summary = "Read the guest's clipboard (text, or an image as PNG) through its agent.";
  static override description = `Asks the guest agent (spice-vdagent) for the content of a selection. Text is written to stdout as UTF-8, byte for byte (line endings converted from CRLF only for guests that use them); an image is saved as PNG with -o (a BMP, JPEG or TIFF offered by the guest is converted). An empty selection exits 1, or waits for the guest to copy something with --wait. Without a guest agent: exit 30.`;
  static override examples = [
    '<%= config.bin %> clipboard get --uri spice://127.0.0.1:5900',
    '<%= config.bin %> clipboard get --selection primary',
    '<%= config.bin %> clipboard get --type image -o shot.png',
    '<%= config.bin %> clipboard get --wait 30 --json',
  ];
  static override flags = {
    selection: selectionFlag,
    type: Flags.string({char: 't', description: 'What to read: text (UTF-8) or image (PNG).', options: ['text', 'image'], default: 'text'}),
    output: Flags.string({char: 'o', description: 'Write the data to FILE instead of stdout (required for images with --json).'}),
    wait: Flags.string({description: 'If the selection holds no such data, wait up to SECONDS for the guest to copy some.'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(ClipboardGet);
    this.jsonOut = flags.json;
    const kind = flags.type as ClipKind;
    const selection = selectionOf(flags.selection);
    const waitMs = secondsFlag(flags.wait, '--wait') ?? 0;
    if (kind === 'image' && !flags.output && (flags.json || process.stdout.isTTY)) {
      throw new SpiceError('usage', 'an image needs -o FILE (or stdout redirected to a file)');
    }
    const uri = this.requireUri(flags.uri);
    const opts = await this.sessionOptions(flags);
    const timeoutMs = flags.timeout * 1000;
    const session = await this.openSession(uri, {...opts, channelFilter: () => false});
    try {
      const agent = await GuestAgent.open(session, {timeoutMs});
      const clipboard = new Clipboard(agent);
      const got = await clipboard.get(selection, kind, {timeoutMs, waitMs});
      if (flags.output) writeFileSync(flags.output, got.data);
      else if (!flags.json) process.stdout.write(got.data);
      if (flags.json) {
        this.printJson({
          ok: true,
          selection: selectionName(selection).toLowerCase(),
          type: kind,
          guestType: nameOf(AgentClipboardType, got.guestType),
          bytes: got.data.length,
          ...(flags.output ? {file: flags.output} : {text: Buffer.from(got.data).toString('utf8')}),
        });
      }
    } finally {
      session.close();
    }
  }
}
