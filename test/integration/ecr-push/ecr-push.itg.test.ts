// ecr-push through its built bundle, as the runner runs it, against moto (the ECR API),
// docker-registry (the data plane, htpasswd AWS/<moto's token password>) and dockerd.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { CuttingProxy } from './cutting-proxy.ts';
import {
  type ActionRun,
  allText,
  awsEnv,
  readOciLayout,
  runActionStep,
  startRegistry,
  testbed,
  uniqueName,
  writeDockerArchive,
  writeOciLayout,
} from '@slipway/testbed';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'slw-push-itg-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Fresh keys per run: moto accepts any, and a unique secret makes the leak check meaningful. */
const SECRET = `slw-secret-${randomBytes(12).toString('hex')}`;
const aws = () => ({ ...awsEnv(), AWS_SECRET_ACCESS_KEY: SECRET });

function ecr(): ECRClient {
  const env = awsEnv();
  return new ECRClient({
    region: env.AWS_REGION,
    endpoint: testbed().moto.url,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'testing', secretAccessKey: 'testing' },
  });
}

async function skopeo(args: string[]): Promise<string> {
  const { registry } = testbed();
  const { stdout } = await run('skopeo', [
    ...args.slice(0, 1),
    '--tls-verify=false',
    '--creds',
    `AWS:${registry.password}`,
    ...args.slice(1),
  ]);
  return stdout;
}

/** The digest skopeo sees for `repo:tag` in the test registry. */
async function registryDigest(repo: string, tag: string): Promise<string> {
  const out = JSON.parse(await skopeo(['inspect', `docker://${testbed().registry.host}/${repo}:${tag}`])) as {
    Digest: string;
  };
  return out.Digest;
}

function push(
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {},
): Promise<ActionRun> {
  // The layouts these tests build live in their own temp folders, outside the runner's workspace.
  return runActionStep('ecr-push', {
    inputs: { 'registry-url': testbed().registry.url, 'allow-outside-workspace': 'true', ...inputs },
    env: { ...aws(), ...env },
  });
}

/** Success, no secret anywhere the runner would show or keep. */
function assertPushed(r: ActionRun): void {
  assert.equal(r.exitCode, 0, r.output);
  const text = allText(r);
  assert.ok(!text.includes(SECRET), 'the AWS secret key leaked');
  assert.ok(!text.includes(testbed().registry.password), 'the registry password leaked');
  assert.ok(r.masks.includes(testbed().registry.password), 'the registry password was masked');
  // docker login's form of the token (base64 of AWS:password), as a Docker config holds it.
  const auth = Buffer.from(`AWS:${testbed().registry.password}`).toString('base64');
  assert.ok(!text.includes(auth), 'the base64 ECR token leaked');
  assert.ok(r.masks.includes(auth), 'the base64 ECR token was masked');
}

/** Asserts that ECR has no repository `name` (DescribeRepositories → RepositoryNotFoundException). */
async function assertNoRepository(name: string): Promise<void> {
  await assert.rejects(
    ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [name] })),
    (err: Error) => err.name === 'RepositoryNotFoundException',
    `the repository ${name} was created`,
  );
}

/** Exactly one error annotation, matching `pattern`. */
function assertOneError(r: ActionRun, pattern: RegExp): void {
  assert.equal(r.exitCode, 1, r.output);
  const errors = r.annotations.filter((a) => a.level === 'error');
  assert.equal(errors.length, 1, r.output);
  assert.match(errors[0]?.message ?? '', pattern);
}

