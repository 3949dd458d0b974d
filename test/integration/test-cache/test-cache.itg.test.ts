import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { allText, testbed, uniqueName, type CacheEntryInfo, type RecordedRequest } from '@slipway/testbed';
import { runJob, type JobStatus } from './job.ts';

const RUNTIME_TOKEN = 'slipway-test-runtime-token';
const control = async <T>(path: string, init?: RequestInit): Promise<T> => {
  const res = await fetch(`${testbed().cache.url}_control/${path}`, init);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as T;
};
const entries = async (prefix: string) =>
  (await control<CacheEntryInfo[]>('entries')).filter((e) => e.key.startsWith(`${prefix}-`) && e.committed);
const requestCount = async () => (await control<RecordedRequest[]>('requests')).length;

/**
 * A fresh runner: workspace and home side by side, as on GitHub (tar paths of home folders are
 * relative to the workspace), with a Node project whose lockfile is `lock`.
 */
const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function runner(lock: string): { workspace: string; home: string } {
  const root = mkdtempSync('/tmp/slw-tc-');
  roots.push(root);
  const workspace = join(root, 'workspace');
  const home = join(root, 'home');
  mkdirSync(workspace);
  mkdirSync(home);
  writeFileSync(join(workspace, 'package.json'), '{"name":"shop","version":"1.0.0"}\n');
  writeFileSync(join(workspace, 'package-lock.json'), lock);
  return { workspace, home };
}

/** What `npm ci` leaves in npm's cache: a content file. */
function npmDownloads(home: string, name: string, content: string): void {
  const dir = join(home, '.npm', '_cacache', 'content-v2', 'sha512', name.slice(0, 2));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), content);
}
const cached = (home: string, name: string) =>
  join(home, '.npm', '_cacache', 'content-v2', 'sha512', name.slice(0, 2), name);

const LOCK_V1 =
  '{"name":"shop","lockfileVersion":3,"packages":{"node_modules/left-pad":{"version":"1.3.0"}}}\n';
const LOCK_V2 =
  '{"name":"shop","lockfileVersion":3,"packages":{"node_modules/left-pad":{"version":"1.3.1"}}}\n';

interface JobOptions {
  prefix: string;
  lock: string;
  protocol?: 'v1' | 'v2' | false;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  event?: Record<string, unknown>;
  status?: JobStatus;
  /** npm cache content the job's own steps download. */
  downloads?: Record<string, string>;
  nodeVersion?: 20 | 24;
}

async function job(opts: JobOptions) {
  const { workspace, home } = runner(opts.lock);
  const run = await runJob({
    workspace,
    home,
    cacheService: opts.protocol ?? 'v2',
    inputs: { prefix: opts.prefix, ...opts.inputs },
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.event ? { event: opts.event } : {}),
    ...(opts.nodeVersion ? { nodeVersion: opts.nodeVersion } : {}),
    status: opts.status ?? 'success',
    between: async () => {
      for (const [name, content] of Object.entries(opts.downloads ?? {})) npmDownloads(home, name, content);
    },
  });
  const text =
    allText(run.main) + (run.post ? run.post.output + Object.values(run.post.commandFiles).join('\n') : '');
  assert.ok(!text.includes(RUNTIME_TOKEN), 'the runtime token is never printed');
  return { ...run, home, workspace };
}

const problems = (run: {
  main: { annotations: { level: string }[] };
  post?: { annotations: { level: string }[] };
}) => [...run.main.annotations, ...(run.post?.annotations ?? [])].filter((a) => a.level !== 'notice');

