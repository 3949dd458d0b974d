// A private certificate authority for the rest of Slipway's connections: the Git server and the
// GitHub API gitops-publish talks to, the CodePipeline stand-in, moto, the version endpoint and
// Argo CD await-release follows, and the cache service test-cache saves to, each serving HTTPS
// with a certificate the test CA signed. With NODE_EXTRA_CA_CERTS naming that CA every action
// works (git too, which does not read that variable itself); without it each one says which host's
// certificate is not trusted and names NODE_EXTRA_CA_CERTS, and does nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import {
  TEST_SHA,
  allText,
  createGitRepository,
  createTestCertificates,
  currentLogDir,
  gitBranches,
  gitLog,
  runActionStep,
  startArgoCdStandIn,
  startCacheDouble,
  startGitHubDouble,
  startGitServer,
  startMoto,
  startPipelineStandIn,
  startVersionService,
  testbed,
  uniqueName,
  type ActionRun,
  type ArgoCdStandIn,
  type CacheDoubleServer,
  type GitHubDoubleServer,
  type GitServer,
  type MotoServer,
  type PipelineStandIn,
  type ServerTls,
  type VersionService,
} from '@slipway/testbed';
import { runJob, type JobRun } from '../test-cache/job.ts';

const TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
let stateDir: string;
let tls: ServerTls;
let moto: MotoServer;
let git: GitServer;
let github: GitHubDoubleServer;
let versions: VersionService;
let argo: ArgoCdStandIn;
let cache: CacheDoubleServer;
let pipeline: PipelineStandIn;
let s3: S3Client;
let bucket: string;
const PIPELINE = uniqueName('tls-pipeline');
const KEY = 'shop/staging/deploy.zip';

const hostOf = (url: string) => new URL(url).host;
const errorsOf = (run: { annotations: ActionRun['annotations'] }) =>
  run.annotations.filter((a) => a.level === 'error');
const warningsOf = (run: { annotations: ActionRun['annotations'] }) =>
  run.annotations.filter((a) => a.level === 'warning');

/** The message every refusal must carry: the host, that its certificate is not trusted, the fix. */
const untrusted = (url: string) =>
  new RegExp(`${hostOf(url).replace(/[.]/g, '\\.')}.*not trusted.*NODE_EXTRA_CA_CERTS`);

/** The environment of a step that trusts the test CA, or (trusted: false) one that does not. */
function tlsEnv(trusted: boolean): Record<string, string | undefined> {
  return {
    NODE_EXTRA_CA_CERTS: trusted ? tls.caFile : undefined,
    // git's own CA settings must not decide the outcome: only what the action hands to git.
    GIT_SSL_CAINFO: undefined,
    GIT_SSL_CAPATH: undefined,
    SSL_CERT_FILE: undefined,
    SSL_CERT_DIR: undefined,
    HTTPS_PROXY: undefined,
    HTTP_PROXY: undefined,
    https_proxy: undefined,
    http_proxy: undefined,
  };
}

/** A config repository with one commit, on the TLS Git server (or another one). */
function configRepo(server: { root: string; url: string } = git) {
  const name = `acme/${uniqueName('tls-config')}`;
  const dir = createGitRepository(server.root, name, {
    tokens: { [TOKEN]: 'write' },
    files: { 'README.md': '# config\n' },
  });
  return { name, dir, url: `${server.url}${name}.git` };
}