describe('ecr-push from files', () => {
  const layout = join(work, 'oci');
  let image: ReturnType<typeof readOciLayout>;
  before(async () => {
    await writeOciLayout(layout, { layers: 4, layerSize: 300_000, seed: 'itg-oci', tag: '1.0' });
    image = readOciLayout(layout);
  });

  test('oci: pushes a 4-layer image skopeo confirms; a re-push and a new tag upload nothing', async () => {
    const repo = uniqueName('push-oci');
    const first = await push({
      repository: repo,
      source: 'oci:' + layout + ':1.0',
      tags: 'v1, latest',
      'lifecycle-policy': 'keep-last=5',
    });
    assertPushed(first);
    const { registry } = testbed();
    assert.equal(first.outputs.digest, image.manifestDigest);
    assert.equal(await registryDigest(repo, 'v1'), image.manifestDigest);
    assert.equal(await registryDigest(repo, 'latest'), image.manifestDigest);
    assert.equal(first.outputs.registry, registry.host);
    assert.equal(first.outputs.image, `${registry.host}/${repo}`);
    assert.equal(first.outputs['image-ref'], `${registry.host}/${repo}@${image.manifestDigest}`);
    assert.deepEqual(JSON.parse(first.outputs.tags ?? ''), ['v1', 'latest']);
    const total = image.config.size + image.layers.reduce((s, l) => s + l.size, 0);
    assert.equal(Number(first.outputs['pushed-bytes']), total);
    assert.equal(first.outputs['reused-bytes'], '0');
    assert.match(first.output, /layer 4\/4 sha256:[0-9a-f]{12} \(\d+\.\d kB\): uploaded/);
    assert.match(
      first.summary,
      /\| `v1` \(new\), `latest` \(new\) \| `sha256:[0-9a-f]{64}` \| 1\.2 MB \| 1\.2 MB \| 0 B \| not checked \|/,
    );
    // The repository was created in ECR with the lifecycle policy.
    const described = await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [repo] }));
    assert.equal(described.repositories?.[0]?.imageScanningConfiguration?.scanOnPush, true);
    const policy = await ecr().send(new GetLifecyclePolicyCommand({ repositoryName: repo }));
    assert.match(policy.lifecyclePolicyText ?? '', /"countNumber":5/);

    const again = await push({ repository: repo, source: 'oci:' + layout + ':1.0', tags: 'v1, latest' });
    assertPushed(again);
    assert.equal(again.outputs['pushed-bytes'], '0');
    assert.equal(again.outputs.digest, image.manifestDigest);
    assert.match(again.output, /already name sha256:[0-9a-f]{64}: nothing to push/);

    const newTag = await push({ repository: repo, source: 'oci:' + layout, tags: 'v2' });
    assertPushed(newTag);
    assert.equal(newTag.outputs['pushed-bytes'], '0');
    assert.equal(Number(newTag.outputs['reused-bytes']), total);
    assert.equal(newTag.output.match(/already there, skipped/g)?.length, 5);
    assert.equal(await registryDigest(repo, 'v2'), image.manifestDigest);
  });

  test('an oci: ref that is not in the layout fails and leaves no repository behind', async () => {
    const repo = uniqueName('push-noref');
    const r = await push({ repository: repo, source: `oci:${layout}:no-such-tag`, tags: 'x' });
    assertOneError(r, /no-such-tag/);
    await assertNoRepository(repo);
  });

  test('a missing docker-daemon: image fails before the lifecycle policy of an existing repository changes', async () => {
    const repo = uniqueName('push-noimage');
    await ecr().send(new CreateRepositoryCommand({ repositoryName: repo }));
    const before = await push({
      repository: repo,
      source: `oci:${layout}:1.0`,
      tags: 'b',
      'lifecycle-policy': 'keep-last=7',
    });
    assertPushed(before);
    const r = await push(
      {
        repository: repo,
        source: `docker-daemon:${uniqueName('absent')}:local`,
        tags: 'x',
        'lifecycle-policy': 'keep-last=2',
      },
      { DOCKER_HOST: testbed().dockerd.host, HOME: mkdtempSync(join(work, 'home-')) },
    );
    assertOneError(r, /the local Docker engine has no such image/);
    const policy = await ecr().send(new GetLifecyclePolicyCommand({ repositoryName: repo }));
    assert.match(policy.lifecyclePolicyText ?? '', /"countNumber":7/, 'the policy was left as it was');
  });

  test('docker-archive: converts a docker save tarball to gzip layers skopeo reads back', async () => {
    const archive = join(work, 'image.tar');
    const imageId = await writeDockerArchive(archive, {
      layers: 3,
      layerSize: 200_000,
      seed: 'itg-archive',
      repoTags: ['shop:itg'],
    });
    const repo = uniqueName('push-archive');
    const first = await push({ repository: repo, source: `docker-archive:${archive}:shop:itg`, tags: 'a1' });
    assertPushed(first);
    assert.equal(await registryDigest(repo, 'a1'), first.outputs.digest);
    const raw = JSON.parse(
      await skopeo(['inspect', '--raw', `docker://${testbed().registry.host}/${repo}:a1`]),
    ) as {
      mediaType: string;
      config: { digest: string };
      layers: { mediaType: string }[];
    };
    assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(raw.config.digest, imageId);
    assert.deepEqual(
      raw.layers.map((l) => l.mediaType),
      Array(3).fill('application/vnd.docker.image.rootfs.diff.tar.gzip'),
    );
    // The same archive again compresses to the same blobs: nothing goes up.
    const again = await push({ repository: repo, source: `docker-archive:${archive}`, tags: 'a2' });
    assertPushed(again);
    assert.equal(again.outputs.digest, first.outputs.digest);
    assert.equal(again.outputs['pushed-bytes'], '0');
  });
});

