import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { readOciLayout, testbed, uniqueName, writeOciLayout } from '@slipway/testbed';

const run = promisify(execFile);
const digestOf = (data: Buffer | string) => 'sha256:' + createHash('sha256').update(data).digest('hex');
const basic = (user: string, password: string) =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

/** Monolithic blob upload: POST to open an upload session, PUT the bytes with ?digest=. */
async function uploadBlob(base: string, repo: string, auth: string, data: Buffer): Promise<Response> {
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, {
    method: 'POST',
    headers: { authorization: auth },
  });
  if (start.status !== 202) return start;
  const location = new URL(start.headers.get('location') ?? '', base);
  location.searchParams.set('digest', digestOf(data));
  return fetch(location, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': 'application/octet-stream' },
    body: data,
  });
}

test('the registry refuses unauthenticated GET /v2/ with a Basic challenge', async () => {
  const res = await fetch(`${testbed().registry.url}/v2/`);
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="basic-realm"/);
});

test('the registry refuses an unauthenticated push and a wrong password', async () => {
  const { registry } = testbed();
  const repo = uniqueName('refused');
  const anonymous = await fetch(`${registry.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(anonymous.status, 401);
  const wrong = await fetch(`${registry.url}/v2/${repo}/blobs/uploads/`, {
    method: 'POST',
    headers: { authorization: basic('AWS', 'not-the-token') },
  });
  assert.equal(wrong.status, 401);
});

test('the registry accepts a blob upload and a manifest PUT as AWS with the ECR token password', async () => {
  const { registry } = testbed();
  const auth = basic(registry.username, registry.password);
  const repo = uniqueName('pushed');
  const layer = Buffer.from('not really a tarball, the registry does not look inside');
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  for (const blob of [layer, config]) {
    const res = await uploadBlob(registry.url, repo, auth, blob);
    assert.equal(res.status, 201, await res.text());
    assert.equal(res.headers.get('docker-content-digest'), digestOf(blob));
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: digestOf(config),
      size: config.length,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: digestOf(layer),
        size: layer.length,
      },
    ],
  });
  const put = await fetch(`${registry.url}/v2/${repo}/manifests/v1`, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  assert.equal(put.status, 201, await put.text());
  assert.equal(put.headers.get('docker-content-digest'), digestOf(manifest));
  const head = await fetch(`${registry.url}/v2/${repo}/manifests/v1`, {
    method: 'HEAD',
    headers: { authorization: auth, accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(head.headers.get('docker-content-digest'), digestOf(manifest));
});

test('writeOciLayout writes reproducible images that skopeo pushes with their digest intact', async () => {
  const { registry } = testbed();
  const dir = mkdtempSync(join(tmpdir(), 'slipway-oci-'));
  const digest = await writeOciLayout(join(dir, 'a'), { layers: 2, layerSize: 64 * 1024, seed: 'shop' });
  assert.equal(
    await writeOciLayout(join(dir, 'b'), { layers: 2, layerSize: 64 * 1024, seed: 'shop' }),
    digest,
  );
  assert.notEqual(
    await writeOciLayout(join(dir, 'c'), { layers: 2, layerSize: 64 * 1024, seed: 'other' }),
    digest,
  );
  const layout = readOciLayout(join(dir, 'a'));
  assert.equal(layout.manifestDigest, digest);
  assert.equal(layout.layers.length, 2);
  assert.ok(layout.layers.every((l) => l.size > 64 * 1024 && l.diffId.startsWith('sha256:')));

  const repo = uniqueName('skopeo');
  await run('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    '--dest-creds',
    `AWS:${registry.password}`,
    `oci:${join(dir, 'a')}:latest`,
    `docker://${registry.host}/${repo}:v1`,
  ]);
  const head = await fetch(`${registry.url}/v2/${repo}/manifests/v1`, {
    method: 'HEAD',
    headers: {
      authorization: basic('AWS', registry.password),
      accept: 'application/vnd.oci.image.manifest.v1+json',
    },
  });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('docker-content-digest'), digest);
});
