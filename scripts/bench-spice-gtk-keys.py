#!/usr/bin/python3
"""spice-gtk key-to-pixel latency (reference client for `npm run bench -- --input`), through GObject introspection.

Connects a SpiceClientGLib.Session, waits for the inputs channel and the display's first update, then
--keys times: waits until the display has had no update for --still-ms, presses the key (InputsChannel
key_press with a PC set-1 scancode), runs the main loop until the display channel's next
display-invalidate (spice-gtk emits it once a draw was applied to the primary canvas), then releases the
key. The latency of one key is from just before key_press() to the invalidate handler.

  bench-spice-gtk-keys.py --port P [--host H] [--keys N] [--scancode 0x1e] [--still-ms 150]
One JSON line: {"ok": true, "ms": [..], "spiceGtk": "0.42"}; on failure {"ok": false, "error": "..."}, exit 1.
"""
import argparse
import json
import sys
import time

import gi

gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib  # noqa: E402


def run_until(ctx, done, timeout_s):
    """Runs the main context (blocking) until done() or the timeout; returns done()."""
    expired = []

    def on_timeout():
        expired.append(True)
        return False

    source = GLib.timeout_add(max(1, int(timeout_s * 1000)), on_timeout)
    while not done() and not expired:
        ctx.iteration(True)
    if not expired:
        GLib.source_remove(source)
    return done()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', required=True)
    p.add_argument('--keys', type=int, default=30)
    p.add_argument('--scancode', type=lambda v: int(v, 0), default=0x1e)
    p.add_argument('--still-ms', type=float, default=150.0)
    p.add_argument('--timeout', type=float, default=10.0, help='seconds for each wait')
    a = p.parse_args()

    ctx = GLib.MainContext.default()
    session = SpiceClientGLib.Session()
    session.set_property('host', a.host)
    session.set_property('port', str(a.port))
    st = {'inputs': None, 'inputs_open': False, 'primary': False, 'last': None, 'error': None, 'channels': []}

    def on_invalidate(_ch, _x, _y, _w, _h):
        st['last'] = time.perf_counter()

    def on_primary(*_args):
        st['primary'] = True

    def on_event(ch, event):
        if event == SpiceClientGLib.ChannelEvent.OPENED and isinstance(ch, SpiceClientGLib.InputsChannel):
            st['inputs_open'] = True
        elif event != SpiceClientGLib.ChannelEvent.OPENED and st['error'] is None:
            st['error'] = f'{type(ch).__name__}: {getattr(event, "value_nick", event)}'

    def on_channel_new(_s, ch):
        st['channels'].append(ch)
        GObject.Object.connect(ch, 'channel-event', on_event)
        if isinstance(ch, SpiceClientGLib.DisplayChannel):
            GObject.Object.connect(ch, 'display-invalidate', on_invalidate)
            GObject.Object.connect(ch, 'display-primary-create', on_primary)
        if isinstance(ch, SpiceClientGLib.InputsChannel):
            st['inputs'] = ch
        if not isinstance(ch, SpiceClientGLib.MainChannel):
            ch.connect()

    GObject.Object.connect(session, 'channel-new', on_channel_new)

    def fail(msg):
        print(json.dumps({'ok': False, 'error': msg}))
        session.disconnect()
        return 1

    if not session.connect():
        return fail('session.connect() returned false')
    if not run_until(ctx, lambda: st['error'] or (st['inputs_open'] and st['primary'] and st['last']), a.timeout) or st['error']:
        return fail(st['error'] or 'timed out waiting for the inputs channel and the first display update')

    # A 5 ms ticker wakes the loop while waiting for a still screen (the timed wait blocks on events only).
    def wait_still():
        ticker = GLib.timeout_add(5, lambda: True)
        ok = run_until(ctx, lambda: time.perf_counter() - st['last'] >= a.still_ms / 1000, a.timeout)
        GLib.source_remove(ticker)
        return ok

    times = []
    for _ in range(a.keys):
        if not wait_still():
            return fail(f'the display was not still for {a.still_ms} ms')
        t0 = time.perf_counter()
        st['inputs'].key_press(a.scancode)
        ok = run_until(ctx, lambda: st['last'] >= t0, a.timeout)
        t1 = st['last']
        st['inputs'].key_release(a.scancode)
        if not ok:
            return fail('no display update after a key press')
        times.append(round((t1 - t0) * 1000, 3))
    # Stay a moment before disconnecting (Xspice's spice-server 0.15.1 crashes on a quick disconnect).
    run_until(ctx, lambda: False, 1.0)
    print(json.dumps({'ok': True, 'ms': times, 'spiceGtk': SpiceClientGLib.util_get_version_string()}))
    session.disconnect()
    run_until(ctx, lambda: False, 0.5)
    return 0


if __name__ == '__main__':
    sys.exit(main())