describe('ecr-push from registries and the engine', () => {
  const layout = join(work, 'oci-src');
  let source: ReturnType<typeof readOciLayout>;
  const upstream = uniqueName('upstream');
  before(async () => {
    await writeOciLayout(layout, { layers: 3, layerSize: 150_000, seed: 'itg-src', tag: 'src' });
    source = readOciLayout(layout);
    const r = await push({ repository: upstream, source: `oci:${layout}`, tags: 'base' });
    assert.equal(r.exitCode, 0, r.output);
  });

  test('docker:// from another repository of the same registry mounts every blob', async () => {
    const repo = uniqueName('push-mount');
    const r = await push({
      repository: repo,
      source: `docker://${testbed().registry.host}/${upstream}:base`,
      tags: 'm',
    });
    assertPushed(r);
    assert.equal(r.outputs.digest, source.manifestDigest);
    assert.equal(r.outputs['pushed-bytes'], '0');
    assert.equal(r.output.match(/mounted from /g)?.length, 4);
    assert.equal(await registryDigest(repo, 'm'), source.manifestDigest);
  });

  test('docker:// from another registry host streams each blob across with the Docker config login', async () => {
    const { registry } = testbed();
    const port = registry.host.split(':')[1];
    const config = mkdtempSync(join(work, 'dcfg-'));
    writeFileSync(
      join(config, 'config.json'),
      JSON.stringify({
        auths: {
          [`localhost:${port}`]: { auth: Buffer.from(`AWS:${registry.password}`).toString('base64') },
        },
      }),
    );
    const repo = uniqueName('push-copy');
    const r = await push(
      { repository: repo, source: `docker://localhost:${port}/${upstream}:base`, tags: 'c' },
      { DOCKER_CONFIG: config },
    );
    assertPushed(r);
    assert.equal(r.outputs.digest, source.manifestDigest);
    assert.equal(
      Number(r.outputs['pushed-bytes']),
      source.config.size + source.layers.reduce((s, l) => s + l.size, 0),
    );
    assert.equal(await registryDigest(repo, 'c'), source.manifestDigest);
  });

  test('docker-daemon: pushes a local engine image with docker push; the same image again is a no-op', async () => {
    const { dockerd, registry } = testbed();
    const name = uniqueName('daemon');
    const archive = join(work, `${name}.tar`);
    await writeDockerArchive(archive, {
      layers: 3,
      layerSize: 120_000,
      seed: name,
      repoTags: [`${name}:local`],
    });
    await run('docker', ['load', '-i', archive], { env: { ...process.env, DOCKER_HOST: dockerd.host } });
    const repo = uniqueName('push-daemon');
    const env = { DOCKER_HOST: dockerd.host, HOME: mkdtempSync(join(work, 'home-')) };
    const r = await push({ repository: repo, source: `docker-daemon:${name}:local`, tags: 'd1' }, env);
    assertPushed(r);
    assert.match(r.outputs.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(await registryDigest(repo, 'd1'), r.outputs.digest);
    assert.ok(Number(r.outputs['pushed-bytes']) > 360_000, `pushed ${r.outputs['pushed-bytes']}`);
    assert.ok(
      !allText(r).includes(Buffer.from(`AWS:${registry.password}`).toString('base64')),
      'the docker auth leaked',
    );

    const again = await push({ repository: repo, source: `docker-daemon:${name}:local`, tags: 'd1' }, env);
    assertPushed(again);
    assert.equal(again.outputs.digest, r.outputs.digest);
    assert.equal(again.outputs['pushed-bytes'], '0');
    assert.match(again.output, /already name this image: nothing to push/);

    // The engine named by a docker context (no DOCKER_HOST): found through the user's config even
    // though the push itself runs with a temporary one.
    const contextConfig = mkdtempSync(join(work, 'ctx-'));
    await run('docker', ['context', 'create', 'itg-engine', '--docker', `host=${dockerd.host}`], {
      env: { ...process.env, DOCKER_CONFIG: contextConfig },
    });
    await run('docker', ['context', 'use', 'itg-engine'], {
      env: { ...process.env, DOCKER_CONFIG: contextConfig },
    });
    const viaContext = await push(
      { repository: repo, source: `docker-daemon:${name}:local`, tags: 'd2' },
      { ...env, DOCKER_HOST: undefined, DOCKER_CONFIG: contextConfig },
    );
    assertPushed(viaContext);
    assert.equal(viaContext.outputs.digest, r.outputs.digest);
    assert.equal(viaContext.outputs['pushed-bytes'], '0', 'every layer was already there');
    assert.equal(await registryDigest(repo, 'd2'), r.outputs.digest);
  });
});

describe('ecr-push retags in ECR', () => {
  test('without registry-url, ecr: moves a tag with BatchGetImage + PutImage and no data-plane request at all', async () => {
    const repo = uniqueName('push-retag');
    const layout = join(work, 'oci-retag');
    await writeOciLayout(layout, { layers: 2, layerSize: 10_000, seed: repo, tag: 'x' });
    const info = readOciLayout(layout);
    const manifest = readFileSync(join(layout, 'blobs', 'sha256', info.manifestDigest.slice(7)), 'utf8');
    // moto has no data plane: register the image with the ECR API directly.
    await ecr().send(new CreateRepositoryCommand({ repositoryName: repo }));
    const put = await ecr().send(
      new PutImageCommand({ repositoryName: repo, imageManifest: manifest, imageTag: 'git-1a2b3c4' }),
    );
    const digest = put.image?.imageId?.imageDigest ?? '';

    // No registry-url: the data plane would be moto's proxy endpoint, a host that does not resolve here.
    const r = await push({
      repository: repo,
      source: 'ecr:git-1a2b3c4',
      tags: 'staging, prod',
      'registry-url': '',
    });
    assert.equal(r.exitCode, 0, r.output);
    assert.ok(!allText(r).includes(SECRET));
    assert.equal(r.outputs.digest, digest);
    assert.equal(r.outputs['pushed-bytes'], '0');
    const got = await ecr().send(
      new BatchGetImageCommand({
        repositoryName: repo,
        imageIds: [{ imageTag: 'staging' }, { imageTag: 'prod' }],
      }),
    );
    assert.deepEqual(
      got.images?.map((i) => i.imageId?.imageDigest),
      [digest, digest],
    );
    assert.match(r.summary, /`staging` \(new\), `prod` \(new\)/);

    const again = await push({
      repository: repo,
      source: `ecr:${digest}`,
      tags: 'staging',
      'registry-url': '',
    });
    assert.equal(again.exitCode, 0, again.output);
    assert.match(again.summary, /`staging` \(unchanged\)/);
  });

  test('ecr: with a tag that is not there creates no repository and puts no lifecycle policy', async () => {
    const missingRepo = uniqueName('push-retag-none');
    const r = await push({
      repository: missingRepo,
      source: 'ecr:git-0000000',
      tags: 'staging',
      'lifecycle-policy': 'keep-last=3',
      // The ECR API path (without registry-url, retags go to ECR's API).
      'registry-url': '',
    });
    assertOneError(
      r,
      new RegExp(
        `^ecr-push: ecr:git-0000000: the repository ${missingRepo} does not exist, so it has no image tagged git-0000000; .*Nothing was created\\.$`,
      ),
    );
    await assertNoRepository(missingRepo);

    const repo = uniqueName('push-retag-notag');
    await ecr().send(new CreateRepositoryCommand({ repositoryName: repo }));
    const inRepo = await push({
      repository: repo,
      source: 'ecr:git-0000000',
      tags: 'staging',
      'lifecycle-policy': 'keep-last=3',
      // The ECR API path (without registry-url, retags go to ECR's API).
      'registry-url': '',
    });
    assertOneError(
      inRepo,
      /^ecr-push: ecr:git-0000000: the repository \S+ has no image tagged git-0000000\. Nothing was changed\.$/,
    );
    await assert.rejects(
      ecr().send(new GetLifecyclePolicyCommand({ repositoryName: repo })),
      (err: Error) => err.name === 'LifecyclePolicyNotFoundException',
      'no lifecycle policy was put',
    );
  });

  test("with registry-url, ecr: retags through that registry's API, where the image was pushed", async () => {
    const repo = uniqueName('push-retag-reg');
    const layout = join(work, 'oci-retag-reg');
    await writeOciLayout(layout, { layers: 2, layerSize: 8_000, seed: repo, tag: 'x' });
    const pushed = await push({ repository: repo, source: `oci:${layout}:x`, tags: 'git-5e6f7a8' });
    assert.equal(pushed.exitCode, 0, pushed.output);
    const digest = pushed.outputs.digest ?? '';

    const r = await push({ repository: repo, source: 'ecr:git-5e6f7a8', tags: 'staging' });
    assert.equal(r.exitCode, 0, r.output);
    assert.equal(r.outputs.digest, digest);
    assert.equal(r.outputs['pushed-bytes'], '0');
    assert.equal(await registryDigest(repo, 'staging'), digest);
    assert.match(r.summary, /`staging` \(new\)/);
    // The ECR API of the endpoint (moto) never saw the image: the retag did not go there.
    const inEcr = await ecr().send(
      new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'staging' }] }),
    );
    assert.deepEqual(inEcr.images ?? [], []);

    const again = await push({ repository: repo, source: `ecr:${digest}`, tags: 'staging' });
    assert.equal(again.exitCode, 0, again.output);
    assert.match(again.summary, /`staging` \(unchanged\)/);

    const missing = await push({ repository: repo, source: 'ecr:no-such-tag', tags: 'prod' });
    assertOneError(missing, /the repository .* at 127\.0\.0\.1:\d+ has no image tagged no-such-tag/);
  });

  test('with registry-url, an ecr: tag that is not in the registry is found missing before the lifecycle policy is put', async () => {
    const repo = uniqueName('push-retag-reg-none');
    await ecr().send(new CreateRepositoryCommand({ repositoryName: repo }));
    const r = await push({
      repository: repo,
      source: 'ecr:git-0000000',
      tags: 'staging',
      'lifecycle-policy': 'keep-last=3',
    });
    assertOneError(
      r,
      /^ecr-push: ecr:git-0000000: the repository \S+ at 127\.0\.0\.1:\d+ has no image tagged git-0000000\. Nothing was changed\.$/,
    );
    await assert.rejects(
      ecr().send(new GetLifecyclePolicyCommand({ repositoryName: repo })),
      (err: Error) => err.name === 'LifecyclePolicyNotFoundException',
      'no lifecycle policy was put',
    );
  });

  test('scan-severity-threshold waits for the scan and fails listing findings at or above it', async () => {
    const repo = uniqueName('push-scan');
    await ecr().send(new CreateRepositoryCommand({ repositoryName: repo }));
    const layout = join(work, 'oci-scan');
    await writeOciLayout(layout, { layers: 1, layerSize: 1000, seed: repo, tag: 'x' });
    const info = readOciLayout(layout);
    const manifest = readFileSync(join(layout, 'blobs', 'sha256', info.manifestDigest.slice(7)), 'utf8');
    await ecr().send(
      new PutImageCommand({ repositoryName: repo, imageManifest: manifest, imageTag: 'base' }),
    );
    // moto reports one HIGH finding (CVE-9999-9999) for every scanned image.
    const gated = await push({
      repository: repo,
      source: 'ecr:base',
      tags: 'candidate',
      'scan-severity-threshold': 'high',
      'registry-url': '',
    });
    assertOneError(
      gated,
      /found 1 vulnerability at or above HIGH \(scan-severity-threshold\): HIGH CVE-9999-9999 in moto_fake 9\.9\.9/,
    );
    assert.match(gated.outputs.digest ?? '', /^sha256:/, 'outputs are set even when the gate fails');
    assert.match(gated.summary, /❌ 1 at or above HIGH \(1 HIGH\)/);
    const passed = await push({
      repository: repo,
      source: 'ecr:base',
      tags: 'candidate',
      'scan-severity-threshold': 'CRITICAL',
      'registry-url': '',
    });
    assert.equal(passed.exitCode, 0, passed.output);
    assert.match(passed.summary, /✅ none at or above CRITICAL \(1 HIGH\)/);
  });
});

