import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffReleases } from '@slipway/render';
import { releaseSummary } from '../../../../actions/render-manifest/src/summary.ts';

const secret = (data: Record<string, string>, stringData?: Record<string, string>) =>
  [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: shop-db',
    '  namespace: shop',
    'type: Opaque',
    'data:',
    ...Object.entries(data).map(([k, v]) => `  ${k}: ${v}`),
    ...(stringData ? ['stringData:', ...Object.entries(stringData).map(([k, v]) => `  ${k}: ${v}`)] : []),
    '',
  ].join('\n');
const configMap = (level: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-config\ndata:\n  LOG_LEVEL: ${level}\n`;

const summaryOf = async (
  before: { name: string; content: string }[],
  after: { name: string; content: string }[],
) =>
  releaseSummary({
    project: 'shop',
    environment: 'prod',
    version: 'v2',
    previousVersion: 'v1',
    files: after.map((f) => f.name),
    dryRun: false,
    diff: await diffReleases(before, after, { previous: 'v1', current: 'v2' }),
  });

test('the summary diff shows Secret data only as redacted, while a ConfigMap value still shows', async () => {
  const md = await summaryOf(
    [
      { name: 'config.yaml', content: configMap('info') },
      { name: 'secret.yaml', content: secret({ PASSWORD: 'b2xkLXBhc3N3b3Jk', USER: 'c2hvcA==' }) },
    ],
    [
      { name: 'config.yaml', content: configMap('debug') },
      {
        name: 'secret.yaml',
        content: secret(
          { PASSWORD: 'bmV3LXBhc3N3b3Jk', USER: 'c2hvcA==', TOKEN: 'dG9rZW4tdmFsdWU=' },
          {
            API_KEY: 'plain-api-key-value',
          },
        ),
      },
    ],
  );
  for (const value of [
    'b2xkLXBhc3N3b3Jk',
    'bmV3LXBhc3N3b3Jk',
    'c2hvcA==',
    'dG9rZW4tdmFsdWU=',
    'plain-api-key-value',
  ])
    assert.ok(!md.includes(value), `${value} is not in the summary`);
  // Keys still show what happened: changed, added, and unchanged ones only as context.
  assert.match(md, /^- {2}PASSWORD: \(redacted\)$/m);
  assert.match(md, /^\+ {2}PASSWORD: \(redacted, changed\)$/m);
  assert.match(md, /^\+ {2}TOKEN: \(redacted\)$/m);
  assert.match(md, /^\+ {2}API_KEY: \(redacted\)$/m);
  assert.match(md, /^ {3}USER: \(redacted\)$/m);
  assert.match(md, /^- {2}LOG_LEVEL: info$/m);
  assert.match(md, /^\+ {2}LOG_LEVEL: debug$/m);
});

test('a removed Secret and a Secret inside a List are redacted too', async () => {
  const list = `apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata:\n      name: inner\n    data:\n      KEY: aW5uZXItc2VjcmV0\n`;
  const d = await diffReleases(
    [{ name: 'old-secret.yaml', content: secret({ PASSWORD: 'cmVtb3ZlZC1zZWNyZXQ=' }) }],
    [{ name: 'list.yaml', content: list }],
    { previous: 'v1', current: 'v2' },
  );
  assert.deepEqual([d.added, d.removed], [['list.yaml'], ['old-secret.yaml']]);
  assert.ok(!d.patch.includes('cmVtb3ZlZC1zZWNyZXQ='));
  assert.ok(!d.patch.includes('aW5uZXItc2VjcmV0'));
  assert.match(d.patch, /^- {2}PASSWORD: \(redacted\)$/m);
  assert.match(d.patch, /^\+ {6}KEY: \(redacted\)$/m);
});

test('a file naming a Secret that is not valid YAML is hidden whole', async () => {
  const d = await diffReleases(
    [],
    [{ name: 'broken.yaml', content: 'kind: Secret\ndata: {PASSWORD: hunter2\n' }],
    {
      previous: 'v1',
      current: 'v2',
    },
  );
  assert.ok(!d.patch.includes('hunter2'));
  assert.match(d.patch, /\(redacted\)/);
});
