import {Flags} from '@oclif/core';
import {durationFlag} from '../../cli/duration.js';
import {SessionCommand} from '../../cli/base-command.js';
import {selectionFlag, selectionOf} from '../../cli/clipboard-input.js';
import type {ClipKind} from '../../client/actions/clipboard.js';
import {getClipboard} from '../../client/actions/clipboard.js';
import {prepareOutput, writeOutput} from '../../client/actions/capture.js';
import {SpiceError} from '../../client/errors.js';

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
    wait: durationFlag({name: 'wait', unit: 's', description: 'If the selection holds no such data, wait this long for the guest to copy some.'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(ClipboardGet);
    const kind = flags.type as ClipKind;
    const selection = selectionOf(flags.selection);
    const waitMs = flags.wait ?? 0;
    if (kind === 'image' && !flags.output && (flags.json || process.stdout.isTTY)) {
      throw new SpiceError('usage', 'an image needs -o FILE (or stdout redirected to a file)');
    }
    if (flags.output) prepareOutput(flags.output);
    const out = await this.withSession(flags, {channels: []}, (s) => getClipboard(s, selection, kind, {timeoutMs: flags.timeout, waitMs}));
    const {data, ...report} = out;
    if (flags.output) writeOutput(flags.output, data);
    else if (!flags.json) process.stdout.write(data);
    this.report({...report, ...(flags.output ? {file: flags.output} : {text: Buffer.from(data).toString('utf8')})}, () => undefined);
  }
}
