// The shipped render-manifest policy (docs/iam/render-manifest.json) is sufficient and minimal,
// proven with moto's IAM enforcement: the built bundle, run with the keys of a user holding exactly
// that policy, publishes (first release, a second one with a diff, an idempotent re-publish); with
// any one S3 action removed, the run fails and its error names that action.
//
// Not provable on moto: s3:ListBucket. On AWS it is what turns GetObject of a key that does not
// exist yet (releases.json before the first release) into 404 instead of 403; moto answers 404
// regardless, so removing it changes nothing here. The KMS statement neither: moto's S3 does not
// authorise the KMS calls behind SSE-KMS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import {
  allText,
  createRestrictedUser,
  runActionStep,
  startMoto,
  uniqueName,
  type IamUserKeys,
  type MotoServer,
} from '@slipway/testbed';
import { actionsOf, renderPolicy, withoutAction, type PolicyDocument } from '../../../infra/policies.ts';
import { assertDenied, envWithKeys } from './iam-proof.ts';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
/** The S3 actions moto enforces on the calls render-manifest makes. */
const ENFORCED = ['s3:PutObject', 's3:GetObject', 's3:GetBucketVersioning'];
const NOT_PROVABLE_ON_MOTO = ['s3:ListBucket'];

let moto: MotoServer;
let bucket: string;
const users = new Map<string, { keys: IamUserKeys; project: string }>();

function policyFor(project: string, without?: string): PolicyDocument {
  const doc = renderPolicy('render-manifest', {
    region: REGION,
    accountId: ACCOUNT,
    bucket,
    keyPrefix: `${project}/staging`,
  });
  return without ? withoutAction(doc, without) : doc;
}

before(async () => {
  const variants = ['full', ...ENFORCED];
  // Unauthenticated setup requests: CreateBucket, PutBucketVersioning, then 3 per user.
  moto = await startMoto({ initialNoAuthActionCount: 2 + 3 * variants.length });
  bucket = uniqueName('releases');
  const admin = new S3Client({
    endpoint: moto.url,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  await admin.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  for (const [i, variant] of variants.entries()) {
    // a prefix of its own per user, so every user publishes a first release
    const project = `shop${i}`;
    const policy = policyFor(project, variant === 'full' ? undefined : variant);
    const keys = await createRestrictedUser(moto, `deployer-${i}`, policy);
    users.set(variant, { keys, project });
  }
});

after(async () => {
  await moto?.stop();
});

function workspace(replicas: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'slw-rm-'));
  mkdirSync(join(dir, 'deploy'));
  writeFileSync(
    join(dir, 'deploy', 'deployment.yaml'),
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  namespace: {{ namespace }}',
      'spec:',
      `  replicas: ${replicas}`,
      '  selector:',
      '    matchLabels: {app: web}',
      '  template:',
      '    metadata:',
      '      labels: {app: web}',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          image: {{ deploy_image }}',
      '',
    ].join('\n'),
  );
  return dir;
}

function publish(variant: string, opts: { version: string; replicas?: number }) {
  const user = users.get(variant);
  assert.ok(user, `user ${variant}`);
  return runActionStep('render-manifest', {
    workspace: workspace(opts.replicas ?? 2),
    inputs: {
      templates: 'deploy/*.yaml',
      environment: 'staging',
      project: user.project,
      image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop:git-abc1234`,
      version: opts.version,
      bucket,
      region: REGION,
    },
    env: envWithKeys(moto, user.keys),
  });
}

test('the policy names exactly the S3 actions this test covers', () => {
  assert.deepEqual(
    actionsOf(policyFor('shop'))
      .filter((a) => a.startsWith('s3:'))
      .sort(),
    [...ENFORCED, ...NOT_PROVABLE_ON_MOTO].sort(),
  );
});

test('with exactly docs/iam/render-manifest.json the bundle publishes, publishes again with a diff, and re-publishes idempotently', async () => {
  const project = users.get('full')?.project ?? '';
  const first = await publish('full', { version: 'main-20260101-000000-abc1234' });
  assert.equal(first.exitCode, 0, first.output);
  assert.equal(first.outputs['artifact-key'], `${project}/staging/deploy.zip`);
  assert.ok(first.outputs['artifact-version-id'], 'the stable key was written to the versioned bucket');

  const second = await publish('full', { version: 'main-20260102-000000-def5678', replicas: 3 });
  assert.equal(second.exitCode, 0, second.output);
  assert.equal(second.outputs['previous-version'], 'main-20260101-000000-abc1234');
  assert.equal(second.outputs.changed, 'true');
  assert.match(
    second.summary,
    /replicas: 3/,
    'the diff against the previous release (read back from S3) is in the summary',
  );

  const again = await publish('full', { version: 'main-20260102-000000-def5678', replicas: 3 });
  assert.equal(again.exitCode, 0, again.output);

  for (const run of [first, second, again]) {
    assert.ok(
      !allText(run).includes(users.get('full')?.keys.secretAccessKey ?? '\0'),
      'the secret key is never printed',
    );
  }
});

for (const action of ENFORCED) {
  test(`without ${action} the run fails and the error names ${action}`, async () => {
    const run = await publish(action, { version: 'main-20260101-000000-abc1234' });
    assertDenied(run, action);
  });
}
