import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { networkFailure } from '@slipway/slack';

/** What fetch (undici) throws when the server's certificate comes from a CA Node does not know. */
function fetchTlsError(code: string): Error {
  return new TypeError('fetch failed', {
    cause: Object.assign(new Error('self-signed certificate in certificate chain'), { code }),
  });
}

describe('networkFailure', () => {
  it('an untrusted certificate is final and names the host and NODE_EXTRA_CA_CERTS', () => {
    const failure = networkFailure(fetchTlsError('SELF_SIGNED_CERT_IN_CHAIN'), 10_000, 'slack.corp.example');
    assert.equal(failure.kind, 'refused');
    assert.equal(
      failure.message,
      "could not reach Slack: the TLS certificate of slack.corp.example is not trusted (SELF_SIGNED_CERT_IN_CHAIN); if a private certificate authority signed it, set NODE_EXTRA_CA_CERTS to that CA's PEM file for the step",
    );
  });

  it('a dropped connection stays a transient failure', () => {
    const err = new TypeError('fetch failed', {
      cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    });
    const failure = networkFailure(err, 10_000, 'slack.corp.example');
    assert.equal(failure.kind, 'transient');
    assert.equal(failure.message, 'could not reach Slack (ECONNRESET)');
  });
});
