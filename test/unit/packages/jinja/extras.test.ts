// Slipway's filters that Jinja2 does not have (documented by render-manifest): checked here
// rather than in the conformance suite, which compares with Jinja2 only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { Environment } from '../../../../packages/jinja/src/index.ts';

const env = new Environment();

test('to_yaml writes block YAML that kubectl (a YAML 1.1 reader) reads back as the same strings', () => {
  const values = {
    flags: { a: 'yes', b: 'on', c: 'off', d: 'y', mode: '0644', time: '1:20', plain: 'web' },
    n: 3,
  };
  const out = env.renderString('{{ m | to_yaml }}', { m: values });
  assert.match(out, /^flags:\n {2}a: "yes"\n {2}b: "on"\n/);
  assert.deepEqual(parse(out, { version: '1.1' }), values, 'a YAML 1.1 reader gets the strings back');
  assert.equal(
    env.renderString('{{ m | to_yaml | indent(2) }}', { m: { k: [1, 2] } }),
    'k:\n    - 1\n    - 2',
  );
});

test('b64encode and b64decode round-trip UTF-8', () => {
  assert.equal(env.renderString('{{ s | b64encode }}', { s: 'hunter2 ✓' }), 'aHVudGVyMiDinJM=');
  assert.equal(env.renderString('{{ s | b64encode | b64decode }}', { s: 'hunter2 ✓' }), 'hunter2 ✓');
});
