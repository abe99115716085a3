#!/usr/bin/python3
"""Reference-client probe for lab targets, using spice-gtk through GObject introspection.

Connects, waits for the channels (and the agent when --wait-agent), prints one JSON line:
  {"ok": true, "channels": [...], "agentConnected": bool, "mouseMode": n}
or {"ok": false, "event": "ERROR_AUTH" | "ERROR_TLS" | ..., "error": "..."}.
Exit status: 0 connected, 3 auth failed, 10 cannot connect / TLS failure, 40 timeout.

  lab-probe.py --host 127.0.0.1 --port P [--password PW]
  lab-probe.py --host 127.0.0.1 --tls-port P --ca-file CA [--host-subject S]
"""
import argparse
import json
import sys

import gi

gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--host', default='127.0.0.1')
p.add_argument('--port')
p.add_argument('--tls-port')
p.add_argument('--password')
p.add_argument('--ca-file')
p.add_argument('--host-subject')
p.add_argument('--timeout', type=float, default=10.0)
p.add_argument('--settle', type=float, default=0.5, help='seconds to wait after the main channel opened')
p.add_argument('--wait-agent', action='store_true')
a = p.parse_args()

session = SpiceClientGLib.Session()
session.set_property('host', a.host)
if a.port:
    session.set_property('port', a.port)
if a.tls_port:
    session.set_property('tls-port', a.tls_port)
if a.password is not None:
    session.set_property('password', a.password)
if a.ca_file:
    session.set_property('ca-file', a.ca_file)
if a.host_subject:
    session.set_property('cert-subject', a.host_subject)

loop = GLib.MainLoop()
result = {'ok': False}
channels = []
main = {}
status = [40]


def finish(code):
    status[0] = code
    loop.quit()
    return False


CHANNEL_NAMES = {1: 'main', 2: 'display', 3: 'inputs', 4: 'cursor', 5: 'playback', 6: 'record', 7: 'tunnel',
                 8: 'smartcard', 9: 'usbredir', 10: 'port', 11: 'webdav'}


def type_name(ch):
    t = ch.get_property('channel-type')
    return CHANNEL_NAMES.get(t, str(t))


def on_main_event(ch, event):
    name = event.value_nick.upper().replace('-', '_') if hasattr(event, 'value_nick') else str(event)
    if event == SpiceClientGLib.ChannelEvent.OPENED:
        def done():
            if a.wait_agent and not ch.get_property('agent-connected'):
                return True  # keep polling
            result.update(ok=True, channels=sorted(channels), agentConnected=bool(ch.get_property('agent-connected')),
                          mouseMode=ch.get_property('mouse-mode'))
            finish(0)
            return False
        GLib.timeout_add(int(a.settle * 1000), lambda: done() and False)
        if a.wait_agent:
            GLib.timeout_add(50, done)
    elif event in (SpiceClientGLib.ChannelEvent.ERROR_AUTH,):
        result.update(event=name, error=str(ch.get_error() or ''))
        finish(3)
    elif event in (SpiceClientGLib.ChannelEvent.CLOSED,):
        if not result.get('ok'):
            result.update(event=name)
            finish(10)
    else:
        result.update(event=name, error=str(ch.get_error() or ''))
        finish(10)


def on_channel_new(sess, ch):
    channels.append(type_name(ch))
    if isinstance(ch, SpiceClientGLib.MainChannel):
        main['ch'] = ch
        GObject.Object.connect(ch, 'channel-event', on_main_event)
    else:
        ch.connect()


GObject.Object.connect(session, 'channel-new', on_channel_new)
GLib.timeout_add(int(a.timeout * 1000), lambda: (result.update(event='TIMEOUT'), finish(40)))
if not session.connect():
    print(json.dumps({'ok': False, 'error': 'session.connect() failed'}))
    sys.exit(10)
loop.run()
session.disconnect()
print(json.dumps(result))
sys.exit(status[0])
