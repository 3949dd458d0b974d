import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildKeys, keyPart, relevantEnv, toolchainHash } from '@slipway/cache';

const parts = {
  prefix: 'slipway-v1',
  ecosystem: 'rust',
  os: 'linux',
  arch: 'x64',
  job: 'test',
  toolchainHash: 'abc123def456',
  lockfileHash: '0123456789abcdef',
};

describe('cache keys', () => {
  it('builds <prefix>-<ecosystem>-<os>-<arch>-<job>-<toolchain>-<lockfiles>', () => {
    assert.equal(buildKeys(parts).key, 'slipway-v1-rust-linux-x64-test-abc123def456-0123456789abcdef');
  });

  it('falls back to the same toolchain without the lockfile part, as a prefix of the key', () => {
    const { key, restoreKeys } = buildKeys(parts);
    assert.deepEqual(restoreKeys, ['slipway-v1-rust-linux-x64-test-abc123def456-']);
    assert.ok(key.startsWith(restoreKeys[0] as string));
    const other = buildKeys({ ...parts, lockfileHash: 'ffffffffffffffff' });
    assert.deepEqual(other.restoreKeys, restoreKeys, 'a changed lockfile keeps the restore key');
    const newCompiler = buildKeys({ ...parts, toolchainHash: '999999999999' });
    assert.ok(!key.startsWith(newCompiler.restoreKeys[0] as string), 'a new toolchain restores nothing old');
  });

  it('keeps commas and spaces out of keys, which the cache service refuses', () => {
    assert.equal(keyPart('ubuntu 22.04, arm'), 'ubuntu_22.04_arm');
    const { key } = buildKeys({ ...parts, job: 'test-a,b c' });
    assert.doesNotMatch(key, /[, ]/);
  });

  it('hashes the toolchain identity and its environment, whatever the order variables come in', () => {
    const a = toolchainHash(['rustc 1.95.0'], ['RUSTFLAGS=-Dwarnings', 'CARGO_INCREMENTAL=0']);
    const b = toolchainHash(['rustc 1.95.0'], ['CARGO_INCREMENTAL=0', 'RUSTFLAGS=-Dwarnings']);
    assert.equal(a, b);
    assert.match(a, /^[0-9a-f]{12}$/);
    assert.notEqual(a, toolchainHash(['rustc 1.96.0'], ['RUSTFLAGS=-Dwarnings', 'CARGO_INCREMENTAL=0']));
    assert.notEqual(a, toolchainHash(['rustc 1.95.0'], ['RUSTFLAGS=', 'CARGO_INCREMENTAL=0']));
  });

  it('takes the variables that change a Rust build, not locations or credentials', () => {
    const env = {
      RUSTFLAGS: '-C target-cpu=native',
      CARGO_INCREMENTAL: '0',
      CARGO_PROFILE_DEV_DEBUG: '0',
      CC: 'clang',
      CARGO_HOME: '/home/runner/.cargo',
      CARGO_TARGET_DIR: '/tmp/t',
      CARGO_TERM_COLOR: 'always',
      CARGO_REGISTRY_TOKEN: 'secret-token',
      CARGO_REGISTRIES_ACME_TOKEN: 'secret',
      PATH: '/usr/bin',
      HOME: '/home/runner',
    };
    assert.deepEqual(relevantEnv('rust', env), [
      'CARGO_INCREMENTAL=0',
      'CARGO_PROFILE_DEV_DEBUG=0',
      'CC=clang',
      'RUSTFLAGS=-C target-cpu=native',
    ]);
  });

  it('takes GOFLAGS and CGO settings for Go, and nothing for download caches', () => {
    const env = { GOFLAGS: '-mod=mod', CGO_ENABLED: '0', GOPATH: '/go', GOCACHE: '/c', NODE_OPTIONS: 'x' };
    assert.deepEqual(relevantEnv('go', env), ['CGO_ENABLED=0', 'GOFLAGS=-mod=mod']);
    assert.deepEqual(relevantEnv('node', env), []);
    assert.deepEqual(relevantEnv('python', env), []);
  });
});
