// render-manifest through its built bundle against moto's S3, as the runner runs it: what lands in
// a versioned bucket, immutability, the ledger under concurrency, the diff, dry runs.
import assert from 'node:assert/strict';
import type { LedgerRelease } from '@slipway/aws/s3-ledger.ts';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { GetObjectAclCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { strFromU8, unzipSync } from 'fflate';
import { TEST_SHA } from '@slipway/testbed';
import {
  DIGEST,
  PINNED,
  adminS3,
  allVersions,
  createBucket,
  errorsOf,
  getBytes,
  getText,
  head,
  renderManifest,
  s3Proxy,
} from './helpers.ts';

let s3: S3Client;
before(() => {
  s3 = adminS3();
});

interface LedgerJson {
  schema: number;
  releases: LedgerRelease[];
}

const ledgerOf = async (bucket: string, prefix = 'shop/staging') =>
  JSON.parse(await getText(s3, bucket, `${prefix}/releases.json`)) as LedgerJson;
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data);

test('publishes the release files, the zip and the ledger: right bytes, no ACL, SSE, metadata, checksums', async () => {
  const bucket = await createBucket(s3);
  const run = await renderManifest({ bucket, version: 'v1' });
  assert.equal(run.exitCode, 0, run.output);
  assert.deepEqual(errorsOf(run), []);

  const files = JSON.parse(run.outputs.files ?? '[]') as string[];
  assert.equal(files.length, 2);
  assert.deepEqual(run.outputs, {
    version: 'v1',
    files: run.outputs.files,
    's3-uri': `s3://${bucket}/shop/staging/releases/v1/`,
    'artifact-key': 'shop/staging/deploy.zip',
    'artifact-version-id': run.outputs['artifact-version-id'],
    etag: run.outputs.etag,
    'previous-version': '',
    changed: 'true',
  });

  const ledger = await ledgerOf(bucket);
  assert.equal(ledger.schema, 1);
  assert.equal(ledger.releases.length, 1);
  const entry = ledger.releases[0];
  assert.ok(entry);
  assert.equal(entry.version, 'v1');
  assert.equal(entry.image, PINNED, 'the image is pinned by digest');
  assert.equal(entry.digest, DIGEST);
  assert.equal(entry.gitSha, TEST_SHA);
  assert.equal(entry.gitRef, 'refs/heads/main');
  assert.equal(entry.actor, 'octocat');
  assert.equal(entry.runUrl, 'https://github.com/acme/shop/actions/runs/9876543210');

  for (const path of files) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const local = readFileSync(path);
    const key = `shop/staging/releases/v1/${name}`;
    assert.deepEqual(Buffer.from(await getBytes(s3, bucket, key)), local, `${key} holds the rendered bytes`);
    const h = await head(s3, bucket, key);
    assert.equal(h.ContentType, 'application/yaml');
    assert.equal(h.ServerSideEncryption, 'AES256', 'SSE echoed');
    assert.equal(h.ChecksumSHA256, sha256(local).digest('base64'), 'uploaded with a SHA-256 checksum');
    assert.deepEqual(h.Metadata, {
      version: 'v1',
      'git-sha': TEST_SHA,
      'run-url': 'https://github.com/acme/shop/actions/runs/9876543210',
      'content-sha256': sha256(local).digest('hex'),
    });
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
    assert.deepEqual(
      acl.Grants?.map((g) => [g.Grantee?.ID, g.Permission]),
      [[acl.Owner?.ID, 'FULL_CONTROL']],
      'no ACL was sent: only the owner grant',
    );
    const recorded: LedgerJson['releases'][number]['files'][number] | undefined = entry.files.find(
      (f) => f.name === name,
    );
    assert.equal(recorded?.key, key);
    assert.equal(recorded?.sha256, sha256(local).digest('hex'));
    assert.equal(recorded?.versionId, h.VersionId, 'the ledger records the S3 version id');
  }
  assert.match(
    readFileSync(files[0] ?? '', 'utf8'),
    new RegExp(`image: ${PINNED.replace(/\./g, '\\.')}$`, 'm'),
  );

  const zipHead = await head(s3, bucket, 'shop/staging/deploy.zip');
  assert.equal(zipHead.ContentType, 'application/zip');
  assert.equal(zipHead.ServerSideEncryption, 'AES256');
  assert.equal(zipHead.VersionId, run.outputs['artifact-version-id']);
  assert.equal(zipHead.ETag, run.outputs.etag);
  assert.equal(zipHead.Metadata?.version, 'v1');
  assert.equal(entry.artifact?.versionId, zipHead.VersionId);
  const zip = unzipSync(await getBytes(s3, bucket, 'shop/staging/deploy.zip'));
  assert.deepEqual(Object.keys(zip), ['deployment.yaml', 'service.yaml']);
  for (const path of files) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    assert.equal(
      strFromU8(zip[name] ?? new Uint8Array()),
      readFileSync(path, 'utf8'),
      `the zip holds ${name}`,
    );
  }

  const ledgerHead = await head(s3, bucket, 'shop/staging/releases.json');
  assert.equal(ledgerHead.ContentType, 'application/json');
  assert.match(run.summary, /\| version \| `v1` \|/);
  assert.ok(run.summary.includes(`s3://${bucket}/shop/staging/deploy.zip`), run.summary);
  assert.match(run.summary, /Changes \(first release\): 2 added/);
});

