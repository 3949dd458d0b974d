/**
 * The shell steps of the workflows, run the way a runner runs them (`shell: bash` is
 * `bash --noprofile --norc -eo pipefail {0}`), with the env: the step declares and a GITHUB_OUTPUT
 * file. `docker` is replaced by a recorder so the build's command line can be checked.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../../scripts/lib/actions.ts';

interface Step {
  name?: string;
  id?: string;
  run?: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'slw-steps-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function script(file: string, job: string, pick: (s: Step) => boolean): string {
  const wf = parse(readFileSync(join(repoRoot, '.github', 'workflows', file), 'utf8')) as {
    jobs: Record<string, { steps: Step[] }>;
  };
  const step = wf.jobs[job]?.steps.find(pick);
  assert.ok(step?.run, `no such run step in ${file} ${job}`);
  assert.doesNotMatch(step.run, /\$\{\{/, 'a run: script must not contain expressions');
  return step.run;
}

function runStep(run: string, env: Record<string, string>, path?: string) {
  const dir = mkdtempSync(join(scratch, 'step-'));
  const file = join(dir, 'step.sh');
  const output = join(dir, 'output');
  writeFileSync(file, run);
  writeFileSync(output, '');
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: path ? `${path}:${process.env.PATH ?? ''}` : (process.env.PATH ?? ''),
      RUNNER_TEMP: dir,
      GITHUB_OUTPUT: output,
      GITHUB_SHA: 'c0ffee0000000000000000000000000000000000',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/shop',
      ...env,
    },
  });
  const outputs = Object.fromEntries(
    readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, outputs, dir };
}

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('Locate Slipway (every reusable workflow)', () => {
  for (const [file, job] of [
    ['test.yml', 'test'],
    ['build-push.yml', 'build'],
    ['deploy.yml', 'deploy'],
    ['notify.yml', 'notify'],
  ] as const) {
    const run = script(file, job, (s) => s.id === 'slipway');

    it(`${file}: outputs the workflow's own commit`, () => {
      const r = runStep(run, { WORKFLOW_REPOSITORY: 'slipway/slipway', WORKFLOW_SHA: 'abc123' });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.outputs, { repository: 'slipway/slipway', sha: 'abc123' });
    });

    it(`${file}: stops with an explanation where job.workflow_sha is missing (act, older GHES)`, () => {
      const r = runStep(run, { WORKFLOW_REPOSITORY: '', WORKFLOW_SHA: '' });
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        /^::error::This runner does not provide job.workflow_repository\/job.workflow_sha/m,
      );
      assert.deepEqual(r.outputs, {});
      assert.match(r.stdout, /slipway-ref: OWNER\/REPO@SHA/);
    });

    const SHA = 'c0ffee'.padEnd(40, '7');
    it(`${file}: on GHES (no job.workflow_*) checks out the slipway-ref it was given`, () => {
      const r = runStep(run, {
        WORKFLOW_REPOSITORY: '',
        WORKFLOW_SHA: '',
        SLIPWAY_REF: `platform/slipway@${SHA}`,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(r.outputs, { repository: 'platform/slipway', sha: SHA });
    });

    for (const bad of [
      'v1',
      `platform/slipway@v1`,
      `platform/slipway@${SHA.slice(0, 12)}`,
      SHA,
      'a/b@main; rm -rf /',
    ]) {
      it(`${file}: refuses slipway-ref ${JSON.stringify(bad)} (not OWNER/REPO@full SHA) and checks nothing out`, () => {
        const r = runStep(run, { WORKFLOW_REPOSITORY: '', WORKFLOW_SHA: '', SLIPWAY_REF: bad });
        assert.equal(r.code, 1);
        assert.match(r.stdout, /^::error::input slipway-ref: .* is not OWNER\/REPO@SHA/m);
        assert.deepEqual(r.outputs, {});
      });
    }

    it(`${file}: prefers the runner's job.workflow_* and warns when slipway-ref names another commit`, () => {
      const r = runStep(run, {
        WORKFLOW_REPOSITORY: 'slipway/slipway',
        WORKFLOW_SHA: SHA,
        SLIPWAY_REF: `slipway/slipway@${'1'.repeat(40)}`,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.outputs, { repository: 'slipway/slipway', sha: SHA });
      assert.match(r.stdout, /^::warning::slipway-ref slipway\/slipway@1{40} is not used/m);
      const same = runStep(run, {
        WORKFLOW_REPOSITORY: 'slipway/slipway',
        WORKFLOW_SHA: SHA,
        SLIPWAY_REF: `slipway/slipway@${SHA}`,
      });
      assert.doesNotMatch(same.stdout, /::warning::/);
    });
  }
});

describe('test.yml: Test', () => {
  const run = script('test.yml', 'test', (s) => s.name === 'Test');

  it('runs a multi-line test command and stops at the first failing line', () => {
    const r = runStep(run, { TEST_COMMAND: 'echo one\nfalse\necho never' });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /one/);
    assert.doesNotMatch(r.stdout, /never/);
  });

  it('fails on a failing command in the middle of a pipe', () => {
    assert.notEqual(runStep(run, { TEST_COMMAND: 'false | cat' }).code, 0);
  });

  it('runs shell syntax (&&, quotes, variables) as written', () => {
    const r = runStep(run, { TEST_COMMAND: `X="a b" && echo "[$X]" && echo 'it''s'` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[a b]\nits\n');
  });
});

describe('build-push.yml: Build the image into an OCI layout', () => {
  const run = script('build-push.yml', 'build', (s) => Boolean(s.run?.includes('docker buildx build')));

  function withFakeDocker(env: Record<string, string>, createFails = false) {
    const bin = mkdtempSync(join(scratch, 'bin-'));
    const log = join(bin, 'calls');
    writeFileSync(
      join(bin, 'docker'),
      `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(log)}\n` +
        (createFails ? 'if [ "$1 $2" = "buildx create" ]; then exit 1; fi\n' : '') +
        'if [ "$1 $2" = "buildx build" ]; then for a in "$@"; do printf "<%s>" "$a"; done; echo; fi\n',
    );
    chmodSync(join(bin, 'docker'), 0o755);
    const r = runStep(run, env, bin);
    return { ...r, calls: readFileSync(log, 'utf8').trim().split('\n') };
  }

  it('exports an OCI layout to RUNNER_TEMP with one --build-arg per line and the context last', () => {
    const r = withFakeDocker({
      CONTEXT: 'services/api',
      DOCKERFILE: 'services/api/Dockerfile.prod',
      TARGET: 'runtime',
      BUILD_ARGS: 'VERSION=1.2.3\n\nNOTE=two words',
      PLATFORMS: 'linux/amd64,linux/arm64',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.calls[0] ?? '',
      /^buildx create --name slipway --driver docker-container --bootstrap --use$/,
    );
    assert.equal(
      r.stdout.trim(),
      [
        'buildx',
        'build',
        '--platform',
        'linux/amd64,linux/arm64',
        '--output',
        `type=oci,dest=${r.dir}/slipway-image,tar=false`,
        '--label',
        'org.opencontainers.image.source=https://github.com/acme/shop',
        '--label',
        'org.opencontainers.image.revision=c0ffee0000000000000000000000000000000000',
        '--file',
        'services/api/Dockerfile.prod',
        '--target',
        'runtime',
        '--build-arg',
        'VERSION=1.2.3',
        '--build-arg',
        'NOTE=two words',
        'services/api',
      ]
        .map((a) => `<${a}>`)
        .join(''),
    );
  });

  it('leaves out --file, --target and --build-arg when they are empty', () => {
    const r = withFakeDocker({
      CONTEXT: '.',
      DOCKERFILE: '',
      TARGET: '',
      BUILD_ARGS: '',
      PLATFORMS: 'linux/amd64',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /<--file>|<--target>|<--build-arg>/);
    assert.match(r.stdout, /<\.>\n$/);
  });

  it('reuses the builder when it exists already (self-hosted runners)', () => {
    const r = withFakeDocker(
      { CONTEXT: '.', DOCKERFILE: '', TARGET: '', BUILD_ARGS: '', PLATFORMS: 'linux/amd64' },
      true,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.calls.slice(0, 2), [
      'buildx create --name slipway --driver docker-container --bootstrap --use',
      'buildx use slipway',
    ]);
  });
});

describe('deploy.yml: Check the image reference', () => {
  const run = script('deploy.yml', 'deploy', (s) => s.id === 'image');

  it('outputs the digest of an image pinned by digest', () => {
    const r = runStep(run, { IMAGE: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${DIGEST}` });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.outputs, { digest: DIGEST });
  });

  for (const image of ['shop:latest', `shop@${DIGEST.slice(0, 20)}`, '', `shop@${DIGEST} ; echo owned`]) {
    it(`refuses ${JSON.stringify(image)} before anything is deployed`, () => {
      const r = runStep(run, { IMAGE: image });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^::error::image must be pinned by digest/m);
      assert.deepEqual(r.outputs, {});
    });
  }
});

describe('deploy.yml: Check the deploy target', () => {
  const run = script('deploy.yml', 'deploy', (s) => s.name === 'Check the deploy target');

  it('accepts s3, and gitops with a config repository', () => {
    assert.equal(runStep(run, { TARGET: 's3', GITOPS_REPOSITORY: '' }).code, 0);
    assert.equal(runStep(run, { TARGET: 'gitops', GITOPS_REPOSITORY: 'acme/k8s-config' }).code, 0);
  });

  it('refuses gitops without gitops-repository, and unknown targets', () => {
    const missing = runStep(run, { TARGET: 'gitops', GITOPS_REPOSITORY: '' });
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /^::error::target gitops needs gitops-repository/m);
    const unknown = runStep(run, { TARGET: 'argo', GITOPS_REPOSITORY: 'acme/k8s-config' });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stdout, /^::error::target must be s3 or gitops, got "argo"/m);
  });
});

describe('notify.yml: Start time', () => {
  const run = script('notify.yml', 'notify', (s) => s.id === 'clock');

  it('is now when the pipeline starts, and carried over afterwards', () => {
    // A `date` that answers for a fixed instant (2026-11-21T09:08:07Z) in whatever format it is asked.
    const clock = mkdtempSync(join(scratch, 'clock-'));
    const realDate = spawnSync('sh', ['-c', 'command -v date'], { encoding: 'utf8' }).stdout.trim();
    assert.ok(realDate.startsWith('/'), `date found at ${JSON.stringify(realDate)}`);
    writeFileSync(join(clock, 'date'), `#!/bin/sh\nexec '${realDate}' -d @1795252087 "$@"\n`);
    chmodSync(join(clock, 'date'), 0o755);
    const first = runStep(run, { STARTED_AT: '', TZ: 'Asia/Kolkata' }, clock);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.outputs, { 'started-at': '2026-11-21T09:08:07Z' }, 'now, in UTC, to the second');
    assert.deepEqual(runStep(run, { STARTED_AT: '2026-11-22T10:00:00Z' }).outputs, {
      'started-at': '2026-11-22T10:00:00Z',
    });
  });
});

describe('ci.yml: the end-to-end verdict', () => {
  const run = script('ci.yml', 'e2e-verify', () => true);
  const SHA = 'feedface00000000000000000000000000000000';
  const needs = (over: Record<string, unknown> = {}) => ({
    test: { result: 'success', outputs: { 'slipway-sha': SHA } },
    'e2e-build': {
      result: 'success',
      outputs: { 'slipway-sha': SHA, digest: DIGEST, 'image-ref': `127.0.0.1:5000/slipway-ci@${DIGEST}` },
    },
    'e2e-deploy': {
      result: 'success',
      outputs: {
        'slipway-sha': SHA,
        version: 'main-20261122-100000-feedfac',
        's3-uri': 's3://slipway-ci/slipway-demo/slipway-ci/releases/x/',
      },
    },
    'e2e-notify': { result: 'success', outputs: { 'slipway-sha': SHA } },
    ...over,
  });

  it('passes when every job succeeded with this commit and the outputs crossed the jobs', () => {
    const r = runStep(run, { NEEDS: JSON.stringify(needs()), WORKFLOW_SHA: SHA });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('fails when a job ran the actions of another commit', () => {
    const r = runStep(run, {
      NEEDS: JSON.stringify(needs({ 'e2e-notify': { result: 'success', outputs: { 'slipway-sha': 'v1' } } })),
      WORKFLOW_SHA: SHA,
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /e2e-notify used Slipway at 'v1'/);
  });

  it('fails when an output was dropped on the way (a masked value)', () => {
    const build = { result: 'success', outputs: { 'slipway-sha': SHA, digest: '', 'image-ref': '' } };
    const r = runStep(run, { NEEDS: JSON.stringify(needs({ 'e2e-build': build })), WORKFLOW_SHA: SHA });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /digest output is ''/);
  });
});
