import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mapInputs, readRunContext } from '@slipway/action-kit';
import { toJS } from '@slipway/jinja';
import { readInputs } from '../../../../actions/render-manifest/src/inputs.ts';
import { releaseSummary, MAX_DIFF_CHARS } from '../../../../actions/render-manifest/src/summary.ts';
import { workspace } from '../../packages/render/helpers.ts';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function runnerEnv(dir: string): NodeJS.ProcessEnv {
  return {
    GITHUB_WORKSPACE: dir,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: SHA,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '77',
    GITHUB_ACTOR: 'octocat',
    RUNNER_TEMP: '/tmp/runner-temp',
    SOURCE_DATE_EPOCH: '1767225600',
    AWS_REGION: 'eu-west-1',
  };
}

const read = (dir: string, values: Record<string, string>, env: NodeJS.ProcessEnv = runnerEnv(dir)) =>
  readInputs(
    mapInputs({ templates: 'deploy/*.j2', environment: 'staging', ...values }),
    readRunContext(env),
    env,
  );

test('defaults: project from the repository, namespace from the project, version from branch, time and commit', async () => {
  const dir = workspace('shop');
  const i = await read(dir, {});
  assert.equal(i.project, 'shop');
  assert.equal(i.namespace, 'shop');
  assert.equal(i.version, 'main-20260101-000000-0123456');
  assert.equal(i.outputDir, '/tmp/runner-temp/render-manifest/shop-staging');
  assert.equal(i.bundle, 'zip');
  assert.equal(i.publish, undefined, 'no bucket, nothing to publish');
  assert.equal(i.dryRun, false);
  assert.deepEqual(i.git, {
    sha: SHA,
    ref: 'refs/heads/main',
    runUrl: 'https://github.com/acme/shop/actions/runs/77',
    actor: 'octocat',
  });
  assert.deepEqual(
    i.templates.map((t) => t.output),
    ['deployment.yaml', 'service.yaml'],
  );
});

test('publishing defaults: prefix <project>/<environment>, deploy.zip or deploy.yaml, AES256, region from the environment', async () => {
  const dir = workspace('shop');
  const zip = await read(dir, { bucket: 's3://shop-deploy' });
  assert.deepEqual(zip.publish, {
    bucket: 'shop-deploy',
    prefix: 'shop/staging',
    artifactName: 'deploy.zip',
    acl: undefined,
    sse: 'AES256',
    kmsKeyId: undefined,
    region: 'eu-west-1',
  });
  const yaml = await read(dir, {
    bucket: 'shop-deploy',
    bundle: 'YAML',
    'key-prefix': '/teams/shop/',
    sse: 'aws:kms',
    'kms-key-id': 'alias/deploy',
    acl: 'bucket-owner-full-control',
  });
  assert.equal(yaml.bundle, 'yaml');
  assert.equal(yaml.publish?.artifactName, 'deploy.yaml');
  assert.equal(yaml.publish?.prefix, 'teams/shop');
  assert.equal(yaml.publish?.kmsKeyId, 'alias/deploy');
  assert.equal(yaml.publish?.acl, 'bucket-owner-full-control');
});

test('a dry run may go without a region (it then does not read the bucket); a real publish may not', async () => {
  const dir = workspace('shop');
  const env = { GITHUB_WORKSPACE: dir, GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: SHA };
  const dry = await read(dir, { bucket: 'shop-deploy', 'dry-run': 'true' }, env);
  assert.equal(dry.publish?.region, undefined);
  assert.equal(dry.publish?.bucket, 'shop-deploy');
  await assert.rejects(read(dir, { bucket: 'shop-deploy' }, env), /input region: no AWS region/);
  await assert.rejects(
    read(dir, { bucket: 'shop-deploy', 'dry-run': 'true', region: 'mars' }, env),
    /input region: "mars" is not an AWS region/,
  );
});

test('values: files in order, then the inline values on top', async () => {
  const dir = workspace('shop');
  const i = await read(dir, {
    'values-files': 'deploy/values.yaml\ndeploy/values-production.yaml',
    values: 'replicas: 9\nextra: {a: 1}',
  });
  const values = toJS(i.values) as Record<string, unknown>;
  assert.equal(values.replicas, 9);
  assert.equal((values.env as Record<string, string>).LOG_LEVEL, 'warn');
  assert.deepEqual(values.extra, { a: 1 });
});

test('an image with a digest is pinned', async () => {
  const dir = workspace('shop');
  const digest = `sha256:${'c'.repeat(64)}`;
  const i = await read(dir, { image: `registry.example.com/shop:1.0@${digest}` });
  assert.equal(i.image?.pinned, `registry.example.com/shop@${digest}`);
});

