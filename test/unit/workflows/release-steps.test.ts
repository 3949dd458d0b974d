/**
 * The shell steps of release.yml, run as a runner runs them (`bash --noprofile --norc -eo
 * pipefail`, the step's env, a GITHUB_OUTPUT file) in a clone of a bare repository: the tags land
 * in the bare repository, `gh` is a recorder, and the GitHub API is a local server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../../scripts/lib/actions.ts';
import { NODE24, releaseFixture } from '../scripts/release-fixture.ts';

interface Step {
  name?: string;
  id?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Job {
  permissions?: Record<string, string>;
  needs?: string;
  steps: Step[];
}
const workflow = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'release.yml'), 'utf8')) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};

function script(job: string, name: string): string {
  const step = workflow.jobs[job]?.steps.find((s) => s.name === name);
  assert.ok(step?.run, `no run step "${name}" in release.yml ${job}`);
  assert.doesNotMatch(step.run, /\$\{\{/, 'a run: script must not contain expressions');
  return step.run;
}

/** A folder for PATH with `node` (the runners' Node 24) and a `gh` that records its arguments. */
function tools(base: string, ghView: 'found' | 'missing') {
  const bin = join(base, 'bin');
  mkdirSync(bin);
  symlinkSync(NODE24, join(bin, 'node'));
  const calls = join(base, 'gh-calls');
  writeFileSync(
    join(bin, 'gh'),
    [
      '#!/usr/bin/env bash',
      `printf '%s\\n' "$*" >> ${JSON.stringify(calls)}`,
      'if [ "$1 $2" = "release view" ]; then',
      ghView === 'found' ? '  exit 0' : '  echo "release not found" >&2; exit 1',
      'fi',
      'if [ "$1 $2" = "release create" ]; then',
      '  while [ $# -gt 0 ]; do',
      `    if [ "$1" = --notes-file ]; then cp "$2" ${JSON.stringify(join(base, 'notes-given'))}; fi`,
      '    shift',
      '  done',
      'fi',
    ].join('\n'),
  );
  chmodSync(join(bin, 'gh'), 0o755);
  return {
    bin,
    calls: () => {
      try {
        return readFileSync(calls, 'utf8').trim().split('\n');
      } catch {
        return [];
      }
    },
    notes: () => readFileSync(join(base, 'notes-given'), 'utf8'),
  };
}

/**
 * Runs one step's script in the clone; asynchronous, so a server in this process can answer it.
 * Without the test's git identity: the step must configure its own, as on a runner.
 */
