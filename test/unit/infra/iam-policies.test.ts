import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  POLICY_NAMES,
  actionsOf,
  placeholdersOf,
  PLACEHOLDERS,
  readPolicy,
  renderPolicy,
  withoutAction,
  type PolicyDocument,
} from '../../../infra/policies.ts';

const iamDir = fileURLToPath(new URL('../../../docs/iam/', import.meta.url));
const values = {
  region: 'eu-west-1',
  accountId: '111122223333',
  project: 'shop',
  bucket: 'acme-releases',
  keyPrefix: 'shop/staging',
};

test('docs/iam holds exactly the shipped policies plus the README', () => {
  const files = readdirSync(iamDir).sort();
  assert.deepEqual(files, [...POLICY_NAMES.map((n) => `${n}.json`), 'README.md'].sort());
});

for (const name of POLICY_NAMES) {
  test(`${name}.json is valid IAM JSON: Version 2012-10-17, Allow statements with Sids, no wildcard action`, () => {
    const doc = JSON.parse(readFileSync(`${iamDir}${name}.json`, 'utf8')) as PolicyDocument;
    assert.equal(doc.Version, '2012-10-17');
    assert.ok(doc.Statement.length > 0);
    const sids = doc.Statement.map((st) => st.Sid);
    assert.equal(new Set(sids).size, sids.length, 'Sids are unique');
    for (const st of doc.Statement) {
      assert.match(
        st.Sid ?? '',
        /^[A-Za-z0-9]+$/,
        'every statement has an alphanumeric Sid the README explains',
      );
      assert.equal(st.Effect, 'Allow');
      assert.deepEqual(
        Object.keys(st).filter((k) => !['Sid', 'Effect', 'Action', 'Resource', 'Condition'].includes(k)),
        [],
      );
      for (const action of Array.isArray(st.Action) ? st.Action : [st.Action]) {
        assert.match(
          action,
          /^(ecr|s3|kms|codepipeline|codebuild|logs):[A-Za-z]+$/,
          `${action} is one named action`,
        );
      }
    }
    for (const p of placeholdersOf(doc))
      assert.ok((PLACEHOLDERS as readonly string[]).includes(p), `unknown placeholder ${p}`);
  });

  test(`${name}.json grants Resource "*" only for ecr:GetAuthorizationToken, which cannot be scoped`, () => {
    for (const st of readPolicy(name).Statement) {
      const resources = Array.isArray(st.Resource) ? st.Resource : [st.Resource];
      if (resources.includes('*')) assert.deepEqual(st.Action, 'ecr:GetAuthorizationToken');
    }
  });

  test(`the README explains every statement of ${name}.json`, () => {
    const readme = readFileSync(`${iamDir}README.md`, 'utf8');
    assert.ok(readme.includes(`${name}.json`), `README names ${name}.json`);
    for (const st of readPolicy(name).Statement)
      assert.ok(readme.includes(`\`${st.Sid}\``), `README explains ${st.Sid}`);
    for (const action of actionsOf(readPolicy(name)))
      assert.ok(readme.includes(`\`${action}\``), `README names ${action}`);
  });
}

test('ecr-login grants only ecr:GetAuthorizationToken', () => {
  assert.deepEqual(actionsOf(readPolicy('ecr-login')), ['ecr:GetAuthorizationToken']);
});

test('ecr-push scopes every repository action to the project’s repositories', () => {
  const doc = renderPolicy('ecr-push', values);
  const scoped = doc.Statement.filter((st) => st.Resource !== '*');
  assert.ok(scoped.length > 0);
  for (const st of scoped) {
    assert.deepEqual(st.Resource, [
      'arn:aws:ecr:eu-west-1:111122223333:repository/shop',
      'arn:aws:ecr:eu-west-1:111122223333:repository/shop/*',
    ]);
  }
  assert.deepEqual(
    actionsOf(doc).sort(),
    [
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:CompleteLayerUpload',
      'ecr:CreateRepository',
      'ecr:DescribeImageScanFindings',
      'ecr:DescribeRepositories',
      'ecr:GetAuthorizationToken',
      'ecr:GetDownloadUrlForLayer',
      'ecr:InitiateLayerUpload',
      'ecr:PutImage',
      'ecr:PutLifecyclePolicy',
      'ecr:StartImageScan',
      'ecr:UploadLayerPart',
    ].sort(),
  );
});

