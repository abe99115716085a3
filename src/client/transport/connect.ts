/**
 * Opens one socket for one channel: TCP, TLS (verified by default) or a unix socket.
 * Errors become SpiceErrors: 'connect' (exit 10) when nothing answers, 'tls' for verification failures,
 * 'timeout' (exit 40) when the connection does not complete in time.
 */
import net from 'node:net';
import tls from 'node:tls';
import {readFileSync} from 'node:fs';
import {SpiceError} from '../errors.js';

export interface TlsOptions {
  /** PEM file with the CA(s) that sign the server certificate; default: the system store. */
  caFile?: string;
  /** Expected certificate subject ("C=XX,O=...,CN=..."), checked instead of the host name. */
  hostSubject?: string;
  /** Skip verification entirely (must be asked for). */
  insecure?: boolean;
}

export type Endpoint = {kind: 'tcp'; host: string; port: number} | {kind: 'tls'; host: string; port: number; tls: TlsOptions} | {kind: 'unix'; path: string};

export function describeEndpoint(e: Endpoint): string {
  return e.kind === 'unix' ? `unix:${e.path}` : `${e.kind === 'tls' ? 'tls:' : ''}${e.host}:${e.port}`;
}

/** Parses "C=XX, O=Org, CN=name" into ordered [key, value] pairs (spice-gtk host-subject syntax). */
export function parseSubject(subject: string): Array<[string, string]> {
  return subject
    .split(/,(?=\s*[A-Za-z.0-9]+=)/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const i = part.indexOf('=');
      if (i <= 0) throw new SpiceError('usage', `invalid --host-subject '${subject}': expected KEY=VALUE pairs separated by commas`);
      return [part.slice(0, i).trim(), part.slice(i + 1).trim()] as [string, string];
    });
}

function subjectMatches(expected: string, cert: tls.PeerCertificate): boolean {
  const want = parseSubject(expected);
  const have = cert.subject as unknown as Record<string, string | string[]>;
  const haveCount = Object.values(have).reduce((n, v) => n + (Array.isArray(v) ? v.length : 1), 0);
  if (haveCount !== want.length) return false;
  return want.every(([k, v]) => {
    const h = have[k];
    return Array.isArray(h) ? h.includes(v) : h === v;
  });
}

function subjectText(cert: tls.PeerCertificate): string {
  return Object.entries(cert.subject ?? {})
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(',');
}

export function openSocket(endpoint: Endpoint, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    let settled = false;
    const where = describeEndpoint(endpoint);
    const done = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(socket);
    };
    const timer = setTimeout(() => done(new SpiceError('timeout', `timed out after ${timeoutMs} ms connecting to ${where}`)), timeoutMs);

    if (endpoint.kind === 'tls') {
      const o = endpoint.tls;
      let ca: Buffer | undefined;
      if (o.caFile) {
        try {
          ca = readFileSync(o.caFile);
        } catch (e) {
          clearTimeout(timer);
          settled = true;
          reject(new SpiceError('usage', `cannot read CA file ${o.caFile}: ${(e as Error).message}`));
          return;
        }
      }
      const isIp = net.isIP(endpoint.host) !== 0;
      socket = tls.connect({
        host: endpoint.host,
        port: endpoint.port,
        ca,
        servername: isIp ? undefined : endpoint.host,
        rejectUnauthorized: !o.insecure,
        checkServerIdentity: (host, cert) => {
          if (o.insecure) return undefined;
          if (o.hostSubject) {
            return subjectMatches(o.hostSubject, cert)
              ? undefined
              : new Error(`certificate subject '${subjectText(cert)}' does not match --host-subject '${o.hostSubject}'`);
          }
          return tls.checkServerIdentity(host, cert);
        },
      });
      socket.once('secureConnect', () => {
        socket.setNoDelay(true);
        done(null);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/.test(err.code) || /certificate|subject/.test(err.message)) {
          done(new SpiceError('tls', `TLS verification of ${where} failed: ${err.message}. Check --ca-file and --host-subject, or pass --insecure to skip verification.`, {cause: err}));
        } else done(connectError(err, where));
      });
    } else {
      socket = endpoint.kind === 'unix' ? net.connect({path: endpoint.path}) : net.connect({host: endpoint.host, port: endpoint.port});
      socket.once('connect', () => {
        socket.setNoDelay(true);
        done(null);
      });
      socket.once('error', (err) => done(connectError(err, where)));
    }
  });
}

function connectError(err: NodeJS.ErrnoException, where: string): SpiceError {
  const why =
    err.code === 'ECONNREFUSED'
      ? 'connection refused (nothing listening?)'
      : err.code === 'ENOENT'
        ? 'no such socket'
        : err.code === 'ENOTFOUND'
          ? 'host not found'
          : err.code === 'ECONNRESET'
            ? 'connection reset by the server'
            : err.message;
  return new SpiceError('connect', `cannot connect to ${where}: ${why}`, {cause: err});
}
