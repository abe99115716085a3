#!/usr/bin/python3
"""Captures a SPICE server's playback channel with spice-gtk (GObject introspection): the reference client
the lab's sound tests check the guest's audio against.

Prints JSON lines on stdout:
  {"event": "ready"}                                    the playback channel is open (make the guest play now)
  {"event": "start", "format": F, "channels": C, "rate": R}    each PLAYBACK start (F: 1 = S16)
  {"event": "stop", "bytes": N}                          each PLAYBACK stop, with the PCM bytes captured so far
  {"event": "done", "bytes": N}                          at the end
The PCM (as spice-gtk hands it over: S16 native-endian, interleaved; decoded when the server sends Opus) goes
to --out. Ends after the first stop that follows some data, or after --timeout seconds (exit status 40).

  spice-gtk-playback.py --port P --out FILE.raw [--host 127.0.0.1] [--timeout 60]
"""
import argparse
import ctypes
import json
import sys

import gi

gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--host', default='127.0.0.1')
p.add_argument('--port', required=True)
p.add_argument('--out', required=True)
p.add_argument('--timeout', type=float, default=60.0)
a = p.parse_args()

out = open(a.out, 'wb')
state = {'bytes': 0, 'status': 40}
loop = GLib.MainLoop()


def emit(obj):
    print(json.dumps(obj), flush=True)


def finish(status):
    state['status'] = status
    loop.quit()
    return False


def on_start(ch, fmt, channels, rate):
    emit({'event': 'start', 'format': fmt, 'channels': channels, 'rate': rate})


def on_data(ch, data, size):
    # The data argument is a C pointer, given to Python as an integer address.
    out.write(ctypes.string_at(data, size))
    state['bytes'] += size


def on_stop(ch):
    emit({'event': 'stop', 'bytes': state['bytes']})
    if state['bytes'] > 0:
        finish(0)


def on_playback_event(ch, event):
    if event == SpiceClientGLib.ChannelEvent.OPENED:
        emit({'event': 'ready'})
    elif event != SpiceClientGLib.ChannelEvent.NONE:
        emit({'event': 'error', 'channelEvent': int(event), 'error': str(ch.get_error() or '')})
        finish(10)


def on_channel_new(session, ch):
    if isinstance(ch, SpiceClientGLib.PlaybackChannel):
        # Channel.connect() and Session.connect() shadow GObject's connect: signals go through GObject.Object.
        GObject.Object.connect(ch, 'channel-event', on_playback_event)
        GObject.Object.connect(ch, 'playback-start', on_start)
        GObject.Object.connect(ch, 'playback-data', on_data)
        GObject.Object.connect(ch, 'playback-stop', on_stop)
    if not isinstance(ch, SpiceClientGLib.MainChannel):
        ch.connect()


session = SpiceClientGLib.Session()
session.set_property('host', a.host)
session.set_property('port', a.port)
session.set_property('enable-audio', True)
GObject.Object.connect(session, 'channel-new', on_channel_new)
GLib.timeout_add(int(a.timeout * 1000), finish, 40)
if not session.connect():
    emit({'event': 'error', 'error': 'session.connect() failed'})
    sys.exit(10)
loop.run()
out.close()
session.disconnect()
emit({'event': 'done', 'bytes': state['bytes']})
sys.exit(state['status'])
