/**
 * Every failure spice-cli reports is a SpiceError with one of these exit codes.
 * The table is documented in README.md ("Exit codes"); keep them in step.
 */
export const ExitCode = {
  OK: 0,
  EXPECTATION_FAILED: 1,
  USAGE: 2,
  AUTH_FAILED: 3,
  CANNOT_CONNECT: 10,
  CONNECTION_LOST: 11,
  PROTOCOL: 20,
  /** The server has no guest agent connected (clipboard, resize, file transfer need one). */
  NO_AGENT: 30,
  TIMEOUT: 40,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorKind =
  | 'expectation'
  | 'usage'
  | 'auth'
  | 'connect'
  | 'connection-lost'
  | 'protocol'
  | 'tls'
  | 'no-agent'
  | 'timeout';

const codeOfKind: Record<ErrorKind, ExitCode> = {
  expectation: ExitCode.EXPECTATION_FAILED,
  usage: ExitCode.USAGE,
  auth: ExitCode.AUTH_FAILED,
  connect: ExitCode.CANNOT_CONNECT,
  tls: ExitCode.CANNOT_CONNECT,
  'connection-lost': ExitCode.CONNECTION_LOST,
  protocol: ExitCode.PROTOCOL,
  'no-agent': ExitCode.NO_AGENT,
  timeout: ExitCode.TIMEOUT,
};

export class SpiceError extends Error {
  readonly kind: ErrorKind;
  readonly exitCode: ExitCode;
  constructor(kind: ErrorKind, message: string, options?: {cause?: unknown}) {
    super(message, options);
    this.name = 'SpiceError';
    this.kind = kind;
    this.exitCode = codeOfKind[kind];
  }
}

export const protocolError = (message: string): SpiceError => new SpiceError('protocol', message);
export const timeoutError = (what: string, ms: number): SpiceError =>
  new SpiceError('timeout', `timed out after ${formatMs(ms)} waiting for ${what}`);

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(Math.round(ms / 100) / 10).toString()} s` : `${Math.round(ms)} ms`;
}

/** Turns anything thrown into a SpiceError, keeping the plain message of Node system errors. */
export function asSpiceError(err: unknown): SpiceError {
  if (err instanceof SpiceError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SpiceError('protocol', `internal error: ${message}`, {cause: err});
}