function manifests(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slw-tls-release-'));
  writeFileSync(join(dir, 'deployment.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n');
  return dir;
}

function publish(repoUrl: string, trusted: boolean, extra: Record<string, string> = {}, api = github) {
  return runActionStep('gitops-publish', {
    inputs: {
      repository: repoUrl,
      token: TOKEN,
      project: 'shop',
      environment: 'staging',
      version: 'v1',
      'manifests-dir': manifests(),
      ...extra,
    },
    env: { ...tlsEnv(trusted), GITHUB_API_URL: api.url.replace(/\/$/, '') },
  });
}

describe('private certificate authorities: git, the GitHub API, release targets and the cache service', () => {
  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'slw-tls2-'));
    tls = createTestCertificates(join(stateDir, 'ca'));
    const logDir = currentLogDir();
    [moto, git, github, versions, argo, cache] = await Promise.all([
      startMoto({ logDir, tls }),
      startGitServer({ root: join(stateDir, 'git'), logFile: join(logDir, 'git-tls.log'), tls }),
      startGitHubDouble({ gitRoot: join(stateDir, 'git'), tls }),
      startVersionService({ tls }),
      startArgoCdStandIn({ tls }),
      startCacheDouble(join(stateDir, 'cache'), { tls }),
    ]);
    s3 = new S3Client({
      endpoint: moto.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      requestHandler: { httpsAgent: new Agent({ ca: readFileSync(tls.caFile) }) },
    });
    bucket = uniqueName('tls-artifacts');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    pipeline = await startPipelineStandIn({
      moto,
      tls,
      pipeline: PIPELINE,
      bucket,
      key: KEY,
      buildEnv: { EKS_CLUSTER_NAME: 'acme-staging', KUBE_NAMESPACE: 'shop', ROLLOUT_TIMEOUT: '90s' },
    });
  });
  after(async () => {
    s3.destroy();
    await Promise.all([
      pipeline.stop(),
      moto.stop(),
      git.stop(),
      github.stop(),
      versions.stop(),
      argo.stop(),
      cache.stop(),
    ]);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('the servers really serve TLS: an https client that does not trust the CA is refused', async () => {
    const urls = [
      `${git.url}acme/none.git/info/refs`,
      `${github.url}repos/acme/none`,
      `${versions.url}version`,
      `${argo.url}/api/v1/applications/none`,
      `${cache.url}_apis/artifactcache/cache`,
      pipeline.url,
      `${moto.url}/moto-api/`,
    ];
    for (const url of urls) {
      assert.match(url, /^https:/);
      await assert.rejects(fetch(url), (err: Error) => {
        const code = (err.cause as { code?: string } | undefined)?.code ?? '';
        return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
      });
    }
  });

  describe('gitops-publish', () => {
    it('commits through git over TLS with NODE_EXTRA_CA_CERTS naming the CA (git is handed the CA)', async () => {
      const repo = configRepo();
      const run = await publish(repo.url, true);
      assert.equal(run.exitCode, 0, run.output);
      assert.deepEqual([...errorsOf(run), ...warningsOf(run)], [], run.output);
      const log = gitLog(repo.dir);
      assert.equal(log.length, 2, 'the release commit landed on top of the first one');
      assert.equal(run.outputs.commit, log[0]?.sha);
      assert.ok(!allText(run).includes(TOKEN), 'the token is never printed');
    });

    it('git keeps trusting what the machine trusts: NODE_EXTRA_CA_CERTS adds a CA, it does not replace the others', async () => {
      // A second private CA stands for one in the machine's trust store: Node reads SSL_CERT_FILE
      // as that store, and the bundle handed to git holds it beside NODE_EXTRA_CA_CERTS' CA.
      const other = createTestCertificates(join(stateDir, 'machine-ca'));
      const emptyDir = mkdtempSync(join(tmpdir(), 'slw-no-certs-'));
      const server = await startGitServer({ root: join(stateDir, 'git-machine'), tls: other });
      try {
        const repo = configRepo(server);
        const run = await runActionStep('gitops-publish', {
          inputs: {
            repository: repo.url,
            token: TOKEN,
            project: 'shop',
            environment: 'staging',
            version: 'v1',
            'manifests-dir': manifests(),
          },
          env: { ...tlsEnv(true), SSL_CERT_FILE: other.caFile, SSL_CERT_DIR: emptyDir },
        });
        assert.equal(run.exitCode, 0, run.output);
        assert.equal(gitLog(repo.dir).length, 2, 'the release commit landed');
      } finally {
        await server.stop();
        rmSync(emptyDir, { recursive: true, force: true });
      }
    });

    it("a GIT_SSL_CAINFO the user set is git's to use: the CA is not forced on git, and the message says so", async () => {
      const other = createTestCertificates(join(stateDir, 'git-own-ca'));
      const repo = configRepo();
      const run = await runActionStep('gitops-publish', {
        inputs: {
          repository: repo.url,
          token: TOKEN,
          project: 'shop',
          environment: 'staging',
          version: 'v1',
          'manifests-dir': manifests(),
        },
        env: { ...tlsEnv(true), GIT_SSL_CAINFO: other.caFile },
      });
      assert.equal(run.exitCode, 1, run.output);
      const errors = errorsOf(run);
      assert.equal(errors.length, 1, run.output);
      assert.match(errors[0]?.message ?? '', untrusted(git.url));
      assert.match(errors[0]?.message ?? '', /GIT_SSL_CAINFO/);
      assert.equal(gitLog(repo.dir).length, 1, 'nothing was pushed');
    });

    it('opens the pull request through the GitHub API over TLS too', async () => {
      const repo = configRepo();
      const run = await publish(repo.url, true, { mode: 'pull-request' });
      assert.equal(run.exitCode, 0, run.output);
      assert.equal(run.outputs['pull-request-number'], '1', run.output);
      const pulls = github.double.pulls.get(repo.name) ?? [];
      assert.equal(pulls.length, 1, 'the GitHub double holds the pull request');
      assert.ok(gitBranches(repo.dir)['slipway/shop/staging'], 'the release branch was pushed');
    });

    it('without NODE_EXTRA_CA_CERTS fails with one message naming the Git host, the untrusted certificate and NODE_EXTRA_CA_CERTS, and pushes nothing', async () => {
      const repo = configRepo();
      const before = gitBranches(repo.dir);
      const run = await publish(repo.url, false, { mode: 'pull-request' });
      assert.equal(run.exitCode, 1, run.output);
      const errors = errorsOf(run);
      assert.equal(errors.length, 1, run.output);
      assert.match(errors[0]?.message ?? '', untrusted(git.url));
      assert.deepEqual(gitBranches(repo.dir), before, 'no branch was pushed');
      assert.equal(github.double.pulls.get(repo.name)?.length ?? 0, 0, 'no pull request was opened');
      assert.equal(run.outputs.commit, undefined);
      assert.doesNotMatch(allText(run), /NODE_TLS_REJECT_UNAUTHORIZED|sslVerify/);
    });

    it('a GitHub API behind an untrusted certificate is named as such when git is trusted', async () => {
      // The default test bed's Git server speaks plain HTTP: only the API's certificate is in question.
      const api = await startGitHubDouble({ gitRoot: testbed().git.root, tls });
      try {
        const repo = configRepo(testbed().git);
        const run = await publish(repo.url, false, { mode: 'pull-request' }, api);
        assert.equal(run.exitCode, 1, run.output);
        const errors = errorsOf(run);
        assert.equal(errors.length, 1, run.output);
        assert.match(errors[0]?.message ?? '', untrusted(api.url));
        assert.equal(api.double.pulls.get(repo.name)?.length ?? 0, 0, 'no pull request was opened');
      } finally {
        await api.stop();
      }
    });
  });

  describe('await-release', () => {
    const artifact = () =>
      zipSync({
        'deployment.yaml': strToU8(
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: shop }\n  template:\n    metadata:\n      labels: { app: shop }\n    spec:\n      containers:\n        - name: shop\n          image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1.0.0\n',
        ),
      });

    const followPipeline = (versionId: string, trusted: boolean) =>
      runActionStep('await-release', {
        inputs: { pipeline: PIPELINE, 'version-id': versionId, interval: '100ms', timeout: '2m' },
        env: {
          ...tlsEnv(trusted),
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL: moto.url,
          AWS_ENDPOINT_URL_CODEPIPELINE: pipeline.url,
          AWS_ENDPOINT_URL_CODEBUILD: pipeline.url,
        },
      });

    it('codepipeline: follows a release to live over TLS (CodePipeline, CodeBuild, CloudWatch Logs in moto) with NODE_EXTRA_CA_CERTS', async () => {
      const put = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: artifact(), ContentType: 'application/zip' }),
      );
      const run = await followPipeline(put.VersionId ?? '', true);
      assert.equal(run.exitCode, 0, run.output);
      assert.equal(run.outputs.status, 'live', run.output);
      assert.deepEqual(errorsOf(run), [], run.output);
    });

    it('codepipeline: without NODE_EXTRA_CA_CERTS fails at once naming the CodePipeline host, the untrusted certificate and NODE_EXTRA_CA_CERTS', async () => {
      const before = pipeline.requests().length;
      const run = await followPipeline('no-such-version', false);
      assert.equal(run.exitCode, 1, run.output);
      const errors = errorsOf(run);
      assert.equal(errors.length, 1, run.output);
      assert.match(errors[0]?.message ?? '', untrusted(pipeline.url));
      assert.equal(pipeline.requests().length, before, 'no request reached the stand-in');
      assert.equal(run.outputs.status, undefined);
    });

    it('url: an HTTPS version endpoint is followed to live with NODE_EXTRA_CA_CERTS', async () => {
      versions.script('/version', [{ json: { version: '1.0.0' } }, { json: { version: '2.0.0' } }]);
      const run = await runActionStep('await-release', {
        inputs: { url: `${versions.url}version`, expect: '2.0.0', interval: '100ms', timeout: '1m' },
        env: tlsEnv(true),
      });
      assert.equal(run.exitCode, 0, run.output);
      assert.equal(run.outputs.status, 'live');
      assert.ok(versions.hits('/version') >= 2);
    });

    it('url: without NODE_EXTRA_CA_CERTS stops at the first poll with the host, the untrusted certificate and NODE_EXTRA_CA_CERTS, instead of polling until the timeout', async () => {
      versions.script('/version-untrusted', [{ json: { version: '2.0.0' } }]);
      const run = await runActionStep('await-release', {
        inputs: {
          url: `${versions.url}version-untrusted`,
          expect: '2.0.0',
          interval: '100ms',
          timeout: '10m',
        },
        env: tlsEnv(false),
      });
      assert.equal(run.exitCode, 1, run.output);
      const errors = errorsOf(run);
      assert.equal(errors.length, 1, run.output);
      assert.match(errors[0]?.message ?? '', untrusted(versions.url));
      assert.doesNotMatch(run.output, /timed-out|did not report/);
      assert.equal(versions.hits('/version-untrusted'), 0, 'no request got through the handshake');
    });

    it('argocd: follows the application to live over HTTPS with NODE_EXTRA_CA_CERTS', async () => {
      const app = uniqueName('shop-tls');
      argo.script(app, [{ sync: { status: 'Synced', revision: TEST_SHA }, health: { status: 'Healthy' } }]);
      const run = await runActionStep('await-release', {
        inputs: { server: argo.url, application: app, token: argo.token, interval: '100ms', timeout: '1m' },
        env: tlsEnv(true),
      });
      assert.equal(run.exitCode, 0, run.output);
      assert.equal(run.outputs.status, 'live');
      assert.ok(!allText(run).includes(argo.token), 'the Argo CD token is never printed');
    });

    it('argocd: without NODE_EXTRA_CA_CERTS stops at once naming the Argo CD host, the untrusted certificate and NODE_EXTRA_CA_CERTS', async () => {
      const app = uniqueName('shop-tls');
      argo.script(app, [{ sync: { status: 'Synced', revision: TEST_SHA }, health: { status: 'Healthy' } }]);
      const run = await runActionStep('await-release', {
        inputs: { server: argo.url, application: app, token: argo.token, interval: '100ms', timeout: '10m' },
        env: tlsEnv(false),
      });
      assert.equal(run.exitCode, 1, run.output);
      const errors = errorsOf(run);
      assert.equal(errors.length, 1, run.output);
      assert.match(errors[0]?.message ?? '', untrusted(argo.url));
      assert.equal(argo.hits(app), 0);
      assert.ok(!allText(run).includes(argo.token), 'the Argo CD token is never printed');
    });
  });

  describe('test-cache', () => {
    /** A job on a fresh runner whose npm cache holds one file, against the TLS cache service. */
    async function cacheJob(
      protocol: 'v1' | 'v2',
      trusted: boolean,
      prefix = uniqueName(`tls-${protocol}`),
    ): Promise<{ job: JobRun; prefix: string }> {
      const root = mkdtempSync('/tmp/slw-tls-tc-');
      const workspace = join(root, 'workspace');
      const home = join(root, 'home');
      mkdirSync(workspace);
      mkdirSync(join(home, '.npm', '_cacache'), { recursive: true });
      writeFileSync(join(workspace, 'package.json'), '{"name":"shop","version":"1.0.0"}\n');
      writeFileSync(
        join(workspace, 'package-lock.json'),
        '{"name":"shop","lockfileVersion":3,"packages":{}}\n',
      );
      const job = await runJob({
        workspace,
        home,
        cacheService: false,
        inputs: { prefix },
        env: {
          ...tlsEnv(trusted),
          ACTIONS_RUNTIME_TOKEN: 'slipway-test-runtime-token',
          ACTIONS_CACHE_URL: cache.url,
          ACTIONS_RESULTS_URL: cache.url,
          ...(protocol === 'v2'
            ? { ACTIONS_CACHE_SERVICE_V2: 'true' }
            : // GitHub Enterprise Server, where private CAs are at home, speaks v1.
              {
                GITHUB_SERVER_URL: 'https://ghes.example.com',
                GITHUB_API_URL: 'https://ghes.example.com/api/v3',
              }),
        },
        between: async () => {
          writeFileSync(join(home, '.npm', '_cacache', 'index'), `downloaded ${prefix}\n`);
        },
      });
      rmSync(root, { recursive: true, force: true });
      return { job, prefix };
    }
    const saved = (prefix: string) =>
      cache.double.listEntries().filter((e) => e.key.startsWith(`${prefix}-`) && e.committed);

    for (const protocol of ['v1', 'v2'] as const) {
      it(`${protocol}: saves to the cache service over HTTPS with NODE_EXTRA_CA_CERTS, and a second job restores it`, async () => {
        const first = await cacheJob(protocol, true);
        assert.equal(first.job.main.exitCode, 0, first.job.main.output);
        assert.equal(first.job.post?.exitCode, 0, first.job.post?.output);
        assert.deepEqual(warningsOf(first.job.main), [], first.job.main.output);
        assert.deepEqual(warningsOf(first.job.post ?? { annotations: [] }), [], first.job.post?.output);
        const entries = saved(first.prefix);
        assert.equal(entries.length, 1, first.job.post?.output);
        assert.equal(entries[0]?.protocol, protocol);
        const second = await cacheJob(protocol, true, first.prefix);
        assert.equal(second.job.main.exitCode, 0, second.job.main.output);
        assert.equal(second.job.main.outputs['cache-hit'], 'true', second.job.main.output);
        assert.deepEqual(warningsOf(second.job.main), [], second.job.main.output);
      });

      it(`${protocol}: without NODE_EXTRA_CA_CERTS one warning names the cache host, the untrusted certificate and NODE_EXTRA_CA_CERTS; nothing is restored or saved and the job goes on`, async () => {
        const { job, prefix } = await cacheJob(protocol, false);
        // A cache never fails the job (as slack-notify never does): the message is a warning.
        assert.equal(job.main.exitCode, 0, job.main.output);
        assert.equal(job.post?.exitCode, 0, job.post?.output);
        assert.equal(job.main.outputs['cache-hit'], 'false');
        const warnings = [...warningsOf(job.main), ...warningsOf(job.post ?? { annotations: [] })];
        assert.equal(warnings.length, 1, `${job.main.output}\n--- post\n${job.post?.output}`);
        assert.match(warnings[0]?.message ?? '', untrusted(cache.url));
        assert.deepEqual(saved(prefix), [], 'nothing was saved');
        assert.match(job.post?.output ?? '', /not saved \(the cache service cannot be used/);
        assert.doesNotMatch(job.post?.output ?? '', /another job may be creating this cache/);
      });
    }
  });
});
