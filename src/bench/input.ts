/**
 * Input benchmarks (`npm run bench -- --input`): keystrokes per second sustained without loss, and
 * key-to-pixel latency beside spice-gtk.
 *
 * Rates: a 200-character text is typed at each rate in turn (ascending, stopping at the first loss) into
 * `cat > FILE` — on Xspice in an xterm (FILE read on the host), on the QEMU tiny guest on tty1 (FILE read
 * over the serial shell). The `cat > FILE` line, the final Enter and ctrl-d go at the default rate; only
 * the text goes at the rate measured. "No loss" = FILE equals the text byte for byte.
 *
 * Latency: on Xspice's xterm (bash prompt), `keys` presses of 'a', each after the display was still for
 * stillMs: from the KEY_DOWN written to the first display update applied (InputLatency), and the same with
 * spice-gtk through Python GI (scripts/bench-spice-gtk-keys.py: key_press → display-invalidate).
 */
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {startQemu} from '../lab/qemu.js';
import {connectSerial} from '../lab/guest/serial.js';
import {startXspice} from '../lab/xspice.js';
import type {LabTarget} from '../lab/types.js';
import {SpiceSession} from '../client/session.js';
import {ChannelType} from '../client/wire/enums.js';
import {DEFAULT_TYPE_RATE, pressKeys, typeText} from '../client/actions/keyboard.js';
import {InputLatency, measureKeyToPixel} from '../client/actions/latency.js';
import {timeProcessOk} from './processes.js';
import {SYSTEM_PYTHON} from './spice-gtk.js';
import {summarize, type Summary} from './stats.js';
import {stopTarget} from './targets.js';

export const INPUT_BENCH = {
  /** Rates tried, ascending (keystrokes per second). */
  xspiceRates: [50, 100, 200, 400, 1000],
  qemuRates: [25, 50, 100, 200, 400, 1000],
  textLength: 200,
  latencyKeys: 30,
  stillMs: 150,
  timeoutMs: 15_000,
};

const KEY_A = 0x1e;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+.,:/@%';

function text(seed: number): string {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return Array.from({length: INPUT_BENCH.textLength}, () => ALPHABET[Math.floor(rnd() * ALPHABET.length)]).join('');
}

export interface RateResult {
  rate: number;
  /** Keystrokes per second actually sent (first event to last). */
  sentPerSecond: number;
  complete: boolean;
  /** Characters that arrived (FILE length without the newline), when not complete. */
  received?: number;
}

/** Types line at the default rate, body at `rate`, Enter and ctrl-d at the default rate; returns the body's send rate. */
async function typeRound(uri: string, head: string, body: string, rate: number): Promise<number> {
  const session = await SpiceSession.connect(uri, {channelFilter: (type) => type === ChannelType.INPUTS, timeoutMs: INPUT_BENCH.timeoutMs});
  try {
    const o = {layout: 'us', timeoutMs: INPUT_BENCH.timeoutMs};
    await typeText(session, head, o);
    const r = await typeText(session, body, {...o, rate});
    await typeText(session, '\n', o);
    await pressKeys(session, ['ctrl-d'], {...o, rate: DEFAULT_TYPE_RATE});
    await new Promise((res) => setTimeout(res, 300)); // let the last events reach the server before closing
    return r.keysPerSecond ?? 0;
  } finally {
    session.close();
  }
}

