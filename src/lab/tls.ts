/**
 * Lab certificates made with the `openssl` CLI: a lab CA and a server certificate for
 * 127.0.0.1 (SAN IP:127.0.0.1, DNS:localhost), laid out the way spice-server's x509 dir
 * expects (ca-cert.pem, server-cert.pem, server-key.pem). Also an unrelated CA for
 * "wrong CA" tests.
 */
import {execFile} from 'node:child_process';
import {mkdirSync, rmSync, writeFileSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {MissingPackageError} from './install.js';

const run = promisify(execFile);

export const LAB_SERVER_SUBJECT = '/C=XX/O=spice-cli lab/CN=127.0.0.1';
/** The server subject in spice-gtk's host-subject form. */
export const LAB_HOST_SUBJECT = 'C=XX,O=spice-cli lab,CN=127.0.0.1';

export interface LabCa {
  caFile: string;
  caKeyFile: string;
}

export interface LabTls extends LabCa {
  /** The x509 directory to hand to the server (XSPICE_X509_DIR, QEMU x509-dir). */
  dir: string;
  certFile: string;
  keyFile: string;
  /** "C=XX,O=spice-cli lab,CN=127.0.0.1" */
  hostSubject: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, {cwd, timeout: 30_000});
  } catch (err) {
    const e = err as NodeJS.ErrnoException & {stderr?: string};
    if (e.code === 'ENOENT') throw new MissingPackageError(['openssl'], 'the openssl command is needed to make lab certificates');
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`, {cause: err});
  }
}

/** Makes a self-signed CA in `dir` (files `${prefix}-cert.pem`, `${prefix}-key.pem`). */
export async function generateCa(dir: string, opts: {commonName?: string; prefix?: string} = {}): Promise<LabCa> {
  mkdirSync(dir, {recursive: true});
  const prefix = opts.prefix ?? 'ca';
  const caFile = join(dir, `${prefix}-cert.pem`);
  const caKeyFile = join(dir, `${prefix}-key.pem`);
  const cn = opts.commonName ?? 'spice-cli lab CA';
  await openssl(
    [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
      '-subj', `/C=XX/O=spice-cli lab/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'subjectKeyIdentifier=hash',
      '-keyout', caKeyFile, '-out', caFile,
    ],
    dir,
  );
  return {caFile, caKeyFile};
}

/** A second CA that has nothing to do with the lab CA (for "wrong CA" tests). */
export async function generateUnrelatedCa(dir: string): Promise<LabCa> {
  return generateCa(dir, {commonName: 'unrelated CA', prefix: 'other-ca'});
}

/**
 * Makes the lab CA and a server certificate signed by it in `dir`:
 * ca-cert.pem, ca-key.pem, server-cert.pem, server-key.pem.
 */
export async function generateLabTls(dir: string): Promise<LabTls> {
  const ca = await generateCa(dir);
  const keyFile = join(dir, 'server-key.pem');
  const certFile = join(dir, 'server-cert.pem');
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server-ext.cnf');
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid,issuer',
      '',
    ].join('\n'),
  );
  await openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', LAB_SERVER_SUBJECT, '-keyout', keyFile, '-out', csr], dir);
  await openssl(
    [
      'x509', '-req', '-in', csr, '-CA', ca.caFile, '-CAkey', ca.caKeyFile, '-CAcreateserial',
      '-sha256', '-days', '3650', '-extfile', ext, '-out', certFile,
    ],
    dir,
  );
  for (const f of [csr, ext, join(dir, 'ca-cert.srl')]) if (existsSync(f)) rmSync(f);
  return {...ca, dir, certFile, keyFile, hostSubject: LAB_HOST_SUBJECT};
}
