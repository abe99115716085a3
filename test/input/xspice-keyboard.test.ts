/**
 * Typing into a real Xspice: an xterm (UTF-8) runs bash; `spice-cli type` types `cat > FILE`, the text
 * and Enter, `spice-cli key ctrl-d` ends cat, and FILE must equal the text byte for byte. With Caps Lock
 * on in the guest, and with the X keymap switched (setxkbmap de, fr, gb, es, it, us dvorak) and the same
 * --layout. Named keys are checked as X sees them (xev), Ctrl-C releases every key, and the recorded
 * events show the pacing.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startXspice, type XClient} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {SpiceSession} from '../../src/client/session.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {getLayout} from '../../src/client/input/layouts.js';
import {readRecording} from '../../src/client/recording/reader.js';
import {InputsClient} from '../../src/client/wire/messages/inputs.js';
import {BIN, runCli} from '../support/cli.js';

const targets: LabTarget[] = [];
afterAll(async () => {
  await Promise.all(targets.map((t) => t.stop()));
});
const scratch = mkdtempSync(join(tmpdir(), 'spice-cli-keyboard-'));

/** An xterm in UTF-8 running bash without rc files (as defaultXClients() builds it), and nothing else. */
function xterm(): XClient {
  const shell = existsSync('/bin/bash') ? ['/bin/bash', '--noprofile', '--norc'] : ['/bin/sh'];
  return {command: 'xterm', args: ['-u8', '-geometry', '100x30+0+0', '-title', 'spice-cli-keyboard', '-e', ...shell], env: {LANG: 'C.UTF-8'}};
}

async function start(): Promise<LabTarget> {
  const t = await startXspice({clients: [xterm()], stopOnExit: true});
  targets.push(t);
  expect(t.extra.focus).toBe('xterm');
  return t;
}

function x(t: LabTarget, cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, {env: {...process.env, DISPLAY: t.display}, encoding: 'utf8', timeout: 10_000});
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
  return r.stdout;
}

