import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { unzipSync, strFromU8 } from 'fflate';
import { concatYaml, diffReleases, sha256Hex, zipFiles } from '@slipway/render';

const FILES: { name: string; content: string }[] = [
  { name: 'service.yaml', content: 'kind: Service\n' },
  { name: 'deployment.yaml', content: 'kind: Deployment\n' },
  { name: 'extra/job.yaml', content: 'kind: Job\n' },
];

test('the zip holds every rendered file with its content', async () => {
  const entries = unzipSync(await zipFiles(FILES));
  assert.deepEqual(Object.keys(entries), ['deployment.yaml', 'extra/job.yaml', 'service.yaml']);
  assert.equal(strFromU8(entries['extra/job.yaml'] ?? new Uint8Array()), 'kind: Job\n');
});

test('the zip is byte-identical for the same files, in any order, at any time', async () => {
  const a = await zipFiles(FILES);
  await new Promise((r) => setTimeout(r, 2100)); // past the 2-second resolution of zip times
  const b = await zipFiles([...FILES].reverse());
  assert.equal(sha256Hex(a), sha256Hex(b));
  const c = await zipFiles(
    FILES.map((f, i) =>
      i === 0
        ? {
            ...f,
            content: `${f.content}# changed\n`,
          }
        : f,
    ),
  );
  assert.notEqual(sha256Hex(a), sha256Hex(c));
});

test('the zip does not depend on the time zone of the machine', async () => {
  const script = `
    import { zipFiles, sha256Hex } from '@slipway/render';
    console.log(sha256Hex(await zipFiles(${JSON.stringify(FILES)})));`;
  const hashIn = (tz: string) =>
    execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, TZ: tz },
      encoding: 'utf8',
    }).trim();
  const utc = hashIn('UTC');
  assert.equal(hashIn('Pacific/Kiritimati'), utc);
  assert.equal(hashIn('America/Los_Angeles'), utc);
  assert.equal(utc, sha256Hex(await zipFiles(FILES)));
});

test('bundle yaml: one multi-document YAML, sorted, each file introduced by its name', () => {
  assert.equal(
    concatYaml([
      { name: 'b.yaml', content: '---\nkind: B\n' },
      { name: 'a.yaml', content: 'kind: A\n' },
    ]),
    '---\n# Source: a.yaml\nkind: A\n---\n# Source: b.yaml\nkind: B\n',
  );
});

test('the diff against the previous release is a unified diff per file, with added and removed files', async () => {
  const previous = [
    { name: 'deployment.yaml', content: 'replicas: 2\nimage: web:1\n' },
    { name: 'old.yaml', content: 'kind: ConfigMap\n' },
    { name: 'same.yaml', content: 'x: 1\n' },
  ];
  const current = [
    { name: 'deployment.yaml', content: 'replicas: 3\nimage: web:1\n' },
    { name: 'new.yaml', content: 'kind: Secret\n' },
    { name: 'same.yaml', content: 'x: 1\n' },
  ];
  const d = await diffReleases(previous, current, { previous: 'v1', current: 'v2' });
  assert.equal(d.changed, true);
  assert.deepEqual([d.modified, d.added, d.removed], [['deployment.yaml'], ['new.yaml'], ['old.yaml']]);
  assert.match(
    d.patch,
    /^--- a\/deployment\.yaml\tv1\n\+\+\+ b\/deployment\.yaml\tv2\n@@ -1,2 \+1,2 @@\n-replicas: 2\n\+replicas: 3\n image: web:1\n/,
  );
  assert.match(d.patch, /--- \/dev\/null\tv1\n\+\+\+ b\/new\.yaml\tv2\n/);
  assert.match(d.patch, /--- a\/old\.yaml\tv1\n\+\+\+ \/dev\/null\tv2\n/);
  assert.ok(!d.patch.includes('same.yaml'));
  assert.deepEqual(await diffReleases(current, current, { previous: 'v2', current: 'v2' }), {
    changed: false,
    patch: '',
    added: [],
    removed: [],
    modified: [],
  });
});
