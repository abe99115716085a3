/**
 * Captures the protocol traffic of real lab servers into recordings/*.spicerec, for the offline tests
 * that decode and re-encode every recorded message (test/wire/recordings.test.ts).
 *
 *   npx tsx scripts/capture-recordings.ts [xspice|qemu ...]
 *
 * Each capture starts a lab target, links every channel, lets traffic flow for a few seconds (drawing
 * X clients, a tone into the audio FIFO), and stops the target. The recordings hold no password.
 */
import {execFile, execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {openSync, writeSync, closeSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {SpiceSession} from '../src/client/session.js';
import {RecordingWriter} from '../src/client/recording/writer.js';
import {GuestAgent} from '../src/client/agent/agent.js';
import {Clipboard} from '../src/client/agent/clipboard.js';
import {AgentClipboardSelection} from '../src/client/wire/enums.js';
import type {InputsChannel} from '../src/client/channels/inputs.js';
import {defaultXClients, startXspice} from '../src/lab/xspice.js';
import {startQemu} from '../src/lab/qemu.js';
import type {LabTarget} from '../src/lab/types.js';

const outDir = join(import.meta.dirname, '..', 'recordings');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function capture(
  name: string,
  description: string,
  target: LabTarget,
  meta: Record<string, unknown>,
  during: () => Promise<void>,
  onConnect?: (s: SpiceSession) => void,
): Promise<void> {
  const path = join(outDir, `${name}.spicerec`);
  const rec = new RecordingWriter(path, description, meta);
  try {
    const s = await SpiceSession.connect(target.uri, {tap: rec.tap, timeoutMs: 15_000});
    onConnect?.(s);
    await during();
    s.close();
  } finally {
    rec.close();
    await target.stop();
  }
  console.log(`${path}: ${rec.messages} messages`);
}

/** 1 s of a 440 Hz tone, S16LE stereo 48 kHz, written to the playback FIFO. */
function tone(fifo: string): void {
  const frames = 48000;
  const buf = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * 440 * i) / 48000) * 12000);
    buf.writeInt16LE(v, i * 4);
    buf.writeInt16LE(v, i * 4 + 2);
  }
  const fd = openSync(fifo, 'w');
  writeSync(fd, buf);
  closeSync(fd);
}

