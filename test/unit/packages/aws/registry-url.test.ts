import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsParameterError } from '@slipway/aws/parameter-error.ts';
import { readRegistryUrl } from '@slipway/aws/registry-url.ts';

describe('readRegistryUrl', () => {
  it('accepts a base URL or host[:port], https when no scheme is given', () => {
    assert.equal(readRegistryUrl('http://127.0.0.1:5000').href, 'http://127.0.0.1:5000/');
    assert.equal(
      readRegistryUrl('localhost.localstack.cloud:4510/').href,
      'https://localhost.localstack.cloud:4510/',
    );
  });

  it('refuses paths, queries and other schemes, naming the accepted form', () => {
    for (const bad of ['http://127.0.0.1:5000/v2/', 'ftp://host', 'http://host?x=1']) {
      assert.throws(
        () => readRegistryUrl(bad),
        (e: unknown) =>
          e instanceof AwsParameterError &&
          e.parameter === 'registryUrl' &&
          /such as http:\/\/127\.0\.0\.1:5000/.test(e.message),
      );
    }
  });

  it('never echoes credentials written into the URL', () => {
    for (const bad of [
      'https://AWS:SuperSecretPw@127.0.0.1:5000',
      'http://AWS:SuperSecretPw@host/path',
      'AWS:SuperSecretPw@127.0.0.1:5000',
    ]) {
      assert.throws(
        () => readRegistryUrl(bad),
        (e: unknown) => e instanceof AwsParameterError && !e.message.includes('SuperSecretPw'),
      );
    }
  });
});