for (const protocol of ['v2', 'v1'] as const) {
  describe(`test-cache over the ${protocol} cache protocol`, () => {
    it('saves on a cold run, hits the exact key with the same lockfile, and restores through the restore key after a lockfile change', async () => {
      const prefix = uniqueName(`tc-${protocol}`);

      const cold = await job({
        prefix,
        lock: LOCK_V1,
        protocol,
        downloads: { aa11: 'left-pad 1.3.0 tarball' },
      });
      assert.equal(cold.main.exitCode, 0, cold.main.output);
      assert.deepEqual(problems(cold), []);
      assert.equal(cold.main.outputs['cache-hit'], 'false');
      assert.equal(cold.main.outputs['restored-key'], '');
      const key = cold.main.outputs.key ?? '';
      assert.match(key, new RegExp(`^${prefix}-node-linux-x64-deploy-[0-9a-f]{12}-[0-9a-f]{16}$`));
      assert.ok(cold.post, 'the post step ran');
      assert.equal(cold.post.exitCode, 0, cold.post.output);
      assert.ok(Number(cold.post.outputs['saved-size']) > 0);
      const saved = await entries(prefix);
      assert.deepEqual(
        saved.map((e) => [e.key, e.protocol]),
        [[key, protocol]],
      );
      assert.match(cold.main.summary, /\| node \| node v\d+\.\d+\.\d+ with npm \| `[^`]+` \| miss \|/);
      assert.match(
        cold.post.summary,
        /\| node \| `[^`]+` \| yes \| [\d.]+ [kM]?B \|.*main is the default branch/,
      );

      const warm = await job({ prefix, lock: LOCK_V1, protocol });
      assert.equal(warm.main.exitCode, 0, warm.main.output);
      assert.deepEqual(problems(warm), []);
      assert.equal(warm.main.outputs['cache-hit'], 'true');
      assert.equal(warm.main.outputs['restored-key'], key);
      assert.equal(warm.main.outputs.key, key);
      assert.equal(readFileSync(cached(warm.home, 'aa11'), 'utf8'), 'left-pad 1.3.0 tarball');
      assert.match(warm.main.summary, /exact hit \| [\d.]+ [kM]?B \| [\d.]+ ?m?s \|/);
      assert.equal(warm.post?.outputs['saved-size'], '0');
      assert.match(warm.post?.summary ?? '', /\| no \|.*exact hit/);
      assert.equal((await entries(prefix)).length, 1, 'an exact hit saves nothing');

      const relocked = await job({
        prefix,
        lock: LOCK_V2,
        protocol,
        downloads: { bb22: 'left-pad 1.3.1 tarball' },
      });
      assert.equal(relocked.main.exitCode, 0, relocked.main.output);
      assert.equal(relocked.main.outputs['cache-hit'], 'false');
      assert.equal(relocked.main.outputs['restored-key'], key, 'restored through the restore key');
      const newKey = relocked.main.outputs.key ?? '';
      assert.notEqual(newKey, key);
      assert.equal(newKey.split('-').slice(0, -1).join('-'), key.split('-').slice(0, -1).join('-'));
      assert.equal(readFileSync(cached(relocked.home, 'aa11'), 'utf8'), 'left-pad 1.3.0 tarball');
      assert.match(relocked.main.summary, new RegExp(`from \`${key}\``));
      assert.deepEqual(
        (await entries(prefix)).map((e) => e.key),
        [key, newKey],
      );
    });
  });
}

