/**
 * Where a password comes from: --password-file FILE, then SPICE_PASSWORD, then (only when stdin is a
 * terminal and the server refused us) a prompt with echo off. The value is never printed or logged.
 */
import {readFileSync} from 'node:fs';
import {SpiceError} from '../client/errors.js';

export function passwordFromFlags(passwordFile: string | undefined, env = process.env): string | undefined {
  if (passwordFile) {
    try {
      // One line: a trailing newline is not part of the password.
      return readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new SpiceError('usage', `cannot read --password-file ${passwordFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return env.SPICE_PASSWORD || undefined; // an empty variable is no password
}

export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Reads a password from the terminal without echo. */
export function promptPassword(question = 'SPICE password: '): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    // Echo off before the prompt shows: a password typed at once must not be echoed.
    stdin.setRawMode(true);
    process.stderr.write(question);
    let value = '';
    stdin.resume();
    stdin.setEncoding('utf8');
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new SpiceError('auth', 'password prompt cancelled'));
          return;
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
