/**
 * Clipboard round trips (`npm run bench -- --clipboard`): spice-cli's GuestAgent + Clipboard in-process
 * beside spice-gtk through Python GI (scripts/bench-spice-gtk-clipboard.py), on one Xspice with
 * spice-vdagent, for 1 KiB and 1 MiB of UTF-8 text, both ways, the same procedure for both clients:
 * - guest → client: xclip -i puts the text on the X CLIPBOARD and the agent's GRAB arrives (untimed);
 *   timed from the CLIPBOARD_REQUEST until the data is complete (checked equal);
 * - client → guest: an xclip marker owns the selection (its GRAB awaited, untimed); timed from our GRAB
 *   until `xclip -o` printed all of the text (checked equal), after polling `xclip -o -t TARGETS` until
 *   the agent owns the selection.
 */
import {spawn, spawnSync} from 'node:child_process';
import {clipboardOf} from '../client/actions/agent.js';
import {getClipboard, setClipboard} from '../client/actions/clipboard.js';
import {SpiceSession} from '../client/session.js';
import {AgentClipboardSelection} from '../client/wire/enums.js';
import {startXspice} from '../lab/xspice.js';
import type {LabTarget} from '../lab/types.js';
import {timeProcessOk} from './processes.js';
import {SYSTEM_PYTHON} from './spice-gtk.js';
import {ratio, summarize, type Summary} from './stats.js';
import {stopTarget} from './targets.js';

export const CLIPBOARD_BENCH = {sizes: [1024, 1 << 20], timeoutMs: 20_000};
const CLIPBOARD = AgentClipboardSelection.CLIPBOARD;

function payload(size: number, seed: number): Buffer {
  const base = Buffer.from(`spice-cli ${seed} é世🎉\n`, 'utf8');
  return Buffer.concat(Array(Math.ceil(size / base.length) + 1).fill(base)).subarray(0, size);
}

function xclipIn(t: LabTarget, data: Uint8Array): void {
  const r = spawnSync('xclip', ['-selection', 'clipboard', '-i'], {env: {...process.env, DISPLAY: t.display}, input: data, stdio: ['pipe', 'ignore', 'ignore'], timeout: 10_000});
  if (r.status !== 0) throw new Error('xclip -i failed');
}

function xclip(t: LabTarget, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xclip', ['-selection', 'clipboard', '-o', ...args], {env: {...process.env, DISPLAY: t.display}, stdio: ['ignore', 'pipe', 'ignore']});
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIPBOARD_BENCH.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 || args.length) resolve(Buffer.concat(out));
      else reject(new Error(`xclip -o exited ${code}`));
    });
  });
}

interface Directions {
  guestToClient: Record<string, number[]>;
  clientToGuest: Record<string, number[]>;
}

async function spiceCliRounds(t: LabTarget, runs: number): Promise<Directions> {
  const session = await SpiceSession.connect(t.uri, {channelFilter: () => false});
  const out: Directions = {guestToClient: {}, clientToGuest: {}};
  try {
    const o = {timeoutMs: CLIPBOARD_BENCH.timeoutMs};
    const clipboard = await clipboardOf(session, o);
    const nextGrab = () => new Promise<void>((resolve) => clipboard.once('grab', () => resolve()));
    for (const size of CLIPBOARD_BENCH.sizes) {
      const g2c: number[] = [];
      const c2g: number[] = [];
      for (let run = -1; run < runs; run++) {
        let data = payload(size, run + 2);
        let grab = nextGrab();
        xclipIn(t, data);
        await grab;
        let t0 = performance.now();
        const got = await getClipboard(session, CLIPBOARD, 'text', o);
        let ms = performance.now() - t0;
        if (!Buffer.from(got.data).equals(data)) throw new Error(`guest → client: ${got.data.length} bytes received, ${size} expected`);
        if (run >= 0) g2c.push(ms);

        grab = nextGrab();
        xclipIn(t, Buffer.from('marker'));
        await grab;
        data = payload(size, run + 100);
        t0 = performance.now();
        await setClipboard(session, CLIPBOARD, 'text', data, {...o, noWait: true});
        while (!(await xclip(t, ['-t', 'TARGETS'])).includes('MULTIPLE')) {
          if (performance.now() - t0 > CLIPBOARD_BENCH.timeoutMs) throw new Error('the agent did not take the selection');
        }
        const pasted = await xclip(t, []);
        ms = performance.now() - t0;
        if (!pasted.equals(data)) throw new Error(`client → guest: ${pasted.length} bytes pasted, ${size} expected`);
        if (run >= 0) c2g.push(ms);
      }
      out.guestToClient[size] = g2c;
      out.clientToGuest[size] = c2g;
    }
    return out;
  } finally {
    session.close();
  }
}

