import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { createRestrictedUser, startMoto, testbed, uniqueName } from '@slipway/testbed';

const region = 'us-east-1';
const testing = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const s3 = (endpoint: string, credentials = testing) =>
  new S3Client({ endpoint, region, credentials, forcePathStyle: true, maxAttempts: 1 });

async function s3Error(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3ServiceException) return err;
    throw err;
  }
  assert.fail('the request was expected to fail');
}

test('moto S3 returns a VersionId on a versioned bucket and 412 for IfNoneMatch on an existing key', async () => {
  const client = s3(testbed().moto.url);
  const Bucket = uniqueName('versioned');
  await client.send(new CreateBucketCommand({ Bucket }));
  await client.send(
    new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  const first = await client.send(
    new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'one', IfNoneMatch: '*' }),
  );
  assert.ok(first.VersionId, 'VersionId returned');
  const err = await s3Error(
    client.send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'two', IfNoneMatch: '*' })),
  );
  assert.equal(err.$metadata.httpStatusCode, 412);
  assert.equal(err.name, 'PreconditionFailed');
  client.destroy();
});

test("the registry password is the password in moto's ECR authorization token", async () => {
  const { moto, registry } = testbed();
  const ecr = new ECRClient({ endpoint: moto.url, region, credentials: testing });
  const out = await ecr.send(new GetAuthorizationTokenCommand({}));
  const token = out.authorizationData?.[0]?.authorizationToken ?? '';
  assert.equal(Buffer.from(token, 'base64').toString('utf8'), `AWS:${registry.password}`);
  ecr.destroy();
});

test('a moto with INITIAL_NO_AUTH_ACTION_COUNT refuses PutObject without s3:PutObject and a wrong secret', async () => {
  // 1 CreateBucket + 3 requests of createRestrictedUser, then every request is authorised.
  const moto = await startMoto({ initialNoAuthActionCount: 4 });
  try {
    const Bucket = uniqueName('enforced');
    await s3(moto.url).send(new CreateBucketCommand({ Bucket }));
    const keys = await createRestrictedUser(moto, 'reader', {
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }],
    });
    const reader = s3(moto.url, { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey });

    const denied = await s3Error(reader.send(new PutObjectCommand({ Bucket, Key: 'x', Body: 'x' })));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(denied.$metadata.httpStatusCode, 403);

    // Allowed by the policy: the request gets past authorisation to the real answer.
    const missing = await s3Error(reader.send(new GetObjectCommand({ Bucket, Key: 'nothing-here' })));
    assert.equal(missing.name, 'NoSuchKey');

    const forged = s3(moto.url, { accessKeyId: keys.accessKeyId, secretAccessKey: 'not-the-secret' });
    const badSig = await s3Error(forged.send(new GetObjectCommand({ Bucket, Key: 'nothing-here' })));
    assert.equal(badSig.name, 'SignatureDoesNotMatch');
  } finally {
    await moto.stop();
  }
});