async function poll(read: () => Promise<string>, want: string, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  let got = '';
  while (Date.now() < end) {
    got = await read();
    if (got === want) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return got;
}

async function rates(uri: string, list: number[], readFile: (name: string) => Promise<string>, dir: string, log: (l: string) => void): Promise<RateResult[]> {
  const out: RateResult[] = [];
  for (const rate of list) {
    const name = `rate-${rate}.txt`;
    const body = text(rate);
    const sentPerSecond = await typeRound(uri, `cat > ${dir}${name}\n`, body, rate);
    const got = await poll(() => readFile(name), body + '\n', 8000);
    const complete = got === body + '\n';
    out.push({rate, sentPerSecond, complete, ...(complete ? {} : {received: got.replace(/\n$/, '').length})});
    log(`keys: ${rate}/s (sent at ${sentPerSecond}/s): ${complete ? 'complete' : `LOST (${got.length} of ${body.length + 1} bytes)`}`);
    if (!complete) break;
  }
  return out;
}

const best = (r: RateResult[]) => r.filter((x) => x.complete).reduce((m, x) => Math.max(m, x.rate), 0);
const bestSent = (r: RateResult[]) => r.filter((x) => x.complete).reduce((m, x) => Math.max(m, x.sentPerSecond), 0);

function xterm() {
  const shell = existsSync('/bin/bash') ? ['/bin/bash', '--noprofile', '--norc'] : ['/bin/sh'];
  return {command: 'xterm', args: ['-u8', '-geometry', '100x30+0+0', '-title', 'spice-cli-bench-keys', '-e', ...shell], env: {LANG: 'C.UTF-8'}};
}

/** Our key-to-pixel samples on a target whose focused window echoes 'a'. */
async function ourLatency(uri: string): Promise<number[]> {
  const session = await SpiceSession.connect(uri, {render: true, timeoutMs: INPUT_BENCH.timeoutMs});
  try {
    await session.display!.waitFirstFrame();
    const tracker = await InputLatency.of(session, INPUT_BENCH.timeoutMs);
    const ms: number[] = [];
    for (let i = 0; i < INPUT_BENCH.latencyKeys; i++) {
      await session.display!.waitStill(INPUT_BENCH.stillMs);
      ms.push(Math.round((await measureKeyToPixel(tracker, KEY_A, INPUT_BENCH.timeoutMs)).ms * 1000) / 1000);
    }
    tracker.stop();
    await new Promise((r) => setTimeout(r, 500));
    return ms;
  } finally {
    session.close();
  }
}

async function gtkLatency(script: string, port: number): Promise<{ms: number[]; spiceGtk: string}> {
  const args = [script, '--port', String(port), '--keys', String(INPUT_BENCH.latencyKeys), '--still-ms', String(INPUT_BENCH.stillMs), '--scancode', String(KEY_A)];
  const r = await timeProcessOk(SYSTEM_PYTHON, args, 120_000);
  const out = JSON.parse(r.stdout) as {ok: boolean; ms: number[]; spiceGtk: string; error?: string};
  if (!out.ok) throw new Error(`bench-spice-gtk-keys.py: ${out.error}`);
  return out;
}

export interface InputBenchResult {
  xspice: {rates: RateResult[]; maxRateWithoutLoss: number; maxSentPerSecondWithoutLoss: number; keyToPixel: {spiceCli: Summary; spiceGtk: Summary; spiceGtkVersion: string}};
  qemu?: {rates: RateResult[]; maxRateWithoutLoss: number; maxSentPerSecondWithoutLoss: number};
  notes: string[];
}

export async function benchInput(gtkKeysScript: string, log: (l: string) => void, opts: {qemu: boolean}): Promise<InputBenchResult> {
  log('input: Xspice with an xterm');
  const x = await startXspice({clients: [xterm()], register: false, stopOnExit: true});
  let xspice: InputBenchResult['xspice'];
  try {
    const home = x.extra.home!;
    const r = await rates(x.uri, INPUT_BENCH.xspiceRates, async (n) => (existsSync(join(home, n)) ? readFileSync(join(home, n), 'utf8') : ''), '', log);
    const ours = await ourLatency(x.uri);
    log(`key-to-pixel: spice-cli median ${summarize(ours).median} ms`);
    await new Promise((res) => setTimeout(res, 500));
    const gtk = await gtkLatency(gtkKeysScript, x.port!);
    log(`key-to-pixel: spice-gtk median ${summarize(gtk.ms).median} ms`);
    xspice = {rates: r, maxRateWithoutLoss: best(r), maxSentPerSecondWithoutLoss: bestSent(r), keyToPixel: {spiceCli: summarize(ours), spiceGtk: summarize(gtk.ms), spiceGtkVersion: gtk.spiceGtk}};
  } finally {
    await stopTarget(x, 30_000);
  }
  let qemu: InputBenchResult['qemu'];
  if (opts.qemu) {
    log('input: QEMU tiny guest (boots Linux, ~30 s)');
    const q: LabTarget = await startQemu({mode: 'linux'});
    try {
      const shell = await connectSerial(q.extra.serial!);
      try {
        await shell.waitForShell(90_000);
        const r = await rates(q.uri, INPUT_BENCH.qemuRates, (n) => shell.run(`cat /tmp/${n} 2>/dev/null`).then((s) => (s ? s + '\n' : '')), '/tmp/', log);
        qemu = {rates: r, maxRateWithoutLoss: best(r), maxSentPerSecondWithoutLoss: bestSent(r)};
      } finally {
        shell.close();
      }
    } finally {
      await stopTarget(q, 30_000);
    }
  }
  return {
    xspice,
    qemu,
    notes: [
      `rates: a ${INPUT_BENCH.textLength}-character text typed into cat > FILE at each rate (ascending, stopping at the first loss); complete = FILE equals the text; sentPerSecond = keystrokes (Shift included) / time from first to last event`,
      `maxRateWithoutLoss: the highest rate asked for that arrived complete (not a ceiling when every rate tried was complete); maxSentPerSecondWithoutLoss: the rate actually sent then (the pacing's timers cap it near 530/s on this machine: a keystroke is press, hold, release on 1 ms timers)`,
      `keyToPixel: ${INPUT_BENCH.latencyKeys} presses of 'a' into an xterm on Xspice, each after ${INPUT_BENCH.stillMs} ms without a display update; spice-cli: KEY_DOWN written → first draw applied (InputLatency); spice-gtk: InputsChannel.key_press() → display-invalidate (scripts/bench-spice-gtk-keys.py)`,
    ],
  };
}