test('render-manifest is the publish contract: objects under the prefix, bucket-level reads, no ACL', () => {
  const doc = renderPolicy('render-manifest', values);
  assert.deepEqual(doc.Statement, [
    {
      Sid: 'PublishAndReadReleases',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject'],
      Resource: 'arn:aws:s3:::acme-releases/shop/staging/*',
    },
    {
      Sid: 'CheckBucketVersioning',
      Effect: 'Allow',
      Action: 's3:GetBucketVersioning',
      Resource: 'arn:aws:s3:::acme-releases',
    },
    {
      Sid: 'TellMissingKeysApart',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: 'arn:aws:s3:::acme-releases',
    },
  ]);
  assert.ok(!actionsOf(readPolicy('render-manifest')).includes('s3:PutObjectAcl'), 'Slipway sends no ACL');
});

test('render-manifest adds KMS through S3 only, and only for an SSE-KMS key', () => {
  const key = 'arn:aws:kms:eu-west-1:111122223333:key/0f5e2a7c-1111-2222-3333-444455556666';
  const doc = renderPolicy('render-manifest', { ...values, kmsKeyArn: key });
  const kms = doc.Statement.find((st) => st.Sid === 'UseKmsKeyThroughS3');
  assert.deepEqual(kms, {
    Sid: 'UseKmsKeyThroughS3',
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    Resource: key,
    Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
  });
});

test('renderPolicy refuses to leave a placeholder unfilled and strips a trailing slash from the prefix', () => {
  assert.throws(
    () => renderPolicy('render-manifest', { ...values, bucket: undefined }),
    /needs a value for \$\{Bucket\}/,
  );
  assert.throws(() => renderPolicy('ecr-push', { region: 'eu-west-1', accountId: '1' }), /\$\{Project\}/);
  assert.throws(
    () =>
      renderPolicy(
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '${Nope}' }],
        },
        values,
      ),
    /unknown placeholder/,
  );
  const doc = renderPolicy('render-manifest', { ...values, keyPrefix: 'shop/staging/' });
  assert.equal(doc.Statement[0]?.Resource, 'arn:aws:s3:::acme-releases/shop/staging/*');
  assert.equal(renderPolicy('ecr-login', { ...values, partition: 'aws-cn' }).Statement[0]?.Resource, '*');
  assert.match(
    JSON.stringify(renderPolicy('ecr-push', { ...values, partition: 'aws-cn' })),
    /arn:aws-cn:ecr:/,
  );
});

test('withoutAction removes one action and drops a statement left empty', () => {
  const doc = renderPolicy('render-manifest', values);
  assert.deepEqual(actionsOf(withoutAction(doc, 's3:GetObject')), [
    's3:PutObject',
    's3:GetBucketVersioning',
    's3:ListBucket',
  ]);
  assert.equal(withoutAction(doc, 's3:GetBucketVersioning').Statement.length, 2);
});

/** Every `ecr:Action` / `s3:Action` string literal in the given source files. */
async function actionsNamedIn(patterns: string[], service: 'ecr' | 's3'): Promise<string[]> {
  const { glob } = await import('tinyglobby');
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const files = await glob(patterns, { cwd: root, absolute: true });
  assert.ok(files.length > 0, `no source files match ${patterns.join(', ')}`);
  const found = new Set<string>();
  const re = new RegExp(`['"\`](${service}:[A-Z][A-Za-z]+)['"\`]`, 'g');
  for (const file of files) for (const m of readFileSync(file, 'utf8').matchAll(re)) found.add(m[1] ?? '');
  return [...found].sort();
}

test('ecr-push.json grants exactly the ECR actions the ecr-push code calls (and names in its AccessDenied errors)', async () => {
  // moto does not enforce ECR permissions, so the code's own list of IAM actions is the reference.
  const named = await actionsNamedIn(
    ['actions/ecr-push/src/**/*.ts', 'packages/aws/src/ecr-*.ts', 'packages/registry/src/**/*.ts'],
    'ecr',
  );
  assert.deepEqual(actionsOf(readPolicy('ecr-push')).sort(), named);
});

test('render-manifest.json covers every S3 action the publishing code names, plus s3:ListBucket for 404s', async () => {
  const named = await actionsNamedIn(
    ['actions/render-manifest/src/**/*.ts', 'packages/aws/src/s3-*.ts'],
    's3',
  );
  const granted = actionsOf(readPolicy('render-manifest')).filter((a) => a.startsWith('s3:'));
  // s3:PutObjectAcl is only named to explain a user-set `acl` input, which the shipped policy does not cover.
  assert.deepEqual(
    named.filter((a) => a !== 's3:PutObjectAcl' && a !== 's3:ListBucket'),
    granted.filter((a) => a !== 's3:ListBucket').sort(),
  );
});
