import {closeSync, openSync, statSync} from 'node:fs';
import {basename, resolve} from 'node:path';
import {Args} from '@oclif/core';
import {SessionCommand} from '../cli/base-command.js';
import {plainXferView, mibps, shown, type XferView} from '../cli/xfer-progress.js';
import {GuestAgent} from '../client/agent/agent.js';
import {sendFile, type XferOutcome} from '../client/agent/file-xfer.js';
import {SpiceError} from '../client/errors.js';
import {liveProgress} from '../cli/terminal.js';

/** Exit codes after Ctrl-C / SIGTERM (128 + the signal number), as shells report them. */
const EXIT_ON_SIGNAL = {SIGINT: 130, SIGTERM: 143} as const;

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
    this.jsonOut = flags.json;
    const files = (argv as string[]).map(checkReadable);
    const uri = this.requireUri(flags.uri);
    const opts = await this.sessionOptions(flags);
    const timeoutMs = flags.timeout * 1000;
    const session = await this.openSession(uri, {...opts, channelFilter: () => false});
    const ac = new AbortController();
    let signalled: keyof typeof EXIT_ON_SIGNAL | undefined;
    const onSignal = (sig: keyof typeof EXIT_ON_SIGNAL) => {
      if (signalled) process.exit(EXIT_ON_SIGNAL[sig]); // a second Ctrl-C does not wait for the guest
      signalled = sig;
      ac.abort();
    };
    let view: XferView | undefined;
    const outcomes: XferOutcome[] = [];
    try {
      const agent = await GuestAgent.open(session, {timeoutMs});
      try {
        view = await progressView(flags.verbose);
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        for (const f of files) {
          if (ac.signal.aborted) break;
          const o = await sendFile(agent, f.path, {timeoutMs, signal: ac.signal, onProgress: (p) => view?.progress(p)});
          outcomes.push(o);
          view.done(o);
        }
      } finally {
        view?.close();
        agent.close();
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      session.close();
    }
    this.report(outcomes, signalled && EXIT_ON_SIGNAL[signalled]);
  }

  private report(outcomes: XferOutcome[], interrupted: number | undefined): void {
    const refused = outcomes.filter((o) => !o.ok && !o.cancelledByClient);
    const message = interrupted !== undefined
      ? 'interrupted: the transfer was cancelled'
      : refused.map((o) => `${shown(o.name)}: the guest agent refused it (${o.status}): ${o.reason}`).join('; ');
    const code = interrupted ?? (refused.length ? 1 : 0);
    if (this.jsonOut) {
      const files = outcomes.map((o) => ({
        name: o.name,
        size: o.size,
        ms: o.ms,
        MiBps: o.ok ? mibps(o.size, o.ms) : 0,
        status: o.status,
        ...(o.ok ? {} : {sent: o.sent, reason: o.cancelledByClient ? 'cancelled by spice-cli' : o.reason}),
        ...(o.detail?.diskFreeSpace !== undefined ? {guestFreeBytes: o.detail.diskFreeSpace} : {}),
        ...(o.detail?.errorCode !== undefined ? {errorType: o.detail.errorType, errorCode: o.detail.errorCode} : {}),
      }));
      this.printJson({ok: code === 0, files, ...(code ? {error: {kind: interrupted !== undefined ? 'interrupted' : 'expectation', exitCode: code, message}} : {})});
    } else if (code) {
      process.stderr.write(`spice-cli: ${message}\n`);
    }
    if (!this.jsonOut && !process.stderr.isTTY && outcomes.length > 1) process.stderr.write(`${outcomes.filter((o) => o.ok).length} of ${outcomes.length} files sent\n`);
    process.exitCode = code;
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

