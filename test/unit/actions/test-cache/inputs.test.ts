import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError, Inputs, mapInputs } from '@slipway/action-kit';
import { readTestCacheInputs } from '../../../../actions/test-cache/src/inputs.ts';

const ctx = {
  workspace: mkdtempSync(join(tmpdir(), 'slw-ws-')),
  home: mkdtempSync(join(tmpdir(), 'slw-home-')),
};
const read = (values: Record<string, string>) => readTestCacheInputs(new Inputs(mapInputs(values)), ctx);

function rejects(values: Record<string, string>, input: string, pattern: RegExp): void {
  assert.throws(
    () => read(values),
    (err: unknown) => {
      assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
      assert.equal(err.input, input);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('test-cache inputs', () => {
  it('defaults to auto detection, saving under auto, pruning, and no save on failure', () => {
    assert.deepEqual(read({}), {
      ecosystems: 'auto',
      paths: [],
      key: undefined,
      prefix: 'slipway-v1',
      save: 'auto',
      saveBranches: [],
      saveOnFailure: false,
      prune: true,
    });
  });

  it('reads a list of ecosystems in any case and order', () => {
    assert.deepEqual(read({ ecosystem: 'Node, rust' }).ecosystems, ['rust', 'node']);
    assert.deepEqual(read({ ecosystem: 'go\npython' }).ecosystems, ['go', 'python']);
    assert.equal(read({ ecosystem: 'AUTO' }).ecosystems, 'auto');
  });

  it('rejects an unknown ecosystem, naming it and the accepted values', () => {
    rejects(
      { ecosystem: 'rust, cobol' },
      'ecosystem',
      /"cobol" is not an ecosystem; use auto, or one or more of rust, node, go, python/,
    );
  });

  it('rejects auto combined with a named ecosystem', () => {
    rejects(
      { ecosystem: 'auto,rust' },
      'ecosystem',
      /auto detects every ecosystem and cannot be combined with rust/,
    );
  });

  it('rejects an unknown save mode', () => {
    rejects({ save: 'sometimes' }, 'save', /"sometimes" is not allowed; use one of auto, always, never/);
  });

  it('rejects a path outside the workspace that does not exist', () => {
    rejects(
      { path: '/nonexistent/slipway/cache' },
      'path',
      /"\/nonexistent\/slipway\/cache" is outside the workspace and does not exist/,
    );
    rejects(
      { path: '../../../no-such-dir-slipway', 'allow-outside-workspace': 'true' },
      'path',
      /is outside the workspace and does not exist/,
    );
  });

  it('keeps relative paths, files of the repository, inside the workspace unless allowed', () => {
    rejects(
      { path: '../../../no-such-dir-slipway' },
      'path',
      /is outside the workspace .*; use a path inside GITHUB_WORKSPACE, or set allow-outside-workspace: true/,
    );
    rejects({ path: '../elsewhere/**' }, 'path', /is outside the workspace; relative paths name files/);
    assert.equal(read({ path: '..', 'allow-outside-workspace': 'true' }).paths.length, 1);
  });

  it('accepts paths in the workspace or under HOME before they exist, existing paths anywhere, and globs', () => {
    const paths = read({ path: 'build/cache\n~/.m2/repository\n/tmp\n/opt/*/cache\n!build/cache/tmp' }).paths;
    assert.deepEqual(paths, [
      join(ctx.workspace, 'build/cache'),
      join(ctx.home, '.m2/repository'),
      '/tmp',
      '/opt/*/cache',
      `!${join(ctx.workspace, 'build/cache/tmp')}`,
    ]);
  });

  it('rejects key and prefix values that cannot be part of a cache key', () => {
    rejects({ key: 'a,b' }, 'key', /"a,b" cannot be part of a cache key/);
    rejects({ key: 'ubuntu latest' }, 'key', /no commas or spaces/);
    rejects({ prefix: 'x'.repeat(101) }, 'prefix', /up to 100/);
    assert.equal(read({ key: 'node-22/ubuntu' }).key, 'node-22/ubuntu');
  });

  it('reads save-branches as names or patterns and refuses full refs', () => {
    assert.deepEqual(read({ 'save-branches': 'develop, release/*' }).saveBranches, ['develop', 'release/*']);
    rejects({ 'save-branches': 'refs/heads/develop' }, 'save-branches', /without refs\/heads\//);
  });

  it('rejects booleans that are not booleans', () => {
    rejects({ 'save-on-failure': 'maybe' }, 'save-on-failure', /"maybe" is not a boolean/);
    rejects({ prune: '2' }, 'prune', /is not a boolean/);
    assert.equal(read({ 'save-on-failure': 'yes', prune: 'false' }).saveOnFailure, true);
  });
});
