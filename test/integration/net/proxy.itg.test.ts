// Every action's outbound connections go through the proxy the runner names (HTTPS_PROXY /
// HTTP_PROXY, with credentials) and bypass it for NO_PROXY hosts: proven with Debian's tinyproxy,
// whose log lists each request it forwarded.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  allText,
  createGitRepository,
  currentLogDir,
  runActionStep,
  startCacheDouble,
  startVersionService,
  startProxy,
  testbed,
  uniqueName,
  writeOciLayout,
  type ActionRun,
  type ProxyServer,
} from '@slipway/testbed';
import { adminS3, createBucket, credentials, shopWorkspace } from '../render-manifest/helpers.ts';
import { runJob } from '../test-cache/job.ts';

const PROXY_PASSWORD = `px-${randomBytes(8).toString('hex')}`;
const TOKEN = `xoxb-proxy-${randomBytes(8).toString('hex')}`;
let proxy: ProxyServer;
let stateDir: string;
let s3: S3Client;
let bucket: string;

const hostOf = (url: string) => new URL(url).host;

/** An IPv4 address of this machine that is not loopback, if it has one. */
function nonLoopbackAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

/** The proxy variables of a runner behind an authenticating proxy; `noProxy` as the runner sets it. */
const proxyEnv = (noProxy: string) => ({
  HTTPS_PROXY: proxy.url,
  HTTP_PROXY: proxy.url,
  https_proxy: undefined,
  http_proxy: undefined,
  NO_PROXY: noProxy,
  no_proxy: undefined,
});

async function oneStep(noProxy: string): Promise<ActionRun> {
  const workspace = shopWorkspace();
  await writeOciLayout(join(workspace, 'image'), { layers: 1, layerSize: 5_000, seed: uniqueName('proxy') });
  return runActionStep('slipway', {
    workspace,
    inputs: {
      'registry-url': testbed().registry.url,
      repository: uniqueName('proxied'),
      source: 'oci:image',
      templates: 'deploy/*.yaml.j2',
      'values-files': 'deploy/values.yaml',
      environment: 'staging',
      // Two runs can start within one second, which would give them the same default version.
      version: `proxy-${randomBytes(4).toString('hex')}`,
      bucket,
      token: TOKEN,
      channel: 'C0DEPLOYS',
      status: 'success',
      // No CodePipeline follows these releases: publishing is what is under test.
      'wait-for-release': 'false',
    },
    env: { ...credentials(), SLACK_API_URL: `${testbed().slack.url}api/`, ...proxyEnv(noProxy) },
  });
}

function assertNoProxySecret(run: ActionRun): void {
  assert.ok(!allText(run).includes(PROXY_PASSWORD), 'the proxy password is never printed');
}

