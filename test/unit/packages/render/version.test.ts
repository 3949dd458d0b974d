import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRunContext } from '@slipway/action-kit';
import { checkVersion, defaultVersion, releaseTime } from '@slipway/render';

/** The branch a release is named after: the run context's. */
const buildRefName = (env: NodeJS.ProcessEnv) => readRunContext(env).branch;

const SHA = '0123456789abcdef0123456789abcdef01234567';
const NOW = new Date('2026-03-04T05:06:07.890Z');
const LABEL_VALUE = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

test('the default version is <branch>-<UTC yyyymmdd-HHMMSS>-<sha7>', () => {
  assert.equal(defaultVersion({ branch: 'main', sha: SHA, now: NOW }), 'main-20260304-050607-0123456');
});

test('the branch is made label-safe: lower case, one - for any run of other characters', () => {
  assert.equal(
    defaultVersion({ branch: 'Feature/JIRA-12_Fix..Login', sha: SHA, now: NOW }),
    'feature-jira-12-fix-login-20260304-050607-0123456',
  );
  assert.equal(
    defaultVersion({ branch: '42/merge', sha: SHA, now: NOW }),
    '42-merge-20260304-050607-0123456',
  );
  assert.equal(defaultVersion({ branch: '///', sha: SHA, now: NOW }), '20260304-050607-0123456');
  assert.equal(defaultVersion({ sha: SHA, now: NOW }), '20260304-050607-0123456');
});

test('a long branch is cut so the version stays a label value of at most 63 characters ending in the sha', () => {
  for (const branch of [
    'a'.repeat(200),
    `${'b'.repeat(38)}-x`,
    `dependabot/npm_and_yarn/${'c'.repeat(60)}`,
  ]) {
    const v = defaultVersion({ branch, sha: SHA, now: NOW });
    assert.ok(v.length <= 63, `${v} has ${v.length} characters`);
    assert.match(v, LABEL_VALUE);
    assert.ok(v.endsWith('-0123456'), v);
    assert.ok(!v.includes('--'), v);
  }
});

test('the time is UTC, also when the machine is not', () => {
  const local = new Date(Date.UTC(2026, 11, 31, 23, 59, 59));
  assert.equal(defaultVersion({ branch: 'main', sha: SHA, now: local }), 'main-20261231-235959-0123456');
});

test('SOURCE_DATE_EPOCH fixes the release time; otherwise it is now', (t) => {
  // The clock is pinned, so "now" is a known instant and the assertion exact.
  t.mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 4, 17, 8, 30, 15) });
  assert.equal(releaseTime({ SOURCE_DATE_EPOCH: '1767225600' }).toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal(releaseTime({}).toISOString(), '2026-05-17T08:30:15.000Z');
  assert.equal(releaseTime({ SOURCE_DATE_EPOCH: 'yesterday' }).toISOString(), '2026-05-17T08:30:15.000Z');
});

test('the branch comes from the pull request head, else the pushed ref', () => {
  assert.equal(buildRefName({ GITHUB_HEAD_REF: 'feat', GITHUB_REF_NAME: '7/merge' }), 'feat');
  assert.equal(buildRefName({ GITHUB_REF_NAME: 'main' }), 'main');
  assert.equal(buildRefName({ GITHUB_REF: 'refs/tags/v1.2.0' }), 'v1.2.0');
  assert.equal(buildRefName({}), undefined);
});

test('without a commit there is no default version', () => {
  assert.throws(() => defaultVersion({ branch: 'main', sha: '', now: NOW }), {
    name: 'RenderParameterError',
    parameter: 'version',
    message: /^version: cannot derive a default/,
  });
});

test('a given version must be a label value', () => {
  assert.equal(checkVersion('v1.2.3'), 'v1.2.3');
  assert.equal(checkVersion('main-20260304-050607-0123456'), 'main-20260304-050607-0123456');
  for (const bad of ['v1/2', '-v1', 'v1+build', 'a'.repeat(64), 'v 1', '../x']) {
    assert.throws(
      () => checkVersion(bad),
      {
        name: 'RenderParameterError',
        parameter: 'version',
        message: /^version: .* is not usable as a release name/,
      },
      bad,
    );
  }
});
