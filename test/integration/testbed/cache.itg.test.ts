import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nodeBinary, testbed, type CacheEntryInfo, type RecordedRequest } from '@slipway/testbed';

const exec = promisify(execFile);
const client = fileURLToPath(new URL('./fixtures/cache-client.mjs', import.meta.url));
const url = () => testbed().cache.url;
const control = async <T>(path: string, method = 'GET'): Promise<T> => {
  const res = await fetch(`${url()}_control/${path}`, { method });
  assert.equal(res.status, 200);
  return (await res.json()) as T;
};

/** A workspace with `cached/data.txt` holding `content` (or no `cached/` when content is undefined). */
function workspace(content?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-cache-ws-'));
  if (content !== undefined) {
    mkdirSync(join(dir, 'cached'));
    writeFileSync(join(dir, 'cached', 'data.txt'), content);
  }
  return dir;
}

/** Runs the real @actions/cache in a child process with the variables the runner sets. */
async function actionsCache(
  protocol: 'v1' | 'v2',
  ws: string,
  args: string[],
): Promise<{ id?: number; hit?: string | null; log: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: ws,
    GITHUB_WORKSPACE: ws,
    RUNNER_TEMP: mkdtempSync(join(tmpdir(), 'slipway-cache-tmp-')),
    GITHUB_SERVER_URL: 'https://github.com',
    ACTIONS_RUNTIME_TOKEN: 'runtime-token',
    ...(protocol === 'v1'
      ? { ACTIONS_CACHE_URL: url() }
      : { ACTIONS_RESULTS_URL: url(), ACTIONS_CACHE_SERVICE_V2: 'true' }),
  };
  const { stdout, stderr } = await exec(nodeBinary(24), [client, ...args], { cwd: ws, env });
  const result = stdout.match(/^RESULT (.*)$/m)?.[1];
  assert.ok(result, stdout + stderr);
  return { ...(JSON.parse(result) as { id?: number; hit?: string | null }), log: stdout + stderr };
}

beforeEach(() => control('reset', 'POST'));

for (const protocol of ['v1', 'v2'] as const) {
  test(`the cache double serves a real @actions/cache save then restore over ${protocol}`, async () => {
    const saved = await actionsCache(protocol, workspace('built artefacts'), ['save', 'deps-linux-abc']);
    assert.ok((saved.id ?? -1) > 0, saved.log);
    const entries = await control<CacheEntryInfo[]>('entries');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.protocol, protocol);
    assert.equal(entries[0]?.committed, true);
    assert.ok((entries[0]?.size ?? 0) > 0);

    const target = workspace();
    const restored = await actionsCache(protocol, target, ['restore', 'deps-linux-abc']);
    assert.equal(restored.hit, 'deps-linux-abc', restored.log);
    assert.equal(readFileSync(join(target, 'cached', 'data.txt'), 'utf8'), 'built artefacts');

    const requests = await control<RecordedRequest[]>('requests');
    if (protocol === 'v1') {
      assert.ok(
        requests.some(
          (r) => r.method === 'PATCH' && r.headers['content-range']?.toString().startsWith('bytes 0-'),
        ),
      );
    } else {
      assert.ok(requests.some((r) => r.method === 'PUT' && r.headers['x-ms-blob-type'] === 'BlockBlob'));
      assert.ok(requests.some((r) => r.path.endsWith('/FinalizeCacheEntryUpload')));
    }
    assert.ok(
      requests
        .filter((r) => !r.path.startsWith('/_blob/'))
        .every((r) => r.headers.authorization === 'Bearer runtime-token'),
    );
  });
}

