// How ECR authorization failures read to the workflow author (recorded AWS error shapes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionError } from '@slipway/action-kit';
import { explainAwsError } from '@slipway/aws/errors.ts';
import { AwsJsonError } from '@slipway/aws/ecr-api.ts';
import { explainCredentialError } from '@slipway/aws/ecr-auth.ts';

const attempt = { action: 'ecr:GetAuthorizationToken' };

describe('explainAwsError for ecr:GetAuthorizationToken', () => {
  it('names the IAM action for AccessDeniedException', () => {
    const err = new AwsJsonError(
      'AccessDeniedException',
      'User: arn:aws:sts::123456789012:assumed-role/ci/run is not authorized to perform: ecr:GetAuthorizationToken',
      400,
      'r1',
    );
    const explained = explainAwsError(err, attempt);
    assert.ok(explained instanceof ActionError);
    assert.match(
      explained.message,
      /^AWS denied ecr:GetAuthorizationToken \(AccessDeniedException\): the role or user needs the IAM permission ecr:GetAuthorizationToken\. AWS said: User: arn:aws:sts/,
    );
  });

  it('points at the keys for a bad signature, an unknown key id or a bad session token', () => {
    for (const code of [
      'InvalidSignatureException',
      'UnrecognizedClientException',
      'SignatureDoesNotMatch',
      'InvalidClientTokenId',
    ]) {
      assert.match(
        explainAwsError(new AwsJsonError(code, 'x', 403, undefined), attempt).message,
        /AWS did not accept the credentials for ecr:GetAuthorizationToken .*AWS_SECRET_ACCESS_KEY/,
      );
    }
  });

  it('says expired credentials are expired', () => {
    assert.match(
      explainAwsError(
        new AwsJsonError(
          'ExpiredTokenException',
          'The security token included in the request is expired',
          400,
          undefined,
        ),
        attempt,
      ).message,
      /expired before ecr:GetAuthorizationToken/,
    );
  });
});

describe('explainCredentialError', () => {
  it('names sts:AssumeRoleWithWebIdentity, the role and the trust policy when STS refuses the OIDC token', () => {
    const err = Object.assign(new Error('Not authorized to perform sts:AssumeRoleWithWebIdentity'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    const explained = explainCredentialError(err, {
      kind: 'web-identity',
      roleArn: 'arn:aws:iam::123456789012:role/ci',
      tokenFile: '/t',
    });
    assert.match(
      explained.message,
      /AWS denied sts:AssumeRoleWithWebIdentity on arn:aws:iam::123456789012:role\/ci .*trust policy/,
    );
  });

  it('names the profile when it cannot be read', () => {
    const err = Object.assign(
      new Error('Could not resolve credentials using profile: [ci] in configuration/credentials file(s).'),
      { name: 'CredentialsProviderError' },
    );
    assert.match(
      explainCredentialError(err, { kind: 'profile', profile: 'ci' }).message,
      /^could not get AWS credentials from the AWS profile "ci" \(AWS_PROFILE\): Could not resolve credentials using profile/,
    );
  });

  it('asks for configure-aws-credentials when the default chain finds nothing', () => {
    const err = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    assert.match(
      explainCredentialError(err, { kind: 'default-chain' }).message,
      /^no AWS credentials for ecr:GetAuthorizationToken: add aws-actions\/configure-aws-credentials/,
    );
  });
});
