import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import {
  allText,
  createGitRepository,
  gitArgvRecorder,
  gitBranches,
  gitFiles,
  gitLog,
  runActionStep,
  testbed,
  uniqueName,
  watchProcesses,
  type ActionRun,
  type CreateGitRepositoryOptions,
  type PullRequestRecord,
} from '@slipway/testbed';

const TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
const READ_TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
/** Can push, but the GitHub double answers its pull request calls with 403. */
const NO_PR_TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');

interface ConfigRepo {
  name: string;
  dir: string;
  url: string;
}

function configRepo(opts: Partial<CreateGitRepositoryOptions> = {}): ConfigRepo {
  const { git } = testbed();
  const name = `acme/${uniqueName('config')}`;
  const dir = createGitRepository(git.root, name, {
    tokens: { [TOKEN]: 'write', [READ_TOKEN]: 'read', [NO_PR_TOKEN]: 'write' },
    ...opts,
  });
  return { name, dir, url: `${git.url}${name}.git` };
}

/** A folder of rendered files, as render-manifest's output-dir holds them. */
function release(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-release-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const deployment = (version: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n  labels: { version: ${version} }\n`;
const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: shop\n';

interface Published {
  run: ActionRun;
  argvs: string[][];
  configs: string[];
  processes: string[];
}

const runnerPath = (binDir: string) =>
  [binDir, ...(process.env.PATH ?? '').split(delimiter).filter((p) => p && !p.includes('node_modules'))].join(
    delimiter,
  );

/** Runs the built gitops-publish bundle with every git command and the process list recorded. */
async function publish(repo: ConfigRepo, inputs: Record<string, string>): Promise<Published> {
  const recorder = gitArgvRecorder();
  const watch = watchProcesses();
  try {
    const run = await runActionStep('gitops-publish', {
      inputs: {
        repository: repo.url,
        token: TOKEN,
        project: 'shop',
        environment: 'staging',
        version: 'v1',
        ...inputs,
      },
      env: { PATH: runnerPath(recorder.binDir), GITHUB_API_URL: testbed().github.url.replace(/\/$/, '') },
    });
    return { run, argvs: recorder.argvs(), configs: recorder.configs(), processes: watch.stop() };
  } finally {
    watch.stop();
  }
}

/** The token (and the Basic header carrying it) is nowhere a user or another process could see it. */
function assertTokenHidden(p: Published): void {
  assert.ok(p.argvs.length > 0, 'git was run (the recorder saw it)');
  assert.ok(p.configs.length > 0, 'the recorder saw the clone’s .git/config');
  assert.ok(
    p.processes.some((c) => /\bgit/.test(c) && c.includes(testbed().git.url)),
    'the process watch saw git talking to the server (so it would have seen a token on argv)',
  );
  const places: [string, string][] = [
    ['the step output, log and command files', allText(p.run)],
    ['git command lines', p.argvs.map((a) => a.join(' ')).join('\n')],
    ['.git/config of the clone', p.configs.join('\n')],
    ['the process list', p.processes.join('\n')],
  ];
  for (const [where, text] of places) {
    assert.ok(!text.includes(TOKEN), `the token appears in ${where}`);
    assert.ok(!text.includes(BASIC), `the Basic header appears in ${where}`);
  }
  assert.ok(p.run.masks.includes(TOKEN), 'the token is registered with add-mask');
  const serverLog = readFileSync(join(testbed().logDir, 'git.log'), 'utf8');
  assert.match(serverLog, /auth=Basic/, 'the Git server saw the token as a Basic header');
  assert.ok(
    !serverLog.includes(TOKEN) && !serverLog.includes(BASIC),
    'the token appears in the Git server log',
  );
  const left = readdirSync(p.run.files.temp).filter((f) => f.startsWith('slipway-gitops-'));
  assert.deepEqual(left, [], 'the temporary clone is removed');
}

const errorsOf = (run: ActionRun) => run.annotations.filter((a) => a.level === 'error');

describe('gitops-publish against a real Git server', () => {
  it('first publish creates the path, a second identical run commits nothing', async () => {
    const repo = configRepo({ files: { 'README.md': '# config\n' } });
    const manifests = release({ 'deployment.yaml': deployment('v1'), 'service.yaml': service });
    const first = await publish(repo, { 'manifests-dir': manifests });
    assert.equal(first.run.exitCode, 0, first.run.output);
    assertTokenHidden(first);
    assert.equal(first.run.outputs.changed, 'true');
    assert.equal(first.run.outputs.path, 'shop/staging');
    const log = gitLog(repo.dir);
    assert.equal(log.length, 2);
    assert.equal(first.run.outputs.commit, log[0]?.sha);
    assert.match(log[0]?.subject ?? '', /^Deploy shop v1 to staging$/);
    assert.match(log[0]?.body ?? '', /Run: https:\/\/github\.com\/acme\/shop\/actions\/runs\/9876543210/);
    assert.equal(
      log[0]?.author,
      'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>',
    );
    assert.deepEqual(gitFiles(repo.dir), {
      'README.md': '# config\n',
      'shop/staging/deployment.yaml': deployment('v1'),
      'shop/staging/service.yaml': service,
    });
    assert.match(first.run.summary, /GitOps publish/);

    const second = await publish(repo, { 'manifests-dir': manifests });
    assert.equal(second.run.exitCode, 0, second.run.output);
    assertTokenHidden(second);
    assert.equal(second.run.outputs.changed, 'false');
    assert.equal(second.run.outputs.commit, log[0]?.sha);
    assert.equal(gitLog(repo.dir).length, 2, 'no second commit');
  });

  it('publishes into an empty repository on its default branch', async () => {
    const repo = configRepo();
    const p = await publish(repo, { 'manifests-dir': release({ 'deployment.yaml': deployment('v1') }) });
    assert.equal(p.run.exitCode, 0, p.run.output);
    assert.deepEqual(Object.keys(gitFiles(repo.dir)), ['shop/staging/deployment.yaml']);
  });

  it('prunes a removed template’s file and leaves a sibling application untouched', async () => {
    const repo = configRepo({
      files: {
        'shop/staging/deployment.yaml': deployment('v0'),
        'shop/staging/old-configmap.yaml': 'kind: ConfigMap\n',
        'shop-worker/staging/deployment.yaml': 'kind: Deployment # worker\n',
        'shop/production/deployment.yaml': 'kind: Deployment # prod\n',
      },
    });
    const p = await publish(repo, { 'manifests-dir': release({ 'deployment.yaml': deployment('v1') }) });
    assert.equal(p.run.exitCode, 0, p.run.output);
    assert.deepEqual(gitFiles(repo.dir), {
      'shop/staging/deployment.yaml': deployment('v1'),
      'shop-worker/staging/deployment.yaml': 'kind: Deployment # worker\n',
      'shop/production/deployment.yaml': 'kind: Deployment # prod\n',
    });
    assert.match(p.run.summary, /deleted \| `shop\/staging\/old-configmap.yaml`/);

    // prune: false keeps files the release no longer has.
    const kept = configRepo({ files: { 'shop/staging/old-configmap.yaml': 'kind: ConfigMap\n' } });
    const q = await publish(kept, {
      prune: 'false',
      'manifests-dir': release({ 'deployment.yaml': deployment('v1') }),
    });
    assert.equal(q.run.exitCode, 0, q.run.output);
    assert.deepEqual(Object.keys(gitFiles(kept.dir)).sort(), [
      'shop/staging/deployment.yaml',
      'shop/staging/old-configmap.yaml',
    ]);
  });

  it('two concurrent publishes to the same repository both land (the refused push is retried)', async () => {
    const repo = configRepo({ files: { 'README.md': '# config\n' }, fetchBarrier: { size: 2, rounds: 2 } });
    const [a, b] = await Promise.all([
      publish(repo, {
        environment: 'staging',
        'manifests-dir': release({ 'deployment.yaml': deployment('a') }),
      }),
      publish(repo, { environment: 'qa', 'manifests-dir': release({ 'deployment.yaml': deployment('b') }) }),
    ]);
    for (const p of [a, b]) {
      assert.equal(p.run.exitCode, 0, p.run.output);
      assert.equal(p.run.outputs.changed, 'true');
      assertTokenHidden(p);
    }
    const retried = [a, b].filter((p) => /moved on while publishing/.test(p.run.output));
    assert.equal(retried.length, 1, 'exactly one publish had its push refused and retried');
    assert.deepEqual(Object.keys(gitFiles(repo.dir)).sort(), [
      'README.md',
      'shop/qa/deployment.yaml',
      'shop/staging/deployment.yaml',
    ]);
    const log = gitLog(repo.dir);
    assert.equal(log.length, 3);
    assert.ok(
      log.every((c) => c.parents.length <= 1),
      'history stays linear (no merge commits)',
    );
  });

  it('pull-request mode opens one pull request, then updates it; the protected base is untouched', async () => {
    const repo = configRepo({
      files: { 'shop/production/deployment.yaml': deployment('v0') },
      protectedBranches: ['main'],
    });
    const base = gitLog(repo.dir)[0]?.sha;
    const api = testbed().github.url;
    const first = await publish(repo, {
      environment: 'production',
      mode: 'pull-request',
      'manifests-dir': release({ 'deployment.yaml': deployment('v1'), 'service.yaml': service }),
    });
    assert.equal(first.run.exitCode, 0, first.run.output);
    assertTokenHidden(first);
    assert.equal(first.run.outputs.changed, 'true');
    assert.equal(first.run.outputs['pull-request-number'], '1');
    assert.equal(first.run.outputs['pull-request-url'], `https://github.com/${repo.name}/pull/1`);
    assert.equal(gitLog(repo.dir)[0]?.sha, base, 'main is untouched');
    const head = 'slipway/shop/production';
    assert.equal(gitBranches(repo.dir)[head], first.run.outputs.commit);
    assert.equal(gitFiles(repo.dir, head)['shop/production/service.yaml'], service);

    const second = await publish(repo, {
      environment: 'production',
      version: 'v2',
      mode: 'pull-request',
      'auto-merge': 'squash',
      'manifests-dir': release({ 'deployment.yaml': deployment('v2') }),
    });
    assert.equal(second.run.exitCode, 0, second.run.output);
    assertTokenHidden(second);
    assert.equal(second.run.outputs['pull-request-number'], '1');
    const headLog = gitLog(repo.dir, head);
    assert.equal(headLog[0]?.sha, second.run.outputs.commit);
    assert.deepEqual(headLog[0]?.parents, [base], 'the branch is rebuilt on the base, one commit on top');
    assert.deepEqual(Object.keys(gitFiles(repo.dir, head)), ['shop/production/deployment.yaml']);

    // The same release again: the branch already holds it, so nothing is pushed and the pull request stays one.
    const third = await publish(repo, {
      environment: 'production',
      version: 'v2',
      mode: 'pull-request',
      'manifests-dir': release({ 'deployment.yaml': deployment('v2') }),
    });
    assert.equal(third.run.exitCode, 0, third.run.output);
    assert.equal(third.run.outputs.commit, second.run.outputs.commit);
    assert.equal(third.run.outputs['pull-request-number'], '1');
    assert.match(third.run.output, /already holds this release .*not pushed again/);
    assert.ok(!third.argvs.some((a) => a[0] === 'push'), 'no git push');

    const pulls = (await (await fetch(`${api}_control/pulls`)).json()) as Record<string, PullRequestRecord[]>;
    const mine = pulls[repo.name] ?? [];
    assert.equal(mine.length, 1, 'one pull request');
    assert.equal(mine[0]?.title, 'Deploy shop v2 to production');
    assert.equal(mine[0]?.head.ref, head);
    assert.equal(mine[0]?.base.ref, 'main');
    assert.match(mine[0]?.body ?? '', /Release \*\*v2\*\*/);
    assert.match(
      mine[0]?.body ?? '',
      /deleted \| `shop\/production\/service.yaml`|modified \| `shop\/production\/deployment.yaml`/,
    );
    assert.equal(mine[0]?.auto_merge?.merge_method, 'squash', second.run.output);
    const requests = (await (await fetch(`${api}_control/requests`)).json()) as {
      path: string;
      invalid?: string;
    }[];
    const ours = requests.filter((r) => r.path.includes(repo.name) || r.path === '/graphql');
    assert.ok(ours.length >= 4, 'list, create, list, update');
    assert.deepEqual(
      ours.filter((r) => r.invalid),
      [],
      'every request body conforms to GitHub’s OpenAPI description',
    );
  });

  it('a push answered 403 names the permission the token needs, and nothing lands', async () => {
    const repo = configRepo({ files: { 'README.md': '# config\n' } });
    const recorder = gitArgvRecorder();
    const run = await runActionStep('gitops-publish', {
      inputs: {
        repository: repo.url,
        token: READ_TOKEN,
        project: 'shop',
        environment: 'staging',
        version: 'v1',
        'manifests-dir': release({ 'deployment.yaml': deployment('v1') }),
      },
      env: { PATH: runnerPath(recorder.binDir) },
    });
    assert.equal(run.exitCode, 1);
    const errors = errorsOf(run);
    assert.equal(errors.length, 1, run.output);
    assert.match(errors[0]?.message ?? '', /denied the push to main \(403\)/);
    assert.match(errors[0]?.message ?? '', /contents: write/);
    assert.match(errors[0]?.message ?? '', /"Contents: Read and write"/);
    assert.ok(!allText(run).includes(READ_TOKEN));
    assert.equal(gitLog(repo.dir).length, 1);
  });

  it('an unknown token is refused with 401 and says so', async () => {
    const repo = configRepo({ files: { 'README.md': '# config\n' } });
    const unknown = `ghs_${randomBytes(18).toString('hex')}`;
    const run = await runActionStep('gitops-publish', {
      inputs: {
        repository: repo.url,
        token: unknown,
        environment: 'staging',
        'manifests-dir': release({ 'deployment.yaml': deployment('v1') }),
      },
    });
    assert.equal(run.exitCode, 1);
    const errors = errorsOf(run);
    assert.equal(errors.length, 1, run.output);
    assert.match(errors[0]?.message ?? '', /refused the token \(401\)/);
    assert.ok(!allText(run).includes(unknown));
  });

  it('pull request calls answered 403 name the pull-requests permission', async () => {
    const repo = configRepo({ files: { 'README.md': '# config\n' } });
    const api = testbed().github.url;
    await fetch(`${api}_control/forbid`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: NO_PR_TOKEN }),
    });
    const run = await runActionStep('gitops-publish', {
      inputs: {
        repository: repo.url,
        token: NO_PR_TOKEN,
        environment: 'production',
        mode: 'pull-request',
        'manifests-dir': release({ 'deployment.yaml': deployment('v1') }),
      },
      env: { GITHUB_API_URL: api.replace(/\/$/, '') },
    });
    assert.equal(run.exitCode, 1);
    const errors = errorsOf(run);
    assert.equal(errors.length, 1, run.output);
    assert.match(errors[0]?.message ?? '', /GitHub denied listing pull requests in .* \(403/);
    assert.match(errors[0]?.message ?? '', /pull-requests: write/);
    assert.match(errors[0]?.message ?? '', /"Pull requests: Read and write"/);
    assert.ok(!allText(run).includes(NO_PR_TOKEN));
  });

  it('a protected branch says so and suggests mode: pull-request', async () => {
    const repo = configRepo({ files: { 'README.md': '# config\n' }, protectedBranches: ['main'] });
    const p = await publish(repo, { 'manifests-dir': release({ 'deployment.yaml': deployment('v1') }) });
    assert.equal(p.run.exitCode, 1);
    const errors = errorsOf(p.run);
    assert.equal(errors.length, 1, p.run.output);
    assert.match(errors[0]?.message ?? '', /the branch is protected/);
    assert.match(errors[0]?.message ?? '', /GH006/);
    assert.match(errors[0]?.message ?? '', /mode: pull-request/);
    assertTokenHidden(p);
    assert.equal(gitLog(repo.dir).length, 1);
  });

  it('refuses a token in the repository URL before running git', async () => {
    const repo = configRepo();
    const withCredentials = repo.url.replace('http://', `http://x-access-token:${TOKEN}@`);
    const p = await publish(repo, {
      repository: withCredentials,
      'manifests-dir': release({ 'a.yaml': service }),
    });
    assert.equal(p.run.exitCode, 1);
    const errors = errorsOf(p.run);
    assert.equal(errors.length, 1, p.run.output);
    assert.match(errors[0]?.message ?? '', /input repository: .*carries credentials/);
    assert.deepEqual(p.argvs, [], 'git never ran');
    assert.ok(!allText(p.run).includes(TOKEN));
  });
});
