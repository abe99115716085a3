/**
 * The base of every command, lab included: the global flags, one JSON envelope, one Ctrl-C/SIGTERM path and
 * the mapping of every failure to the exit codes in README ("Exit codes").
 *
 * - JSON: `{ok: true, ...report}` on success (report() / printJson()), `{ok: false, error: {kind, exitCode,
 *   message}, ...details}` on failure (catch()).
 * - Signals: the first SIGINT/SIGTERM aborts `this.signal`; actions stop at once, release every key and
 *   button, cancel transfers, and throw an 'interrupted' SpiceError; the exit code is 128 + the signal
 *   number (130, 143). A second signal exits at once.
 */
import {existsSync} from 'node:fs';
import {Command, Flags} from '@oclif/core';
import {asSpiceError, ExitCode, interruptedError, SpiceError} from '../client/errors.js';
import {suggest} from '../client/suggest.js';
import {durationFlag} from './duration.js';
import {createLogger, redact, type Logger} from '../client/log.js';
import type {SessionOptions, SpiceSession} from '../client/session.js';
import {canPrompt, passwordFromFlags, promptPassword} from './password.js';

/** Exit codes after a signal (128 + its number), as shells report them. */
const EXIT_ON_SIGNAL = {SIGINT: 130, SIGTERM: 143} as const;
type HandledSignal = keyof typeof EXIT_ON_SIGNAL;
/** How long an action has after the signal to stop on its own (and report what it did) before withSession gives up on it. */
const ACTION_GRACE_MS = 250;
/** How long a command has after the signal to end (release, cancel, write its report) before the process exits anyway. */
const FORCED_EXIT_MS = 5000;

/** What a failure looks like in the JSON envelope and on stderr. */
export interface Failure {
  kind: string;
  exitCode: number;
  message: string;
  /** Extra top-level fields of the JSON envelope (e.g. the keystrokes sent before an interrupt). */
  details?: Record<string, unknown>;
  /** Extra fields of the envelope's `error` object. */
  errorFields?: Record<string, unknown>;
}

