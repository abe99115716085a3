/**
 * A root shell over the guest's serial console (QEMU's `-chardev socket,...,server=on` on a
 * unix socket), for tests that check what the guest sees. Output is delimited with unique
 * marker echoes, so prompts, echoed input and line editing do not matter.
 */
import {randomBytes} from 'node:crypto';
import net from 'node:net';

import {SpiceError, timeoutError} from '../../client/errors.js';

export interface RunResult {
  output: string;
  /** Exit status of the command ($? after it). */
  status: number;
}

export interface SerialShell {
  /** Everything received so far (\r removed). */
  readonly transcript: string;
  /** Waits until `pattern` appears in output received after the last match; returns the matched text. */
  waitFor(pattern: RegExp | string, timeoutMs: number): Promise<string>;
  /** Runs a shell command line; resolves with its output (stdout and stderr, \r removed, no trailing newline). */
  run(cmd: string, timeoutMs?: number): Promise<string>;
  /** Like run, with the exit status too. */
  exec(cmd: string, timeoutMs?: number): Promise<RunResult>;
  /** Sends raw text. */
  write(text: string): void;
  /** Waits until the guest's shell answers (probing every second); resolves with the time it took. */
  waitForShell(timeoutMs: number): Promise<number>;
  close(): void;
}

/** Connects to a serial console unix socket (retrying briefly while it does not exist yet). */
export async function connectSerial(path: string, connectTimeoutMs = 5000): Promise<SerialShell> {
  const deadline = Date.now() + connectTimeoutMs;
  let socket: net.Socket;
  for (;;) {
    try {
      socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.createConnection(path);
        s.once('connect', () => {
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
      break;
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new SpiceError('connect', `cannot connect to the guest serial console ${path}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return new Serial(socket);
}

interface Waiter {
  test: () => boolean;
  resolve: () => void;
}

class Serial implements SerialShell {
  private buf = '';
  /** Matches are searched from here on. */
  private pos = 0;
  private waiters = new Set<Waiter>();
  private closed = false;
  private closeReason = '';
  /** Commands are serialized: one marker pair in flight at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buf += chunk.replace(/\r/g, '');
      this.poke();
    });
    socket.on('close', () => {
      this.closed = true;
      this.closeReason ||= 'the serial console closed';
      this.poke();
    });
    socket.on('error', (err) => {
      this.closeReason = `serial console error: ${err.message}`;
    });
  }

  get transcript(): string {
    return this.buf;
  }

  private poke(): void {
    for (const w of [...this.waiters]) {
      if (w.test()) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  write(text: string): void {
    if (!this.closed) this.socket.write(text);
  }

  waitFor(pattern: RegExp | string, timeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      let matched = '';
      const test = (): boolean => {
        const hay = this.buf.slice(this.pos);
        if (typeof pattern === 'string') {
          const i = hay.indexOf(pattern);
          if (i < 0) return false;
          matched = pattern;
          this.pos += i + pattern.length;
          return true;
        }
        const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
        const m = re.exec(hay);
        if (!m) return false;
        matched = m[0];
        this.pos += m.index + m[0].length;
        return true;
      };
      if (test()) {
        resolve(matched);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const w: Waiter = {
        test: () => test() || this.closed,
        resolve: () => {
          clearTimeout(timer);
          if (matched || !this.closed) resolve(matched);
          else reject(new SpiceError('connection-lost', `${this.closeReason} while waiting for ${String(pattern)}`));
        },
      };
      if (this.closed) {
        reject(new SpiceError('connection-lost', `${this.closeReason} while waiting for ${String(pattern)}`));
        return;
      }
      timer = setTimeout(() => {
        this.waiters.delete(w);
        const tail = this.buf.slice(Math.max(this.pos, this.buf.length - 400));
        const err = timeoutError(`${String(pattern)} on the guest serial console`, timeoutMs);
        err.message += tail ? `; last output:\n${tail}` : '; no output since';
        reject(err);
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  exec(cmd: string, timeoutMs = 10_000): Promise<RunResult> {
    const task = this.queue.then(() => this.execNow(cmd, timeoutMs));
    this.queue = task.catch(() => undefined);
    return task;
  }

  private async execNow(cmd: string, timeoutMs: number): Promise<RunResult> {
    const id = randomBytes(5).toString('hex');
    // The quotes split the markers in the echoed command line, so only the echo output matches.
    const begin = `__SPB_${id}__`;
    const end = `__SPE_${id}__`;
    // One line: the shell echoes it whole before running it, so no echo lands inside the output.
    const body = cmd.trim().replace(/;+$/, '');
    this.write(`echo __SPB_""${id}__; ${body}; echo __SPE_""${id}__$?\n`);
    await this.waitFor(`${begin}\n`, timeoutMs);
    const startAt = this.pos;
    const m = await this.waitFor(new RegExp(`${end}(\\d+)\\n`), timeoutMs);
    const endAt = this.pos - m.length;
    const output = this.buf.slice(startAt, endAt).replace(/\n$/, '');
    const status = Number(/(\d+)\n$/.exec(m)?.[1] ?? '0');
    return {output, status};
  }

  async run(cmd: string, timeoutMs = 10_000): Promise<string> {
    return (await this.exec(cmd, timeoutMs)).output;
  }

  async waitForShell(timeoutMs: number): Promise<number> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    const id = randomBytes(5).toString('hex');
    const answer = `__SPR_${id}__`;
    for (let probe = 0; ; probe++) {
      if (this.closed) throw new SpiceError('connection-lost', `${this.closeReason} while waiting for the guest shell`);
      // Ctrl-C drops whatever half line the shell holds, but a SIGINT that lands while a respawned shell is still
      // starting kills it: sent on every probe (each second) under a loaded TCG guest, no shell ever got going
      // (CI: probes echoed for 120 s, no answer). So only every fifth probe carries it. The probe has no quotes
      // (a backslash splits the marker in the echoed line instead): a probe cut short while the shell was
      // starting once left an odd quote open, and every later probe only continued it ("> " prompts).
      this.write(`${probe % 5 === 4 ? '\x03' : ''}\necho __SPR_\\${id}__\n`);
      const left = deadline - Date.now();
      try {
        await this.waitFor(answer, Math.max(1, Math.min(1000, left)));
        // Let answers to earlier probes arrive, then start matching after them.
        await new Promise((r) => setTimeout(r, 150));
        this.pos = this.buf.length;
        return Date.now() - started;
      } catch (err) {
        if (err instanceof SpiceError && err.kind === 'timeout' && Date.now() < deadline) continue;
        if (err instanceof SpiceError && err.kind === 'timeout') {
          const tail = this.buf.slice(-600);
          throw new SpiceError(
            'timeout',
            `timed out after ${Math.round(timeoutMs / 1000)} s waiting for the guest shell on the serial console` +
              (tail ? `; last output:\n${tail}` : '; the guest printed nothing'),
          );
        }
        throw err;
      }
    }
  }

  close(): void {
    this.closed = true;
    this.closeReason = 'the serial console was closed';
    this.socket.destroy();
    this.poke();
  }
}

