import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { ComponentStartError } from './process.ts';
import { findExecutable } from './paths.ts';

/** A private certificate authority and one server certificate it signed, as PEM files. */
export interface TestCertificates {
  /** The CA certificate: what NODE_EXTRA_CA_CERTS points at. */
  caFile: string;
  /** Server certificate for 127.0.0.1, ::1 and localhost. */
  certFile: string;
  keyFile: string;
}

/**
 * Makes a CA and a server certificate for the loopback names with openssl, as a private CA of a
 * company network would: servers of the test bed serve TLS with it, and clients trust it only
 * through NODE_EXTRA_CA_CERTS.
 */
export function createTestCertificates(dir: string): TestCertificates {
  if (!findExecutable('openssl')) {
    throw new ComponentStartError('tls', 'openssl is not installed (apt-get install openssl)');
  }
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Slipway Test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  ]);
  writeFileSync(
    file('server.ext'),
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  openssl([
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.pem'),
  ]);
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}

/** A server certificate and key for a test-bed server, and the CA that signed them. */
export interface ServerTls {
  certFile: string;
  keyFile: string;
  /** The CA the readiness checks trust (the server's clients must be given it themselves). */
  caFile: string;
}

/**
 * The HTTP status of a GET to `url`, trusting `tls.caFile` for an https URL (Node's fetch has no
 * per-request CA): used to wait for test-bed servers that serve TLS with the test CA.
 */
export function probeStatus(url: string, tls?: Pick<ServerTls, 'caFile'>): Promise<number> {
  if (!url.startsWith('https:')) return fetch(url).then((res) => res.status);
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ca: readFileSync(tls?.caFile ?? '') }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`no answer from ${url} within 5 s`)));
  });
}
