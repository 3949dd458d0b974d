import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getOctokit } from '@actions/github';
import { createGitRepository, gitBranches, gitLog, testbed, uniqueName } from '@slipway/testbed';

const WRITE = `ghs_${randomBytes(12).toString('hex')}`;
const READ = `ghs_${randomBytes(12).toString('hex')}`;

/** Runs git with the token as an extraHeader in its environment, the way gitops-publish does. */
function git(args: string[], token: string | undefined, cwd?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  if (token) {
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`,
    });
  }
  return spawnSync('git', args, { cwd, env, encoding: 'utf8' });
}

function repository(protectedBranches: string[] = []) {
  const name = `acme/${uniqueName('bed')}`;
  const dir = createGitRepository(testbed().git.root, name, {
    tokens: { [WRITE]: 'write', [READ]: 'read' },
    files: { 'README.md': '# bed\n' },
    protectedBranches,
  });
  return { name, dir, url: `${testbed().git.url}${name}.git` };
}

test('the Git server clones with a token, answers 401 without one and 403 to a read token pushing', () => {
  const repo = repository();
  const anonymous = git(['ls-remote', repo.url], undefined);
  assert.notEqual(anonymous.status, 0);
  assert.match(anonymous.stderr, /could not read Username|Authentication failed|401/);

  const work = mkdtempSync(join(tmpdir(), 'slipway-bed-clone-'));
  const clone = git(['clone', '-q', repo.url, work], READ);
  assert.equal(clone.status, 0, clone.stderr);
  writeFileSync(join(work, 'a.txt'), 'a\n');
  const id = ['-c', 'user.name=t', '-c', 'user.email=t@example.com'];
  assert.equal(git([...id, 'commit', '-qam', 'x', '--allow-empty'], undefined, work).status, 0);
  const denied = git(['push', '-q', repo.url, 'HEAD:refs/heads/main'], READ, work);
  assert.notEqual(denied.status, 0);
  assert.match(denied.stderr, /403/);

  const pushed = git(['push', '-q', repo.url, 'HEAD:refs/heads/main'], WRITE, work);
  assert.equal(pushed.status, 0, pushed.stderr);
  assert.equal(gitLog(repo.dir).length, 2);
});

test('a protected branch refuses pushes with GitHub’s GH006 message; other branches take them', () => {
  const repo = repository(['main']);
  const work = mkdtempSync(join(tmpdir(), 'slipway-bed-clone-'));
  assert.equal(git(['clone', '-q', repo.url, work], WRITE).status, 0);
  const id = ['-c', 'user.name=t', '-c', 'user.email=t@example.com'];
  assert.equal(git([...id, 'commit', '-q', '--allow-empty', '-m', 'x'], undefined, work).status, 0);
  const refused = git(['push', repo.url, 'HEAD:refs/heads/main'], WRITE, work);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /GH006: Protected branch update failed for refs\/heads\/main/);
  assert.equal(git(['push', '-q', repo.url, 'HEAD:refs/heads/feature'], WRITE, work).status, 0);
  assert.ok(gitBranches(repo.dir).feature);
});

test('the GitHub double refuses bodies GitHub’s OpenAPI description refuses, and heads that do not exist', async () => {
  const repo = repository();
  const [owner = '', name = ''] = repo.name.split('/');
  const api = testbed().github.url.replace(/\/$/, '');
  const post = (body: unknown) =>
    fetch(`${api}/repos/${repo.name}/pulls`, {
      method: 'POST',
      headers: { authorization: `token ${WRITE}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const wrongType = await post({ title: 'x', head: 'main', base: 'main', draft: 'yes' });
  assert.equal(wrongType.status, 422);
  assert.match(JSON.stringify(await wrongType.json()), /Validation Failed/);
  const missing = await post({ title: 'x', base: 'main' });
  assert.equal(missing.status, 422);
  const noBranch = await post({ title: 'x', head: 'nope', base: 'main' });
  assert.equal(noBranch.status, 422);
  const requests = (await (await fetch(`${api}/_control/requests`)).json()) as {
    path: string;
    invalid?: string;
  }[];
  const mine = requests.filter((r) => r.path.includes(repo.name));
  assert.equal(mine.filter((r) => r.invalid).length, 3);
  assert.match(mine[0]?.invalid ?? '', /draft/);

  // Octokit, as gitops-publish uses it, gets schema-shaped answers.
  const octokit = getOctokit(WRITE, { baseUrl: api });
  const created = await octokit.rest.pulls.create({
    owner,
    repo: name,
    title: 'Deploy',
    head: 'main',
    base: 'main',
  });
  assert.equal(created.data.number, 1);
  assert.equal(created.data.head.sha, gitLog(repo.dir)[0]?.sha);
  const listed = await octokit.rest.pulls.list({ owner, repo: name, head: `${owner}:main` });
  assert.deepEqual(
    listed.data.map((p) => p.number),
    [1],
  );
  await assert.rejects(
    octokit.rest.pulls.create({ owner, repo: name, title: 'Again', head: 'main', base: 'main' }),
    (err: { status?: number; message?: string }) =>
      err.status === 422 && /already exists/.test(err.message ?? ''),
  );
});