test('re-publishing a version with the same content is a no-op for its files', async () => {
  const bucket = await createBucket(s3);
  const first = await renderManifest({ bucket, version: 'v1' });
  assert.equal(first.exitCode, 0, first.output);
  const before = await allVersions(s3, bucket);
  const again = await renderManifest({ bucket, version: 'v1' });
  assert.equal(again.exitCode, 0, again.output);
  assert.match(again.output, /unchanged s3:\/\/.*\/releases\/v1\/deployment\.yaml/);
  const after = await allVersions(s3, bucket);
  for (const name of ['deployment.yaml', 'service.yaml']) {
    const key = `shop/staging/releases/v1/${name}`;
    assert.deepEqual(after[key], before[key], `${key} was not written again`);
  }
  const ledger = await ledgerOf(bucket);
  assert.deepEqual(
    ledger.releases.map((r) => r.version),
    ['v1'],
    'listed once',
  );
  assert.equal(
    ledger.releases[0]?.artifact?.sha256,
    sha256(await getBytes(s3, bucket, 'shop/staging/deploy.zip')).digest('hex'),
  );
  assert.equal(again.outputs['previous-version'], '');
});

test('re-publishing a version with different content is refused and changes nothing', async () => {
  const bucket = await createBucket(s3);
  assert.equal((await renderManifest({ bucket, version: 'v1' })).exitCode, 0);
  const before = await allVersions(s3, bucket);
  const run = await renderManifest({ bucket, version: 'v1', values: 'replicas: 5' });
  assert.equal(run.exitCode, 1, run.output);
  const errors = errorsOf(run);
  assert.equal(errors.length, 1, run.output);
  assert.match(
    errors[0]?.message ?? '',
    /^render-manifest: release v1 was already published \(.*\) with other content: deployment\.yaml \(changed\); a release is immutable/,
  );
  assert.deepEqual(await allVersions(s3, bucket), before, 'no object was written');
});