describe('proxies', () => {
  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'slw-proxy-'));
    proxy = await startProxy({
      stateDir,
      logDir: currentLogDir(),
      auth: { user: 'runner', password: PROXY_PASSWORD },
    });
    s3 = adminS3();
    bucket = await createBucket(s3);
  });
  after(async () => {
    s3.destroy();
    await proxy.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('the root action reaches ECR, the registry, S3 and Slack through an authenticating proxy, loopback included', async () => {
    const before = proxy.requests().length;
    const run = await oneStep('');
    assert.equal(run.exitCode, 0, run.output);
    const seen = proxy.requests().slice(before).join('\n');
    const moto = hostOf(testbed().moto.url);
    assert.match(
      seen,
      new RegExp(`(POST|PUT|GET|HEAD) http://${moto}/`),
      `AWS calls went through the proxy:\n${seen}`,
    );
    assert.ok(
      seen.includes(`http://${testbed().registry.host}/v2/`),
      `registry calls went through the proxy:\n${seen}`,
    );
    assert.ok(seen.includes(`POST http://${hostOf(testbed().slack.url)}/api/chat.postMessage`), seen);
    assertNoProxySecret(run);
  });

  it('NO_PROXY hosts go direct: nothing reaches the proxy', async () => {
    const before = proxy.requests().length;
    const run = await oneStep('example.com,127.0.0.0/8');
    assert.equal(run.exitCode, 0, run.output);
    assert.deepEqual(proxy.requests().slice(before), []);
  });

  it('ecr-login and a Slack webhook go through it too', async () => {
    const before = proxy.requests().length;
    const login = await runActionStep('ecr-login', {
      inputs: { 'registry-url': testbed().registry.url },
      env: { ...credentials(), ...proxyEnv('') },
      post: false,
    });
    assert.equal(login.exitCode, 0, login.output);
    const webhook = `${testbed().slack.url}services/T0SLIPWAY/B0PROXY/${randomBytes(12).toString('hex')}`;
    const notify = await runActionStep('slack-notify', {
      inputs: { 'webhook-url': webhook, status: 'success' },
      env: proxyEnv(''),
    });
    assert.equal(notify.exitCode, 0, notify.output);
    const seen = proxy.requests().slice(before).join('\n');
    assert.match(seen, new RegExp(`POST http://${hostOf(testbed().moto.url)}/`), seen);
    assert.ok(seen.includes(`POST ${webhook}`), seen);
    assertNoProxySecret(login);
    assertNoProxySecret(notify);
  });

  it("gitops-publish's git and await-release's polls go through it too", async () => {
    const before = proxy.requests().length;
    const git = testbed().git;
    const name = `acme/${uniqueName('proxied')}`;
    createGitRepository(git.root, name, {
      tokens: { 'proxy-git-token': 'write' },
      files: { 'README.md': '# x\n' },
    });
    const manifests = mkdtempSync(join(tmpdir(), 'slw-proxy-release-'));
    writeFileSync(
      join(manifests, 'deployment.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
    );
    const published = await runActionStep('gitops-publish', {
      inputs: {
        repository: `${git.url}${name}.git`,
        token: 'proxy-git-token',
        project: 'shop',
        environment: 'staging',
        version: 'v1',
        'manifests-dir': manifests,
      },
      env: proxyEnv(''),
    });
    assert.equal(published.exitCode, 0, published.output);
    const service = await startVersionService();
    try {
      service.script('/version', [{ json: { version: '1.2.3' } }]);
      const awaited = await runActionStep('await-release', {
        inputs: { url: `${service.url}version`, expect: '1.2.3', interval: '100ms', timeout: '1m' },
        env: proxyEnv(''),
      });
      assert.equal(awaited.exitCode, 0, awaited.output);
      const seen = proxy.requests().slice(before).join('\n');
      assert.ok(seen.includes(`${git.url}${name}.git/info/refs`), `git went through the proxy:\n${seen}`);
      assert.ok(seen.includes(`GET ${service.url}version`), `await-release went through the proxy:\n${seen}`);
      assertNoProxySecret(published);
      assertNoProxySecret(awaited);
    } finally {
      await service.stop();
    }
  });

  // @actions/http-client never sends loopback requests through a proxy, whatever NO_PROXY says, so
  // the cache service listens on another address of this machine for this test.
  const address = nonLoopbackAddress();
  for (const protocol of ['v1', 'v2'] as const) {
    it(
      `test-cache saves and restores through it (${protocol} cache service), and NO_PROXY bypasses it`,
      { skip: address ? false : 'this machine has no non-loopback IPv4 address' },
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'slw-proxy-cache-'));
        const cache = await startCacheDouble(join(dir, 'cache'), { host: address });
        try {
          assert.ok(!cache.url.includes('127.0.0.1'), cache.url);
          /** A job on a fresh runner; runners of one prefix share their paths, as GitHub's do. */
          const job = async (prefix: string, noProxy: string) => {
            const workspace = join(dir, `${prefix}-workspace`);
            const home = join(dir, `${prefix}-home`);
            rmSync(workspace, { recursive: true, force: true });
            rmSync(home, { recursive: true, force: true });
            mkdirSync(workspace);
            mkdirSync(join(home, '.npm', '_cacache'), { recursive: true });
            writeFileSync(join(workspace, 'package.json'), '{"name":"shop","version":"1.0.0"}\n');
            writeFileSync(
              join(workspace, 'package-lock.json'),
              `{"name":"shop","lockfileVersion":3,"packages":{},"x":"${prefix}"}\n`,
            );
            writeFileSync(join(home, '.npm', '_cacache', 'index'), `downloaded ${prefix}\n`);
            return runJob({
              workspace,
              home,
              cacheService: false,
              inputs: { prefix },
              env: {
                ...proxyEnv(noProxy),
                ACTIONS_RUNTIME_TOKEN: 'slipway-test-runtime-token',
                ACTIONS_CACHE_URL: cache.url,
                ACTIONS_RESULTS_URL: cache.url,
                ...(protocol === 'v2' ? { ACTIONS_CACHE_SERVICE_V2: 'true' } : {}),
              },
            });
          };
          const saved = (prefix: string) =>
            cache.double.listEntries().filter((e) => e.key.startsWith(`${prefix}-`) && e.committed);
          const host = new URL(cache.url).host;

          const before = proxy.requests().length;
          const prefix = uniqueName(`proxied-${protocol}`);
          const proxied = await job(prefix, '');
          assert.equal(proxied.main.exitCode, 0, proxied.main.output);
          assert.equal(proxied.post?.exitCode, 0, proxied.post?.output);
          assert.deepEqual(
            [...proxied.main.annotations, ...(proxied.post?.annotations ?? [])].filter(
              (a) => a.level !== 'notice',
            ),
            [],
            `${proxied.main.output}\n${proxied.post?.output}`,
          );
          assert.equal(saved(prefix).length, 1, proxied.post?.output);
          const restored = await job(prefix, '');
          assert.equal(restored.main.outputs['cache-hit'], 'true', restored.main.output);
          const seen = proxy.requests().slice(before);
          assert.ok(
            seen.some((r) => r.includes(host)),
            `the cache service was reached through the proxy:\n${seen.join('\n')}`,
          );
          assert.equal(cache.double.requests.length > 0, true);
          assertNoProxySecret(proxied.main);

          const bypassBefore = proxy.requests().length;
          const directPrefix = uniqueName(`direct-${protocol}`);
          const direct = await job(directPrefix, address ?? '');
          assert.equal(direct.post?.exitCode, 0, direct.post?.output);
          assert.equal(saved(directPrefix).length, 1, direct.post?.output);
          assert.deepEqual(proxy.requests().slice(bypassBefore), [], 'NO_PROXY hosts go direct');
        } finally {
          await cache.stop();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  }

  it('a proxy that wants credentials it was not given is a clear failure naming the fix, not a hang or a bypass', async () => {
    const targets: Record<string, string>[] = [
      { token: TOKEN, channel: 'C0DEPLOYS' },
      {
        'webhook-url': `${testbed().slack.url}services/T0SLIPWAY/B0PROXY/${randomBytes(12).toString('hex')}`,
      },
    ];
    for (const inputs of targets) {
      const run = await runActionStep('slack-notify', {
        inputs: { ...inputs, status: 'success', retries: '0' },
        env: { SLACK_API_URL: `${testbed().slack.url}api/`, HTTP_PROXY: proxy.address, NO_PROXY: '' },
      });
      assert.equal(run.exitCode, 0, 'slack-notify warns rather than failing the job');
      assert.match(
        run.output,
        /::warning::.*HTTP 407 Proxy Authentication Required.*http:\/\/user:password@host:port/,
        run.output,
      );
    }
  });
});
