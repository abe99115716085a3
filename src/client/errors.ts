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
  /** Ctrl-C (SIGINT); SIGTERM gives 143. Every key and button is released first. */
  INTERRUPTED: 130,
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
  | 'timeout'
  | 'interrupted';

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
  interrupted: ExitCode.INTERRUPTED,
};

export class SpiceError extends Error {
  readonly kind: ErrorKind;
  readonly exitCode: ExitCode;
  /** Facts of a partial result that a front end reports beside the error (keystrokes sent before an interrupt). */
  readonly details?: Record<string, unknown>;
  constructor(kind: ErrorKind, message: string, options?: {cause?: unknown; details?: Record<string, unknown>}) {
    super(message, options);
    this.name = 'SpiceError';
    this.kind = kind;
    this.exitCode = codeOfKind[kind];
    this.details = options?.details;
  }
}

export const protocolError = (message: string): SpiceError => new SpiceError('protocol', message);
export const timeoutError = (what: string, ms: number): SpiceError =>
  new SpiceError('timeout', `timed out after ${formatMs(ms)} waiting for ${what}`);

/** A duration for messages: "250 ms", "2.5 s". */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(Math.round(ms / 100) / 10).toString()} s` : `${Math.round(ms)} ms`;
}

/** Plain words for the file system errors a user meets. */
const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'it exists already',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

/** The words that differ when the error came from making or checking the folder a file is written in. */
const FOLDER_ERRORS: Record<string, string> = {
  EEXIST: 'a part of its folder path is a file',
  ENOTDIR: 'a part of its folder path is a file',
  EPERM: 'permission denied',
};

/** A file system error (a Node error with a code) in plain words, else its code or message. */
export function fileErrorWords(err: unknown, place: 'file' | 'folder' = 'file'): string {
  const {code, message} = (err ?? {}) as {code?: unknown; message?: unknown};
  const c = typeof code === 'string' ? code : '';
  return (place === 'folder' ? FOLDER_ERRORS[c] : undefined) ?? FILE_ERRORS[c] ?? (c || String(message ?? err));
}

/**
 * The usage error (exit 2) for an output file that cannot be written; `folder` when the error came from making or
 * checking its folder.
 */
export function cannotWriteError(file: string, err: unknown, folder?: string): SpiceError {
  const words = fileErrorWords(err, folder === undefined ? 'file' : 'folder');
  return new SpiceError('usage', `cannot write ${file}: ${words}${folder === undefined ? '' : ` (folder ${folder})`}`, {cause: err});
}

/**
 * Turns anything thrown into a SpiceError. A local file problem (a Node error naming a path: ENOENT, EACCES...)
 * is a usage/input error (exit 2) naming the file, not an internal one.
 */
export function asSpiceError(err: unknown): SpiceError {
  if (err instanceof SpiceError) return err;
  const fsErr = err as NodeJS.ErrnoException | undefined;
  if (fsErr && typeof fsErr.path === 'string' && typeof fsErr.code === 'string') {
    const what = fsErr.syscall === 'open' || fsErr.syscall === 'copyfile' || fsErr.syscall === 'mkdir' ? '' : ` (${fsErr.syscall})`;
    const to = (fsErr as {dest?: unknown}).dest;
    const dest = typeof to === 'string' ? ` → ${to}` : '';
    return new SpiceError('usage', `cannot use ${fsErr.path}${dest}${what}: ${fileErrorWords(fsErr)}`, {cause: err});
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SpiceError('protocol', `internal error: ${message}`, {cause: err});
}

/** The error an action throws when its AbortSignal fired (Ctrl-C): exit 130, or 143 after SIGTERM. */
export function interruptedError(message: string, details?: Record<string, unknown>): SpiceError {
  return new SpiceError('interrupted', message, {details: {interrupted: true, ...details, message}});
}
