import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRunContext } from '@slipway/action-kit';
import { formatDuration, parseStartTime, runFacts } from '@slipway/slack';

const facts = (env: NodeJS.ProcessEnv) => runFacts(readRunContext(env));

const env = {
  GITHUB_SERVER_URL: 'https://github.example.com/',
  GITHUB_REPOSITORY: 'octo/api',
  GITHUB_REF_NAME: 'main',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_ACTOR: 'mona',
  GITHUB_WORKFLOW: 'Deploy',
  GITHUB_JOB: 'deploy',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_RUN_ID: '11',
  GITHUB_RUN_NUMBER: '7',
  GITHUB_RUN_ATTEMPT: '2',
};

function eventFile(payload: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'slw-event-')), 'event.json');
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

describe('runFacts', () => {
  it('takes the first line of the pushed commit message from the event', () => {
    const path = eventFile({ head_commit: { id: 'a'.repeat(40), message: '\nShip it\n\nLong body' } });
    const run = facts({ ...env, GITHUB_EVENT_PATH: path });
    assert.equal(run.commitMessage, 'Ship it');
    assert.equal(run.serverUrl, 'https://github.example.com');
    assert.equal(run.runAttempt, '2');
  });

  it('uses the PR head commit and branch, not the merge commit, for pull requests', () => {
    const path = eventFile({
      pull_request: {
        number: 5,
        html_url: 'https://x/pull/5',
        title: 'T',
        head: { sha: 'b'.repeat(40), ref: 'feat' },
      },
    });
    const run = facts({
      ...env,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_HEAD_REF: 'feat',
      GITHUB_REF_NAME: '5/merge',
      GITHUB_EVENT_PATH: path,
    });
    assert.equal(run.sha, 'b'.repeat(40));
    assert.equal(run.ref, 'feat');
    assert.deepEqual(run.pullRequest, { number: 5, url: 'https://x/pull/5', title: 'T' });
  });

  it('carries on without an event file', () => {
    const run = facts({ ...env, GITHUB_EVENT_PATH: '/nonexistent/event.json' });
    assert.equal(run.commitMessage, '');
    assert.equal(run.sha, 'a'.repeat(40));
  });
});

describe('parseStartTime and formatDuration', () => {
  it('reads ISO 8601, Unix seconds and Unix milliseconds', () => {
    assert.equal(parseStartTime('2024-05-01T12:00:00Z')?.toISOString(), '2024-05-01T12:00:00.000Z');
    assert.equal(parseStartTime('1714564800')?.toISOString(), '2024-05-01T12:00:00.000Z');
    assert.equal(parseStartTime('1714564800000')?.toISOString(), '2024-05-01T12:00:00.000Z');
    assert.equal(parseStartTime('yesterday'), undefined);
    assert.equal(parseStartTime('2024-13-45T99:00:00Z'), undefined);
  });

  it('formats durations for people', () => {
    assert.equal(formatDuration(45_000), '45s');
    assert.equal(formatDuration(192_000), '3m 12s');
    assert.equal(formatDuration(3_840_000), '1h 4m');
    assert.equal(formatDuration(-5), '0s');
  });
});