async function waitForFile(path: string, want: Buffer, timeoutMs: number): Promise<Buffer> {
  const end = Date.now() + timeoutMs;
  let got = Buffer.alloc(0);
  while (Date.now() < end) {
    if (existsSync(path)) {
      got = readFileSync(path);
      if (got.equals(want)) return got;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}

let fileNo = 0;
/**
 * Types `cat > FILE`, the text and Enter, then ctrl-d, and returns what FILE holds (once it equals the
 * text, or after a timeout) with the JSON report of `type`.
 */
async function typeThroughCat(t: LabTarget, text: string, opts: {layout?: string; rate?: number} = {}): Promise<{file: string; report: any}> {
  const name = `typed-${++fileNo}.txt`;
  const layout = opts.layout ? ['--layout', opts.layout] : [];
  const rate = opts.rate ? ['--rate', String(opts.rate)] : [];
  const r = await runCli(['type', '--uri', t.uri, '--json', ...layout, ...rate, '--', `cat > ${name}\n${text}\n`], {timeoutMs: 120_000});
  expect(r.code, r.stderr + r.stdout).toBe(0);
  const k = await runCli(['key', '--uri', t.uri, ...layout, 'ctrl-d']);
  expect(k.code, k.stderr).toBe(0);
  const got = await waitForFile(join(t.extra.home!, name), Buffer.from(text + '\n'), 15_000);
  return {file: got.toString('utf8'), report: JSON.parse(r.stdout)};
}

async function serverCapsLock(t: LabTarget): Promise<boolean> {
  const session = await SpiceSession.connect(t.uri, {channelFilter: (type) => type === ChannelType.INPUTS});
  try {
    return (await session.inputs(5000)).locks.capsLock;
  } finally {
    session.close();
  }
}

const ASCII = Array.from({length: 95}, (_, i) => String.fromCharCode(0x20 + i)).join('');

describe('typing US-ASCII into an xterm on Xspice', () => {
  let t: LabTarget;
  beforeAll(async () => {
    t = await start();
  });

  it('every printable US-ASCII character arrives byte for byte', async () => {
    const {file, report} = await typeThroughCat(t, ASCII);
    expect(file).toBe(ASCII + '\n');
    expect(report).toMatchObject({ok: true, layout: 'us', capsLock: false, rate: 50});
    expect(report.keystrokes).toBe(`cat > typed-1.txt\n`.length + 96);
  });

  it('with Caps Lock on in the guest (the server reports it), the same text arrives', async () => {
    x(t, 'xdotool', ['key', 'Caps_Lock']);
    try {
      expect(await serverCapsLock(t)).toBe(true);
      const {file, report} = await typeThroughCat(t, ASCII + ' Mixed Case 123');
      expect(file).toBe(ASCII + ' Mixed Case 123\n');
      expect(report.capsLock).toBe(true);
    } finally {
      x(t, 'xdotool', ['key', 'Caps_Lock']);
    }
    expect(await serverCapsLock(t)).toBe(false);
  });

  it('a long text at the default rate and at 400 keys/s arrives complete', async () => {
    let seed = 5;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const line = () => Array.from({length: 60}, () => ASCII[Math.floor(rnd() * 95)]).join('').trimEnd();
    const text = Array.from({length: 8}, line).join('\n');
    const a = await typeThroughCat(t, text);
    expect(a.file).toBe(text + '\n');
    const long = Array.from({length: 25}, line).join('\n');
    const b = await typeThroughCat(t, long, {rate: 400});
    expect(b.file).toBe(long + '\n');
    console.info(`[keyboard] Xspice: ${a.report.keystrokes} keystrokes at ${a.report.keysPerSecond}/s and ${b.report.keystrokes} at ${b.report.keysPerSecond}/s, no loss`);
  });

  it('named keys reach X as the right keys (xev), Pause through KEY_SCANCODE', async () => {
    const log = join(scratch, 'xev.log');
    const xev: ChildProcess = spawn('xev', ['-event', 'keyboard', '-name', 'spice-cli-xev'], {
      env: {...process.env, DISPLAY: t.display},
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    xev.stdout!.on('data', (d) => (out += d));
    try {
      let id = '';
      for (let i = 0; i < 50 && !id; i++) {
        await new Promise((r) => setTimeout(r, 100));
        id = spawnSync('xdotool', ['search', '--name', 'spice-cli-xev'], {env: {...process.env, DISPLAY: t.display}, encoding: 'utf8'}).stdout.trim().split('\n')[0] ?? '';
      }
      expect(id).not.toBe('');
      x(t, 'xdotool', ['windowfocus', '--sync', id]);
      const keys = ['pause', 'printscreen', 'super', 'menu', 'f1', 'f12', 'home', 'end', 'pageup', 'pagedown', 'insert', 'delete', 'up', 'down', 'left', 'right', 'kp-enter', 'rctrl', 'esc', 'backspace', 'tab', 'shift-a'];
      const info = await runCli(['info', '--uri', t.uri, '--json']);
      expect(JSON.parse(info.stdout).channels.find((c: {type: string}) => c.type === 'inputs').caps).toEqual(['KEY_SCANCODE']);
      const r = await runCli(['key', '--uri', t.uri, '--json', '--rate', '40', '--hold', '10', ...keys]);
      expect(r.code, r.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
      writeFileSync(log, out);
      const presses = [...out.matchAll(/KeyPress event[\s\S]*?keysym 0x[0-9a-f]+, (\w+)\)/g)].map((m) => m[1]);
      expect(presses).toEqual(['Pause', 'Print', 'Super_L', 'Menu', 'F1', 'F12', 'Home', 'End', 'Prior', 'Next', 'Insert', 'Delete', 'Up', 'Down', 'Left', 'Right', 'KP_Enter', 'Control_R', 'Escape', 'BackSpace', 'Tab', 'Shift_L', 'A']);
      const releases = [...out.matchAll(/KeyRelease event/g)].length;
      expect(releases).toBe(presses.length);
    } finally {
      xev.kill();
      x(t, 'xdotool', ['windowfocus', '--sync', x(t, 'xdotool', ['search', '--limit', '1', '--class', 'xterm']).trim()]);
    }
  });

  it('Ctrl-C stops typing at once (exit 130) with every key released; the recording shows the pacing', async () => {
    const rec = join(scratch, 'interrupted.spicerec');
    const k0 = await runCli(['type', '--uri', t.uri, '--', 'cat > /dev/null\n']);
    expect(k0.code).toBe(0);
    // --verbose traces each KEY_DOWN sent: interrupt once typing is well under way (a fixed sleep was too short on a loaded machine).
    const child = spawn(process.execPath, [BIN, 'type', '--uri', t.uri, '--rate', '20', '--record', rec, '--verbose', '--', 'ABCDEFGHIJ'.repeat(20)], {
      env: {...process.env, SPICE_URI: '', SPICE_PASSWORD: ''},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const typing = Date.now() + 30_000;
    while ((stderr.match(/-> KEY_DOWN/g)?.length ?? 0) < 30 && Date.now() < typing) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted after \d+ of 200 keystrokes; every key was released/);
    const k1 = await runCli(['key', '--uri', t.uri, 'ctrl-c']);
    expect(k1.code).toBe(0);

    const events = readRecording(rec)
      .messages.filter((m) => m.dir === 'out' && m.channelType === ChannelType.INPUTS)
      .map((m) => ({type: m.type, code: Buffer.from(m.body).readUInt32LE(0), us: m.timeUs}));
    const downs = events.filter((e) => e.type === InputsClient.KEY_DOWN.type);
    const ups = events.filter((e) => e.type === InputsClient.KEY_UP.type);
    expect(downs.length).toBeGreaterThan(10);
    expect(ups.length).toBe(downs.length);
    // Every KEY_DOWN has its KEY_UP (the break code: 0x80 on the code byte, E0-extended or not).
    const make = (up: number) => ((up & 0xff) === 0xe0 ? up & ~0x8000 : up & ~0x80);
    const held = new Set<number>();
    for (const e of events) {
      if (e.type === InputsClient.KEY_DOWN.type) held.add(e.code);
      else held.delete(make(e.code));
    }
    expect([...held]).toEqual([]);
    // Capitals: Shift down, key down, key up, Shift up, one keystroke every 50 ms (20 per second).
    expect(events.slice(0, 4).map((e) => e.code)).toEqual([0x2a, 0x1e, 0x9e, 0xaa]);
    const starts = downs.filter((e) => e.code === 0x2a).map((e) => e.us);
    const gaps = starts.slice(1).map((s, i) => (s - starts[i]!) / 1000);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(45);
    expect(mean).toBeLessThan(60);
    // The pacer keeps to its schedule: a stroke sent late (a loaded machine) is followed by a shorter gap, never a burst.
    expect(Math.min(...gaps)).toBeGreaterThan(25);
  });
});

describe('typing on other keyboard layouts (setxkbmap on Xspice, the same --layout)', () => {
  let t: LabTarget;
  beforeAll(async () => {
    t = await start();
  });
  afterAll(() => {
    if (t) spawnSync('setxkbmap', ['-display', t.display!, 'us'], {timeout: 10_000});
  });

  /** Latin-1 and Latin Extended-A characters the layout can type (directly or through a dead key). */
  const typeable = (layout: string) => {
    const l = getLayout(layout);
    return Array.from({length: 0x180 - 0xa0}, (_, i) => String.fromCodePoint(0xa0 + i))
      .filter((c) => c !== '\u00a0' && c !== '\u00ad' && l.canType(c))
      .join('');
  };

  it('de: ä ö ü ß € @, AltGr symbols and dead keys (^ ` ´ ê) arrive exactly, Caps Lock off and on', async () => {
    x(t, 'setxkbmap', ['de']);
    const text = 'äöüß€@ ÄÖÜẞ ^ ` ´ ê â ë {[]}\\~|<>µ Grüße, 10 € ' + ASCII;
    expect((await typeThroughCat(t, text, {layout: 'de'})).file).toBe(text + '\n');
    x(t, 'xdotool', ['key', 'Caps_Lock']);
    try {
      expect(await serverCapsLock(t)).toBe(true);
      const r = await typeThroughCat(t, text, {layout: 'de'});
      expect(r.file).toBe(text + '\n');
      expect(r.report.capsLock).toBe(true);
    } finally {
      x(t, 'xdotool', ['key', 'Caps_Lock']);
    }
    const all = typeable('de');
    expect(all.length).toBeGreaterThan(150);
    expect((await typeThroughCat(t, all, {layout: 'de', rate: 150})).file).toBe(all + '\n');
  });

  it('fr: é è à ç ù €, AZERTY letters, dead ^ and ¨', async () => {
    x(t, 'setxkbmap', ['fr']);
    const text = 'é è à ç ù € azerty AZERTY qwQW mM ê ë ô ï ÉÈ ' + ASCII;
    expect((await typeThroughCat(t, text, {layout: 'fr'})).file).toBe(text + '\n');
    const all = typeable('fr');
    expect((await typeThroughCat(t, all, {layout: 'fr', rate: 150})).file).toBe(all + '\n');
  });

  for (const [layout, xkb, sample] of [
    ['gb', ['gb'], '£ € " @ # ~ ¬ ¦ á é'],
    ['es', ['es'], 'ñ Ñ ç ¿¡ € º ª á é í ó ú ü'],
    ['it', ['it'], 'à è é ì ò ù € § ° ç'],
    ['dvorak', ['us', 'dvorak'], 'aoeuidhtns pyfgcrl qjkxbmwvz'],
  ] as const) {
    it(`${layout}: its own characters and US-ASCII arrive exactly`, async () => {
      x(t, 'setxkbmap', [...xkb]);
      const text = `${sample} ${ASCII} ${typeable(layout)}`;
      expect((await typeThroughCat(t, text, {layout, rate: 150})).file).toBe(text + '\n');
    });
  }
});
