/**
 * Client → guest file transfer through the agent (spice-vdagent saves into its -f directory):
 * FILE_XFER_START (id + keyfile with name and size) → the guest's FILE_XFER_STATUS CAN_SEND_DATA →
 * FILE_XFER_DATA messages of ≤ 64 KiB read from the file as they go (GuestAgent.send splits each into
 * ≤ 2048-byte AGENT_DATA and waits for the server's agent tokens, so at most a few chunks are in flight)
 * → the final STATUS (SUCCESS, or an error / cancel). A STATUS CANCELLED from us stops the transfer on the
 * guest (spice-vdagent deletes the partial file). Every wait is bounded by timeoutMs.
 */
import {open, type FileHandle} from 'node:fs/promises';
import {basename} from 'node:path';
import {SpiceError, timeoutError} from '../errors.js';
import {AgentCap} from '../wire/caps.js';
import {AgentFileXferStatus} from '../wire/enums.js';
import {MessageHandlers} from '../wire/message.js';
import {AgentMessages} from '../wire/messages/agent.js';
import {CLIENT_AGENT_CAPS, noAgentError, type GuestAgent} from './agent.js';
import {startKeyfile, statusDetail, statusName, statusWords, type XferStatusDetail, type XferStatusName} from './file-xfer-status.js';

/** Bytes read per FILE_XFER_DATA message (spice-gtk reads 64 KiB at a time too). */
export const XFER_DATA_BYTES = 64 * 1024;

export interface XferProgress {
  id: number;
  name: string;
  sent: number;
  size: number;
}

export interface XferOptions {
  /** Bound on each wait: the guest's answer to START, tokens, the final STATUS. */
  timeoutMs: number;
  /** Name on the guest (default: the file's base name). */
  name?: string;
  onProgress?: (p: XferProgress) => void;
  /** Aborting sends STATUS CANCELLED for the transfer and resolves with cancelledByClient. */
  signal?: AbortSignal;
}

export interface XferOutcome {
  id: number;
  name: string;
  size: number;
  /** Bytes sent in FILE_XFER_DATA. */
  sent: number;
  ms: number;
  /** The guest's final status; CANCELLED also when we cancelled (see cancelledByClient). */
  status: XferStatusName | `UNKNOWN_${number}`;
  ok: boolean;
  cancelledByClient: boolean;
  /** The guest's reason in plain words (statusWords). */
  reason: string;
  detail?: XferStatusDetail;
}

let nextId = 1 + Math.floor(Math.random() * 0x7fff0000);

interface Status {
  result: number;
  data: Uint8Array;
}

/** Collects the FILE_XFER_STATUS messages for one id; next() waits for the first one not yet taken. */
class StatusWatch {
  private readonly queue: Status[] = [];
  private waiter?: {resolve: (s: Status) => void; reject: (e: Error) => void};
  private error?: SpiceError;
  private readonly stopMessages: () => void;
  private readonly onDown = () => this.fail(noAgentError('the guest agent disconnected during the file transfer'));
  private readonly onFailed = (e: SpiceError) => this.fail(e);

  constructor(
    private readonly agent: GuestAgent,
    private readonly id: number,
  ) {
    this.stopMessages = agent.onMessages(
      new MessageHandlers<Uint8Array>().on(AgentMessages.FILE_XFER_STATUS, (m) => {
        if (m.id === this.id) this.push({result: m.result, data: m.data});
      }),
    );
    agent.on('disconnected', this.onDown);
    agent.on('failed', this.onFailed);
  }

  /** A status already received and not yet taken (e.g. an error while data is being sent). */
  get pending(): Status | undefined {
    return this.queue[0];
  }

  next(timeoutMs: number, what: string): Promise<Status> {
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(timeoutError(what, timeoutMs));
      }, timeoutMs);
      this.waiter = {
        resolve: (s) => (clearTimeout(timer), resolve(s)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
  }

  close(): void {
    this.stopMessages();
    this.agent.off('disconnected', this.onDown);
    this.agent.off('failed', this.onFailed);
  }

  private push(s: Status): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w.resolve(s);
    else this.queue.push(s);
  }

  private fail(e: SpiceError): void {
    this.error ??= e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }
}

/** The refusal a guest announces in its caps (FILE_XFER_DISABLED: the server or guest policy forbids it). */
export function transferDisabled(agent: GuestAgent): boolean {
  return agent.hasCap(AgentCap.FILE_XFER_DISABLED);
}

