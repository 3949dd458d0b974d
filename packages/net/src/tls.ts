/** Node's codes for a server certificate the process does not trust. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/** The TLS error code of an error or of any error in its `cause` chain. */
function tlsCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (UNTRUSTED.has(code) || code.startsWith('CERT_') || code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    )
      return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The sentence for a certificate no CA the process trusts signed: the host, what said so, the way out. */
export function untrustedCertificate(host: string, detail: string): string {
  return `the TLS certificate of ${host} is not trusted (${detail}); if a private certificate authority signed it, set NODE_EXTRA_CA_CERTS to that CA's PEM file for the step`;
}

/**
 * A sentence for a TLS failure that tells the user what to do, or undefined for other errors.
 * Verification is never turned off: a private CA is added with NODE_EXTRA_CA_CERTS, which Node
 * reads at start (https://nodejs.org/api/cli.html#node_extra_ca_certsfile).
 */
export function explainTlsError(err: unknown, host: string): string | undefined {
  const code = tlsCode(err);
  if (!code) return undefined;
  if (UNTRUSTED.has(code)) return untrustedCertificate(host, code);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the TLS certificate of ${host} is not valid for that name (${code}); use the host name the certificate was issued for`;
  }
  return `the TLS certificate of ${host} was refused (${code})`;
}
