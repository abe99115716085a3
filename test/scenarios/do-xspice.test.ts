/**
 * `spice-cli do` against lab Xspice targets, as a shell script uses it: a screenshot, a typed line and a needle
 * wait (the needle cut with `needle create` from a lab screenshot) over one connection (a counting proxy sees one
 * main channel link, the recording one main INIT); `key --down shift` then `type a1` gives "A!" in an xterm
 * (cat > FILE); a click with `--hold` keeps the button down that long (PRESS and RELEASE in the recording);
 * YAML steps on stdin; the first failing action's exit code and name; a bad action name exits 2 with a
 * suggestion; Ctrl-C exits 130 with the held key released.
 */
import {spawn} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync} from 'node:fs';
import {createConnection, createServer, type AddressInfo, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {startXspice} from '../../src/lab/xspice.js';
import type {LabTarget} from '../../src/lab/types.js';
import {readRecording} from '../../src/client/recording/reader.js';
import {ChannelType} from '../../src/client/wire/enums.js';
import {InputsClient} from '../../src/client/wire/messages/inputs.js';
import {MainServer} from '../../src/client/wire/messages/main.js';
import {BIN, runCli} from '../support/cli.js';

const targets: LabTarget[] = [];
const closers: Array<() => void> = [];
afterAll(async () => {
  closers.forEach((c) => c());
  await Promise.all(targets.map((t) => t.stop()));
});

/** A fresh lab Xspice whose xterm has the X input focus (the lab's xdotool focus now and then fails: replaced). */
async function start(): Promise<LabTarget> {
  for (let attempt = 1; ; attempt++) {
    const t = await startXspice({stopOnExit: true, register: false});
    targets.push(t);
    if (t.extra.focus === 'xterm' || attempt === 3) return t;
  }
}

/** A TCP proxy to `port` that notes the channel type of every link (byte 20: SpiceLinkHeader, then SpiceLinkMess). */
async function countingProxy(port: number): Promise<{uri: string; links: number[]}> {
  const links: number[] = [];
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = createConnection({host: '127.0.0.1', port});
    sockets.push(client, upstream);
    let head = Buffer.alloc(0);
    client.on('data', (d) => {
      if (head.length < 21) {
        head = Buffer.concat([head, d]);
        if (head.length >= 21) links.push(head.readUInt8(20));
      }
      upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
  });
  return {uri: `spice://127.0.0.1:${(server.address() as AddressInfo).port}`, links};
}

const dir = mkdtempSync(join(tmpdir(), 'spice-cli-do-'));
cpSync(new URL('../../examples/needles', import.meta.url).pathname, join(dir, 'needles'), {recursive: true});
/** Runs the CLI in `dir` (needles and screenshots are relative to the current directory). */
function cli(args: string[], opts: {input?: string; timeoutMs?: number} = {}) {
  return runCli(['do', ...args], {timeoutMs: 60_000, ...opts, cwd: dir});
}

async function waitForFile(path: string, want: string, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  let got = '';
  while (Date.now() < end) {
    if (existsSync(path)) {
      got = readFileSync(path, 'utf8');
      if (got === want) return got;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}

describe('spice-cli do against lab Xspice', () => {
  it('a screenshot, a typed line and a needle wait run over one connection', async () => {
    // The needle: "do-42" on the xterm's second line, cut from a screenshot of another fresh target.
    const a = await start();
    const made = await cli(['--uri', a.uri, 'move', '300', '150', '+', 'type', 'echo do-$((6*7))', '+', 'key', 'enter', '+', 'wait-still', '300', '+', 'screenshot', 'shot-a']);
    expect(made.code, made.stderr).toBe(0);
    expect(existsSync(join(dir, 'shot-a.png'))).toBe(true);
    mkdirSync(join(dir, 'needles'), {recursive: true});
    const nc = await runCli(['needle', 'create', '--from', join(dir, 'shot-a.png'), '--area', '18,32,36,13', join(dir, 'needles', 'do-42')]);
    expect(nc.code, nc.stderr).toBe(0);

    const b = await start();
    const proxy = await countingProxy(Number(new URL(b.uri).port));
    const rec = join(dir, 'one.spicerec');
    const r = await cli(
      ['--uri', proxy.uri, '--record', rec, 'move', '300', '150', '+', 'screenshot', 'before.png', '+', 'type', 'echo do-$((6*7))', '+', 'key', 'enter', '+', 'wait-screen', 'needles/do-42', '--timeout', '5s', '+', 'screenshot', 'after', '--json'],
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.steps.map((s: {kind: string; where: string; ok: boolean}) => `${s.where} ${s.kind} ${s.ok}`)).toEqual([
      'action 1 move true',
      'action 2 screenshot true',
      'action 3 type true',
      'action 4 key true',
      'action 5 wait_screen true',
      'action 6 screenshot true',
    ]);
    expect(out.steps[4].detail).toMatch(/^do-42 \(100\.0%\)/);
    expect(out.screenshots).toEqual([join(dir, 'before.png'), join(dir, 'after.png')]);
    // One client: one main channel link (and its display, inputs and cursor channels), one main INIT recorded.
    expect(proxy.links.filter((t) => t === ChannelType.MAIN)).toHaveLength(1);
    expect(proxy.links.length).toBeLessThanOrEqual(4);
    const inits = readRecording(rec).messages.filter((m) => m.dir === 'in' && m.channelType === ChannelType.MAIN && m.type === MainServer.INIT.type);
    expect(inits).toHaveLength(1);
    // The needle was not on the screen before the typing, and is after.
    expect((await runCli(['needle', 'check', join(dir, 'before.png'), join(dir, 'needles', 'do-42.json')])).code).toBe(1);
    expect((await runCli(['needle', 'check', join(dir, 'after.png'), join(dir, 'needles', 'do-42.json')])).code).toBe(0);
  });

  it('key --down shift holds Shift across actions: typing a1 gives A!, then key --up lets go; key --down alone is refused', async () => {
    const t = await start();
    const r = await cli(['--uri', t.uri, 'move', '300', '150', '+', 'type', 'cat > held.txt', '+', 'key', 'enter', '+', 'key', '--down', 'shift', '+', 'type', 'a1', '+', 'key', '--up', 'shift', '+', 'type', 'b', '+', 'key', 'enter', 'ctrl-d', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const steps = JSON.parse(r.stdout).steps;
    expect(steps[3].detail).toBe('held: shift');
    expect(steps[5].detail).toBe('none held');
    expect(await waitForFile(join(t.extra.home!, 'held.txt'), 'A!b\n', 10_000)).toBe('A!b\n');

    const alone = await runCli(['key', '--uri', t.uri, '--down', 'shift']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/key --down: the keys would be released at once.*spice-cli do key --down shift \+ \.\.\. \+ key --up shift/);
  });

  it('YAML steps on stdin (do -); the first failing action ends the run with its exit code and name', async () => {
    const t = await start();
    const yaml = '- move: {x: 300, y: 150}\n- type: "cat > stdin.txt\\nfrom stdin\\n"\n- key: {keys: shift, down: true}\n- type: x\n- key: [{up: true}]\n';
    const bad = await cli(['--uri', t.uri, '-'], {input: yaml});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^spice-cli: stdin:5:9: key: expected a string or a list of strings/);
    const ok = await cli(['--uri', t.uri, '-'], {input: yaml.replace('- key: [{up: true}]\n', '- key: {keys: shift, up: true}\n- key: [enter, ctrl-d]\n')});
    expect(ok.code, ok.stderr).toBe(0);
    expect(await waitForFile(join(t.extra.home!, 'stdin.txt'), 'from stdin\nX\n', 10_000)).toBe('from stdin\nX\n');

    const fail = await cli(['--uri', t.uri, '--json', 'assert-screen', 'needles/xterm-output-42', '--timeout', '1s', '+', 'screenshot', 'never']);
    expect(fail.code, fail.stderr).toBe(1);
    const env = JSON.parse(fail.stdout);
    expect(env.ok).toBe(false);
    expect(env.error.message).toMatch(/^do: action 1 \(assert-screen\): the needle needles\/xterm-output-42 did not match within 1 s/);
    expect(env.steps.map((s: {kind: string; ok: boolean}) => `${s.kind} ${s.ok}`)).toEqual(['assert_screen false']);
    expect(existsSync(join(dir, 'never.png'))).toBe(false);
  });

  it('click --hold keeps the button down that long (the recording shows PRESS and RELEASE 700 ms apart)', async () => {
    const t = await start();
    const rec = join(dir, 'hold.spicerec');
    const r = await cli(['--uri', t.uri, '--record', rec, 'click', '600', '600', '--hold', '700', '--button', 'right']);
    expect(r.code, r.stderr).toBe(0);
    const ev = readRecording(rec).messages.filter((m) => m.dir === 'out' && m.channelType === ChannelType.INPUTS && (m.type === InputsClient.MOUSE_PRESS.type || m.type === InputsClient.MOUSE_RELEASE.type));
    expect(ev.map((m) => [m.type === InputsClient.MOUSE_PRESS.type ? 'press' : 'release', m.body[0]])).toEqual([
      ['press', 3],
      ['release', 3],
    ]);
    const heldMs = (ev[1]!.timeUs - ev[0]!.timeUs) / 1000;
    expect(heldMs).toBeGreaterThanOrEqual(695);
    expect(heldMs).toBeLessThan(1000);
  });

  it('a bad action name exits 2 with a suggestion, before connecting', async () => {
    const r = await cli(['--uri', 'spice://127.0.0.1:1', 'type', 'x', '+', 'kye', 'enter']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^spice-cli: do: action 2: unknown action "kye": did you mean "key"\?/);
    const j = await cli(['--uri', 'spice://127.0.0.1:1', '--json', 'wiat-screen', 'x']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout).error).toMatchObject({kind: 'usage', exitCode: 2, message: expect.stringMatching(/did you mean "wait-screen"\?/)});
  });

  it('Ctrl-C exits 130 and releases the key held with key --down', async () => {
    const t = await start();
    const rec = join(dir, 'sigint.spicerec');
    // --verbose traces the KEY_DOWN going out: interrupt once it has (a fixed 3 s sleep was too short on a loaded machine).
    const child = spawn(process.execPath, [BIN, 'do', '--uri', t.uri, '--record', rec, '--json', '--verbose', 'key', '--down', 'ctrl', '+', 'sleep', '30000'], {
      cwd: dir,
      env: {...process.env, SPICE_URI: '', SPICE_PASSWORD: ''},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const until = Date.now() + 30_000;
    while (!/-> KEY_DOWN/.test(stderr) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toMatch(/-> KEY_DOWN/);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(JSON.parse(stdout)).toMatchObject({ok: false, error: {kind: 'interrupted', exitCode: 130}});
    const keys = readRecording(rec)
      .messages.filter((m) => m.dir === 'out' && m.channelType === ChannelType.INPUTS && (m.type === InputsClient.KEY_DOWN.type || m.type === InputsClient.KEY_UP.type))
      .map((m) => Buffer.from(m.body).readUInt32LE(0));
    expect(keys).toEqual([0x1d, 0x9d]);
  });
});
