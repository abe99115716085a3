/**
 * Connection targets from URIs, as spice-gtk/remote-viewer spell them:
 *   spice://host:port[?tls-port=N]   plain port, optional TLS port (also spice://host?port=P&tls-port=N)
 *   spice+tls://host:port            every channel over TLS on that port
 *   spice+unix:///path/to/socket     unix socket
 */
import {SpiceError} from '../errors.js';

export interface SpiceTarget {
  host: string;
  /** Plain TCP port, if any. */
  port?: number;
  /** TLS port, if any. */
  tlsPort?: number;
  /** Unix socket path (then host/ports are unused). */
  unixPath?: string;
  /** The URI as given, with any password parameter removed. */
  display: string;
}

function parsePort(value: string | null, what: string, uri: string): number | undefined {
  if (value == null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new SpiceError('usage', `invalid ${what} '${value}' in URI ${uri}`);
  return n;
}

export function parseSpiceUri(uri: string): SpiceTarget {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new SpiceError('usage', `invalid URI '${uri}': expected spice://HOST:PORT, spice+tls://HOST:PORT or spice+unix:///PATH`);
  }
  if (u.searchParams.has('password')) {
    throw new SpiceError('usage', 'passwords are not accepted in the URI; use --password-file or SPICE_PASSWORD');
  }
  const display = uri;
  switch (u.protocol) {
    case 'spice+unix:': {
      const path = decodeURIComponent(u.pathname);
      if (!path || path === '/') throw new SpiceError('usage', `missing socket path in ${uri}`);
      return {host: 'localhost', unixPath: path, display};
    }
    case 'spice:':
    case 'spice+tls:': {
      const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
      if (!host) throw new SpiceError('usage', `missing host in ${uri}`);
      const port = parsePort(u.port || u.searchParams.get('port'), 'port', uri);
      const tlsPort = parsePort(u.searchParams.get('tls-port'), 'tls-port', uri);
      if (u.protocol === 'spice+tls:') {
        const p = tlsPort ?? port;
        if (p === undefined) throw new SpiceError('usage', `missing port in ${uri}`);
        return {host, tlsPort: p, display};
      }
      if (port === undefined && tlsPort === undefined) throw new SpiceError('usage', `missing port in ${uri}`);
      return {host, port, tlsPort, display};
    }
    default:
      throw new SpiceError('usage', `unsupported URI scheme '${u.protocol}' in ${uri}: use spice://, spice+tls:// or spice+unix://`);
  }
}