const BAD: [string, Record<string, string>, RegExp, NodeJS.ProcessEnv?][] = [
  ['environment missing', { environment: '' }, /^input environment: is required/],
  [
    'environment with a slash',
    { environment: 'prod/eu' },
    /^input environment: "prod\/eu" cannot name an S3 folder/,
  ],
  [
    'project without a repository',
    {},
    /^input project: is required when GITHUB_REPOSITORY is not set/,
    { GITHUB_SHA: SHA },
  ],
  [
    'namespace not a DNS label',
    { namespace: 'Shop_NS' },
    /^input namespace: "Shop_NS" is not a Kubernetes namespace/,
  ],
  [
    'project that cannot be a namespace',
    { project: 'Shop' },
    /^input namespace: "Shop" \(it defaults to the project\)/,
  ],
  ['bad image', { image: 'Shop:latest' }, /^input image: /],
  ['bad version', { version: 'v1/2' }, /^input version: /],
  ['invalid sse', { sse: 'aes' }, /^input sse: "aes" is not allowed; use one of AES256, aws:kms, none/],
  [
    'kms key without aws:kms',
    { 'kms-key-id': 'alias/x' },
    /^input kms-key-id: only applies with sse aws:kms/,
  ],
  ['invalid acl', { acl: 'public' }, /^input acl: "public" is not allowed; use one of private, public-read/],
  ['invalid bundle', { bundle: 'tar' }, /^input bundle: "tar" is not allowed; use one of zip, yaml/],
  [
    'invalid bucket name',
    { bucket: 'Shop_Deploy' },
    /^input bucket: "Shop_Deploy" is not a valid S3 bucket name/,
  ],
  [
    'bucket without a region',
    { bucket: 'shop-deploy' },
    /^input region: no AWS region/,
    { GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: SHA },
  ],
  [
    'artifact over the ledger',
    { bucket: 'shop-deploy', 'artifact-name': 'releases.json' },
    /^input artifact-name: "releases\.json" would overwrite the release ledger/,
  ],
  [
    'missing template',
    { templates: 'deploy/nope.j2' },
    /^input templates: "deploy\/nope\.j2" does not exist/,
  ],
  [
    'missing values file',
    { 'values-files': 'deploy/values.yaml, deploy/values-qa.yaml' },
    /^input values-files: "deploy\/values-qa\.yaml" does not exist/,
  ],
  ['values not a mapping', { values: '- 1' }, /^input values: must be a mapping/],
  [
    'values shadowing a built-in',
    { values: 'namespace: other' },
    /^input values: defines namespace, which is a built-in value/,
  ],
  ['dry-run not a boolean', { 'dry-run': 'maybe' }, /^input dry-run: "maybe" is not a boolean/],
];

for (const [what, values, message, env] of BAD) {
  test(`refuses ${what} with one message naming the input`, async () => {
    const dir = workspace('shop');
    await assert.rejects(
      read(dir, values, env ? { GITHUB_WORKSPACE: dir, ...env } : undefined),
      (err: Error) => {
        assert.equal(err.name, 'InputError');
        assert.match(err.message, message);
        assert.ok(!err.message.includes('\n'), 'one line');
        return true;
      },
    );
  });
}

test('the summary shows version, locations and the diff in a fence no manifest can close', () => {
  const patch = '--- a/x.yaml\tv1\n+++ b/x.yaml\tthis release\n@@ -1 +1 @@\n-a: ```\n+a: ````\n';
  const md = releaseSummary({
    project: 'shop',
    environment: 'staging',
    version: 'v2',
    previousVersion: 'v1',
    files: ['x.yaml'],
    dryRun: false,
    release: 's3://b/shop/staging/releases/v2/',
    artifact: 's3://b/shop/staging/deploy.zip',
    artifactVersionId: 'abc',
    ledger: 's3://b/shop/staging/releases.json',
    diff: { changed: true, patch, added: [], removed: [], modified: ['x.yaml'] },
  });
  assert.match(md, /\| version \| `v2` \|/);
  assert.match(md, /\| artifact \| `s3:\/\/b\/shop\/staging\/deploy\.zip` \(version `abc`\) \|/);
  assert.match(md, /#### Changes since `v1`: 1 changed/);
  assert.ok(md.includes('`````diff\n' + patch + '`````\n'), md);
  const huge = releaseSummary({
    project: 'p',
    environment: 'e',
    version: 'v',
    files: [],
    dryRun: true,
    diff: { changed: true, patch: '+x\n'.repeat(MAX_DIFF_CHARS), added: ['x'], removed: [], modified: [] },
  });
  assert.ok(huge.length < MAX_DIFF_CHARS + 2000);
  assert.match(huge, /The diff is cut at/);
  assert.match(huge, /dry run: nothing was written to S3/);
});

test('the output folder can be set relative to the workspace', async () => {
  const dir = workspace('shop');
  assert.equal((await read(dir, { 'output-dir': 'out/k8s' })).outputDir, join(dir, 'out/k8s'));
});
