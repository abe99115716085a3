/**
 * A tiny logger: protocol trace (--verbose) and notices to a sink (the CLI: stderr). Secrets never reach it: callers pass
 * only message names and sizes, and redact() masks any registered secret that slips into a text.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';
const order: Record<LogLevel, number> = {error: 0, warn: 1, info: 2, debug: 3, trace: 4};

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  trace(msg: string): void;
  enabled(level: LogLevel): boolean;
}

const secrets = new Set<string>();
/** Registers a secret (a password) so that it is masked wherever it would be printed. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 1) secrets.add(secret);
}
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/** `sink` receives each line (the CLI writes them to stderr). */
export function createLogger(level: LogLevel, sink: (line: string) => void): Logger {
  const at = (lvl: LogLevel) => (msg: string) => {
    if (order[lvl] <= order[level]) sink(`[spice-cli ${lvl}] ${redact(msg)}`);
  };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    enabled: (lvl) => order[lvl] <= order[level],
  };
}

export const silentLogger: Logger = createLogger('error', () => {});
