/**
 * Progress of `spice-cli send-file` on a terminal (ink, on stderr): a bar for the file being sent with its
 * rate; finished files scroll up as one line each.
 */
import {createElement as h, type ReactNode} from 'react';
import {Box, render, Static, Text} from 'ink';
import type {XferOutcome, XferProgress} from '../client/actions/files.js';
import {mib, mibps, outcomeLine, shown, type XferView} from './xfer-progress.js';

const WIDTH = 30;

interface Current extends XferProgress {
  started: number;
}

function bar(c: Current, now: number): ReactNode {
  const frac = c.size ? c.sent / c.size : 1;
  const full = Math.round(frac * WIDTH);
  return h(
    Text,
    {},
    `${shown(c.name)} `,
    h(Text, {color: 'cyan'}, '█'.repeat(full)),
    h(Text, {dimColor: true}, '░'.repeat(WIDTH - full)),
    ` ${Math.floor(frac * 100)}% ${mib(c.sent)}/${mib(c.size)} `,
    h(Text, {dimColor: true}, `${mibps(c.sent, now - c.started)} MiB/s`),
  );
}

export function inkXferView(stream: NodeJS.WriteStream): XferView {
  const finished: Array<{key: string; ok: boolean; text: string}> = [];
  let current: Current | undefined;
  const view = (): ReactNode =>
    h(
      Box,
      {flexDirection: 'column'},
      h(Static<(typeof finished)[number]>, {items: [...finished], children: (f) => h(Text, {key: f.key, color: f.ok ? 'green' : 'red'}, `${f.ok ? '✔' : '✘'} ${f.text}`)}),
      current ? bar(current, performance.now()) : null,
    );
  const app = render(view(), {stdout: stream, patchConsole: false, exitOnCtrlC: false});
  const tick = setInterval(() => app.rerender(view()), 100);
  tick.unref();
  let closed = false;
  return {
    progress(p) {
      if (!current || current.id !== p.id) current = {...p, started: performance.now()};
      else Object.assign(current, p);
    },
    done(o: XferOutcome) {
      if (current?.id === o.id) current = undefined;
      finished.push({key: String(finished.length), ok: o.ok, text: outcomeLine(o)});
      app.rerender(view());
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(tick);
      current = undefined;
      app.rerender(view());
      app.unmount();
    },
  };
}