async function spiceGtkRounds(script: string, t: LabTarget, runs: number): Promise<Directions & {spiceGtk: string}> {
  const port = new URL(t.uri.replace(/^spice:/, 'http:')).port;
  const r = await timeProcessOk(SYSTEM_PYTHON, [script, '--port', port, '--display', t.display ?? ':0', '--sizes', CLIPBOARD_BENCH.sizes.join(','), '--runs', String(runs)], CLIPBOARD_BENCH.timeoutMs * runs * 4 + 60_000);
  const line = JSON.parse(r.stdout) as {ok: boolean; error?: string; spiceGtk: string} & Directions;
  if (!line.ok) throw new Error(`spice-gtk clipboard bench: ${line.error}`);
  return line;
}

export interface ClipboardBenchResult {
  target: string;
  sizes: number[];
  guestToClient: Record<string, {spiceCli: Summary; spiceGtk: Summary; ratio: number}>;
  clientToGuest: Record<string, {spiceCli: Summary; spiceGtk: Summary; ratio: number}>;
  spiceGtk: string;
  notes: string[];
}

export async function benchClipboard(gtkScript: string, log: (line: string) => void, opts: {runs: number}): Promise<ClipboardBenchResult> {
  const t = await startXspice({vdagent: true, clients: [], register: false, stopOnExit: true});
  try {
    log(`clipboard: spice-cli, ${opts.runs} rounds per size and direction`);
    const cli = await spiceCliRounds(t, opts.runs);
    log('clipboard: spice-gtk (Python GI)');
    const gtk = await spiceGtkRounds(gtkScript, t, opts.runs);
    const pair = (a: number[], b: number[]) => {
      const spiceCli = summarize(a);
      const spiceGtk = summarize(b);
      return {spiceCli, spiceGtk, ratio: ratio(spiceCli, spiceGtk)};
    };
    const result: ClipboardBenchResult = {
      target: 'Xspice + spice-vdagent 0.22 (xclip on the X side)',
      sizes: CLIPBOARD_BENCH.sizes,
      guestToClient: {},
      clientToGuest: {},
      spiceGtk: gtk.spiceGtk,
      notes: [
        'ms; ratio = spice-cli median / spice-gtk median',
        'guestToClient: CLIPBOARD_REQUEST → data complete, after the guest GRAB for the xclip copy arrived',
        'clientToGuest: our GRAB → `xclip -o` printed all the data (polling xclip -o -t TARGETS until the agent owns the selection first); includes the xclip processes, the same for both clients',
        'each client in its own session on the same target, spice-cli first; one warm-up round per size and direction discarded',
      ],
    };
    for (const size of CLIPBOARD_BENCH.sizes) {
      result.guestToClient[size] = pair(cli.guestToClient[size]!, gtk.guestToClient[size]!);
      result.clientToGuest[size] = pair(cli.clientToGuest[size]!, gtk.clientToGuest[size]!);
      log(`clipboard ${size} B: guest→client ${result.guestToClient[size]!.spiceCli.median} vs ${result.guestToClient[size]!.spiceGtk.median} ms, client→guest ${result.clientToGuest[size]!.spiceCli.median} vs ${result.clientToGuest[size]!.spiceGtk.median} ms`);
    }
    return result;
  } finally {
    await stopTarget(t, 30_000);
  }
}
