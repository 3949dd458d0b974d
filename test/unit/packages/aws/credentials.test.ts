import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeCredentialSource, detectCredentialSource } from '@slipway/aws/credentials.ts';

const keys = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };

describe('detectCredentialSource follows the AWS SDK default chain', () => {
  it('uses environment keys, with the session token when there is one', () => {
    assert.deepEqual(detectCredentialSource({ ...keys, AWS_SESSION_TOKEN: 'token' }), {
      kind: 'env',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' },
    });
    assert.deepEqual(detectCredentialSource(keys), {
      kind: 'env',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
    });
  });

  it('prefers AWS_PROFILE over environment keys, as the SDK does', () => {
    assert.deepEqual(detectCredentialSource({ ...keys, AWS_PROFILE: 'ci' }), {
      kind: 'profile',
      profile: 'ci',
    });
  });

  it('does not take half a key pair as environment credentials', () => {
    assert.equal(detectCredentialSource({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }).kind, 'default-chain');
    assert.equal(
      detectCredentialSource({ AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 't' }).kind,
      'default-chain',
    );
  });

  it('recognises a web identity token file with a role, then container credentials', () => {
    assert.deepEqual(
      detectCredentialSource({
        AWS_WEB_IDENTITY_TOKEN_FILE: '/tmp/token',
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/ci',
      }),
      { kind: 'web-identity', roleArn: 'arn:aws:iam::123456789012:role/ci', tokenFile: '/tmp/token' },
    );
    assert.equal(
      detectCredentialSource({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/creds' }).kind,
      'container',
    );
    assert.equal(detectCredentialSource({}).kind, 'default-chain');
  });

  it('describes a source without ever showing a secret', () => {
    const text = describeCredentialSource(detectCredentialSource({ ...keys, AWS_SESSION_TOKEN: 'token' }));
    assert.match(text, /AWS_SESSION_TOKEN/);
    assert.ok(!text.includes('secret') && !text.includes('token '));
  });
});
