import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LEDGER_LIMIT,
  addRelease,
  findRelease,
  immutabilityConflict,
  parseLedger,
  previousRelease,
  serializeLedger,
  type Ledger,
  type LedgerRelease,
} from '@slipway/aws/s3-ledger.ts';

const release = (version: string, files: [string, string][] = [['web.yaml', 'aa']]): LedgerRelease => ({
  version,
  publishedAt: `2026-01-01T00:00:0${version.length % 10}Z`,
  files: files.map(([name, sha256]) => ({ name, sha256, key: `p/releases/${version}/${name}`, size: 1 })),
});

test('the first release starts the ledger', () => {
  assert.deepEqual(addRelease(undefined, release('v1')), { schema: 1, releases: [release('v1')] });
});

test('a new release goes first and every other entry is kept as it was', () => {
  const ledger: Ledger = { schema: 1, releases: [release('v2'), release('v1')] };
  const next = addRelease(ledger, release('v3'));
  assert.deepEqual(
    next.releases.map((r) => r.version),
    ['v3', 'v2', 'v1'],
  );
  assert.deepEqual(next.releases.slice(1), ledger.releases);
  assert.deepEqual(
    ledger.releases.map((r) => r.version),
    ['v2', 'v1'],
    'the input is not modified',
  );
});

test('two publishers merging into the latest copy both land, whichever writes first', () => {
  const base: Ledger = { schema: 1, releases: [release('v1')] };
  // A wrote first; B's conditional write failed, so B merges into A's result.
  const afterA = addRelease(base, release('a'));
  const afterB = addRelease(afterA, release('b'));
  assert.deepEqual(
    afterB.releases.map((r) => r.version),
    ['b', 'a', 'v1'],
  );
});

test('republishing a version replaces its entry instead of listing it twice', () => {
  const ledger: Ledger = { schema: 1, releases: [release('v2'), release('v1')] };
  const next = addRelease(ledger, { ...release('v1'), runUrl: 'rerun' });
  assert.deepEqual(
    next.releases.map((r) => [r.version, r.runUrl]),
    [
      ['v1', 'rerun'],
      ['v2', undefined],
    ],
  );
});

test('the ledger keeps the newest LEDGER_LIMIT releases', () => {
  let ledger: Ledger | undefined;
  for (let i = 0; i < LEDGER_LIMIT + 5; i++) ledger = addRelease(ledger, release(`r${i}`));
  assert.equal(ledger?.releases.length, LEDGER_LIMIT);
  assert.equal(ledger?.releases[0]?.version, `r${LEDGER_LIMIT + 4}`);
  assert.equal(ledger?.releases.at(-1)?.version, 'r5');
});

test('the previous release is the newest entry of another version', () => {
  const ledger: Ledger = { schema: 1, releases: [release('v3'), release('v2'), release('v1')] };
  assert.equal(previousRelease(ledger, 'v4')?.version, 'v3');
  assert.equal(previousRelease(ledger, 'v3')?.version, 'v2', 're-publishing v3 compares with v2');
  assert.equal(previousRelease(undefined, 'v1'), undefined);
  assert.equal(findRelease(ledger, 'v2')?.version, 'v2');
});

test('a published release may only be published again with identical files', () => {
  const published = release('v1', [
    ['a.yaml', '11'],
    ['b.yaml', '22'],
  ]);
  const same = [
    { name: 'b.yaml', sha256: '22' },
    { name: 'a.yaml', sha256: '11' },
  ];
  assert.equal(immutabilityConflict(published, same), undefined);
  assert.equal(immutabilityConflict(undefined, same), undefined);
  assert.match(
    immutabilityConflict(published, [
      { name: 'a.yaml', sha256: '99' },
      { name: 'c.yaml', sha256: '33' },
    ]) ?? '',
    /^release v1 was already published \(.*\) with other content: a\.yaml \(changed\), b\.yaml \(gone\), c\.yaml \(new\)$/,
  );
});

test('the ledger round-trips; anything else in its place is an error saying where', () => {
  const ledger = addRelease(undefined, release('v1'));
  assert.deepEqual(parseLedger(serializeLedger(ledger), 's3://b/releases.json'), ledger);
  assert.ok(serializeLedger(ledger).endsWith('}\n'));
  assert.throws(
    () => parseLedger('{oops', 's3://b/p/releases.json'),
    /s3:\/\/b\/p\/releases\.json is not valid JSON/,
  );
  assert.throws(
    () => parseLedger('{"items": []}', 's3://b/p/releases.json'),
    /is not a Slipway release ledger/,
  );
  assert.throws(
    () => parseLedger('{"schema": 2, "releases": []}', 'x'),
    /has schema 2, which this version of Slipway does not know/,
  );
});