async function runStep(
  fx: ReturnType<typeof releaseFixture>,
  bin: string,
  run: string,
  env: Record<string, string>,
) {
  const file = join(fx.base, `step-${Math.random().toString(36).slice(2)}.sh`);
  const output = join(fx.base, 'output');
  writeFileSync(file, run);
  writeFileSync(output, '');
  const stepEnv: NodeJS.ProcessEnv = {
    ...fx.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    RUNNER_TEMP: fx.base,
    GITHUB_OUTPUT: output,
    ...env,
  };
  for (const v of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']) {
    Reflect.deleteProperty(stepEnv, v);
  }
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    cwd: fx.work,
    env: stepEnv,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const outputs = Object.fromEntries(
    readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { code, stdout, stderr, outputs };
}

describe('release.yml', () => {
  it('runs on a dispatch with a version or on a pushed vX.Y.Z tag, and writes only in the tagging job', () => {
    assert.deepEqual(Object.keys(workflow.on).sort(), ['push', 'workflow_dispatch']);
    assert.deepEqual(workflow.on.push, { tags: ['v[0-9]+.[0-9]+.[0-9]+'] });
    assert.deepEqual(workflow.permissions, {});
    assert.deepEqual(workflow.jobs.verify?.permissions, { contents: 'read', actions: 'read' });
    assert.deepEqual(workflow.jobs.release?.permissions, { contents: 'write' });
    assert.equal(workflow.jobs.release?.needs, 'verify');
    const verify = workflow.jobs.verify?.steps.map((s) => s.run ?? '') ?? [];
    assert.ok(verify.includes('npm run check-dist'), 'verify rebuilds and compares dist/');
    assert.ok(
      !workflow.jobs.release?.steps.some((s) => /\bnpm\b/.test(s.run ?? '')),
      'the job that can write installs no dependency',
    );
  });

  describe('verify: Version asked for', () => {
    const run = script('verify', 'Version asked for');

    it('checks the dispatched version and outputs it without the v', async () => {
      const fx = releaseFixture('1.0.0', { withScripts: true });
      const { bin } = tools(fx.base, 'missing');
      const r = await runStep(fx, bin, run, {
        EVENT_NAME: 'workflow_dispatch',
        INPUT_VERSION: 'v1.0.0',
        REF: 'refs/heads/main',
        REF_NAME: 'main',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.outputs, { version: '1.0.0' });
    });

    it('takes the version from a pushed tag', async () => {
      const fx = releaseFixture('1.0.0', { withScripts: true });
      const { bin } = tools(fx.base, 'missing');
      const r = await runStep(fx, bin, run, {
        EVENT_NAME: 'push',
        REF: 'refs/tags/v1.0.0',
        REF_NAME: 'v1.0.0',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.outputs, { version: '1.0.0' });
    });

    it('refuses a version other than package.json’s, and a feature branch, with no output', async () => {
      const fx = releaseFixture('1.0.0', { withScripts: true });
      const { bin } = tools(fx.base, 'missing');
      const wrong = await runStep(fx, bin, run, {
        EVENT_NAME: 'workflow_dispatch',
        INPUT_VERSION: '1.2.0',
        REF: 'refs/heads/main',
        REF_NAME: 'main',
      });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /version 1\.2\.0 is not the version in package\.json \(1\.0\.0\)/);
      assert.deepEqual(wrong.outputs, {});
      const branch = await runStep(fx, bin, run, {
        EVENT_NAME: 'workflow_dispatch',
        INPUT_VERSION: '1.0.0',
        REF: 'refs/heads/feature',
        REF_NAME: 'feature',
      });
      assert.equal(branch.code, 1);
      assert.match(
        branch.stdout,
        /^::error::Release from main, a release\/\* branch .* not refs\/heads\/feature/,
      );
      assert.deepEqual(branch.outputs, {});
    });
  });

  describe('verify: ci passed on this commit', () => {
    const run = script('verify', 'ci passed on this commit');
    const seen: string[] = [];
    let conclusion = 'success';
    const server = createServer((req, res) => {
      seen.push(`${req.url ?? ''} ${req.headers.authorization ?? ''}`);
      const sha = new URL(req.url ?? '/', 'http://x').searchParams.get('head_sha');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          workflow_runs: [{ head_sha: sha, status: 'completed', conclusion, html_url: 'https://run/1' }],
        }),
      );
    });
    const api = new Promise<string>((resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      ),
    );
    after(() => server.close());

    it('asks for the ci.yml runs of the commit with the job token, and fails unless one passed', async () => {
      const fx = releaseFixture('1.0.0', { withScripts: true });
      const { bin } = tools(fx.base, 'missing');
      const sha = 'f'.repeat(40);
      const env = {
        GITHUB_TOKEN: 'ghs_job',
        SHA: sha,
        GITHUB_API_URL: await api,
        GITHUB_REPOSITORY: 'slipway/slipway',
      };
      const ok = await runStep(fx, bin, run, env);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /ci passed: https:\/\/run\/1/);
      assert.equal(
        seen.at(-1),
        `/repos/slipway/slipway/actions/workflows/ci.yml/runs?head_sha=${sha}&per_page=100 Bearer ghs_job`,
      );
      conclusion = 'failure';
      const failed = await runStep(fx, bin, run, env);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /ci\.yml did not pass on ffffffffffff/);
      assert.ok(!`${failed.stdout}${failed.stderr}`.includes('ghs_job'));
    });
  });

  describe('release: Tag vX.Y.Z and move vX, then the GitHub release', () => {
    const tagRun = script('release', 'Tag vX.Y.Z and move vX');
    const publishRun = script('release', 'GitHub release with the changelog section as notes');

    it('pushes the tags and creates the release with the changelog section as its notes', async () => {
      const fx = releaseFixture('1.0.0', { withScripts: true });
      const gh = tools(fx.base, 'missing');
      const head = fx.git('rev-parse', 'HEAD');
      const tagged = await runStep(fx, gh.bin, tagRun, { VERSION: '1.0.0' });
      assert.equal(tagged.code, 0, tagged.stderr);
      assert.equal(fx.remoteTag('v1.0.0'), head);
      assert.equal(fx.remoteTag('v1'), head);
      assert.match(fx.remote('cat-file', '-p', 'refs/tags/v1.0.0'), /\ntagger github-actions\[bot\] </);
      assert.deepEqual(tagged.outputs, { latest: 'true' });

      const published = await runStep(fx, gh.bin, publishRun, {
        VERSION: '1.0.0',
        GH_TOKEN: 't',
        LATEST: tagged.outputs.latest ?? '',
      });
      assert.equal(published.code, 0, published.stderr);
      const calls = gh.calls();
      assert.equal(calls[0], 'release view v1.0.0');
      assert.match(
        calls[1] ?? '',
        /^release create v1\.0\.0 --verify-tag --title v1\.0\.0 --latest=true --notes-file \S+notes\.md$/,
      );
      assert.equal(gh.notes(), '### Fixed\n\n- What 1.0.0 fixed.\n');
    });

    it('leaves an existing release as it is on a re-run', async () => {
      const fx = releaseFixture('1.0.0', { withScripts: true });
      const gh = tools(fx.base, 'found');
      assert.equal((await runStep(fx, gh.bin, tagRun, { VERSION: '1.0.0' })).code, 0);
      const again = await runStep(fx, gh.bin, tagRun, { VERSION: '1.0.0' });
      assert.equal(again.code, 0, again.stderr);
      const published = await runStep(fx, gh.bin, publishRun, { VERSION: '1.0.0', GH_TOKEN: 't' });
      assert.equal(published.code, 0, published.stderr);
      assert.deepEqual(gh.calls(), ['release view v1.0.0']);
      assert.match(published.stdout, /The release v1\.0\.0 exists already/);
    });
  });
});
