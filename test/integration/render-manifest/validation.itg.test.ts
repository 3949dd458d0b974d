// What `kubectl apply` would refuse stops render-manifest before anything is published, through
// the built bundle against moto's S3: one error line naming the rendered file, the template line,
// the object, the field and the rule, exit 1, nothing written; a valid release still goes out.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  FIXTURES,
  adminS3,
  allVersions,
  createBucket,
  errorsOf,
  getText,
  renderManifest,
  shopWorkspace,
} from './helpers.ts';

let s3: S3Client;
before(() => {
  s3 = adminS3();
});
after(() => s3?.destroy());

/** The shop fixture with a `part-of` label taken from a value, as a branch name often ends up. */
function workspaceWithPartOf(): string {
  const workspace = shopWorkspace();
  const path = join(workspace, 'deploy', 'deployment.yaml.j2');
  const template = readFileSync(join(FIXTURES, 'shop', 'deploy', 'deployment.yaml.j2'), 'utf8');
  const withLabel = template.replace(
    '    app.kubernetes.io/version: "{{ version }}"\n',
    '    app.kubernetes.io/version: "{{ version }}"\n    app.kubernetes.io/part-of: "{{ part_of }}"\n',
  );
  assert.notEqual(withLabel, template, 'the fixture still has the version label to add after');
  writeFileSync(path, withLabel);
  return workspace;
}

const RULE =
  "(Kubernetes label value: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)";

const CASES = [
  {
    what: 'a "/" in a label value',
    value: 'feature-shop/cart',
    why: "'/' is not allowed",
    shown: '"feature-shop/cart"',
  },
  {
    what: 'a label value of 64 characters',
    value: `r${'e'.repeat(62)}x`,
    why: 'it is 64 characters long',
    shown: `"r${'e'.repeat(36)}…"`,
  },
];

for (const c of CASES) {
  test(`refuses ${c.what} with one error line naming file, object, field and rule, and publishes nothing`, async () => {
    const bucket = await createBucket(s3);
    const workspace = workspaceWithPartOf();
    const run = await renderManifest(
      { bucket, version: 'v1', 'output-dir': 'rendered', values: `part_of: ${c.value}` },
      { workspace },
    );
    assert.equal(run.exitCode, 1, run.output);
    const errors = errorsOf(run);
    assert.equal(errors.length, 1, run.output);
    assert.equal(
      errors[0]?.message,
      `render-manifest: deployment.yaml line 9 (from deploy/deployment.yaml.j2 line 9): Deployment shop: metadata.labels["app.kubernetes.io/part-of"]: ${c.shown} is not a valid label value: ${c.why} ${RULE}`,
    );
    assert.equal(errors[0]?.file, 'deploy/deployment.yaml.j2', 'an annotation on the template');
    assert.equal(errors[0]?.line, 9, 'at the template line');
    const errorLines = run.stdout.split('\n').filter((l) => l.startsWith('::error'));
    assert.deepEqual(
      errorLines,
      [`::error title=Invalid manifest,file=deploy/deployment.yaml.j2,line=9::${errors[0]?.message ?? ''}`],
      'exactly one ::error:: line, an annotation on the template line',
    );
    assert.equal(run.stderr.trim(), '', 'nothing on stderr (no stack)');
    assert.deepEqual(run.outputs, {}, 'no output was set');
    assert.ok(!existsSync(join(workspace, 'rendered')), 'no rendered file was written');
    assert.deepEqual(await allVersions(s3, bucket), {}, 'nothing was written to S3');
  });
}

test('a release whose labels are valid is published', async () => {
  const bucket = await createBucket(s3);
  const workspace = workspaceWithPartOf();
  const run = await renderManifest(
    { bucket, version: 'v1', values: `part_of: feature-shop.cart_${'x'.repeat(45)}` },
    { workspace },
  );
  assert.equal(run.exitCode, 0, run.output);
  assert.deepEqual(errorsOf(run), []);
  assert.deepEqual(
    run.annotations.filter((a) => a.level === 'warning'),
    [],
  );
  const published = await getText(s3, bucket, 'shop/staging/releases/v1/deployment.yaml');
  assert.match(
    published,
    /app\.kubernetes\.io\/part-of: "feature-shop\.cart_x{45}"$/m,
    'a 63-character label value',
  );
  assert.deepEqual(Object.keys(await allVersions(s3, bucket)).sort(), [
    'shop/staging/deploy.zip',
    'shop/staging/releases.json',
    'shop/staging/releases/v1/deployment.yaml',
    'shop/staging/releases/v1/service.yaml',
  ]);
});
