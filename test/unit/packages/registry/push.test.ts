import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ActionError, collectingLogger, silentLogger } from '@slipway/action-kit';
import {
  type BlobReader,
  ImmutableTagError,
  OciLayoutSource,
  RegistryClient,
  RegistryError,
  RegistrySource,
  explainEcrRegistryError,
  parseImageReference,
  pushImage,
} from '@slipway/registry';
import { ProxyAwareAgent } from '@slipway/net';
import { FakeRegistry } from './fake-registry.ts';
import { Layout, bytes, sha256 } from './layouts.ts';

const agent = new ProxyAwareAgent({ maxSockets: 16 });
after(() => agent.destroy());

const creds = { username: 'AWS', password: 'secret-pw' };

function client(reg: FakeRegistry, extra: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) {
  return new RegistryClient({
    baseUrl: new URL(reg.url),
    credentials: creds,
    agent,
    retryDelayMs: 10,
    ...extra,
  });
}

const push = (
  source: OciLayoutSource | RegistrySource,
  c: RegistryClient,
  tags: string[],
  extra: { concurrency?: number; immutable?: boolean } = {},
) =>
  pushImage(source, c, {
    repository: 'shop/api',
    tags,
    concurrency: extra.concurrency ?? 4,
    isTagImmutable: () => extra.immutable ?? false,
    log: silentLogger,
    progressEverySeconds: 0,
  });

