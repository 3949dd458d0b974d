import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromJS, toJS, type PyDict } from '@slipway/jinja';
import { loadValuesFiles, mergeValues, parseImageReference, resolveTemplates } from '@slipway/render';
import { checkBucketName, checkKeyPrefix } from '@slipway/aws/s3-names.ts';
import { workspace } from './helpers.ts';

const DIGEST = `sha256:${'b'.repeat(64)}`;

test('an image with a digest is pinned by digest; the tag stays available', () => {
  assert.deepEqual(
    parseImageReference(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api:git-abc1234@${DIGEST}`),
    {
      repository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api',
      tag: 'git-abc1234',
      digest: DIGEST,
      pinned: `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@${DIGEST}`,
    },
  );
  assert.equal(parseImageReference('localhost:5000/web:1.0').pinned, 'localhost:5000/web:1.0');
  assert.equal(parseImageReference('localhost:5000/web:1.0').tag, '1.0');
  assert.equal(parseImageReference('nginx').pinned, 'nginx');
  assert.equal(parseImageReference(`nginx@${DIGEST}`).tag, undefined);
});

test('a malformed image reference is an error about the reference (render-manifest names its image input)', () => {
  for (const bad of ['Web:1.0', 'web:', 'web@sha256:abc', 'web:tag with space', 'web::1', '']) {
    assert.throws(() => parseImageReference(bad), /^RenderParameterError: reference: /, bad);
  }
});

test('values files merge like Helm: mappings key by key, lists and scalars replaced', () => {
  const dict = (v: unknown) => fromJS(v) as PyDict;
  assert.deepEqual(
    toJS(
      mergeValues(
        dict({ a: 1, m: { x: 1, y: [1, 2] }, l: [1] }),
        dict({ m: { y: [3], z: 2 }, l: [9], b: 2 }),
      ),
    ),
    { a: 1, m: { x: 1, y: [3], z: 2 }, l: [9], b: 2 },
  );
});

test('a missing values file is an error naming it; so is one that is not a mapping or not YAML', async () => {
  const dir = workspace(undefined, { 'list.yaml': '- a\n- b\n', 'bad.yaml': 'a: [1\n', 'ok.yaml': 'a: 1\n' });
  await assert.rejects(loadValuesFiles(['ok.yaml', 'nope.yaml'], dir), /files: "nope\.yaml" does not exist/);
  await assert.rejects(loadValuesFiles(['list.yaml'], dir), /files: "list\.yaml" must hold a mapping/);
  await assert.rejects(loadValuesFiles(['bad.yaml'], dir), /files: "bad\.yaml" line \d+: invalid YAML/);
  writeFileSync(join(dir, 'empty.yaml'), '');
  assert.deepEqual(toJS((await loadValuesFiles(['ok.yaml', 'empty.yaml'], dir)).values), { a: 1 });
});

test('templates: globs and files, named after the template without its suffix, sorted', async () => {
  const dir = workspace('shop', { 'deploy/extra/job.yml.jinja': 'x', 'deploy/plain': 'y' });
  const found = await resolveTemplates(['deploy/*.j2', 'deploy/**/*.jinja', 'deploy/plain'], dir);
  assert.deepEqual(
    found.map((t) => [t.source, t.output]),
    [
      ['deploy/deployment.yaml.j2', 'deployment.yaml'],
      ['deploy/extra/job.yml.jinja', 'extra/job.yml'],
      ['deploy/plain', 'plain.yaml'],
      ['deploy/service.yaml.j2', 'service.yaml'],
    ],
  );
});

test('a template pattern that matches nothing is an error naming it', async () => {
  const dir = workspace('shop');
  await assert.rejects(
    resolveTemplates(['deploy/*.j2', 'k8s/*.yaml'], dir),
    /templates: "k8s\/\*\.yaml" matches no file/,
  );
  await assert.rejects(
    resolveTemplates(['deploy/missing.yaml.j2'], dir),
    /templates: "deploy\/missing\.yaml\.j2" does not exist/,
  );
  await assert.rejects(resolveTemplates(['deploy'], dir), /templates: "deploy" is a folder/);
  await assert.rejects(resolveTemplates([], dir), /templates: is required/);
});

test('two templates that would render to the same file are an error', async () => {
  const dir = workspace(undefined, { 'a/web.yaml': 'x', 'a/web.yaml.j2': 'y' });
  await assert.rejects(
    resolveTemplates(['a/*'], dir),
    /"a\/web\.yaml" and "a\/web\.yaml\.j2" would both render to web\.yaml/,
  );
});

test('bucket names follow the S3 rules; s3:// is accepted', () => {
  assert.equal(checkBucketName('shop-deploy.artifacts'), 'shop-deploy.artifacts');
  assert.equal(checkBucketName('s3://shop-deploy'), 'shop-deploy');
  for (const bad of [
    'My_Bucket',
    'ab',
    'a'.repeat(64),
    '-shop',
    'shop..x',
    '192.168.1.1',
    'xn--shop',
    'shop/releases',
    'shop-s3alias',
  ]) {
    assert.throws(
      () => checkBucketName(bad),
      /^AwsParameterError: bucket: .* is not a valid S3 bucket name/,
      bad,
    );
  }
});

test('key prefixes lose their outer slashes and refuse empty or dot segments', () => {
  assert.equal(checkKeyPrefix('/shop/staging/'), 'shop/staging');
  for (const bad of ['/', 'a//b', 'a/../b', 'a b', 'ä'])
    assert.throws(() => checkKeyPrefix(bad), /^AwsParameterError: prefix: /, bad);
});