test('a restore-key prefix restores the newest matching entry', async () => {
  await actionsCache('v2', workspace('old'), ['save', 'deps-linux-1']);
  await actionsCache('v2', workspace('new'), ['save', 'deps-linux-2']);
  await actionsCache('v2', workspace('other os'), ['save', 'deps-macos-3']);
  const target = workspace();
  const restored = await actionsCache('v2', target, ['restore', 'deps-linux-9', 'deps-linux-']);
  assert.equal(restored.hit, 'deps-linux-2', restored.log);
  assert.equal(readFileSync(join(target, 'cached', 'data.txt'), 'utf8'), 'new');
  // An exact key wins over newer prefix matches; v1 sees the same entries (same version).
  const exactTarget = workspace();
  const exact = await actionsCache('v1', exactTarget, ['restore', 'deps-linux-1', 'deps-linux-']);
  assert.equal(exact.hit, 'deps-linux-1', exact.log);
  assert.equal(readFileSync(join(exactTarget, 'cached', 'data.txt'), 'utf8'), 'old');
});

test('the cache double misses for another version (other paths) and an unknown key', async () => {
  await actionsCache('v2', workspace('x'), ['save', 'deps-a']);
  assert.equal((await actionsCache('v2', workspace(), ['restore', 'nothing-like-it'])).hit, null);
  const otherPaths = await exec(nodeBinary(24), [client, 'restore', 'deps-a'], {
    cwd: workspace(),
    env: {
      PATH: process.env.PATH ?? '',
      CACHE_PATH: 'elsewhere',
      GITHUB_SERVER_URL: 'https://github.com',
      ACTIONS_RUNTIME_TOKEN: 't',
      ACTIONS_RESULTS_URL: url(),
      ACTIONS_CACHE_SERVICE_V2: 'true',
    },
  });
  assert.match(otherPaths.stdout, /RESULT \{"hit":null\}/);
});

test('the cache double refuses requests without a bearer token', async () => {
  const twirp = await fetch(
    `${url()}twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'k', version: 'v' }),
    },
  );
  assert.equal(twirp.status, 401);
  assert.equal(((await twirp.json()) as { code: string }).code, 'unauthenticated');
  const v1 = await fetch(`${url()}_apis/artifactcache/cache?keys=k&version=v`);
  assert.equal(v1.status, 401);
});

async function twirp<T>(method: string, body: unknown): Promise<T> {
  const res = await fetch(`${url()}twirp/github.actions.results.api.v1.CacheService/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer runtime-token' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as T;
}

test('the cache double takes Azure Put Block + Put Block List uploads and serves byte ranges', async () => {
  // @actions/cache switches the Azure SDK to block uploads above 128 MiB; force it with small limits.
  const { BlockBlobClient } = await import('@azure/storage-blob');
  const created = await twirp<{ ok: boolean; signed_upload_url: string }>('CreateCacheEntry', {
    key: 'big',
    version: 'v9',
  });
  assert.ok(created.ok);
  const data = randomBytes(3000);
  await new BlockBlobClient(created.signed_upload_url).uploadData(data, {
    blockSize: 1024,
    maxSingleShotSize: 1024,
    concurrency: 2,
  });
  const requests = await control<RecordedRequest[]>('requests');
  assert.equal(requests.filter((r) => r.path.includes('comp=block&')).length, 3);
  assert.equal(requests.filter((r) => r.path.includes('comp=blocklist')).length, 1);

  const final = await twirp<{ ok: boolean }>('FinalizeCacheEntryUpload', {
    key: 'big',
    version: 'v9',
    size_bytes: '3000',
  });
  assert.ok(final.ok);
  const found = await twirp<{ ok: boolean; signed_download_url: string; matched_key: string }>(
    'GetCacheEntryDownloadURL',
    {
      key: 'bi',
      version: 'v9',
    },
  );
  assert.equal(found.matched_key, 'big');
  const whole = Buffer.from(await (await fetch(found.signed_download_url)).arrayBuffer());
  assert.ok(whole.equals(data));
  const part = await fetch(found.signed_download_url, { headers: { range: 'bytes=1000-1999' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), 'bytes 1000-1999/3000');
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(data.subarray(1000, 2000)));
  const forged = new URL(found.signed_download_url);
  forged.searchParams.set('sig', 'forged');
  assert.equal((await fetch(forged)).status, 403);
});