describe('pushImage over the distribution protocol', () => {
  let reg: FakeRegistry;
  before(async () => {
    reg = await new FakeRegistry({ auth: { kind: 'basic', ...creds } }).start();
  });
  after(() => reg.stop());

  test('pushes every blob and the manifest under each tag; a re-push uploads nothing', async () => {
    const layout = new Layout();
    const img = layout.image('first', 3, 50_000);
    layout.tag(img, '1.0');
    const c = client(reg);
    const first = await push(new OciLayoutSource(layout.dir, '1.0'), c, ['v1', 'latest']);
    assert.equal(first.digest, img.digest);
    assert.equal(first.blobs.uploaded, 4);
    assert.equal(first.pushedBytes, img.config.size + 150_000);
    assert.deepEqual(
      first.tags.map((t) => t.status),
      ['created', 'created'],
    );
    for (const l of img.layers) assert.ok(reg.repoBlobs.get('shop/api')?.has(l.digest));
    assert.equal(reg.manifests.get('shop/api')?.get('latest')?.bytes.length, img.size);

    const uploadsBefore = reg.count('PUT', /blobs\/uploads/);
    const again = await push(new OciLayoutSource(layout.dir, '1.0'), c, ['v1', 'latest']);
    assert.equal(again.pushedBytes, 0);
    assert.equal(again.reusedBytes, first.pushedBytes);
    assert.deepEqual(
      again.tags.map((t) => t.status),
      ['unchanged', 'unchanged'],
    );
    assert.equal(reg.count('PUT', /blobs\/uploads/), uploadsBefore);
  });

  test('a new tag on an image whose blobs are there uploads no blob (HEAD first)', async () => {
    const layout = new Layout();
    const img = layout.image('second', 2, 10_000);
    layout.tag(img);
    const c = client(reg);
    await push(new OciLayoutSource(layout.dir), c, ['a']);
    const posts = reg.count('POST', /blobs\/uploads/);
    const result = await push(new OciLayoutSource(layout.dir), c, ['b']);
    assert.equal(result.pushedBytes, 0);
    assert.equal(result.blobs.existing, 3);
    assert.equal(reg.count('POST', /blobs\/uploads/), posts);
    assert.equal(reg.manifests.get('shop/api')?.get('b')?.bytes.length, img.size);
  });

  test('pushes the children of an index by digest before the index under its tag', async () => {
    const layout = new Layout();
    const amd = layout.image('amd', 1, 1000, { os: 'linux', architecture: 'amd64' });
    const arm = layout.image('arm', 1, 1000, { os: 'linux', architecture: 'arm64' });
    const idx = layout.index([
      { ...amd, platform: { os: 'linux', architecture: 'amd64' } },
      { ...arm, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    layout.tag(idx, 'multi');
    const start = reg.requests.length;
    const result = await push(new OciLayoutSource(layout.dir, 'multi'), client(reg), ['multi']);
    assert.equal(result.digest, idx.digest);
    assert.equal(result.mediaType, 'application/vnd.oci.image.index.v1+json');
    const puts = reg.requests
      .slice(start)
      .filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'));
    assert.deepEqual(
      puts.map((r) => r.path.split('/manifests/')[1]),
      [amd.digest, arm.digest, 'multi'],
    );
  });

  test('an immutable tag naming another image fails before any blob is uploaded', async () => {
    const layout = new Layout();
    const old = layout.image('old', 1, 1000);
    layout.tag(old);
    const c = client(reg);
    await push(new OciLayoutSource(layout.dir), c, ['release']);
    const other = new Layout();
    const img = other.image('new', 2, 5000);
    other.tag(img);
    const posts = reg.count('POST', /blobs\/uploads/);
    await assert.rejects(push(new OciLayoutSource(other.dir), c, ['release'], { immutable: true }), (err) => {
      assert.ok(err instanceof ImmutableTagError);
      assert.match(err.message, new RegExp(`shop/api:release already names ${old.digest}`));
      assert.match(err.message, new RegExp(img.digest));
      assert.match(err.message, /Nothing was pushed/);
      return true;
    });
    assert.equal(reg.count('POST', /blobs\/uploads/), posts);
    // The same image again under the immutable tag is a no-op success.
    const same = await push(new OciLayoutSource(layout.dir), c, ['release'], { immutable: true });
    assert.equal(same.tags[0]?.status, 'unchanged');
  });

  test('a mutable tag naming another image is moved', async () => {
    const a = new Layout();
    const ia = a.image('move-a', 1, 100);
    a.tag(ia);
    const b = new Layout();
    const ib = b.image('move-b', 1, 100);
    b.tag(ib);
    const c = client(reg);
    await push(new OciLayoutSource(a.dir), c, ['edge']);
    const moved = await push(new OciLayoutSource(b.dir), c, ['edge']);
    assert.deepEqual(moved.tags[0], { tag: 'edge', status: 'moved', previous: ia.digest });
  });

  test('in a repository created moments ago, uploads without asking what is there', async () => {
    const layout = new Layout();
    const img = layout.image('fresh', 2, 2000);
    layout.tag(img);
    const start = reg.requests.length;
    const result = await pushImage(new OciLayoutSource(layout.dir), client(reg), {
      repository: 'fresh/repo',
      tags: ['v1', 'latest'],
      concurrency: 2,
      isTagImmutable: () => true,
      log: silentLogger,
      repositoryIsNew: true,
    });
    assert.equal(result.digest, img.digest);
    assert.equal(result.blobs.uploaded, 3);
    const made = reg.requests.slice(start);
    assert.equal(made.filter((r) => r.method === 'HEAD').length, 0, 'no HEAD of tags or blobs');
    assert.deepEqual(
      made.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/')).map((r) => r.path),
      ['/v2/fresh/repo/manifests/v1', '/v2/fresh/repo/manifests/latest'],
    );
  });

  test('uploads at most `concurrency` blobs at a time', async () => {
    const layout = new Layout();
    layout.tag(layout.image('many', 8, 300_000));
    reg.maxInFlight = 0;
    await push(new OciLayoutSource(layout.dir), client(reg), ['many'], { concurrency: 2 });
    assert.ok(reg.maxInFlight <= 2, `saw ${reg.maxInFlight} uploads at once`);
    assert.ok(reg.maxInFlight >= 1);
  });

  test('refuses a blob whose bytes do not hash to its digest and commits nothing', async () => {
    const layout = new Layout();
    const img = layout.image('corrupt', 1, 20_000);
    layout.tag(img);
    const layer = img.layers[0];
    assert.ok(layer);
    const tampered = bytes('tampered', 20_000);
    writeFileSync(layout.path(layer.digest), tampered);
    await assert.rejects(push(new OciLayoutSource(layout.dir), client(reg), ['bad']), (err) => {
      assert.ok(err instanceof ActionError, String(err));
      assert.match(err.message, /hashes to sha256:[0-9a-f]{64}, not to/);
      return true;
    });
    assert.equal(reg.repoBlobs.get('shop/api')?.has(layer.digest), false);
    assert.equal(reg.manifests.get('shop/api')?.has('bad'), false);
  });

  test('mounts blobs from another repository of the same registry instead of copying them', async () => {
    const layout = new Layout();
    const img = layout.image('mount', 2, 4000);
    layout.tag(img);
    const c = client(reg);
    await pushImage(new OciLayoutSource(layout.dir), c, {
      repository: 'upstream/base',
      tags: ['1'],
      concurrency: 2,
      isTagImmutable: () => false,
      log: silentLogger,
    });
    const posts = reg.requests.length;
    const result = await push(new RegistrySource(c, parseImageReference(`${reg.host}/upstream/base:1`)), c, [
      'mirrored',
    ]);
    assert.equal(result.digest, img.digest);
    assert.equal(result.blobs.mounted, 3);
    assert.equal(result.pushedBytes, 0);
    const after = reg.requests.slice(posts);
    assert.equal(after.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/')).length, 0);
    assert.ok(after.some((r) => r.path.includes('mount=') && r.status === 201));
  });
});

describe('uploads survive a misbehaving registry', () => {
  let reg: FakeRegistry;
  before(async () => {
    reg = await new FakeRegistry({ auth: { kind: 'basic', ...creds } }).start();
  });
  after(() => reg.stop());

  test('restarts a single-request upload in a fresh session after the connection drops mid-body', async () => {
    const layout = new Layout();
    const img = layout.image('drop', 1, 400_000);
    layout.tag(img);
    const layerDigest = img.layers[0]?.digest ?? '';
    reg.faults.push({
      method: 'PUT',
      path: new RegExp(`blobs/uploads/.+digest=${layerDigest.replace(':', '(:|%3A)')}`),
      action: { drop: 100_000 },
    });
    const log = collectingLogger();
    const result = await pushImage(new OciLayoutSource(layout.dir), client(reg, { log }), {
      repository: 'drop/one',
      tags: ['t'],
      concurrency: 1,
      isTagImmutable: () => false,
      log,
      progressEverySeconds: 0,
    });
    assert.equal(result.digest, img.digest);
    const layer = img.layers[0];
    assert.ok(layer);
    assert.deepEqual(reg.blobs.get(layer.digest), bytes('drop-0', 400_000));
    assert.ok(
      log.lines.some((l) => /retrying/.test(l)),
      log.lines.join('\n'),
    );
    // The broken session was cancelled and a new one started.
    assert.ok(reg.count('DELETE', /blobs\/uploads/) >= 1);
    assert.equal(reg.faults[0]?.times, 0);
  });

  test('resumes a chunked upload after the last acknowledged chunk', async () => {
    const layout = new Layout();
    const img = layout.image('chunks', 1, 1_000_000);
    layout.tag(img);
    const layer = img.layers[0];
    assert.ok(layer);
    const start = reg.requests.length;
    // The second PATCH (bytes 300000-599999) dies half-way.
    const c = client(reg, { chunkSize: 300_000 });
    const origin = reg.faults.length;
    reg.faults.push({ method: 'PATCH', path: /blobs\/uploads\/.+_state=s300000/, action: { drop: 150_000 } });
    const result = await pushImage(new OciLayoutSource(layout.dir), c, {
      repository: 'drop/chunks',
      tags: ['t'],
      concurrency: 1,
      isTagImmutable: () => false,
      log: silentLogger,
    });
    assert.equal(result.digest, img.digest);
    assert.deepEqual(reg.blobs.get(layer.digest), bytes('chunks-0', 1_000_000));
    const ranges = reg.requests
      .slice(start)
      .filter((r) => r.method === 'PATCH' && r.contentRange)
      .map((r) => r.contentRange);
    // 0-299999 once, 300000-599999 twice (dropped, then resumed), then the rest: never byte 0 again.
    assert.deepEqual(ranges, [
      '0-299999',
      '300000-599999',
      '300000-599999',
      '600000-899999',
      '900000-999999',
    ]);
    assert.equal(reg.faults[origin]?.times, 0);
    assert.ok(reg.count('GET', /blobs\/uploads\//) >= 1, 'asked the registry where the upload stands');
  });

  test('falls back to one request when the registry reports a Range that does not advance (ECR)', async () => {
    const stale = await new FakeRegistry({ auth: { kind: 'basic', ...creds }, staleRange: true }).start();
    try {
      const layout = new Layout();
      const img = layout.image('stale', 1, 700_000);
      layout.tag(img);
      const log = collectingLogger();
      const result = await pushImage(
        new OciLayoutSource(layout.dir),
        client(stale, { chunkSize: 300_000, log }),
        {
          repository: 'stale/range',
          tags: ['t'],
          concurrency: 1,
          isTagImmutable: () => false,
          log,
          progressEverySeconds: 0,
        },
      );
      assert.equal(result.digest, img.digest);
      assert.deepEqual(stale.blobs.get(img.layers[0]?.digest ?? ''), bytes('stale-0', 700_000));
      assert.ok(
        log.lines.some((l) => /in one request instead/.test(l)),
        log.lines.join('\n'),
      );
    } finally {
      await stale.stop();
    }
  });

  test('retries 503 and waits as long as a 429 Retry-After says', async () => {
    const layout = new Layout();
    layout.tag(layout.image('busy', 1, 1000));
    reg.faults.push(
      {
        method: 'POST',
        path: /blobs\/uploads/,
        action: { status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}' },
      },
      { method: 'HEAD', path: /blobs\/sha256/, action: { status: 429, headers: { 'Retry-After': '1' } } },
    );
    const log = collectingLogger();
    const result = await pushImage(new OciLayoutSource(layout.dir), client(reg, { log }), {
      repository: 'busy/repo',
      tags: ['t'],
      concurrency: 1,
      isTagImmutable: () => false,
      log: silentLogger,
    });
    assert.equal(result.blobs.uploaded, 2);
    const retries = log.lines.filter((l) => /retrying in/.test(l));
    assert.equal(retries.length, 2, log.lines.join('\n'));
    assert.ok(
      retries.some((l) =>
        /^info: check of sha256:\S+ failed \(.* answered HTTP 429 while checking for a blob in busy\/repo\); retrying in 1\.0 s \(attempt 2 of 5\)$/.test(
          l,
        ),
      ),
      retries.join('\n'),
    );
    assert.ok(
      retries.some((l) =>
        /^info: upload of sha256:\S+ failed \(.* answered HTTP 503 while starting a blob upload in busy\/repo\); retrying in 0\.0 s \(attempt 2 of 5\)$/.test(
          l,
        ),
      ),
      retries.join('\n'),
    );
  });

  test('gives up after the bounded attempts on a registry that keeps failing', async () => {
    const layout = new Layout();
    layout.tag(layout.image('down', 1, 1000));
    reg.faults.push({ method: 'POST', path: /blobs\/uploads/, action: { status: 500 }, times: 100 });
    const before = reg.count('POST', /blobs\/uploads/);
    await assert.rejects(
      pushImage(new OciLayoutSource(layout.dir), client(reg, { attempts: 3 }), {
        repository: 'down/repo',
        tags: ['t'],
        concurrency: 1,
        isTagImmutable: () => false,
        log: silentLogger,
      }),
      (err) => err instanceof RegistryError && err.status === 500,
    );
    assert.equal(reg.count('POST', /blobs\/uploads/) - before, 3);
    reg.faults.length = 0;
  });
});

describe('streaming', () => {
  test('a blob streams with backpressure: a registry that reads slowly holds the source back', async () => {
    const reg = await new FakeRegistry({ slowUploadsMs: 400 }).start();
    try {
      const size = 48 << 20;
      const data = bytes('stream', size);
      const digest = sha256(data);
      let read = 0;
      const reader: BlobReader = {
        open: async (start, end) =>
          Readable.from(
            (function* () {
              for (let off = start; off < end; off += 1 << 20) {
                const chunk = data.subarray(off, Math.min(end, off + (1 << 20)));
                read += chunk.length;
                yield chunk;
              }
            })(),
            { objectMode: false, highWaterMark: 1 << 20 },
          ),
      };
      const c = new RegistryClient({ baseUrl: new URL(reg.url), agent, retryDelayMs: 10 });
      const upload = c.pushBlob('stream/repo', { mediaType: 'x', digest, size }, reader);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The registry has not read a byte yet: only socket and stream buffers may be filled.
      assert.ok(read < 16 << 20, `read ${read} bytes of ${size} before the registry read any`);
      assert.equal(await upload, 'uploaded');
      assert.equal(read, size);
      assert.equal(reg.blobs.get(digest)?.length, size);
    } finally {
      await reg.stop();
    }
  });
});

describe('registry authentication', () => {
  test('a wrong password fails at the login check, once, with a message about the password', async () => {
    const reg = await new FakeRegistry({ auth: { kind: 'basic', ...creds } }).start();
    try {
      const c = new RegistryClient({
        baseUrl: new URL(reg.url),
        credentials: { username: 'AWS', password: 'wrong' },
        agent,
        retryDelayMs: 10,
      });
      const err = await c.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof RegistryError);
      assert.equal(err.status, 401);
      assert.equal(reg.requests.length, 1, 'no retry of a refused password');
      const message = explainEcrRegistryError(err) ?? '';
      assert.match(message, /refused the registry password/);
      assert.match(message, /wrong or expired/);
      assert.doesNotMatch(message, /wrong"|secret-pw/);
    } finally {
      await reg.stop();
    }
  });

  test('a 403 on an upload names the ECR permission it needs', async () => {
    const reg = await new FakeRegistry({ auth: { kind: 'basic', ...creds } }).start();
    try {
      reg.faults.push({
        method: 'POST',
        path: /blobs\/uploads/,
        action: {
          status: 403,
          body: '{"errors":[{"code":"DENIED","message":"not authorized to perform: ecr:InitiateLayerUpload"}]}',
        },
      });
      const layout = new Layout();
      layout.tag(layout.image('denied', 1, 100));
      const err = await push(new OciLayoutSource(layout.dir), client(reg), ['x'], { concurrency: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const message = explainEcrRegistryError(err) ?? '';
      assert.match(message, /HTTP 403/);
      assert.match(message, /needs the IAM permission ecr:InitiateLayerUpload on the repository shop\/api/);
      assert.equal(reg.count('POST', /blobs\/uploads/), 1, 'a refusal is not retried');
    } finally {
      await reg.stop();
    }
  });

  test('pulls through the Bearer token flow with the repository scope, credentials sent to the realm', async () => {
    const src = await new FakeRegistry({
      auth: { kind: 'bearer', username: 'reader', password: 'pat' },
    }).start();
    const dst = await new FakeRegistry({ auth: { kind: 'basic', ...creds } }).start();
    try {
      const layout = new Layout();
      const img = layout.image('bearer', 2, 3000);
      layout.tag(img);
      for (const b of [img.config, ...img.layers])
        src.seedBlob('org/app', await import('node:fs').then((fs) => fs.readFileSync(layout.path(b.digest))));
      src.seedManifest(
        'org/app',
        '2.0',
        await import('node:fs').then((fs) => fs.readFileSync(layout.path(img.digest))),
        img.mediaType,
      );
      const sourceClient = new RegistryClient({
        baseUrl: new URL(src.url),
        credentials: { username: 'reader', password: 'pat' },
        agent,
        retryDelayMs: 10,
      });
      const result = await push(
        new RegistrySource(sourceClient, parseImageReference(`${src.host}/org/app:2.0`)),
        client(dst),
        ['copied'],
      );
      assert.equal(result.digest, img.digest);
      assert.equal(result.blobs.uploaded, 3);
      assert.ok(
        src.tokensIssued.some((scopes) => scopes.includes('repository:org/app:pull')),
        JSON.stringify(src.tokensIssued),
      );
      assert.equal(src.tokensIssued.length, 1, 'one token for the whole copy');
      assert.ok(
        src.requests
          .filter((r) => r.path.startsWith('/v2/org'))
          .every((r) => r.status === 401 || r.authorization === 'Bearer tok-1'),
      );
      for (const l of img.layers) assert.ok(dst.repoBlobs.get('shop/api')?.has(l.digest));
    } finally {
      await src.stop();
      await dst.stop();
    }
  });
});
