import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRunContext } from '@slipway/action-kit';

const SHA = 'a'.repeat(40);
const env = {
  GITHUB_SERVER_URL: 'https://ghe.example.com/',
  GITHUB_API_URL: 'https://ghe.example.com/api/v3',
  GITHUB_GRAPHQL_URL: 'https://ghe.example.com/api/graphql',
  GITHUB_REPOSITORY: 'octo/shop',
  GITHUB_SHA: SHA,
  GITHUB_REF: 'refs/heads/main',
  GITHUB_REF_NAME: 'main',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_ACTOR: 'mona',
  GITHUB_WORKFLOW: 'Deploy',
  GITHUB_JOB: 'deploy',
  GITHUB_RUN_ID: '1234',
  GITHUB_RUN_NUMBER: '56',
  GITHUB_RUN_ATTEMPT: '2',
};

function eventFile(payload: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'slw-ctx-')), 'event.json');
  writeFileSync(path, typeof payload === 'string' ? payload : JSON.stringify(payload));
  return path;
}

describe('readRunContext', () => {
  it('reads a push run, with GHES URLs and the run page', () => {
    const ctx = readRunContext({
      ...env,
      GITHUB_EVENT_PATH: eventFile({ repository: { default_branch: 'main' } }),
    });
    assert.deepEqual(
      { ...ctx, payload: undefined },
      {
        serverUrl: 'https://ghe.example.com',
        apiUrl: 'https://ghe.example.com/api/v3',
        graphqlUrl: 'https://ghe.example.com/api/graphql',
        repository: 'octo/shop',
        sha: SHA,
        headSha: SHA,
        ref: 'refs/heads/main',
        branch: 'main',
        defaultBranch: 'main',
        eventName: 'push',
        payload: undefined,
        actor: 'mona',
        workflow: 'Deploy',
        job: 'deploy',
        runId: '1234',
        runNumber: '56',
        runAttempt: '2',
        runUrl: 'https://ghe.example.com/octo/shop/actions/runs/1234',
      },
    );
    assert.deepEqual(ctx.payload, { repository: { default_branch: 'main' } });
  });

  it('takes the pull request head commit and branch, and the triggering actor', () => {
    const ctx = readRunContext({
      ...env,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_REF_NAME: '7/merge',
      GITHUB_HEAD_REF: 'feat/cart',
      GITHUB_TRIGGERING_ACTOR: 'hubot',
      GITHUB_EVENT_PATH: eventFile({
        pull_request: { number: 7, head: { sha: 'b'.repeat(40), ref: 'feat/cart' } },
      }),
    });
    assert.equal(ctx.sha, SHA);
    assert.equal(ctx.headSha, 'b'.repeat(40));
    assert.equal(ctx.branch, 'feat/cart');
    assert.equal(ctx.actor, 'hubot');
  });

  it('outside a runner: github.com, no run, attempt 1, an empty payload', () => {
    const ctx = readRunContext({});
    assert.equal(ctx.serverUrl, 'https://github.com');
    assert.equal(ctx.apiUrl, 'https://api.github.com');
    assert.equal(ctx.repository, '');
    assert.equal(ctx.runId, '');
    assert.equal(ctx.runAttempt, '1');
    assert.equal(ctx.runUrl, undefined);
    assert.equal(ctx.branch, undefined);
    assert.deepEqual(ctx.payload, {});
  });

  it('names the repository from the payload when GITHUB_REPOSITORY is missing, as github.context does', () => {
    const ctx = readRunContext({
      GITHUB_EVENT_PATH: eventFile({ repository: { name: 'shop', owner: { login: 'octo' } } }),
    });
    assert.equal(ctx.repository, 'octo/shop');
  });

  it('a tag push names the tag as the branch a run builds', () => {
    assert.equal(readRunContext({ GITHUB_REF: 'refs/tags/v1.2.0' }).branch, 'v1.2.0');
  });

  it('a missing or unreadable event file costs only the payload', () => {
    for (const path of ['/nonexistent/event.json', eventFile('{ not json')]) {
      const ctx = readRunContext({ ...env, GITHUB_EVENT_PATH: path });
      assert.deepEqual(ctx.payload, {});
      assert.equal(ctx.sha, SHA);
    }
  });

  it('reads the given environment and leaves process.env as it was', () => {
    const before = process.env;
    const sha = process.env.GITHUB_SHA;
    readRunContext({ ...env, GITHUB_SHA: 'c'.repeat(40) });
    assert.equal(process.env, before);
    assert.equal(process.env.GITHUB_SHA, sha);
  });

  it('agrees with github.context of @actions/github for the same environment', () => {
    const full = { ...env, GITHUB_EVENT_PATH: eventFile({ after: SHA }) };
    // The reference: github.context as any action gets it, in a process of its own.
    const probe = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { context as c } from '@actions/github';
         process.stdout.write(JSON.stringify({ ...c, repo: c.repo }));`,
      ],
      { env: { PATH: process.env.PATH, ...full }, encoding: 'utf8' },
    );
    assert.equal(probe.status, 0, probe.stderr);
    const reference = JSON.parse(probe.stdout) as Record<string, unknown> & {
      repo: { owner: string; repo: string };
    };
    const ctx = readRunContext(full);
    assert.deepEqual(ctx.payload, reference.payload);
    assert.equal(ctx.eventName, reference.eventName);
    assert.equal(ctx.sha, reference.sha);
    assert.equal(ctx.ref, reference.ref);
    assert.equal(ctx.actor, reference.actor);
    assert.equal(ctx.workflow, reference.workflow);
    assert.equal(ctx.job, reference.job);
    assert.equal(ctx.runId, String(reference.runId));
    assert.equal(ctx.runNumber, String(reference.runNumber));
    assert.equal(ctx.runAttempt, String(reference.runAttempt));
    assert.equal(ctx.apiUrl, reference.apiUrl);
    assert.equal(`${ctx.serverUrl}/`, reference.serverUrl);
    assert.equal(ctx.repository, `${reference.repo.owner}/${reference.repo.repo}`);
  });
});
