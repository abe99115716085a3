/**
 * Opens one socket for one channel: TCP, TLS (verified by default) or a unix socket.
 * Errors become SpiceErrors: 'connect' (exit 10) when nothing answers, 'tls' for verification failures,
 * 'timeout' (exit 40) when the connection does not complete in time.
 */
import net from 'node:net';
import tls from 'node:tls';
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
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

/** A connected socket and how long the TCP handshake took (one network round trip; ~0 on unix sockets). */
export type OpenedSocket = net.Socket & {connectMs?: number};

export function openSocket(endpoint: Endpoint, timeoutMs: number): Promise<OpenedSocket> {
  return new Promise((resolve, reject) => {
    let socket: OpenedSocket;
    let settled = false;
    const t0 = performance.now();
    const stamp = () => (socket.connectMs = performance.now() - t0);
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
      // Verification runs after the handshake (not as a handshake abort): spice-server's TLS side stalls for
      // later clients when a client tears a handshake down, so a refused certificate is closed gracefully.
      socket = tls.connect({
        host: endpoint.host,
        port: endpoint.port,
        ca,
        servername: isIp ? undefined : endpoint.host,
        rejectUnauthorized: false,
      });
      const tlsSocket = socket as tls.TLSSocket;
      socket.once('connect', stamp);
      socket.once('secureConnect', () => {
        const problem = o.insecure ? undefined : verifyPeer(tlsSocket, endpoint.host, o);
        if (problem) {
          settled = true;
          clearTimeout(timer);
          tlsSocket.end();
          setTimeout(() => tlsSocket.destroy(), 1000).unref();
          reject(new SpiceError('tls', `TLS verification of ${where} failed: ${problem}. Check --ca-file and --host-subject, or pass --insecure to skip verification.`));
          return;
        }
        socket.setNoDelay(true);
        done(null);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => done(connectError(err, where)));
    } else {
      socket = endpoint.kind === 'unix' ? net.connect({path: endpoint.path}) : net.connect({host: endpoint.host, port: endpoint.port});
      socket.once('connect', () => {
        stamp();
        socket.setNoDelay(true);
        done(null);
      });
      socket.once('error', (err) => done(connectError(err, where)));
    }
  });
}

const certProblems: Record<string, string> = {
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate is signed by a CA that is not trusted",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed and not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate cannot be verified against the trusted CAs",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the issuer of the server's certificate is not among the trusted CAs",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet",
};

/** Why the peer's certificate is not acceptable, or undefined when it is. */
function verifyPeer(socket: tls.TLSSocket, host: string, o: TlsOptions): string | undefined {
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'UNTRUSTED');
    return `${certProblems[code] ?? 'the certificate is not trusted'} (${code})`;
  }
  const cert = socket.getPeerCertificate();
  if (o.hostSubject) {
    return subjectMatches(o.hostSubject, cert) ? undefined : `certificate subject '${subjectText(cert)}' does not match --host-subject '${o.hostSubject}'`;
  }
  return tls.checkServerIdentity(host, cert)?.message;
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
            : tlsProblem(err) ?? err.message;
  return new SpiceError('connect', `cannot connect to ${where}: ${why}`, {cause: err});
}

/** OpenSSL's record-layer errors in plain words: the usual one is TLS spoken to a plain port. */
function tlsProblem(err: NodeJS.ErrnoException): string | undefined {
  const reason = (err as {reason?: unknown}).reason ?? err.message;
  if (typeof reason !== 'string' || !/SSL|TLS/i.test(`${err.code ?? ''} ${reason}`)) return undefined;
  if (/wrong version number|packet length too long|http request/i.test(reason)) {
    return 'the server did not answer the TLS handshake: is this the plain (non-TLS) port? Use spice://HOST:PORT for it, or give the TLS port';
  }
  return `TLS handshake failed (${reason})`;
}