test('a failed upload leaves the ledger and the stable key untouched', async () => {
  const bucket = await createBucket(s3);
  assert.equal((await renderManifest({ bucket, version: 'v1' })).exitCode, 0);
  // Another publish of v2 stored a different deployment.yaml and died before its ledger entry.
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'shop/staging/releases/v2/deployment.yaml',
      Body: 'kind: Other\n',
    }),
  );
  const before = await allVersions(s3, bucket);
  const ledgerBefore = await getText(s3, bucket, 'shop/staging/releases.json');

  const run = await renderManifest({ bucket, version: 'v2' });
  assert.equal(run.exitCode, 1, run.output);
  assert.equal(errorsOf(run).length, 1, run.output);
  assert.match(
    errorsOf(run)[0]?.message ?? '',
    new RegExp(
      `release v2 is already published and s3://${bucket}/shop/staging/releases/v2/deployment\\.yaml holds other content`,
    ),
  );
  assert.equal(await getText(s3, bucket, 'shop/staging/releases.json'), ledgerBefore, 'ledger untouched');
  const after = await allVersions(s3, bucket);
  assert.deepEqual(
    after['shop/staging/deploy.zip'],
    before['shop/staging/deploy.zip'],
    'stable key untouched',
  );
  assert.deepEqual(after['shop/staging/releases.json'], before['shop/staging/releases.json']);
  assert.equal(await getText(s3, bucket, 'shop/staging/releases/v2/deployment.yaml'), 'kind: Other\n');
});

test('concurrent publishes all land in the ledger', async (t) => {
  const bucket = await createBucket(s3);
  const versions = ['c1', 'c2', 'c3'];
  const runs = await Promise.all(
    versions.map((version, i) => renderManifest({ bucket, version, values: `replicas: ${i + 1}` })),
  );
  for (const run of runs) assert.equal(run.exitCode, 0, run.output);
  const ledger = await ledgerOf(bucket);
  assert.deepEqual(ledger.releases.map((r) => r.version).sort(), versions);
  const retried = runs.filter((r) => /changed while adding/.test(r.output)).length;
  t.diagnostic(`${retried} of ${runs.length} runs merged the ledger again after a conflict`);
});

test('a ledger changed between read and write is merged again, so neither release is lost', async () => {
  const bucket = await createBucket(s3);
  assert.equal((await renderManifest({ bucket, version: 'v1' })).exitCode, 0);
  // Another pipeline writes the ledger right before this run's own conditional ledger write.
  let fired = false;
  const proxy = await s3Proxy((req) => {
    if (fired || req.method !== 'PUT' || !req.url?.startsWith(`/${bucket}/shop/staging/releases.json`))
      return 'pass';
    fired = true;
    return async () => {
      const ledger = await ledgerOf(bucket);
      ledger.releases.unshift({ version: 'other-pipeline', publishedAt: '2026-01-01T00:00:00Z', files: [] });
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'shop/staging/releases.json',
          Body: JSON.stringify(ledger),
        }),
      );
      return 'pass';
    };
  });
  try {
    const run = await renderManifest({ bucket, version: 'v2' }, { env: { AWS_ENDPOINT_URL: proxy.url } });
    assert.equal(run.exitCode, 0, run.output);
    assert.ok(fired, 'the other pipeline wrote between the read and the write');
    assert.match(run.output, /releases\.json changed while adding v2 \(another publish\); merging again/);
  } finally {
    proxy.close();
  }
  assert.deepEqual(
    (await ledgerOf(bucket)).releases.map((r) => r.version),
    ['v2', 'other-pipeline', 'v1'],
  );
});

