import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { missingFixtureCrates, rustFixture } from '../../../integration/test-cache/job.ts';

const LOCK = readFileSync(join(rustFixture, 'Cargo.lock'), 'utf8');
const CRATES = [
  'aho-corasick-0.7.19',
  'anyhow-1.0.69',
  'itoa-1.0.1',
  'memchr-2.5.0',
  'regex-1.7.1',
  'regex-syntax-0.6.27',
  'ryu-1.0.2',
  'serde-1.0.152',
  'serde_json-1.0.87',
];

function registry(present: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'slw-registry-'));
  for (const crate of present) mkdirSync(join(dir, crate));
  return dir;
}

describe("the Rust fixture's crates against a Debian registry", () => {
  it('finds nothing missing when every locked crate is there at its version', () => {
    assert.deepEqual(missingFixtureCrates(registry(CRATES), LOCK), []);
  });

  it('names the Debian package of each crate a --no-install-recommends install leaves out', () => {
    const missing = missingFixtureCrates(
      registry(CRATES.filter((c) => !c.startsWith('aho-corasick') && !c.startsWith('serde_json'))),
      LOCK,
    );
    assert.deepEqual(
      missing.map((m) => m.debianPackage),
      ['librust-aho-corasick-dev', 'librust-serde-json-dev'],
    );
  });

  it('counts another version of a crate as missing, and ignores the workspace members', () => {
    const missing = missingFixtureCrates(
      registry(CRATES.map((c) => (c === 'memchr-2.5.0' ? 'memchr-2.7.4' : c))),
      LOCK,
    );
    assert.deepEqual(missing, [{ crate: 'memchr', version: '2.5.0', debianPackage: 'librust-memchr-dev' }]);
  });

  it('lists every locked registry crate in scripts/install-testbed.sh', () => {
    const script = readFileSync(join(rustFixture, '..', '..', '..', 'scripts', 'install-testbed.sh'), 'utf8');
    for (const m of missingFixtureCrates(registry([]), LOCK)) {
      assert.match(script, new RegExp(`^\\s+${m.debianPackage}:$`, 'm'), m.debianPackage);
    }
  });
});
