#!/usr/bin/python3
"""spice-gtk (through GObject introspection) as the reference client of the lab's sound tests: captures the
playback channel, or feeds the record channel (the guest's microphone) a sine tone.

  spice-gtk-audio.py --port P --out FILE.raw            capture: ends after the first PLAYBACK stop that follows data
  spice-gtk-audio.py --port P --send-tone HZ --seconds S  send: S seconds of the tone once the server starts recording
  spice-gtk-audio.py --port P --latency-fifo FIFO --runs N  latency (Xspice): N times, while playback is stopped,
      write 100 ms of a tone into Xspice's playback FIFO and time it to the first playback-data; SPICE_DISABLE_OPUS=1
      in the environment makes spice-gtk announce no OPUS (raw PCM)

Prints JSON lines on stdout:
  {"event": "ready"}                                          the audio channel is open (make the guest play/record now)
  {"event": "start", "format": F, "channels": C, "rate": R}   PLAYBACK start (F: 1 = S16)
  {"event": "record-start", "format": F, "channels": C, "rate": R}
  {"event": "stop", "bytes": N} / {"event": "record-stop"}
  {"event": "latency", "ms": [...]}                           FIFO write → first playback-data, per run
  {"event": "done", "bytes": N, "sentFrames": M}              at the end
Captured PCM (as spice-gtk hands it over: S16 native-endian interleaved, decoded when the server sends Opus) goes
to --out; the tone is sent as S16 at the rate and channel count the server asked for, paced by the wall clock.
Exit status 0, 10 on a channel error, 40 after --timeout seconds.
"""
import argparse
import array
import ctypes
import json
import math
import os
import sys
import time

import gi

gi.require_version('SpiceClientGLib', '2.0')
from gi.repository import GLib, GObject, SpiceClientGLib  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--host', default='127.0.0.1')
p.add_argument('--port', required=True)
p.add_argument('--out')
p.add_argument('--send-tone', type=float)
p.add_argument('--seconds', type=float, default=3.0)
p.add_argument('--amplitude', type=int, default=12000)
p.add_argument('--timeout', type=float, default=60.0)
p.add_argument('--latency-fifo')
p.add_argument('--runs', type=int, default=10)
p.add_argument('--settle', type=float, default=0.3, help='seconds of quiet after a playback stop before the next write')
a = p.parse_args()
if sum(map(bool, (a.out, a.send_tone, a.latency_fifo))) != 1:
    p.error('give one of --out, --send-tone, --latency-fifo')

out = open(a.out, 'wb') if a.out else None
state = {'bytes': 0, 'sentFrames': 0, 'status': 40}
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
    if a.latency_fifo:
        return on_latency_data()
    # The data argument is a C pointer, given to Python as an integer address.
    out.write(ctypes.string_at(data, size))
    state['bytes'] += size


def on_stop(ch):
    if a.latency_fifo:
        return on_latency_stop()
    emit({'event': 'stop', 'bytes': state['bytes']})
    if state['bytes'] > 0:
        finish(0)


# Latency: 100 ms (10 packets of 480 frames) of a 1 kHz stereo S16LE tone at half scale, Xspice's FIFO format.
LATENCY_PCM = array.array('h', [v for i in range(4800) for v in [int(16384 * math.sin(2 * math.pi * 1000 * i / 48000))] * 2]).tobytes()
latency = {'fd': None, 't0': None, 'ms': []}


def latency_write():
    latency['t0'] = time.monotonic()
    os.write(latency['fd'], LATENCY_PCM)
    return False


def on_latency_data():
    if latency['t0'] is not None:
        latency['ms'].append(round((time.monotonic() - latency['t0']) * 1000, 2))
        latency['t0'] = None


def on_latency_stop():
    if len(latency['ms']) >= a.runs:
        emit({'event': 'latency', 'ms': latency['ms']})
        finish(0)
    else:
        GLib.timeout_add(int(a.settle * 1000), latency_write)


def on_record_start(ch, fmt, channels, rate):
    emit({'event': 'record-start', 'format': fmt, 'channels': channels, 'rate': rate})
    total = int(a.seconds * rate)
    t0 = time.monotonic()

    def tick():
        # Send what the wall clock says is due (20 ms ticks), so the stream is paced in real time.
        due = min(total, int((time.monotonic() - t0 + 0.02) * rate))
        n = due - state['sentFrames']
        if n > 0:
            first = state['sentFrames']
            samples = array.array('h')
            for i in range(first, first + n):
                v = int(a.amplitude * math.sin(2 * math.pi * a.send_tone * i / rate))
                samples.extend([v] * channels)
            buf = ctypes.create_string_buffer(samples.tobytes())
            # send_data takes the PCM as a pointer: pass the buffer's address.
            ch.send_data(ctypes.addressof(buf), len(samples) * 2, 0)
            state['sentFrames'] = due
        if due >= total:
            finish(0)
            return False
        return True

    GLib.timeout_add(20, tick)


def on_record_stop(ch):
    emit({'event': 'record-stop'})


def on_audio_event(ch, event):
    if event == SpiceClientGLib.ChannelEvent.OPENED:
        emit({'event': 'ready'})
        if a.latency_fifo and latency['fd'] is None:
            # A second writer beside the benchmark's: Xspice keeps reading while one writer stays open.
            latency['fd'] = os.open(a.latency_fifo, os.O_WRONLY)
            GLib.timeout_add(int(a.settle * 1000), latency_write)
    elif event != SpiceClientGLib.ChannelEvent.NONE:
        emit({'event': 'error', 'channelEvent': int(event), 'error': str(ch.get_error() or '')})
        finish(10)


def on_channel_new(session, ch):
    # Channel.connect() and Session.connect() shadow GObject's connect: signals go through GObject.Object.
    if (out or a.latency_fifo) and isinstance(ch, SpiceClientGLib.PlaybackChannel):
        GObject.Object.connect(ch, 'channel-event', on_audio_event)
        GObject.Object.connect(ch, 'playback-start', on_start)
        GObject.Object.connect(ch, 'playback-data', on_data)
        GObject.Object.connect(ch, 'playback-stop', on_stop)
    if a.send_tone and isinstance(ch, SpiceClientGLib.RecordChannel):
        GObject.Object.connect(ch, 'channel-event', on_audio_event)
        GObject.Object.connect(ch, 'record-start', on_record_start)
        GObject.Object.connect(ch, 'record-stop', on_record_stop)
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
if out:
    out.close()
if latency['fd'] is not None:
    os.close(latency['fd'])
session.disconnect()
emit({'event': 'done', 'bytes': state['bytes'], 'sentFrames': state['sentFrames']})
sys.exit(state['status'])
