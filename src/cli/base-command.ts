/**
 * The base of every command that talks to a SPICE server: the global flags, one session, and the
 * mapping of every failure to the exit codes in README ("Exit codes").
 */
import {Command, Flags, type Interfaces} from '@oclif/core';
import {asSpiceError, ExitCode, SpiceError} from '../client/errors.js';
import {createLogger, redact, type Logger} from '../client/log.js';
import type {SessionOptions, SpiceSession} from '../client/session.js';
import {canPrompt, passwordFromFlags, promptPassword} from './password.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof SessionCommand)['baseFlags'] & T['flags']>;

/** Flags shared by every command: output and error handling. */
export abstract class SpiceCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({description: 'Print machine-readable JSON on stdout (errors too).', default: false, helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({char: 'v', description: 'Trace protocol messages to stderr (secrets redacted).', default: false, helpGroup: 'GLOBAL'}),
  };

  protected jsonOut = false;

  protected printJson(value: unknown): void {
    process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    // oclif's own parse errors (unknown flag, missing arg) are usage errors.
    const isOclifUsage = err.oclif?.exit !== undefined && !(err instanceof SpiceError);
    const e = isOclifUsage ? new SpiceError('usage', err.message) : asSpiceError(err);
    if (this.jsonOut || process.argv.includes('--json')) {
      this.printJson({ok: false, error: {kind: e.kind, exitCode: e.exitCode, message: redact(e.message)}});
    } else {
      process.stderr.write(`spice-cli: ${redact(e.message)}\n`);
      if (e.message.startsWith('internal error') && process.env.SPICE_CLI_DEBUG) process.stderr.write(String(err.stack) + '\n');
    }
    process.exitCode = e.exitCode;
  }
}

/** A command over one session: adds the connection flags. */
export abstract class SessionCommand extends SpiceCommand {
  static override baseFlags = {
    ...SpiceCommand.baseFlags,
    uri: Flags.string({
      char: 'u',
      description: 'Server URI: spice://HOST:PORT[?tls-port=N], spice+tls://HOST:PORT or spice+unix:///PATH.',
      env: 'SPICE_URI',
      helpGroup: 'CONNECTION',
    }),
    'password-file': Flags.string({description: 'Read the password from this file (else SPICE_PASSWORD, else a prompt on a terminal).', helpGroup: 'CONNECTION'}),
    'ca-file': Flags.string({description: 'PEM CA certificate(s) to verify the server with (TLS).', helpGroup: 'CONNECTION'}),
    'host-subject': Flags.string({description: 'Expected server certificate subject, e.g. "C=XX,O=Org,CN=host" (instead of the host name check).', helpGroup: 'CONNECTION'}),
    insecure: Flags.boolean({description: 'Do not verify the server certificate (TLS).', default: false, helpGroup: 'CONNECTION'}),
    timeout: Flags.integer({description: 'Seconds any single wait may take before exit 40.', default: 10, min: 1, helpGroup: 'CONNECTION'}),
    record: Flags.string({description: 'Record every protocol message of the session to FILE (.spicerec; never holds the password).', helpGroup: 'CONNECTION'}),
  };

  protected logger!: Logger;
  private recorder?: import('../client/recording/writer.js').RecordingWriter;

  protected async sessionOptions(flags: {
    'password-file'?: string;
    'ca-file'?: string;
    'host-subject'?: string;
    insecure: boolean;
    timeout: number;
    verbose: boolean;
    record?: string;
  }): Promise<SessionOptions> {
    this.logger = createLogger(flags.verbose ? 'trace' : 'warn', (l) => process.stderr.write(l + '\n'));
    if (flags.record) {
      const {RecordingWriter} = await import('../client/recording/writer.js');
      this.recorder = new RecordingWriter(flags.record, `spice-cli ${this.id ?? ''}`, {argv: this.argv.filter((a) => !a.includes('password'))});
    }
    return {
      tap: this.recorder?.tap,
      password: passwordFromFlags(flags['password-file']),
      caFile: flags['ca-file'],
      hostSubject: flags['host-subject'],
      insecure: flags.insecure,
      timeoutMs: flags.timeout * 1000,
      logger: this.logger,
    };
  }

  protected requireUri(uri: string | undefined): string {
    if (!uri) throw new SpiceError('usage', 'no server given: pass --uri spice://HOST:PORT or set SPICE_URI');
    return uri;
  }

  /** Connects; on a refused password with no password given and a terminal, asks once and retries. */
  protected async openSession(uri: string, opts: SessionOptions): Promise<SpiceSession> {
    const {SpiceSession} = await import('../client/session.js');
    let session: SpiceSession;
    try {
      session = await SpiceSession.connect(uri, opts);
    } catch (e) {
      if (e instanceof SpiceError && e.kind === 'auth' && opts.password === undefined && canPrompt()) {
        const password = await promptPassword();
        session = await SpiceSession.connect(uri, {...opts, password});
      } else throw e;
    }
    return session;
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    this.recorder?.close();
    return super.finally(err);
  }
}

export {ExitCode};