describe('ecr-push against a failing registry', () => {
  test('survives a connection cut in the middle of a blob upload', async () => {
    const { registry } = testbed();
    const [host, port] = registry.host.split(':');
    const proxy = new CuttingProxy({ host: host ?? '127.0.0.1', port: Number(port) });
    await proxy.start();
    try {
      const layout = join(work, 'oci-cut');
      await writeOciLayout(layout, { layers: 3, layerSize: 400_000, seed: 'itg-cut' });
      const info = readOciLayout(layout);
      const repo = uniqueName('push-cut');
      const r = await push({
        repository: repo,
        source: `oci:${layout}`,
        tags: 'cut',
        'registry-url': proxy.url,
      });
      assertPushed(r);
      assert.equal(proxy.cuts, 1, 'the proxy cut one upload');
      assert.match(r.output, /upload of sha256:[0-9a-f]{12} failed \(.*\); retrying/);
      assert.equal(r.outputs.digest, info.manifestDigest);
      assert.equal(await registryDigest(repo, 'cut'), info.manifestDigest);
      // Every layer landed whole: skopeo copies the image out of the registry and verifies it.
      await run('skopeo', [
        'copy',
        '--src-tls-verify=false',
        '--src-creds',
        `AWS:${registry.password}`,
        `docker://${registry.host}/${repo}:cut`,
        `oci:${join(work, 'copied')}:cut`,
      ]);
    } finally {
      await proxy.stop();
    }
  });

  test('a wrong registry password fails fast with a message about the password', async () => {
    const stateDir = mkdtempSync(join(work, 'reg-'));
    const other = await startRegistry({ stateDir, logDir: stateDir, password: 'not-the-ecr-token-password' });
    try {
      const layout = join(work, 'oci-pw');
      await writeOciLayout(layout, { layers: 1, layerSize: 1000, seed: 'itg-pw' });
      const repo = uniqueName('push-pw');
      const r = await push({
        repository: repo,
        source: `oci:${layout}`,
        tags: 'x',
        'registry-url': other.url,
      });
      assertOneError(
        r,
        /refused the registry password while the login check \(HTTP 401\): the ECR authorization token is wrong or expired/,
      );
      // Failing fast: the login check is not retried and no image work starts.
      assert.doesNotMatch(r.output, /retrying|uploaded/);
      assert.ok(!allText(r).includes(testbed().registry.password));
      assert.ok(!allText(r).includes(SECRET));
      await assertNoRepository(repo);
    } finally {
      await other.stop();
    }
  });
});

