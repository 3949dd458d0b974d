import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsEndpointHost, explainAwsError } from '@slipway/aws/errors.ts';

/** The error Node's TLS layer gives for a certificate signed by a CA it does not know. */
function untrusted(): Error {
  return Object.assign(new Error('unable to verify the first certificate'), {
    code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  });
}

describe('AWS errors for refused TLS certificates', () => {
  it('names the endpoint host from AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the regional host', () => {
    const env = { AWS_ENDPOINT_URL: 'https://aws.corp.example:8443', AWS_REGION: 'eu-west-1' };
    assert.equal(awsEndpointHost('s3:PutObject', env), 'aws.corp.example:8443');
    assert.equal(
      awsEndpointHost('s3:PutObject', { ...env, AWS_ENDPOINT_URL_S3: 'https://s3.corp.example' }),
      's3.corp.example',
    );
    assert.equal(awsEndpointHost('ecr:PutImage', { AWS_REGION: 'eu-west-1' }), 'ecr.eu-west-1.amazonaws.com');
  });

  it('says the certificate of that host is not trusted and names NODE_EXTRA_CA_CERTS, not a bare code', () => {
    const err = explainAwsError(untrusted(), {
      action: 's3:PutObject',
      resource: 's3://releases/shop.yaml',
      endpoint: 's3.corp.example',
    });
    assert.equal(
      err.message,
      "s3:PutObject on s3://releases/shop.yaml failed: the TLS certificate of s3.corp.example is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); if a private certificate authority signed it, set NODE_EXTRA_CA_CERTS to that CA's PEM file for the step",
    );
  });

  it('leaves other network errors to the usual explanation', () => {
    const err = explainAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), {
      action: 's3:PutObject',
    });
    assert.doesNotMatch(err.message, /NODE_EXTRA_CA_CERTS/);
  });
});
