#!/usr/bin/python3
"""spice-gtk clipboard round trips (reference client for `npm run bench -- --clipboard`), through GI.

Connects the main channel only, waits for the guest agent, then per size and run:
  guest -> client: xclip -i puts SIZE bytes on the X CLIPBOARD and the agent's GRAB arrives (untimed); timed from
      clipboard_selection_request(CLIPBOARD, UTF8_TEXT) until main-clipboard-selection delivers them
      (checked equal);
  client -> guest: an xclip marker owns the selection (untimed); timed from clipboard_selection_grab()
      until `xclip -o` on the X side has printed all SIZE bytes (checked equal), polling
      `xclip -o -t TARGETS` until the agent owns the selection first (as the spice-cli side does).

  bench-spice-gtk-clipboard.py --port P --display :N --sizes 1024,1048576 --runs R
      one JSON line: {"ok": true, "guestToClient": {"1024": [ms...]}, "clientToGuest": {...}}
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import time

import gi

gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib  # noqa: E402

CLIPBOARD = 0
UTF8_TEXT = 1


def run_until(ctx, done, timeout_s):
    end = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError('timeout')
        ctx.iteration(False) or time.sleep(0.0005)


def payload(size, seed):
    base = ('spice-gtk %d ' % seed).encode() + 'é世🎉\n'.encode()
    return (base * (size // len(base) + 1))[:size]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', required=True)
    p.add_argument('--display', required=True)
    p.add_argument('--sizes', default='1024,1048576')
    p.add_argument('--runs', type=int, default=10)
    p.add_argument('--timeout', type=float, default=20.0)
    a = p.parse_args()
    env = dict(os.environ, DISPLAY=a.display)
    ctx = GLib.MainContext.default()
    session = SpiceClientGLib.Session()
    session.set_property('host', a.host)
    session.set_property('port', str(a.port))
    state = {'main': None, 'got': None, 'data': b'', 'grabs': 0}

    def on_selection(_ch, selection, _type, data, size):
        if isinstance(data, (bytes, bytearray)):
            state['got'] = bytes(data[:size])
        else:
            state['got'] = ctypes.string_at(data, size) if size else b''

    def on_grab(_ch, selection, _types, _ntypes):
        state['grabs'] += 1
        return True

    def on_request(ch, selection, type_):
        ch.clipboard_selection_notify(selection, type_, state['data'])
        return True

    def on_channel_new(_s, ch):
        if isinstance(ch, SpiceClientGLib.MainChannel):
            state['main'] = ch
            GObject.Object.connect(ch, 'main-clipboard-selection', on_selection)
            GObject.Object.connect(ch, 'main-clipboard-selection-request', on_request)
            GObject.Object.connect(ch, 'main-clipboard-selection-grab', on_grab)

    GObject.Object.connect(session, 'channel-new', on_channel_new)
    session.connect()
    try:
        run_until(ctx, lambda: state['main'] is not None and state['main'].get_property('agent-connected'), a.timeout)
        # Let the agent's capabilities arrive (spice-gtk drops clipboard calls before that).
        t_end = time.perf_counter() + 1.0
        while time.perf_counter() < t_end:
            ctx.iteration(False) or time.sleep(0.001)
        main = state['main']
        out = {'guestToClient': {}, 'clientToGuest': {}}
        for size in [int(s) for s in a.sizes.split(',')]:
            g2c, c2g = [], []
            for run in range(-1, a.runs):  # run -1: warm-up
                data = payload(size, run + 2)
                grabs = state['grabs']
                subprocess.run(['xclip', '-selection', 'clipboard', '-i'], input=data, env=env, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                run_until(ctx, lambda: state['grabs'] > grabs, a.timeout)  # the agent announced it (untimed)
                state['got'] = None
                t0 = time.perf_counter()
                main.clipboard_selection_request(CLIPBOARD, UTF8_TEXT)
                run_until(ctx, lambda: state['got'] is not None, a.timeout)
                ms = (time.perf_counter() - t0) * 1000
                if state['got'] != data:
                    raise RuntimeError('guest -> client: %d bytes received, %d expected' % (len(state['got']), size))
                if run >= 0:
                    g2c.append(round(ms, 3))

                grabs = state['grabs']
                subprocess.run(['xclip', '-selection', 'clipboard', '-i'], input=b'marker', env=env, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                run_until(ctx, lambda: state['grabs'] > grabs, a.timeout)  # untimed
                data = payload(size, run + 100)
                state['data'] = data
                t0 = time.perf_counter()
                main.clipboard_selection_grab(CLIPBOARD, [UTF8_TEXT])
                while True:
                    ctx.iteration(False)
                    t = subprocess.run(['xclip', '-selection', 'clipboard', '-o', '-t', 'TARGETS'], env=env,
                                       capture_output=True)
                    if b'MULTIPLE' in t.stdout:
                        break
                    if (time.perf_counter() - t0) > a.timeout:
                        raise TimeoutError('the agent did not take the selection (size %d, run %d)' % (size, run))
                proc = subprocess.Popen(['xclip', '-selection', 'clipboard', '-o'], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                chunks = []
                os.set_blocking(proc.stdout.fileno(), False)
                while True:
                    ctx.iteration(False)
                    try:
                        c = proc.stdout.read()
                    except BlockingIOError:
                        c = None
                    if c:
                        chunks.append(c)
                    if proc.poll() is not None and not c:
                        rest = proc.stdout.read()
                        if rest:
                            chunks.append(rest)
                        break
                    if (time.perf_counter() - t0) > a.timeout:
                        proc.kill()
                        raise TimeoutError('xclip -o did not finish')
                ms = (time.perf_counter() - t0) * 1000
                pasted = b''.join(chunks)
                if pasted != data:
                    raise RuntimeError('client -> guest: %d bytes pasted, %d expected' % (len(pasted), size))
                if run >= 0:
                    c2g.append(round(ms, 3))
            out['guestToClient'][str(size)] = g2c
            out['clientToGuest'][str(size)] = c2g
        print(json.dumps({'ok': True, **out, 'spiceGtk': SpiceClientGLib.util_get_version_string()}))
        return 0
    except Exception as e:  # noqa: BLE001
        print(json.dumps({'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}))
        return 1
    finally:
        session.disconnect()


if __name__ == '__main__':
    sys.exit(main())