describe('ecr-push refused by AWS', () => {
  /** Serves `handler` on a local port for the test's duration. */
  async function serve(
    handler: Parameters<typeof createServer>[1],
  ): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  test('AccessDenied from the ECR API names the IAM action the role lacks', async () => {
    // The ECR JSON protocol as AWS answers a role without ecr:DescribeRepositories.
    const api = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        const action = `ecr:${String(req.headers['x-amz-target']).split('.').pop()}`;
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype':
            'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/',
        });
        res.end(
          JSON.stringify({
            message: `User: arn:aws:sts::123456789012:assumed-role/ci-push/GitHubActions is not authorized to perform: ${action} on resource: arn:aws:ecr:us-east-1:123456789012:repository/shop because no identity-based policy allows the ${action} action`,
          }),
        );
      });
    });
    try {
      const layout = join(work, 'oci-denied');
      await writeOciLayout(layout, { layers: 1, layerSize: 1000, seed: 'itg-denied' });
      const r = await push(
        { repository: 'shop', source: `oci:${layout}`, tags: 'x' },
        { AWS_ENDPOINT_URL: api.url },
      );
      assertOneError(
        r,
        /AWS denied ecr:DescribeRepositories on shop \(AccessDeniedException\): the role or user needs the IAM permission ecr:DescribeRepositories/,
      );
      assert.ok(!allText(r).includes(SECRET));
    } finally {
      await api.close();
    }
  });

  test('a 403 from the registry names the ecr: permission of the refused request', async () => {
    const { registry } = testbed();
    // The data plane, except that starting an upload is refused the way ECR refuses it.
    const proxy = await serve((req, res) => {
      if (req.method === 'POST' && req.url?.includes('/blobs/uploads/')) {
        req.resume();
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            errors: [
              {
                code: 'DENIED',
                message:
                  'User: arn:aws:sts::123456789012:assumed-role/ci-push/GitHubActions is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:us-east-1:123456789012:repository/shop',
              },
            ],
          }),
        );
        return;
      }
      const upstream = httpRequest(
        `${registry.url}${req.url ?? '/'}`,
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    try {
      const layout = join(work, 'oci-403');
      await writeOciLayout(layout, { layers: 2, layerSize: 1000, seed: 'itg-403' });
      const r = await push({
        repository: uniqueName('push-403'),
        source: `oci:${layout}`,
        tags: 'x',
        'registry-url': proxy.url,
      });
      assertOneError(
        r,
        /denied starting a blob upload in push-403-\w+ \(HTTP 403\): the role or user needs the IAM permission ecr:InitiateLayerUpload on the repository/,
      );
      assert.doesNotMatch(r.output, /retrying/);
    } finally {
      await proxy.close();
    }
  });
});

