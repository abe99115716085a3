#!/usr/bin/python3
"""spice-gtk connect benchmark (reference client for `npm run bench`), through GObject introspection.

One run: create a SpiceClientGLib.Session, connect, and time from session.connect() until every
channel the server listed is linked: main's channel list makes spice-gtk create one channel per
entry (signal channel-new), each is connected, and the run ends when all non-main channels have
sent channel-event OPENED. Channels are counted as spice-cli counts them: main + every listed one
(smartcard is enabled on the session so that spice-gtk does not skip a listed smartcard channel).
--hold S keeps each session up S seconds after the timed part, before disconnecting, and reports the
time held (Xspice's spice-server 0.15.1 segfaults when spice-gtk disconnects right after linking).

  bench-spice-gtk.py --port P [--host H] [--runs N]   N runs in this process; one JSON line:
      {"ok": true, "runs": [ms, ...], "channels": n, "heldMs": total hold, "spiceGtk": "0.42", "python": "3.11.2"}
  bench-spice-gtk.py --port P --serve                 one run per "run" line read on stdin, one
      JSON line per run: {"ok": true, "ms": x, "channels": n, "heldMs": h} (lets a harness alternate clients)
Failures print {"ok": false, "error": "..."}; exit status 1 (in --serve mode the process goes on).
"""
import argparse
import json
import platform
import sys
import time

import gi

gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib  # noqa: E402

ERROR_EVENTS = {
    SpiceClientGLib.ChannelEvent.CLOSED,
    SpiceClientGLib.ChannelEvent.ERROR_CONNECT,
    SpiceClientGLib.ChannelEvent.ERROR_TLS,
    SpiceClientGLib.ChannelEvent.ERROR_LINK,
    SpiceClientGLib.ChannelEvent.ERROR_AUTH,
    SpiceClientGLib.ChannelEvent.ERROR_IO,
}


def run_until(ctx, done, timeout_s):
    """Runs the main context (blocking, no polling) until done() or the timeout; returns done()."""
    expired = []

    def on_timeout():
        expired.append(True)
        return False

    source = GLib.timeout_add(int(timeout_s * 1000), on_timeout)
    while not done() and not expired:
        ctx.iteration(True)
    if not expired:
        GLib.source_remove(source)
    return done()


def connect_once(host, port, timeout_s, hold_s):
    """One timed connect; returns {"ok", "ms", "channels"} or {"ok": False, "error"}."""
    ctx = GLib.MainContext.default()
    session = SpiceClientGLib.Session()
    session.set_property('host', host)
    session.set_property('port', str(port))
    session.set_property('enable-smartcard', True)  # else spice-gtk skips a listed smartcard channel
    channels = []
    opened = set()
    state = {'end': None, 'error': None, 'destroyed': 0}

    def on_event(ch, event):
        if event == SpiceClientGLib.ChannelEvent.OPENED:
            if not isinstance(ch, SpiceClientGLib.MainChannel):
                opened.add(ch)
            others = [c for c in channels if not isinstance(c, SpiceClientGLib.MainChannel)]
            if others and all(c in opened for c in others) and state['end'] is None:
                state['end'] = time.perf_counter()
        elif event in ERROR_EVENTS and state['end'] is None and state['error'] is None:
            nick = getattr(event, 'value_nick', str(event))
            state['error'] = f'{type(ch).__name__}: {nick} {ch.get_error() or ""}'.strip()

    def on_channel_new(_session, ch):
        channels.append(ch)
        GObject.Object.connect(ch, 'channel-event', on_event)
        if not isinstance(ch, SpiceClientGLib.MainChannel):
            ch.connect()

    def on_channel_destroy(_session, _ch):
        state['destroyed'] += 1

    GObject.Object.connect(session, 'channel-new', on_channel_new)
    GObject.Object.connect(session, 'channel-destroy', on_channel_destroy)
    t0 = time.perf_counter()
    if not session.connect():
        return {'ok': False, 'error': 'session.connect() returned false'}
    finished = run_until(ctx, lambda: state['end'] is not None or state['error'] is not None, timeout_s)
    if state['end'] is not None:
        result = {'ok': True, 'ms': round((state['end'] - t0) * 1000, 3), 'channels': len(channels)}
    elif finished:
        result = {'ok': False, 'error': state['error']}
    else:
        result = {'ok': False, 'error': f'timeout after {timeout_s} s: {len(opened)} of {len(channels) - 1} channels opened'}
    # Stay connected a moment (hold_s, reported as heldMs), then tear down: every channel destroyed (bounded wait).
    held0 = time.perf_counter()
    if hold_s > 0:
        run_until(ctx, lambda: False, hold_s)
    result['heldMs'] = round((time.perf_counter() - held0) * 1000, 3)
    session.disconnect()
    run_until(ctx, lambda: state['destroyed'] >= len(channels), 5.0)
    return result


def print_line(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', required=True)
    p.add_argument('--runs', type=int, default=1)
    p.add_argument('--serve', action='store_true')
    p.add_argument('--timeout', type=float, default=10.0, help='seconds per run')
    p.add_argument('--hold', type=float, default=0.0, help='seconds to stay connected after a run, before disconnecting')
    a = p.parse_args()

    if a.serve:
        for line in sys.stdin:
            if line.strip() == 'run':
                print_line(connect_once(a.host, a.port, a.timeout, a.hold))
        return 0

    times = []
    channels = 0
    held_ms = 0.0
    for _ in range(a.runs):
        r = connect_once(a.host, a.port, a.timeout, a.hold)
        if not r['ok']:
            print_line({**r, 'completedRuns': times})
            return 1
        times.append(r['ms'])
        channels = r['channels']
        held_ms += r['heldMs']
    print_line({'ok': True, 'runs': times, 'channels': channels, 'heldMs': round(held_ms, 3),
                'spiceGtk': SpiceClientGLib.util_get_version_string(), 'python': platform.python_version()})
    return 0


if __name__ == '__main__':
    sys.exit(main())