describe('test-cache save policy', () => {
  it('lets a pull request restore the default branch cache but not save under save: auto', async () => {
    const prefix = uniqueName('tc-pr');
    const onMain = await job({ prefix, lock: LOCK_V1, downloads: { aa11: 'from main' } });
    assert.ok(onMain.post && Number(onMain.post.outputs['saved-size']) > 0);

    const pr = await job({
      prefix,
      lock: LOCK_V2,
      env: {
        GITHUB_REF: 'refs/pull/1/merge',
        GITHUB_REF_NAME: '1/merge',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_HEAD_REF: 'feature/upgrade-left-pad',
        GITHUB_BASE_REF: 'main',
      },
      event: {
        number: 1,
        pull_request: { number: 1, head: { ref: 'feature/upgrade-left-pad' }, base: { ref: 'main' } },
      },
      downloads: { bb22: 'from the PR' },
    });
    assert.equal(pr.main.exitCode, 0, pr.main.output);
    assert.equal(pr.main.outputs['restored-key'], onMain.main.outputs.key);
    assert.equal(readFileSync(cached(pr.home, 'aa11'), 'utf8'), 'from main');
    assert.ok(pr.post, 'the post step ran');
    assert.equal(pr.post.outputs['saved-size'], '0');
    assert.match(pr.post.summary, /\| no \|.*ref refs\/pull\/1\/merge is not a branch/);
    assert.match(pr.main.output, /will not save \(ref refs\/pull\/1\/merge is not a branch/);
    assert.equal((await entries(prefix)).length, 1);
  });

  it('saves a branch listed in save-branches and not another one', async () => {
    const prefix = uniqueName('tc-branches');
    const env = (branch: string) => ({ GITHUB_REF: `refs/heads/${branch}`, GITHUB_REF_NAME: branch });
    const other = await job({
      prefix,
      lock: LOCK_V1,
      env: env('feature/x'),
      inputs: { 'save-branches': 'release/*' },
      downloads: { aa11: 'x' },
    });
    assert.match(
      other.post?.summary ?? '',
      /branch feature\/x is neither the default branch \(main\) nor in save-branches/,
    );
    assert.equal((await entries(prefix)).length, 0);
    const release = await job({
      prefix,
      lock: LOCK_V1,
      env: env('release/2.0'),
      inputs: { 'save-branches': 'release/*' },
      downloads: { aa11: 'x' },
    });
    assert.match(
      release.post?.summary ?? '',
      /\| yes \|.*release\/2\.0 matches save-branches \(release\/\*\)/,
    );
    assert.equal((await entries(prefix)).length, 1);
  });

  it('saves nothing when the job failed, unless save-on-failure is set', async () => {
    const prefix = uniqueName('tc-failed');
    const failed = await job({ prefix, lock: LOCK_V1, status: 'failure', downloads: { aa11: 'partial' } });
    assert.equal(failed.main.exitCode, 0);
    assert.equal(failed.postIf, "success() || env.SLIPWAY_TEST_CACHE_ON_FAILURE == 'true'");
    assert.equal(failed.post, undefined, 'the runner skips the post step');
    assert.equal(failed.main.env.SLIPWAY_TEST_CACHE_ON_FAILURE, undefined);
    assert.equal((await entries(prefix)).length, 0);

    const asked = await job({
      prefix,
      lock: LOCK_V1,
      status: 'failure',
      inputs: { 'save-on-failure': 'true' },
      downloads: { aa11: 'built before the tests failed' },
    });
    assert.equal(asked.main.env.SLIPWAY_TEST_CACHE_ON_FAILURE, 'true');
    assert.ok(asked.post, 'post-if lets the post step run');
    assert.ok(Number(asked.post.outputs['saved-size']) > 0);
    assert.equal((await entries(prefix)).length, 1);
  });

  it('does not save from a step that cannot tell whether the job failed, and says why', async () => {
    const prefix = uniqueName('tc-unsure');
    // Another test-cache step of the job exported the variable; this one did not ask for it.
    const run = await job({
      prefix,
      lock: LOCK_V1,
      status: 'failure',
      env: { SLIPWAY_TEST_CACHE_ON_FAILURE: 'true' },
      downloads: { aa11: 'x' },
    });
    assert.ok(run.post);
    assert.match(run.post.summary, /another test-cache step of this job set save-on-failure/);
    assert.equal(run.post.outputs['saved-size'], '0');
    assert.equal((await entries(prefix)).length, 0);
  });
});

describe('test-cache without a usable cache service', () => {
  it('says so in one warning, succeeds, and restores and saves nothing where no cache service is configured', async () => {
    const prefix = uniqueName('tc-none');
    const before = await requestCount();
    const run = await job({ prefix, lock: LOCK_V1, protocol: false, downloads: { aa11: 'x' } });
    assert.equal(run.main.exitCode, 0);
    assert.deepEqual(
      run.main.annotations.map((a) => [a.level, a.message]),
      [
        [
          'warning',
          'test-cache: no cache service is configured on this runner (ACTIONS_CACHE_URL is not set), so nothing is restored or saved and the job runs uncached. GitHub-hosted runners and act provide one; on GitHub Enterprise Server an administrator enables the Actions cache (see docs/ghes.md).',
        ],
      ],
    );
    assert.equal(run.main.outputs['cache-hit'], 'false');
    assert.equal(run.main.state['test-cache'], undefined);
    assert.equal(run.post?.exitCode, 0);
    assert.equal(run.post?.outputs['saved-size'], '0');
    assert.equal(await requestCount(), before);
    assert.match(run.main.summary, /No cache service on this runner/);
  });

  it('turns a cache service failure into a warning and goes on (v1 restore refused with 500)', async () => {
    const prefix = uniqueName('tc-down');
    await control('fail', {
      method: 'POST',
      body: JSON.stringify({ times: 1, status: 500, match: '/_apis/artifactcache/cache' }),
      headers: { 'content-type': 'application/json' },
    });
    const run = await job({ prefix, lock: LOCK_V1, protocol: 'v1', downloads: { aa11: 'x' } });
    assert.equal(run.main.exitCode, 0, run.main.output);
    assert.equal(run.main.outputs['cache-hit'], 'false');
    const annotations = run.main.annotations.map((a) => a.level);
    assert.deepEqual(annotations, ['warning'], run.main.output);
    assert.match(run.main.annotations[0]?.message ?? '', /Failed to restore.*500/);
    assert.equal(run.post?.exitCode, 0);
    assert.equal((await entries(prefix)).length, 1, 'the save at the end still happens');
  });

  it('treats a failed archive download as a miss with a warning, and goes on (v2, blob answers 500)', async () => {
    const prefix = uniqueName('tc-blob');
    await job({ prefix, lock: LOCK_V1, downloads: { aa11: 'x' } });
    await control('fail', {
      method: 'POST',
      body: JSON.stringify({ times: 3, status: 500, match: '/_blob/' }),
      headers: { 'content-type': 'application/json' },
    });
    const run = await job({ prefix, lock: LOCK_V1, inputs: { save: 'never' } });
    await control('reset', { method: 'POST' }).catch(() => undefined);
    assert.equal(run.main.exitCode, 0, run.main.output);
    assert.equal(run.main.outputs['cache-hit'], 'false');
    assert.ok(run.main.annotations.length > 0, run.main.output);
    assert.ok(
      run.main.annotations.every((a) => a.level === 'warning'),
      run.main.annotations.map((a) => `${a.level}: ${a.message}`).join('\n'),
    );
  });
});

describe('test-cache under act', () => {
  it('saves and restores with ACT=true on the v1 protocol and Node 20', async () => {
    const prefix = uniqueName('tc-act');
    const act = { ACT: 'true' };
    const cold = await job({
      prefix,
      lock: LOCK_V1,
      protocol: 'v1',
      env: act,
      nodeVersion: 20,
      downloads: { aa11: 'act' },
    });
    assert.equal(cold.main.exitCode, 0, cold.main.output);
    assert.ok(cold.post && Number(cold.post.outputs['saved-size']) > 0, cold.post?.output);
    assert.deepEqual(
      (await entries(prefix)).map((e) => e.protocol),
      ['v1'],
    );
    const warm = await job({ prefix, lock: LOCK_V1, protocol: 'v1', env: act, nodeVersion: 20 });
    assert.equal(warm.main.outputs['cache-hit'], 'true');
    assert.equal(readFileSync(cached(warm.home, 'aa11'), 'utf8'), 'act');
  });
});

describe('test-cache input errors', () => {
  for (const [inputs, pattern] of [
    [
      { ecosystem: 'rust, cobol' },
      /^test-cache: input ecosystem: "cobol" is not an ecosystem; use auto, or one or more of rust, node, go, python$/,
    ],
    [
      { save: 'sometimes' },
      /^test-cache: input save: "sometimes" is not allowed; use one of auto, always, never$/,
    ],
    [
      { path: '/nonexistent/slipway-cache' },
      /^test-cache: input path: "\/nonexistent\/slipway-cache" is outside the workspace and does not exist/,
    ],
  ] as const) {
    it(`fails on ${JSON.stringify(inputs)} with one error line and touches no cache`, async () => {
      const prefix = uniqueName('tc-bad');
      const before = await requestCount();
      const run = await job({ prefix, lock: LOCK_V1, inputs, downloads: { aa11: 'x' } });
      assert.equal(run.main.exitCode, 1);
      assert.equal(run.main.annotations.length, 1);
      assert.equal(run.main.annotations[0]?.level, 'error');
      assert.match(run.main.annotations[0]?.message ?? '', pattern);
      assert.equal(run.main.output.split('\n').filter((l) => l.startsWith('::error')).length, 1);
      assert.deepEqual(run.main.outputs, {});
      assert.equal(run.post, undefined);
      assert.equal(await requestCount(), before, 'no request reached the cache service');
      assert.equal(existsSync(join(run.home, '.npm')), false);
    });
  }
});