describe('ecr-push input errors', () => {
  /** An AWS endpoint and a registry that count what reaches them: a bad input must reach neither. */
  let calls = 0;
  let server: Server;
  let url = '';
  before(async () => {
    server = createServer((req, res) => {
      calls++;
      req.resume();
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['an unknown transport', { source: 'podman:img' }, 'source', /unknown transport "podman"/],
    ['a missing path', { source: 'oci:does/not/exist' }, 'source', /does not exist/],
    ['an invalid tag', { tags: 'ok, no way' }, 'tags', /"no way" is not a valid tag/],
    [
      'an unknown severity',
      { 'scan-severity-threshold': 'SEVERE' },
      'scan-severity-threshold',
      /use one of none, LOW, MEDIUM, HIGH, CRITICAL/,
    ],
    ['bad lifecycle JSON', { 'lifecycle-policy': '{"rules": [' }, 'lifecycle-policy', /not valid JSON/],
    [
      'a non-integer concurrency',
      { concurrency: 'four' },
      'concurrency',
      /"four" is not valid; use a whole number from 1 to 32/,
    ],
  ];
  for (const [what, inputs, input, pattern] of cases) {
    test(`${what} fails with one line naming ${input}, and nothing reaches AWS or the registry`, async () => {
      const before = calls;
      const r = await runActionStep('ecr-push', {
        inputs: { repository: 'shop/api', source: 'ecr:v1', 'registry-url': url, ...inputs },
        env: { ...aws(), AWS_ENDPOINT_URL: url },
      });
      assertOneError(r, new RegExp(`^ecr-push: input ${input}: .*${pattern.source}`));
      assert.equal(calls, before, 'no request was made');
      assert.equal(r.outputs.digest, undefined);
    });
  }
});
