// `npm run demo` (scripts/demo.ts) runs the whole pipeline through the built bundles and says where
// everything went.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@slipway/testbed';

test('the demo runs every step and prints where the image, the manifests and the message went', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/demo.ts')], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, SLIPWAY_TESTBED: '' },
    timeout: 300_000,
  });
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, out);
  const steps = [...out.matchAll(/^▶ (.+?) {2}\(exit (\d+),/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(
    steps.map(([name]) => name?.split(':')[0]),
    [
      'slack-notify',
      'test-cache',
      'test-cache',
      'ecr-login',
      'ecr-push',
      'render-manifest',
      'await-release',
      'render-manifest',
      'await-release',
      'gitops-publish',
      'ecr-push',
      'slack-notify',
    ],
  );
  // One release goes live through the pipeline stand-in; the next one's rollout fails, and the
  // failure is reported with the build's log tail.
  assert.match(out, /^ {4}status = live$/m);
  assert.match(
    out,
    /^▶ await-release: a failing rollout is reported as failed {2}\(exit 1, status failed, failed stage Deploy\)/m,
  );
  assert.match(out, /Last 50 lines of the build log/);
  // The GitOps path: the release is a commit in the local config repository.
  assert.match(out, /^ {4}[0-9a-f]{7,} Deploy shop main-\d{8}-\d{6}-[0-9a-f]{7} to staging$/m);
  assert.match(out, /^ {5}shop\/staging\/deployment\.yaml \| +\d+ \+/m);
  // The service's vendored dependency fills npm's cache: the first run saves it, the next restores it.
  const cache =
    /^ {4}npm cache: (\d+) bytes saved by the first run; the next run restored it \(cache-hit (\w+), npm's _cacache is back\)/m.exec(
      out,
    );
  assert.ok(cache, out);
  assert.ok(Number(cache[1]) > 0, 'something was saved');
  assert.equal(cache[2], 'true');
  // The staging retag went through the registry the image was pushed to: the same digest.
  const digests = [...out.matchAll(/^ {4}digest = (sha256:[0-9a-f]{64})$/gm)].map((m) => m[1]);
  assert.equal(digests.length, 2, out);
  assert.equal(digests[0], digests[1]);
  assert.ok(
    steps.every(([name, code]) => code === (name?.includes('a failing rollout') ? '1' : '0')),
    out,
  );
  const digest = /image-ref = \S+@(sha256:[0-9a-f]{64})/.exec(out)?.[1];
  assert.ok(digest, 'ecr-push printed the image-ref');
  assert.match(out, new RegExp(`^ {4}image {6}\\S+@${digest} `, 'm'));
  assert.match(
    out,
    /^ {4}manifests {2}s3:\/\/shop-deployments\/shop\/staging\/releases\/main-\d{8}-\d{6}-[0-9a-f]{7}\//m,
  );
  assert.match(
    out,
    /^ {4}artifact {3}s3:\/\/shop-deployments\/shop\/staging\/deploy\.zip \(S3 version \S+\)/m,
  );
  assert.match(out, /^ {4}Slack {6}message \d+\.\d+ in C0DEPLOYS, posted then updated/m);
  assert.match(
    out,
    /"text": ":white_check_mark: \*shop: deploy [0-9a-f]{7}\* succeeded — live in \d+/,
    'the message was updated to success, and says the release is live',
  );
  // No step reported an error annotation (the failing rollout is run and reported apart).
  assert.doesNotMatch(out, /^ {4}\[error\] /m);
});