/**
 * Sends one regular file to the guest. Resolves with the guest's final status (ok only for SUCCESS);
 * rejects with a SpiceError on timeout ('timeout'), a lost agent ('no-agent') or an unreadable file ('usage').
 */
export async function sendFile(agent: GuestAgent, path: string, opts: XferOptions): Promise<XferOutcome> {
  const name = opts.name ?? basename(path);
  // spice-vdagent joins the name to its save folder and creates missing folders: keep it one plain name.
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new SpiceError('usage', `bad name for the guest ${JSON.stringify(name)}: a file name without "/"`);
  }
  const t0 = performance.now();
  const id = nextId;
  nextId = nextId >= 0xfffffff0 ? 1 : nextId + 1;
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new SpiceError('usage', `cannot read ${path}: ${(e as Error).message}`);
  }
  let size = 0;
  let sent = 0;
  const outcome = (s: Status, cancelledByClient = false): XferOutcome => {
    const detail = CLIENT_AGENT_CAPS.includes(AgentCap.FILE_XFER_DETAILED_ERRORS) ? statusDetail(s.result, s.data) : undefined;
    return {
      id,
      name,
      size,
      sent,
      ms: Math.round(performance.now() - t0),
      status: statusName(s.result),
      ok: s.result === AgentFileXferStatus.SUCCESS,
      cancelledByClient,
      reason: cancelledByClient ? 'cancelled' : statusWords(s.result, detail),
      ...(detail ? {detail} : {}),
    };
  };
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new SpiceError('usage', `${path} is not a regular file`);
    size = st.size;
    if (transferDisabled(agent)) return outcome({result: AgentFileXferStatus.DISABLED, data: new Uint8Array()});
    const watch = new StatusWatch(agent, id);
    let started = false;
    const cancel = async (): Promise<XferOutcome> => {
      if (started) await agent.sendMessage(AgentMessages.FILE_XFER_STATUS, {id, result: AgentFileXferStatus.CANCELLED, data: new Uint8Array()});
      return outcome({result: AgentFileXferStatus.CANCELLED, data: new Uint8Array()}, true);
    };
    try {
      if (opts.signal?.aborted) return await cancel();
      await agent.sendMessage(AgentMessages.FILE_XFER_START, {id, data: startKeyfile(name, size)});
      started = true;
      const first = await raceAbort(watch.next(opts.timeoutMs, `the guest's answer to FILE_XFER_START for ${name}`), opts.signal);
      if (first === 'aborted') return await cancel();
      if (first.result !== AgentFileXferStatus.CAN_SEND_DATA) {
        started = false; // the guest has dropped the transfer already
        return outcome(first);
      }
      opts.onProgress?.({id, name, sent, size});
      // Read ahead one buffer while the previous one is being sent; at most two buffers are held.
      let reading = readChunk(fh, 0, Math.min(XFER_DATA_BYTES, size));
      do {
        const chunk = await reading;
        if (chunk.length === 0 && sent < size) throw new SpiceError('usage', `${path} shrank while being sent (${sent} of ${size} bytes read)`);
        const at = sent + chunk.length;
        if (at < size) {
          reading = readChunk(fh, at, Math.min(XFER_DATA_BYTES, size - at));
          reading.catch(() => undefined); // awaited on the next turn; not if we stop first
        }
        if (opts.signal?.aborted) return await cancel();
        const early = watch.pending; // an error or cancel from the guest while we were sending
        if (early) return outcome(early);
        await agent.sendMessage(AgentMessages.FILE_XFER_DATA, {id, data: chunk});
        sent = at;
        opts.onProgress?.({id, name, sent, size});
      } while (sent < size);
      const last = await raceAbort(watch.next(opts.timeoutMs, `the guest's final FILE_XFER_STATUS for ${name}`), opts.signal);
      if (last === 'aborted') return await cancel();
      started = false;
      return outcome(last);
    } catch (e) {
      // Tell the guest to drop the partial file when we give up (timeout, file error); best effort.
      if (started && agent.connected) void agent.sendMessage(AgentMessages.FILE_XFER_STATUS, {id, result: AgentFileXferStatus.CANCELLED, data: new Uint8Array()}).catch(() => undefined);
      throw e;
    } finally {
      watch.close();
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function readChunk(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const {bytesRead} = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** Resolves with the promise's value, or 'aborted' as soon as the signal fires. */
function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T | 'aborted'> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.resolve('aborted');
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => undefined);
      resolve('aborted');
    };
    signal.addEventListener('abort', onAbort, {once: true});
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