export abstract class SpiceCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({description: 'Print machine-readable JSON on stdout (errors too).', default: false, helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({char: 'v', description: 'Trace protocol messages to stderr (secrets redacted).', default: false, helpGroup: 'GLOBAL'}),
  };

  private readonly aborter = new AbortController();
  private signalled?: HandledSignal;
  private readonly onSignal = (sig: HandledSignal): void => {
    if (this.signalled) process.exit(EXIT_ON_SIGNAL[sig]); // a second Ctrl-C does not wait for anything
    this.signalled = sig;
    this.aborter.abort();
    // A command stuck in a wait that no signal reaches still ends, as it would without a handler.
    setTimeout(() => process.exit(EXIT_ON_SIGNAL[sig]), FORCED_EXIT_MS).unref();
  };

  /** Aborted by the first Ctrl-C or SIGTERM while the command runs. */
  protected get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /** The exit code of the signal that interrupted the command: 130 (SIGINT, also before any) or 143 (SIGTERM). */
  protected get interruptedExitCode(): number {
    return EXIT_ON_SIGNAL[this.signalled ?? 'SIGINT'];
  }

  /** Whether --json was given (also before or without a successful parse). */
  protected get jsonOut(): boolean {
    return this.argv.includes('--json') || process.argv.includes('--json');
  }

  override async init(): Promise<void> {
    await super.init();
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  protected printJson(value: unknown): void {
    process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
  }

  /**
   * The command's result: the JSON envelope `{ok: true, ...report}` with --json, else `human(report)` (a
   * string goes to stderr; a function may print what it likes).
   */
  protected report<T extends object>(report: T, human?: string | ((r: T) => void)): void {
    if (this.jsonOut) this.printJson({ok: true, ...report});
    else if (typeof human === 'string') process.stderr.write(`${human}\n`);
    else human?.(report);
  }

  /** Maps anything thrown to its kind and exit code. Commands with their own error kinds override it. */
  protected classify(err: unknown): Failure {
    const e = err as Error & {oclif?: {exit?: number}};
    // oclif's own parse errors (unknown flag, missing arg) are usage errors.
    if (e?.oclif?.exit !== undefined && !(err instanceof SpiceError)) return {kind: 'usage', exitCode: ExitCode.USAGE, message: this.withFlagSuggestion(e.message)};
    const s = asSpiceError(err);
    return {kind: s.kind, exitCode: s.exitCode, message: s.message, details: s.details};
  }

  /** oclif's "Nonexistent flag: --regoin" with the nearest flag of this command. */
  private withFlagSuggestion(message: string): string {
    const m = /Nonexistent flags?: (-{1,2})([\w-]+)/.exec(message);
    if (!m) return message;
    const ctor = this.constructor as typeof Command;
    // Old spellings (aliases) are candidates too, answered with the flag's own name.
    const flags = Object.entries({...ctor.baseFlags, ...ctor.flags});
    const nameOf = new Map(flags.flatMap(([name, f]) => [name, ...(f.aliases ?? [])].map((n) => [n, name] as const)));
    const near = suggest(m[2]!, [...nameOf.keys()]);
    return near ? message.replace(/\n|$/, ` (did you mean --${nameOf.get(near)}?)\n`).trimEnd() : message;
  }

  protected override async catch(err: Error & {code?: string}): Promise<void> {
    if (err?.code === 'EEXIT') throw err; // this.exit() inside the command: already decided
    const f = this.classify(err);
    if (this.signalled && f.kind === 'interrupted') f.exitCode = EXIT_ON_SIGNAL[this.signalled];
    const message = redact(f.message);
    if (this.jsonOut) {
      this.printJson({ok: false, ...f.details, error: {kind: f.kind, exitCode: f.exitCode, message, ...f.errorFields}});
    } else {
      process.stderr.write(`spice-cli: ${message}\n`);
      if (message.startsWith('internal error') && process.env.SPICE_CLI_DEBUG) process.stderr.write(String(err.stack) + '\n');
    }
    process.exitCode = f.exitCode;
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    return super.finally(err);
  }
}

/** The connection flags, as parsed. */
export interface ConnectionFlags {
  uri?: string;
  'password-file'?: string;
  'ca-file'?: string;
  'host-subject'?: string;
  insecure: boolean;
  /** ms (the --timeout duration). */
  timeout: number;
  verbose: boolean;
  record?: string;
}

/** Which channels and what display handling a command's session needs. */
export interface SessionSpec {
  /** Channel types to link besides main (default: every channel the server lists). */
  channels?: readonly number[];
  /** Decode the display into surfaces. */
  render?: boolean;
  display?: SessionOptions['display'];
  /** Audio caps (Opus). */
  audio?: SessionOptions['audio'];
}

/** A command over one session: adds the connection flags and opens, uses and closes the session. */
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
    timeout: durationFlag({name: 'timeout', unit: 's', description: 'Longest any single wait may take before exit 40; 0 for no limit.', defaultMs: 10_000, zeroMeansNoLimit: true, helpGroup: 'CONNECTION'}),
    record: Flags.string({description: 'Record every protocol message of the session to FILE (.spicerec; never holds the password).', helpGroup: 'CONNECTION'}),
  };

  protected logger!: Logger;
  private recorder?: import('../client/actions/recording.js').RecordingWriter;

  /** The session options the connection flags give (logger, recorder, password, TLS, timeout). */
  protected async sessionOptions(flags: ConnectionFlags): Promise<SessionOptions> {
    if (flags['ca-file'] !== undefined && !existsSync(flags['ca-file'])) throw new SpiceError('usage', `--ca-file ${flags['ca-file']}: no such file`);
    this.logger = createLogger(flags.verbose ? 'trace' : 'warn', (l) => process.stderr.write(l + '\n'));
    if (flags.record && !this.recorder) {
      const {RecordingWriter} = await import('../client/actions/recording.js');
      this.recorder = new RecordingWriter(flags.record, `spice-cli ${this.id ?? ''}`, {argv: this.argv.filter((a) => !a.includes('password'))});
    }
    return {
      tap: this.recorder?.tap,
      password: passwordFromFlags(flags['password-file']),
      caFile: flags['ca-file'],
      hostSubject: flags['host-subject'],
      insecure: flags.insecure,
      timeoutMs: flags.timeout,
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
    try {
      return await SpiceSession.connect(uri, opts);
    } catch (e) {
      if (e instanceof SpiceError && e.kind === 'auth' && opts.password === undefined) {
        if (!canPrompt()) {
          throw new SpiceError('auth', 'the server requires a password: give it with --password-file FILE or the SPICE_PASSWORD environment variable (on a terminal spice-cli asks for it)', {cause: e});
        }
        const password = await promptPassword();
        return SpiceSession.connect(uri, {...opts, password});
      }
      throw e;
    }
  }

  /**
   * The body of every session command: connects as the flags say with the channels `spec` names, runs
   * `fn` (one action call) with the session and the command's abort signal, and closes the session.
   */
  protected async withSession<T>(flags: ConnectionFlags, spec: SessionSpec, fn: (session: SpiceSession, signal: AbortSignal) => Promise<T>): Promise<T> {
    const uri = this.requireUri(flags.uri);
    const opts = await this.sessionOptions(flags);
    const wanted = spec.channels ? new Set(spec.channels) : undefined;
    const session = await this.openSession(uri, {
      ...opts,
      ...(spec.render ? {render: true} : {}),
      ...(spec.display ? {display: spec.display} : {}),
      ...(spec.audio ? {audio: spec.audio} : {}),
      ...(wanted ? {channelFilter: (type: number) => wanted.has(type)} : {}),
    });
    // An action that does not stop on the signal by itself is given up after a short grace: the session closes.
    let onAbort = () => {};
    const interrupted = new Promise<never>((_, reject) => {
      onAbort = () => setTimeout(() => reject(interruptedError('interrupted')), ACTION_GRACE_MS).unref();
      this.signal.addEventListener('abort', onAbort, {once: true});
    });
    interrupted.catch(() => undefined);
    try {
      return await Promise.race([fn(session, this.signal), interrupted]);
    } finally {
      this.signal.removeEventListener('abort', onAbort);
      session.close();
    }
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    this.recorder?.close();
    return super.finally(err);
  }
}

export {ExitCode};
