import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError, isWithin, resolveInWorkspace } from '@slipway/action-kit';

function layout() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'slw-wsp-')));
  const workspace = join(root, 'ws');
  const outside = join(root, 'outside');
  mkdirSync(join(workspace, 'deploy'), { recursive: true });
  mkdirSync(outside);
  mkdirSync(`${workspace}-evil`);
  writeFileSync(join(workspace, 'deploy', 'values.yaml'), 'a: 1\n');
  symlinkSync(outside, join(workspace, 'out-link'));
  symlinkSync(join(workspace, 'deploy'), join(workspace, 'in-link'));
  return { root, workspace, outside };
}

describe('resolveInWorkspace', () => {
  const { workspace, outside } = layout();

  it('returns the real path of a file or folder inside, existing or not', () => {
    assert.equal(
      resolveInWorkspace('values-files', 'deploy/values.yaml', { workspace }),
      join(workspace, 'deploy', 'values.yaml'),
    );
    assert.equal(
      resolveInWorkspace('output-dir', 'rendered/staging', { workspace }),
      join(workspace, 'rendered', 'staging'),
    );
    assert.equal(
      resolveInWorkspace('values-files', 'in-link/values.yaml', { workspace }),
      join(workspace, 'deploy', 'values.yaml'),
    );
    assert.equal(resolveInWorkspace('output-dir', '.', { workspace }), workspace);
  });

  for (const [what, path] of [
    ['../', '../outside/x'],
    ['an absolute path', '/etc/passwd'],
    ['a symbolic link out', 'out-link/x'],
    ['a sibling whose name starts with the workspace name', '../ws-evil/x'],
    ['a missing file below a symbolic link out', 'out-link/new/deeper'],
  ] as const) {
    it(`refuses ${what}, naming the input and the way out`, () => {
      assert.throws(
        () => resolveInWorkspace('values-files', path, { workspace }),
        (err: unknown) =>
          err instanceof InputError &&
          err.input === 'values-files' &&
          /is outside the workspace .*; use a path inside GITHUB_WORKSPACE, or set allow-outside-workspace: true/.test(
            err.message,
          ),
      );
    });
  }

  it('accepts anything with allowOutside, still returning the real path', () => {
    assert.equal(
      resolveInWorkspace('source', 'out-link/img', { workspace, allowOutside: true }),
      join(outside, 'img'),
    );
  });

  it('compares path components, not string prefixes', () => {
    assert.equal(isWithin('/a/ws-evil/x', '/a/ws'), false);
    assert.equal(isWithin('/a/ws/..x', '/a/ws'), true);
    assert.equal(isWithin('/a/ws', '/a/ws'), true);
  });
});
