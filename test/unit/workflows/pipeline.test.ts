import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../../scripts/lib/actions.ts';
import { evaluate, interpolate, simulate, type JobResult, type Scenario } from './simulate.ts';

/** The value, asserted present (keeps the non-null assertions out of the tests). */
function must<T>(value: T | undefined | null, what = 'value'): T {
  assert.ok(value !== undefined && value !== null, `missing ${what}`);
  return value;
}

const read = (name: string) => readFileSync(join(repoRoot, '.github', 'workflows', name), 'utf8');
const pipeline = read('pipeline.yml');

const REQUIRED = {
  project: 'shop',
  'test-command': 'npm test',
  'aws-region': 'eu-west-1',
  templates: 'deploy/*.j2',
  bucket: 'shop-deployments',
  'slack-channel': '#deploys',
};
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:${'a'.repeat(64)}`;
const OUTPUTS = {
  'notify-start': { ts: '1700000000.000100', channel: 'C0DEPLOYS', 'started-at': '2026-11-22T10:00:00Z' },
  build: { 'image-ref': IMAGE, digest: `sha256:${'a'.repeat(64)}` },
  'deploy-staging': { version: 'main-20261122-100500-abc1234' },
  'deploy-production': { version: 'main-20261122-100500-abc1234' },
};

function push(ref = 'refs/heads/main', extra: Partial<Scenario> = {}): Scenario {
  return {
    github: { event_name: 'push', ref, event: { repository: { default_branch: 'main' } } },
    inputs: REQUIRED,
    outputs: OUTPUTS,
    ...extra,
  };
}

const ran = (jobs: Record<string, { result: JobResult }>) =>
  Object.entries(jobs)
    .filter(([, j]) => j.result !== 'skipped')
    .map(([id]) => id)
    .sort();

describe('pipeline.yml job graph', () => {
  it('runs only the tests for a pull request', () => {
    const jobs = simulate(pipeline, {
      github: {
        event_name: 'pull_request',
        ref: 'refs/pull/7/merge',
        event: { repository: { default_branch: 'main' } },
      },
      inputs: REQUIRED,
      outputs: OUTPUTS,
    });
    assert.deepEqual(ran(jobs), ['test']);
  });

  it('runs only the tests for a push to another branch', () => {
    assert.deepEqual(ran(simulate(pipeline, push('refs/heads/feature'))), ['test']);
  });

  it('runs the whole chain for a push to the default branch and reports success in place', () => {
    const jobs = simulate(pipeline, push());
    assert.deepEqual(ran(jobs), [
      'build',
      'deploy-production',
      'deploy-staging',
      'notify-finish',
      'notify-staging',
      'notify-start',
      'test',
    ]);
    const finish = must(jobs['notify-finish']).with;
    assert.equal(finish.status, 'success');
    assert.equal(finish['message-ts'], OUTPUTS['notify-start'].ts);
    assert.equal(finish.channel, OUTPUTS['notify-start'].channel);
    assert.equal(finish['started-at'], OUTPUTS['notify-start']['started-at']);
    const fields = parse(String(finish.fields)) as Record<string, string>;
    assert.deepEqual(fields, {
      image: IMAGE,
      test: 'success',
      staging: 'success main-20261122-100500-abc1234',
      production: 'success main-20261122-100500-abc1234',
    });
  });

  it('tells Slack what became of each release, quotes in the detail included', () => {
    const detail = 'stage Deploy, action Deploy failed: Deployment.apps "shop" is invalid';
    const jobs = simulate(
      pipeline,
      push('refs/heads/main', {
        results: { 'deploy-production': 'failure' },
        outputs: {
          ...OUTPUTS,
          'deploy-staging': {
            ...OUTPUTS['deploy-staging'],
            'release-status': 'live',
            'release-detail': 'execution 1 of shop-staging succeeded',
            'release-duration': '94',
          },
          'deploy-production': {
            ...OUTPUTS['deploy-production'],
            'release-status': 'failed',
            'release-detail': detail,
          },
        },
      }),
    );
    const staging = parse(String(must(jobs['notify-staging']).with.fields)) as Record<string, string>;
    assert.equal(staging.staging, 'live main-20261122-100500-abc1234 after 94s');
    const finish = must(jobs['notify-finish']).with;
    assert.equal(finish.status, 'failure');
    const fields = parse(String(finish.fields)) as Record<string, string>;
    assert.equal(
      fields.staging,
      'success main-20261122-100500-abc1234 — live: execution 1 of shop-staging succeeded',
    );
    assert.equal(fields.production, `failure main-20261122-100500-abc1234 — failed: ${detail}`);
  });

  it('waits for each release by default, and passes wait-for-release false and release-timeout on', () => {
    const jobs = simulate(pipeline, push());
    for (const job of ['deploy-staging', 'deploy-production']) {
      assert.equal(must(jobs[job]).with['wait-for-release'], true);
      assert.equal(must(jobs[job]).with['release-timeout'], '15m');
    }
    const off = simulate(
      pipeline,
      push('refs/heads/main', {
        inputs: { ...REQUIRED, 'wait-for-release': false, 'release-timeout': '30m' },
      }),
    );
    assert.equal(must(off['deploy-staging']).with['wait-for-release'], false);
    assert.equal(must(off['deploy-production']).with['release-timeout'], '30m');
  });

  it('deploys the image built by this run, and production publishes the release staging validated', () => {
    const jobs = simulate(pipeline, push());
    assert.equal(must(jobs['deploy-staging']).with.image, IMAGE);
    assert.equal(must(jobs['deploy-production']).with.image, IMAGE);
    assert.equal(must(jobs['deploy-staging']).with.environment, 'staging');
    assert.equal(must(jobs['deploy-production']).with.environment, 'production');
    assert.equal(must(jobs['deploy-production']).with.version, OUTPUTS['deploy-staging'].version);
    assert.equal(must(jobs.build).with.repository, 'shop');
  });

  it('deploys from workflow_dispatch on the default branch, and from deploy-branch when set', () => {
    const dispatch = push();
    dispatch.github = { ...dispatch.github, event_name: 'workflow_dispatch' };
    assert.ok(ran(simulate(pipeline, dispatch)).includes('deploy-production'));
    const release = push('refs/heads/release', { inputs: { ...REQUIRED, 'deploy-branch': 'release' } });
    assert.ok(ran(simulate(pipeline, release)).includes('deploy-production'));
    const mainWithReleaseBranch = push('refs/heads/main', {
      inputs: { ...REQUIRED, 'deploy-branch': 'release' },
    });
    assert.deepEqual(ran(simulate(pipeline, mainWithReleaseBranch)), ['test']);
  });

  it('skips production when staging fails and reports failure', () => {
    const jobs = simulate(pipeline, push('refs/heads/main', { results: { 'deploy-staging': 'failure' } }));
    assert.equal(must(jobs['deploy-production']).result, 'skipped');
    assert.equal(must(jobs['notify-staging']).result, 'skipped');
    assert.equal(must(jobs['notify-finish']).with.status, 'failure');
  });

  it('reports failure when production is rejected at the approval (the job fails)', () => {
    const jobs = simulate(pipeline, push('refs/heads/main', { results: { 'deploy-production': 'failure' } }));
    assert.equal(must(jobs['notify-finish']).with.status, 'failure');
  });

  it('reports cancelled when a stage was cancelled and none failed', () => {
    const jobs = simulate(
      pipeline,
      push('refs/heads/main', { results: { 'deploy-production': 'cancelled' } }),
    );
    assert.equal(must(jobs['notify-finish']).with.status, 'cancelled');
  });

  it('reports failure when the tests fail, with nothing built or deployed', () => {
    const jobs = simulate(pipeline, push('refs/heads/main', { results: { test: 'failure' } }));
    assert.deepEqual(ran(jobs), ['notify-finish', 'notify-start', 'test']);
    assert.equal(must(jobs['notify-finish']).with.status, 'failure');
  });

  it('stops after staging when production-environment is empty, and that is a success', () => {
    const jobs = simulate(
      pipeline,
      push('refs/heads/main', { inputs: { ...REQUIRED, 'production-environment': '' } }),
    );
    assert.equal(must(jobs['deploy-production']).result, 'skipped');
    assert.equal(must(jobs['notify-staging']).result, 'skipped');
    assert.equal(must(jobs['notify-finish']).with.status, 'success');
  });

  it('runs no Slack job without slack-channel', () => {
    const inputs: Record<string, unknown> = { ...REQUIRED };
    delete inputs['slack-channel'];
    const jobs = simulate(
      pipeline,
      push('refs/heads/main', { inputs, outputs: { ...OUTPUTS, 'notify-start': {} } }),
    );
    assert.deepEqual(ran(jobs), ['build', 'deploy-production', 'deploy-staging', 'test']);
  });

  it('retags in ECR by default, in the repository input when given, and not at all with retag false', () => {
    const byDefault = simulate(pipeline, push());
    assert.equal(must(byDefault['deploy-staging']).with.repository, 'shop');
    const named = simulate(
      pipeline,
      push('refs/heads/main', { inputs: { ...REQUIRED, repository: 'team/shop' } }),
    );
    assert.equal(must(named['deploy-production']).with.repository, 'team/shop');
    assert.equal(must(named.build).with.repository, 'team/shop');
    const off = simulate(pipeline, push('refs/heads/main', { inputs: { ...REQUIRED, retag: false } }));
    assert.equal(must(off['deploy-staging']).with.repository, '');
  });

  it('gives each environment the common values files, then its own', () => {
    const jobs = simulate(
      pipeline,
      push('refs/heads/main', {
        inputs: {
          ...REQUIRED,
          'values-files': 'deploy/common.yaml',
          'production-values-files': 'deploy/prod.yaml',
        },
      }),
    );
    assert.equal(must(jobs['deploy-staging']).with['values-files'], 'deploy/common.yaml,');
    assert.equal(must(jobs['deploy-production']).with['values-files'], 'deploy/common.yaml,deploy/prod.yaml');
  });

  it('uses the per-environment deploy role when given, else deploy-role-arn', () => {
    const jobs = simulate(
      pipeline,
      push('refs/heads/main', {
        inputs: { ...REQUIRED, 'deploy-role-arn': 'arn:deploy', 'production-deploy-role-arn': 'arn:prod' },
      }),
    );
    assert.equal(must(jobs['deploy-staging']).with['deploy-role-arn'], 'arn:deploy');
    assert.equal(must(jobs['deploy-production']).with['deploy-role-arn'], 'arn:prod');
  });
});

describe('expressions of the reusable workflows', () => {
  const runsOn = (parse(read('test.yml')) as { jobs: { test: { 'runs-on': string } } }).jobs.test['runs-on'];

  it('runs-on takes a label or a JSON array of labels', () => {
    assert.equal(interpolate(runsOn, { inputs: { 'runs-on': 'ubuntu-latest' } }), 'ubuntu-latest');
    assert.deepEqual(interpolate(runsOn, { inputs: { 'runs-on': '["self-hosted", "linux"]' } }), [
      'self-hosted',
      'linux',
    ]);
  });

  it('deploy.yml queues deploys of one environment and never cancels one in progress', () => {
    const job = (
      parse(read('deploy.yml')) as {
        jobs: {
          deploy: { environment: string; concurrency: { group: string; 'cancel-in-progress': boolean } };
        };
      }
    ).jobs.deploy;
    const ctx = { inputs: { environment: 'production' } };
    assert.equal(interpolate(job.environment, ctx), 'production');
    assert.equal(interpolate(job.concurrency.group, ctx), 'deploy-production');
    assert.equal(job.concurrency['cancel-in-progress'], false);
  });

  it('deploy.yml waits for the release of a publish by default, in the stack-named pipeline, before the retag', () => {
    const steps = (
      parse(read('deploy.yml')) as {
        jobs: {
          deploy: { steps: { id?: string; uses?: string; if?: string; with?: Record<string, string> }[] };
        };
      }
    ).jobs.deploy.steps;
    const index = steps.findIndex((s) => s.uses === './.slipway/actions/await-release');
    const wait = must(steps[index]);
    assert.ok(
      index < steps.findIndex((s) => s.with?.source?.startsWith('ecr:')),
      'the retag comes after the wait',
    );
    const when = (inputs: Record<string, unknown>) =>
      evaluate(must(wait.if), {
        inputs: { 'wait-for-release': true, bucket: 'b', 'dry-run': 'false', ...inputs },
      });
    assert.equal(when({}), true);
    assert.equal(when({ 'wait-for-release': false }), false);
    assert.equal(when({ bucket: '' }), false);
    assert.equal(when({ 'dry-run': 'true' }), false);
    const pipelineOf = (inputs: Record<string, string>) =>
      interpolate(must(wait.with).pipeline, {
        inputs: { pipeline: '', project: '', environment: 'staging', ...inputs },
        github: { event: { repository: { name: 'shop' } } },
      });
    assert.equal(pipelineOf({}), 'shop-staging');
    assert.equal(pipelineOf({ project: 'api' }), 'api-staging');
    assert.equal(pipelineOf({ pipeline: 'custom' }), 'custom');
    assert.equal(must(wait.with)['version-id'], '${{ steps.render.outputs.artifact-version-id }}');
  });

  it('deploy.yml moves the environment tag only with a repository and not in a dry run', () => {
    const steps = (
      parse(read('deploy.yml')) as {
        jobs: { deploy: { steps: { name?: string; if?: string; with?: Record<string, string> }[] } };
      }
    ).jobs.deploy.steps;
    const retag = steps.find((s) => s.with?.source?.startsWith('ecr:'));
    assert.ok(retag?.if);
    const when = (inputs: Record<string, string>) => evaluate(must(retag.if), { inputs });
    assert.equal(when({ repository: 'shop', 'dry-run': 'false' }), true);
    assert.equal(when({ repository: 'shop', 'dry-run': 'true' }), false);
    assert.equal(when({ repository: '', 'dry-run': 'false' }), false);
    assert.equal(
      interpolate(must(retag.with).tags, { inputs: { 'environment-tag': '', environment: 'staging' } }),
      'staging',
    );
    assert.equal(
      interpolate(must(retag.with).tags, {
        inputs: { 'environment-tag': 'live', environment: 'production' },
      }),
      'live',
    );
  });
});
