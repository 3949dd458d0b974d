// The error shapes are those the AWS SDK v3 raises for S3's XML error answers (name = the S3 error
// code, $metadata.httpStatusCode, message = S3's Message), recorded from AWS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActionError } from '@slipway/action-kit';
import {
  explainS3Error,
  isConditionalConflict,
  isNotFound,
  isPreconditionFailed,
  type S3Operation,
} from '@slipway/aws/s3-errors.ts';

function s3Error(name: string, status: number, message: string) {
  return Object.assign(new Error(message), {
    name,
    Code: name,
    $fault: 'client',
    $metadata: { httpStatusCode: status, requestId: 'R' },
  });
}

const PUT: S3Operation = {
  action: 's3:PutObject',
  bucket: 'shop-deploy',
  key: 'shop/staging/releases/v1/web.yaml',
  sse: 'AES256',
};

test('AccessDenied on PutObject names s3:PutObject, the object and the bucket settings that also cause it', () => {
  const err = explainS3Error(s3Error('AccessDenied', 403, 'Access Denied'), PUT);
  assert.ok(err instanceof ActionError);
  assert.match(
    err.message,
    /^AWS denied s3:PutObject on s3:\/\/shop-deploy\/shop\/staging\/releases\/v1\/web\.yaml \(AccessDenied\): the role or user needs the IAM permission s3:PutObject\./,
  );
  assert.match(err.message, /Resource must cover arn:aws:s3:::shop-deploy\/shop\/staging\/releases\/v1\/\*/);
  assert.match(err.message, /aws:SecureTransport/);
  assert.match(err.message, /s3:x-amz-server-side-encryption/);
  assert.ok(!err.message.includes('\n'), 'one line');
});

test('an SSE-KMS upload refused by KMS names kms:GenerateDataKey and the key policy', () => {
  const message =
    'User: arn:aws:sts::123456789012:assumed-role/deploy/gh is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:123456789012:key/1234abcd because no identity-based policy allows the kms:GenerateDataKey action';
  const err = explainS3Error(s3Error('AccessDenied', 403, message), {
    ...PUT,
    sse: 'aws:kms',
    kmsKeyId: 'alias/deploy',
  });
  assert.match(
    err.message,
    /^AWS denied kms:GenerateDataKey on s3:\/\/shop-deploy\/.* needs the IAM permission kms:GenerateDataKey\./,
  );
  assert.match(err.message, /key policy must allow it/);
  const vague = explainS3Error(s3Error('AccessDenied', 403, 'Access denied by KMS key policy'), {
    ...PUT,
    sse: 'aws:kms',
  });
  assert.match(vague.message, /^AWS denied kms:GenerateDataKey /);
  const get = explainS3Error(
    s3Error('AccessDenied', 403, 'The ciphertext refers to a customer master key that does not exist (KMS)'),
    {
      ...PUT,
      action: 's3:GetObject',
    },
  );
  assert.match(get.message, /^AWS denied kms:Decrypt /);
});

test('AccessDenied on GetObject and HeadObject names s3:GetObject and the missing-key trap of s3:ListBucket', () => {
  const err = explainS3Error(s3Error('Forbidden', 403, 'UnknownError'), {
    ...PUT,
    action: 's3:GetObject',
    key: 'shop/staging/releases.json',
  });
  assert.match(
    err.message,
    /^AWS denied s3:GetObject on s3:\/\/shop-deploy\/shop\/staging\/releases\.json \(Forbidden\)/,
  );
  assert.match(
    err.message,
    /without s3:ListBucket on arn:aws:s3:::shop-deploy, S3 answers AccessDenied instead of "not found"/,
  );
});

test('AccessDenied on GetBucketVersioning points at the bucket ARN', () => {
  const err = explainS3Error(s3Error('AccessDenied', 403, 'Access Denied'), {
    action: 's3:GetBucketVersioning',
    bucket: 'shop-deploy',
  });
  assert.match(err.message, /^AWS denied s3:GetBucketVersioning on s3:\/\/shop-deploy \(AccessDenied\)/);
  assert.match(err.message, /granted on the bucket ARN arn:aws:s3:::shop-deploy, not on shop-deploy\/\*/);
});

test('with an acl, an AccessDenied also names s3:PutObjectAcl and Block Public Access', () => {
  const err = explainS3Error(s3Error('AccessDenied', 403, 'Access Denied'), { ...PUT, acl: 'public-read' });
  assert.match(err.message, /^AWS denied s3:PutObject and s3:PutObjectAcl /);
  assert.match(err.message, /Block Public Access refuses public ACLs/);
});

test('a bucket with ACLs disabled refusing the acl says to remove the acl input', () => {
  const err = explainS3Error(
    s3Error('AccessControlListNotSupported', 400, 'The bucket does not allow ACLs'),
    {
      ...PUT,
      acl: 'bucket-owner-full-control',
    },
  );
  assert.match(
    err.message,
    /bucket shop-deploy has ACLs disabled \(Object Ownership: bucket owner enforced\), so it refuses the acl bucket-owner-full-control .*: remove the acl input/,
  );
});

test('a missing bucket, a wrong region and a bad KMS key say what to change', () => {
  assert.match(
    explainS3Error(s3Error('NoSuchBucket', 404, 'The specified bucket does not exist'), PUT).message,
    /bucket shop-deploy does not exist/,
  );
  assert.match(
    explainS3Error(
      s3Error(
        'PermanentRedirect',
        301,
        'The bucket you are attempting to access must be addressed using the specified endpoint.',
      ),
      PUT,
    ).message,
    /set the region input to the bucket's region/,
  );
  assert.match(
    explainS3Error(s3Error('KMS.NotFoundException', 400, 'Invalid keyId alias/nope'), {
      ...PUT,
      sse: 'aws:kms',
      kmsKeyId: 'alias/nope',
    }).message,
    /S3 could not use the KMS key alias\/nope .*check kms-key-id/,
  );
});

test('anything else keeps S3 own words and status', () => {
  assert.equal(
    explainS3Error(
      s3Error(
        'InvalidArgument',
        400,
        'Server Side Encryption with KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      ),
      { ...PUT, sse: 'none' },
    ).message,
    's3:PutObject on s3://shop-deploy/shop/staging/releases/v1/web.yaml failed: InvalidArgument (HTTP 400): Server Side Encryption with KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
  );
});

test('conditional write answers are told apart from errors', () => {
  assert.equal(
    isPreconditionFailed(
      s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold'),
    ),
    true,
  );
  assert.equal(
    isConditionalConflict(
      s3Error(
        'ConditionalRequestConflict',
        409,
        'A conflicting conditional operation is currently in progress',
      ),
    ),
    true,
  );
  assert.equal(isConditionalConflict(s3Error('BucketAlreadyExists', 409, 'taken')), false);
  assert.equal(isNotFound(s3Error('NoSuchKey', 404, 'The specified key does not exist.')), true);
  assert.equal(isNotFound(s3Error('NotFound', 404, '')), true);
  assert.equal(isNotFound(s3Error('NoSuchBucket', 404, '')), false, 'a missing bucket is not a missing key');
  assert.equal(isNotFound(s3Error('AccessDenied', 403, '')), false);
});
