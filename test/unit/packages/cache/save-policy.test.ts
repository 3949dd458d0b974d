import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRunContext } from '@slipway/action-kit';
import { branchOf, decideSave, matchesBranch, type SaveContext } from '@slipway/cache';

const ctx = (over: Partial<SaveContext>): SaveContext => ({
  mode: 'auto',
  exactHit: false,
  ref: 'refs/heads/main',
  defaultBranch: 'main',
  saveBranches: [],
  event: 'push',
  ...over,
});

describe('save policy', () => {
  it('saves under auto on the default branch when there was no exact hit', () => {
    const d = decideSave(ctx({}));
    assert.equal(d.save, true);
    assert.match(d.reason, /main is the default branch/);
  });

  it('does not save after an exact hit, whatever the mode, since entries are immutable', () => {
    for (const mode of ['auto', 'always'] as const) {
      const d = decideSave(ctx({ mode, exactHit: true }));
      assert.equal(d.save, false);
      assert.match(d.reason, /exact hit/);
    }
  });

  it('does not save a pull request ref under auto, and says why', () => {
    const d = decideSave(ctx({ ref: 'refs/pull/1/merge' }));
    assert.equal(d.save, false);
    assert.match(d.reason, /refs\/pull\/1\/merge is not a branch/);
  });

  it('does not save a feature branch or a tag under auto', () => {
    assert.equal(decideSave(ctx({ ref: 'refs/heads/feature/x' })).save, false);
    assert.match(
      decideSave(ctx({ ref: 'refs/heads/feature/x' })).reason,
      /neither the default branch \(main\)/,
    );
    assert.equal(decideSave(ctx({ ref: 'refs/tags/v1.0.0' })).save, false);
    assert.equal(decideSave(ctx({ ref: undefined })).save, false);
  });

  it("saves under auto only on events that run the repository's own code, and says why", () => {
    for (const event of ['push', 'schedule', 'workflow_dispatch', 'merge_group', 'release']) {
      assert.equal(decideSave(ctx({ event })).save, true, event);
    }
    for (const event of [
      'pull_request_target',
      'workflow_run',
      'issue_comment',
      'pull_request_review',
      undefined,
    ]) {
      const d = decideSave(ctx({ event }));
      assert.equal(d.save, false, String(event));
      assert.match(
        d.reason,
        /may run code that is not the repository's own in the base branch's cache scope/,
      );
    }
    assert.match(decideSave(ctx({ event: 'workflow_run' })).reason, /^event workflow_run /);
    assert.equal(decideSave(ctx({ event: 'pull_request_target', mode: 'always' })).save, true);
  });

  it('saves branches listed in save-branches, with * patterns', () => {
    const d = decideSave(ctx({ ref: 'refs/heads/release/2.1', saveBranches: ['develop', 'release/*'] }));
    assert.equal(d.save, true);
    assert.match(d.reason, /matches save-branches \(release\/\*\)/);
    assert.equal(decideSave(ctx({ ref: 'refs/heads/releases', saveBranches: ['release/*'] })).save, false);
  });

  it('uses main and master when the default branch is unknown', () => {
    assert.equal(decideSave(ctx({ defaultBranch: undefined, ref: 'refs/heads/master' })).save, true);
    assert.equal(decideSave(ctx({ defaultBranch: undefined, ref: 'refs/heads/main' })).save, true);
    assert.equal(decideSave(ctx({ defaultBranch: 'trunk', ref: 'refs/heads/main' })).save, false);
    assert.equal(decideSave(ctx({ defaultBranch: 'trunk', ref: 'refs/heads/trunk' })).save, true);
  });

  it('always saves any ref without an exact hit; never saves nothing', () => {
    assert.equal(decideSave(ctx({ mode: 'always', ref: 'refs/pull/7/merge' })).save, true);
    assert.equal(decideSave(ctx({ mode: 'never' })).save, false);
  });

  it('reads the default branch from the event payload and survives a missing or broken one', () => {
    const defaultBranchFromEvent = (path: string | undefined) =>
      readRunContext({ GITHUB_EVENT_PATH: path }).defaultBranch;
    const dir = mkdtempSync(join(tmpdir(), 'slw-event-'));
    writeFileSync(join(dir, 'push.json'), JSON.stringify({ repository: { default_branch: 'trunk' } }));
    writeFileSync(join(dir, 'broken.json'), '{');
    writeFileSync(join(dir, 'none.json'), JSON.stringify({ ref: 'refs/heads/x' }));
    assert.equal(defaultBranchFromEvent(join(dir, 'push.json')), 'trunk');
    assert.equal(defaultBranchFromEvent(join(dir, 'broken.json')), undefined);
    assert.equal(defaultBranchFromEvent(join(dir, 'none.json')), undefined);
    assert.equal(defaultBranchFromEvent(join(dir, 'missing.json')), undefined);
    assert.equal(defaultBranchFromEvent(undefined), undefined);
  });

  it('matches branch patterns literally except for *', () => {
    assert.equal(branchOf('refs/heads/a/b'), 'a/b');
    assert.equal(matchesBranch('v1.x', 'v1.x'), true);
    assert.equal(matchesBranch('v1yx', 'v1.x'), false, 'a dot is not a wildcard');
    assert.equal(matchesBranch('hotfix/a/b', 'hotfix/*'), true);
  });
});