const jobs: Record<string, () => Promise<void>> = {
  async inputs() {
    // Keyboard and pointer traffic: KEY_DOWN/UP (plain and E0-extended), KEY_SCANCODE, KEY_MODIFIERS,
    // MOUSE_MOTION (server mode), then MOUSE_POSITION, PRESS and RELEASE (client mode) with their ACKs.
    const t = await startXspice({});
    let session: SpiceSession | undefined;
    await capture('xspice-inputs', 'Xspice: keys typed into an xterm, pointer moved and clicked in server and client mouse modes', t, {server: 'xspice'}, async () => {
      const inputs = session!.findChannel(3, 0) as InputsChannel;
      await sleep(300);
      for (const code of [0x23, 0x12, 0x26, 0x26, 0x18]) {
        inputs.keyDown(code);
        await sleep(20);
        inputs.keyUp(code);
        await sleep(20);
      }
      inputs.keyDown(0xe04b); // E0 4B: left arrow
      inputs.keyUp(0xe04b);
      if (inputs.hasKeyScancode) inputs.scancodes([0x1c, 0x9c]); // enter, as raw set-1 bytes
      inputs.setLockModifiers(0);
      for (let i = 0; i < 12; i++) {
        inputs.mouseMotion(5, 3);
        await sleep(15);
      }
      session!.main.requestMouseMode(2);
      await sleep(300);
      for (const [x, y] of [[100, 100], [300, 200], [600, 500], [20, 30], [700, 80], [512, 384], [900, 700], [10, 10]]) {
        inputs.mousePosition(x, y);
        await sleep(15);
      }
      inputs.mousePress(1);
      inputs.mouseRelease(1);
      inputs.mousePress(5); // wheel down
      inputs.mouseRelease(5);
      await sleep(500);
    }, (s) => (session = s));
  },
  async agent() {
    // The guest agent (spice-vdagent) and the pointer: AGENT_CONNECTED/DATA, MOUSE_MODE, cursor SET/MOVE.
    const t = await startXspice({vdagent: true});
    const x = (...args: string[]) => execFileSync('xdotool', args, {env: {...process.env, DISPLAY: t.display!}});
    await capture('xspice-agent', 'Xspice with spice-vdagent: agent messages, a mouse mode switch, pointer moves over xterm and the root window', t, {server: 'xspice', vdagent: true}, async () => {
      await sleep(500);
      for (const [px, py] of [[100, 100], [700, 500], [50, 60], [900, 700]]) {
        x('mousemove', String(px), String(py));
        await sleep(250);
      }
      await sleep(500);
    }, (s) => s.main.requestMouseMode(2));
  },
  async clipboard() {
    // Clipboard through the agent both ways: caps, MAX_CLIPBOARD, grabs with serials, a 64 KiB Unicode text
    // from the guest (AGENT_DATA cut by the server) and a 48 KiB one to the guest (our ≤2048-byte chunks).
    const t = await startXspice({vdagent: true, clients: []});
    const env = {...process.env, DISPLAY: t.display!};
    const text = (n: number, seed: string) => {
      const base = Buffer.from(`${seed} Grüße 世界 🎉 שלום e\u0301\n`, 'utf8');
      return Buffer.concat(Array(Math.ceil(n / base.length)).fill(base)).subarray(0, n);
    };
    const fromGuest = text(64 * 1024, 'guest');
    const toGuest = text(48 * 1024, 'client');
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    let session!: SpiceSession;
    const meta = {server: 'xspice', vdagent: true, fromGuest: {bytes: fromGuest.length, sha256: sha(fromGuest)}, toGuest: {bytes: toGuest.length, sha256: sha(toGuest)}};
    await capture('xspice-clipboard', 'Xspice with spice-vdagent: clipboard text 64 KiB guest → client (request without grab), 48 KiB client → guest (grab, request, data)', t, meta, async () => {
      const agent = await GuestAgent.open(session, {timeoutMs: 15_000});
      const clipboard = new Clipboard(agent);
      execFileSync('xclip', ['-selection', 'clipboard', '-i'], {env, input: fromGuest, stdio: ['pipe', 'ignore', 'ignore']});
      const got = await clipboard.get(AgentClipboardSelection.CLIPBOARD, 'text', {timeoutMs: 15_000});
      if (!Buffer.from(got.data).equals(fromGuest)) throw new Error('guest text differs');
      await clipboard.set(AgentClipboardSelection.CLIPBOARD, 'text', toGuest);
      await sleep(300);
      const pasted = new Promise<Buffer>((resolve) => execFile('xclip', ['-selection', 'clipboard', '-o'], {env, encoding: 'buffer', maxBuffer: 1 << 20}, (_e, out) => resolve(out)));
      await clipboard.waitServed(AgentClipboardSelection.CLIPBOARD, 1, 15_000);
      if (!(await pasted).equals(toGuest)) throw new Error('pasted text differs');
      await sleep(200);
    }, (s) => (session = s));
  },
  async xspice() {
    // A second xterm scrolls text once we are connected: COPY_BITS, FILL and many small images.
    const scroller = {command: 'xterm', args: ['-geometry', '80x20+300+300', '-e', 'sh', '-c', 'sleep 1; for i in $(seq 1 120); do echo "line $i: the quick brown fox"; done; sleep 60']};
    const t = await startXspice({audio: true, compression: 'auto_glz', clients: [...defaultXClients(), scroller]});
    await capture('xspice-desktop', 'Xspice (spice-server 0.15), 1024x768, auto_glz, xterm + xlogo + a scrolling xterm, audio FIFO with a 1 s tone', t, {server: 'xspice', compression: 'auto_glz', audio: true}, async () => {
      await sleep(1500);
      tone(t.extra.audioFifo!);
      await sleep(2000);
    });
  },
  async qemu() {
    const t = await startQemu({mode: 'bios', allDevices: true, ports: ['org.example.port', 'org.spice-space.webdav.0']});
    await capture('qemu-bios-all-devices', 'QEMU 7.2 TCG, qxl, SeaBIOS screen, agent port, 2 usbredir slots, audio, smartcard, tablet, a named port and the webdav port', t, {server: 'qemu', mode: 'bios', allDevices: true}, async () => {
      await sleep(3000);
    });
  },
};

mkdirSync(outDir, {recursive: true});
const wanted = process.argv.slice(2);
for (const [name, job] of Object.entries(jobs)) {
  if (wanted.length && !wanted.includes(name)) continue;
  await job();
}
