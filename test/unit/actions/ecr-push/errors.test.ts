import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActionError } from '@slipway/action-kit';
import { registryError } from '@slipway/registry';
import { explainPushError } from '../../../../actions/ecr-push/src/push-image.ts';

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const DENIED = JSON.stringify({
  errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }],
});
const UNAUTHORIZED = JSON.stringify({
  errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }],
});

describe('ecr-push error messages', () => {
  test('a refusal by a docker:// source registry asks for a login to that registry, not for ECR IAM', () => {
    for (const [status, body] of [
      [401, UNAUTHORIZED],
      [403, DENIED],
    ] as const) {
      const err = explainPushError(registryError('get-manifest', status, 'ghcr.io', 'acme/shop', body), ECR);
      assert.ok(err instanceof ActionError);
      assert.match(
        err.message,
        new RegExp(
          `^the source registry ghcr\\.io refused .*\\(HTTP ${status}\\); log in to it first \\(Docker config`,
        ),
      );
      assert.doesNotMatch(err.message, /ECR|IAM|ecr:/);
    }
  });

  test('other failures of a source registry name it as the source', () => {
    const err = explainPushError(
      registryError(
        'get-blob',
        404,
        'ghcr.io',
        'acme/shop',
        JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN' }] }),
      ),
      ECR,
    );
    assert.ok(err instanceof ActionError);
    assert.match(
      err.message,
      /^the source registry ghcr\.io failed the image read: ghcr\.io answered HTTP 404 BLOB_UNKNOWN/,
    );
  });

  test('a refusal by the destination is explained as the ECR token or IAM permission', () => {
    const unauthorized = explainPushError(
      registryError('ping', 401, ECR, undefined, UNAUTHORIZED),
      ECR,
    ) as Error;
    assert.match(unauthorized.message, /the ECR authorization token is wrong or expired/);
    const denied = explainPushError(registryError('put-manifest', 403, ECR, 'shop', DENIED), ECR) as Error;
    assert.match(denied.message, /needs the IAM permission ecr:PutImage on the repository shop/);
  });
});
