/**
 * A minimal QMP (QEMU Machine Protocol) client over QEMU's unix socket: the greeting, the
 * capabilities handshake, then commands in order, one at a time. Events are skipped.
 */
import net from 'node:net';
import {SpiceError} from '../client/errors.js';

export interface QmpCommand {
  execute: string;
  arguments?: unknown;
}

interface QmpMessage {
  QMP?: unknown;
  return?: unknown;
  error?: {desc?: string};
  event?: string;
}

/**
 * One QMP exchange as a state machine fed with the server's lines: `receive` returns what to do
 * next ('continue', 'done' once every command has its return value, or the error to fail with).
 */
class QmpConversation {
  readonly results: unknown[] = [];
  /** -1: greeting awaited, 0: capabilities sent, then the index + 1 of the command in flight. */
  private stage = -1;
  /** Whether the last command was written (a connection closed after that counts as success). */
  sentAll = false;

  constructor(
    private readonly commands: QmpCommand[],
    private readonly write: (message: object) => void,
  ) {}

  receive(line: string): 'continue' | 'done' | Error {
    let msg: QmpMessage;
    try {
      msg = JSON.parse(line) as QmpMessage;
    } catch {
      return 'continue';
    }
    if (msg.event) return 'continue';
    if (this.stage === -1 && msg.QMP) {
      this.stage = 0;
      this.write({execute: 'qmp_capabilities'});
      return 'continue';
    }
    if (msg.error) return new SpiceError('protocol', `QMP error: ${msg.error.desc ?? line}`);
    if (!('return' in msg)) return 'continue';
    if (this.stage > 0) this.results.push(msg.return);
    return this.sendNext();
  }

  private sendNext(): 'continue' | 'done' {
    const cmd = this.commands[this.stage];
    if (!cmd) return 'done';
    this.stage++;
    if (this.stage === this.commands.length) this.sentAll = true;
    this.write(cmd);
    return 'continue';
  }
}

/** Calls `onLine` with each non-empty, trimmed line of a stream of text chunks; stops when it returns false. */
function lineReader(onLine: (line: string) => boolean): (chunk: string) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line && !onLine(line)) return;
    }
  };
}

/**
 * Runs QMP commands in order (after the capabilities handshake) and returns their "return"
 * values. A connection closed after the last command was sent (e.g. by quit) counts as success.
 */
export function qmpCommands(qmpPath: string, commands: QmpCommand[], timeoutMs = 5000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(qmpPath);
    const conversation = new QmpConversation(commands, (message) => sock.write(JSON.stringify(message) + '\n'));
    const timer = setTimeout(() => finish(new SpiceError('timeout', `QMP ${qmpPath} did not answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(conversation.results);
    };
    sock.setEncoding('utf8');
    sock.on(
      'data',
      lineReader((line) => {
        const next = conversation.receive(line);
        if (next === 'continue') return true;
        finish(next === 'done' ? undefined : next);
        return next === 'done';
      }),
    );
    sock.on('error', (err) => finish(conversation.sentAll ? undefined : err));
    sock.on('close', () => finish(conversation.sentAll ? undefined : new SpiceError('connection-lost', `QMP ${qmpPath} closed`)));
  });
}

/** Sends {"execute":"quit"} over QMP. Resolves when QEMU closes the connection. */
export function qmpQuit(qmpPath: string, timeoutMs: number): Promise<void> {
  return qmpCommands(qmpPath, [{execute: 'quit'}], timeoutMs).then(() => undefined);
}
