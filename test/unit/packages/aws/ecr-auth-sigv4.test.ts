// SigV4 signing (used by the ECR authorization fast path) against AWS's published test suite
// (aws-sig-v4-test-suite: credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amzDate, signRequest } from '@slipway/aws/sigv4.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const date = new Date('2015-08-30T12:36:00Z');
const opts = { region: 'us-east-1', service: 'service', credentials, date };
const url = (path: string) => new URL(`https://example.amazonaws.com${path}`);
const scope = 'Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

describe('signRequest matches the AWS SigV4 test suite', () => {
  it('get-vanilla', () => {
    const headers = signRequest({ method: 'GET', url: url('/'), headers: {}, body: '' }, opts);
    assert.equal(
      headers.authorization,
      `AWS4-HMAC-SHA256 ${scope}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
    );
    assert.equal(headers['x-amz-date'], '20150830T123600Z');
  });

  it('post-vanilla', () => {
    const headers = signRequest({ method: 'POST', url: url('/'), headers: {}, body: '' }, opts);
    assert.equal(
      headers.authorization,
      `AWS4-HMAC-SHA256 ${scope}, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`,
    );
  });

  it('post-x-www-form-urlencoded (a signed body and content-type)', () => {
    const headers = signRequest(
      {
        method: 'POST',
        url: url('/'),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'Param1=value1',
      },
      opts,
    );
    assert.equal(
      headers.authorization,
      `AWS4-HMAC-SHA256 ${scope}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a`,
    );
  });

  it('get-vanilla-query-order-key-case (query parameters sorted)', () => {
    const headers = signRequest(
      { method: 'GET', url: url('/?Param2=value2&Param1=value1'), headers: {}, body: '' },
      opts,
    );
    assert.equal(
      headers.authorization,
      `AWS4-HMAC-SHA256 ${scope}, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500`,
    );
  });

  it('post-sts-header-before (a session token is signed as x-amz-security-token)', () => {
    const sessionToken =
      'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';
    const headers = signRequest(
      { method: 'POST', url: url('/'), headers: {}, body: '' },
      { ...opts, credentials: { ...credentials, sessionToken } },
    );
    assert.equal(headers['x-amz-security-token'], sessionToken);
    assert.equal(
      headers.authorization,
      `AWS4-HMAC-SHA256 ${scope}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead`,
    );
  });

  it('keeps the port in the signed host header', () => {
    const headers = signRequest(
      { method: 'POST', url: new URL('http://127.0.0.1:5999/'), headers: {}, body: '{}' },
      opts,
    );
    assert.equal(headers.host, '127.0.0.1:5999');
  });
});

describe('amzDate', () => {
  it('formats as YYYYMMDDTHHMMSSZ without milliseconds', () => {
    assert.equal(amzDate(new Date('2026-01-02T03:04:05.678Z')), '20260102T030405Z');
  });
});
