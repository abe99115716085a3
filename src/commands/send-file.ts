import {closeSync, openSync, statSync} from 'node:fs';
import {basename, resolve} from 'node:path';
import {Args} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {plainXferView, type XferView} from '../cli/xfer-progress.js';
import type {XferOutcome} from '../client/actions/files.js';
import {sendFiles} from '../client/actions/files.js';
import {SpiceError} from '../client/errors.js';
import {liveProgress} from '../cli/terminal.js';

export default class SendFile extends SessionCommand {
  static override summary = 'Send files to the guest through its agent (spice-vdagent saves them in its transfer directory).';
  static override description = `Each file goes as FILE_XFER_START, then data once the guest agrees, then waits for the guest's final status. Files are sent one after the other; a file the guest refuses (no space, locked session, cannot save) is reported with the guest's reason and the others are still sent (exit 1). A file that already exists on the guest is saved by spice-vdagent as "NAME (1).EXT". Progress: a bar on a terminal, plain lines on stderr otherwise. Ctrl-C cancels the file being sent (the guest deletes the partial file) and exits 130. Unreadable files: exit 2 before connecting; no guest agent: exit 30; a wait longer than --timeout: exit 40.`;
  static override examples = [
    '<%= config.bin %> send-file --uri spice://127.0.0.1:5900 report.pdf',
    '<%= config.bin %> send-file a.txt b.png --json',
  ];
  static override strict = false;
  static override args = {
    file: Args.string({description: 'Files to send (regular files; several allowed).', required: true}),
  };

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SendFile);
    const files = (argv as string[]).map(checkReadable);
    const outcomes: XferOutcome[] = [];
    try {
      const out = await this.withSession(flags, {channels: []}, async (s, signal) => {
        const view = await progressView(flags.verbose);
        try {
          return await sendFiles(s, files, {timeoutMs: flags.timeout, signal, onProgress: (p) => view.progress(p), onFile: (o) => (outcomes.push(o), view.done(o))});
        } finally {
          view.close();
        }
      });
      this.report(out, () => undefined);
    } finally {
      if (!flags.json && !process.stderr.isTTY && outcomes.length > 1) process.stderr.write(`${outcomes.filter((o) => o.ok).length} of ${outcomes.length} files sent\n`);
    }
  }
}

/** A path that is a regular file we can open, else a usage error (exit 2) before connecting. */
function checkReadable(arg: string): {path: string; name: string} {
  const path = resolve(arg);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
    if (isFile) closeSync(openSync(path, 'r'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpiceError('usage', `cannot read ${arg}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  if (!isFile) throw new SpiceError('usage', `cannot send ${arg}: not a regular file`);
  return {path, name: basename(path)};
}

async function progressView(verbose: boolean): Promise<XferView> {
  if (liveProgress(verbose)) return (await import('../cli/xfer-progress-ink.js')).inkXferView(process.stderr);
  return plainXferView(process.stderr);
}

