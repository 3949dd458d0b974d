// S3 refusals through the built bundle, with a private moto that enforces IAM: an AccessDenied is
// one error line naming the refused IAM action, and an upload refused half-way through a release
// leaves the ledger and the stable key as they were.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  createRestrictedUser,
  startMoto,
  type IamUserKeys,
  type MotoServer,
  type PolicyDocument,
} from '@slipway/testbed';
import { adminS3, allVersions, createBucket, errorsOf, getText, renderManifest } from './helpers.ts';

let moto: MotoServer;
let bucket: string;
let admin: S3Client;
const users: Record<string, IamUserKeys> = {};

function policies(b: string): Record<string, PolicyDocument> {
  const arn = (key: string) => `arn:aws:s3:::${b}/${key}`;
  return {
    admin: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
    // everything render-manifest needs except s3:PutObject
    noPut: {
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: arn('shop/staging/*') },
        {
          Effect: 'Allow',
          Action: ['s3:GetBucketVersioning', 's3:ListBucket'],
          Resource: `arn:aws:s3:::${b}`,
        },
      ],
    },
    // may write the ledger and the stable key, but not the release files
    noReleasePut: {
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: arn('shop/staging/*') },
        {
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: [arn('shop/staging/releases.json'), arn('shop/staging/deploy.zip')],
        },
        {
          Effect: 'Allow',
          Action: ['s3:GetBucketVersioning', 's3:ListBucket'],
          Resource: `arn:aws:s3:::${b}`,
        },
      ],
    },
  };
}

before(async () => {
  const names = ['admin', 'noPut', 'noReleasePut'];
  // Unauthenticated: CreateBucket, PutBucketVersioning, then CreateUser/PutUserPolicy/CreateAccessKey per user.
  moto = await startMoto({ initialNoAuthActionCount: 2 + 3 * names.length });
  const setup = adminS3(moto);
  bucket = await createBucket(setup);
  setup.destroy();
  const docs = policies(bucket);
  for (const name of names)
    users[name] = await createRestrictedUser(moto, `rm-${name}`, docs[name] as PolicyDocument);
  const keys = users.admin;
  assert.ok(keys);
  admin = adminS3(moto, { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey });
});

after(async () => {
  admin?.destroy();
  await moto?.stop();
});

function as(user: string) {
  const keys = users[user];
  assert.ok(keys, user);
  return {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  };
}

test('without s3:PutObject the run fails with one line naming s3:PutObject, the object and what else to check', async () => {
  const run = await renderManifest({ bucket, version: 'denied-1' }, { env: as('noPut') });
  assert.equal(run.exitCode, 1, run.output);
  const errors = errorsOf(run);
  assert.equal(errors.length, 1, run.output);
  assert.match(
    errors[0]?.message ?? '',
    new RegExp(
      `^render-manifest: AWS denied s3:PutObject on s3://${bucket}/shop/staging/releases/denied-1/deployment\\.yaml \\(AccessDenied\\): the role or user needs the IAM permission s3:PutObject\\. Also check: the policy's Resource must cover arn:aws:s3:::${bucket}/shop/staging/releases/denied-1/\\*`,
    ),
  );
  assert.match(errors[0]?.message ?? '', /aws:SecureTransport/);
  assert.equal(run.stderr.trim(), '', 'no stack trace');
  assert.ok(!run.output.includes(run.secret));
});

test('an upload refused half-way leaves the ledger and the stable key untouched', async () => {
  const first = await renderManifest({ bucket, version: 'ok-1' }, { env: as('admin') });
  assert.equal(first.exitCode, 0, first.output);
  const before = await allVersions(admin, bucket);
  const ledger = await getText(admin, bucket, 'shop/staging/releases.json');

  // This user may write releases.json and deploy.zip, yet neither may change when a release file fails.
  const run = await renderManifest(
    { bucket, version: 'half-1', values: 'replicas: 4' },
    { env: as('noReleasePut') },
  );
  assert.equal(run.exitCode, 1, run.output);
  assert.equal(errorsOf(run).length, 1, run.output);
  assert.match(
    errorsOf(run)[0]?.message ?? '',
    /AWS denied s3:PutObject on s3:\/\/.*\/releases\/half-1\/deployment\.yaml/,
  );
  assert.deepEqual(await allVersions(admin, bucket), before, 'no object and no version was added');
  assert.equal(await getText(admin, bucket, 'shop/staging/releases.json'), ledger);
});