test('the job summary shows the diff against the previous release, read back from S3', async () => {
  const bucket = await createBucket(s3);
  assert.equal((await renderManifest({ bucket, version: 'v1' })).exitCode, 0);
  const run = await renderManifest({ bucket, version: 'v2', values: 'replicas: 4' });
  assert.equal(run.exitCode, 0, run.output);
  assert.equal(run.outputs['previous-version'], 'v1');
  assert.equal(run.outputs.changed, 'true');
  assert.match(run.summary, /#### Changes since `v1`: 1 changed/);
  assert.match(run.summary, /--- a\/deployment\.yaml\tv1\n\+\+\+ b\/deployment\.yaml\tthis release/);
  assert.match(run.summary, /^- {2}replicas: 2$/m);
  assert.match(run.summary, /^\+ {2}replicas: 4$/m);
  assert.match(run.summary, /^- {4}app\.kubernetes\.io\/version: "v1"$/m);
  assert.ok(!run.summary.includes('service.yaml\tv1'), 'unchanged files are not in the diff');
});

test('manifests identical to the previous release publish with changed=false', async () => {
  const bucket = await createBucket(s3);
  const inputs = { bucket, templates: 'deploy/service.yaml.j2' };
  assert.equal((await renderManifest({ ...inputs, version: 'v1' })).exitCode, 0);
  const run = await renderManifest({ ...inputs, version: 'v2' });
  assert.equal(run.exitCode, 0, run.output);
  assert.equal(run.outputs['previous-version'], 'v1');
  assert.equal(run.outputs.changed, 'false');
  assert.match(run.summary, /#### No changes since `v1`/);
});

test('dry-run renders, validates and prints the planned keys, and writes nothing to S3', async () => {
  const bucket = await createBucket(s3);
  const run = await renderManifest({ bucket, version: 'v1', 'dry-run': 'true' });
  assert.equal(run.exitCode, 0, run.output);
  assert.deepEqual(await allVersions(s3, bucket), {}, 'the bucket is still empty');
  assert.match(
    run.output,
    new RegExp(`would write s3://${bucket}/shop/staging/releases/v1/deployment\\.yaml`),
  );
  assert.match(run.output, new RegExp(`would write s3://${bucket}/shop/staging/deploy\\.zip`));
  assert.match(run.output, new RegExp(`would add v1 to s3://${bucket}/shop/staging/releases\\.json`));
  assert.equal(run.outputs['artifact-key'], 'shop/staging/deploy.zip');
  assert.equal(run.outputs['artifact-version-id'], '');
  assert.match(run.summary, /dry run: nothing was written to S3/);
  for (const path of JSON.parse(run.outputs.files ?? '[]') as string[]) assert.ok(existsSync(path), path);

  // With a release in the bucket, a dry run shows what the next one would change.
  assert.equal((await renderManifest({ bucket, version: 'v1' })).exitCode, 0);
  const before = await allVersions(s3, bucket);
  const next = await renderManifest({ bucket, version: 'v2', values: 'replicas: 7', 'dry-run': 'true' });
  assert.equal(next.exitCode, 0, next.output);
  assert.equal(next.outputs['previous-version'], 'v1');
  assert.match(next.summary, /^\+ {2}replicas: 7$/m);
  assert.deepEqual(await allVersions(s3, bucket), before, 'still nothing written');
});

test('a dry run without AWS region or credentials (a pull request) still renders, validates and plans', async () => {
  const run = await renderManifest(
    { bucket: 'shop-deploy', version: 'v9', region: '', 'dry-run': 'true' },
    {
      env: {
        AWS_REGION: undefined,
        AWS_DEFAULT_REGION: undefined,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_ENDPOINT_URL: undefined,
      },
    },
  );
  assert.equal(run.exitCode, 0, run.output);
  assert.deepEqual(errorsOf(run), []);
  assert.match(run.output, /would write s3:\/\/shop-deploy\/shop\/staging\/releases\/v9\/deployment\.yaml/);
  const warnings = run.annotations.filter((a) => a.level === 'warning');
  assert.equal(warnings.length, 1, run.output);
  assert.match(
    warnings[0]?.message ?? '',
    /dry run without an AWS region .*: the bucket was not read, so there is no diff/,
  );
});

test('bundle yaml puts one multi-document YAML at the stable key', async () => {
  const bucket = await createBucket(s3);
  const run = await renderManifest({ bucket, version: 'v1', bundle: 'yaml', 'key-prefix': 'teams/shop' });
  assert.equal(run.exitCode, 0, run.output);
  assert.equal(run.outputs['artifact-key'], 'teams/shop/deploy.yaml');
  const h = await head(s3, bucket, 'teams/shop/deploy.yaml');
  assert.equal(h.ContentType, 'application/yaml');
  const text = await getText(s3, bucket, 'teams/shop/deploy.yaml');
  assert.match(text, /^---\n# Source: deployment\.yaml\napiVersion: apps\/v1\n/);
  assert.match(text, /\n---\n# Source: service\.yaml\napiVersion: v1\nkind: Service\n/);
  assert.equal((await ledgerOf(bucket, 'teams/shop')).releases[0]?.artifact?.format, 'yaml');
});

test('a bucket without versioning gets a warning, because CodePipeline needs it', async () => {
  const bucket = await createBucket(s3, false);
  const run = await renderManifest({ bucket, version: 'v1' });
  assert.equal(run.exitCode, 0, run.output);
  const warnings = run.annotations.filter((a) => a.level === 'warning');
  assert.equal(warnings.length, 1, run.output);
  assert.match(
    warnings[0]?.message ?? '',
    new RegExp(
      `bucket ${bucket} has versioning off: an AWS CodePipeline S3 source requires a versioned bucket`,
    ),
  );
  assert.equal(run.outputs['artifact-version-id'], '');
});

test('sse aws:kms with a key id and an explicit acl are sent as asked', async () => {
  const bucket = await createBucket(s3);
  const run = await renderManifest({
    bucket,
    version: 'v1',
    sse: 'aws:kms',
    'kms-key-id': 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    acl: 'public-read',
  });
  assert.equal(run.exitCode, 0, run.output);
  const h = await head(s3, bucket, 'shop/staging/releases/v1/deployment.yaml');
  assert.equal(h.ServerSideEncryption, 'aws:kms');
  assert.equal(h.SSEKMSKeyId, 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555');
  const acl = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'shop/staging/deploy.zip' }));
  assert.ok(
    acl.Grants?.some(
      (g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ',
    ),
    JSON.stringify(acl.Grants),
  );
});

test('S3 answering 503 SlowDown is retried and the release lands; a 4xx is not retried', async () => {
  const bucket = await createBucket(s3);
  const puts = new Map<string, number>();
  let failWith: { status: number; code: string; message: string } | undefined;
  const proxy = await s3Proxy((req) => {
    const key = req.url?.split('?')[0] ?? '';
    if (req.method !== 'PUT' || !key.endsWith('/deployment.yaml')) return 'pass';
    const n = (puts.get(key) ?? 0) + 1;
    puts.set(key, n);
    return n === 1 && failWith ? failWith : 'pass';
  });
  try {
    failWith = { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
    const slow = await renderManifest({ bucket, version: 'r1' }, { env: { AWS_ENDPOINT_URL: proxy.url } });
    assert.equal(slow.exitCode, 0, slow.output);
    assert.equal(puts.get(`/${bucket}/shop/staging/releases/r1/deployment.yaml`), 2, 'retried once');

    failWith = { status: 400, code: 'InvalidRequest', message: 'The request is not valid.' };
    const bad = await renderManifest({ bucket, version: 'r2' }, { env: { AWS_ENDPOINT_URL: proxy.url } });
    assert.equal(bad.exitCode, 1, bad.output);
    assert.equal(puts.get(`/${bucket}/shop/staging/releases/r2/deployment.yaml`), 1, 'not retried');
    assert.deepEqual(
      errorsOf(bad).map((e) => e.message),
      [
        `render-manifest: s3:PutObject on s3://${bucket}/shop/staging/releases/r2/deployment.yaml failed: InvalidRequest (HTTP 400): The request is not valid.`,
      ],
    );
  } finally {
    proxy.close();
  }
  assert.deepEqual(
    (await ledgerOf(bucket)).releases.map((r) => r.version),
    ['r1'],
  );
});

after(() => {
  s3?.destroy();
});
