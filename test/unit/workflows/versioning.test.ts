import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../../scripts/lib/actions.ts';

/** The value, asserted present (keeps the non-null assertions out of the tests). */
function must<T>(value: T | undefined | null, what = 'value'): T {
  assert.ok(value !== undefined && value !== null, `missing ${what}`);
  return value;
}

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<
    string,
    { steps?: Step[]; outputs?: Record<string, string>; uses?: string; with?: Record<string, unknown> }
  >;
}

const dir = join(repoRoot, '.github', 'workflows');
const workflows = readdirSync(dir)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => ({ file: f, wf: parse(readFileSync(join(dir, f), 'utf8')) as Workflow }));
const reusable = workflows.filter(({ wf }) => typeof wf.on === 'object' && 'workflow_call' in wf.on);

describe('reusable workflows reach the actions of their own commit', () => {
  it('are all callable only', () => {
    assert.deepEqual(reusable.map((r) => r.file).sort(), [
      'build-push-keys.yml',
      'build-push.yml',
      'deploy-keys.yml',
      'deploy.yml',
      'notify.yml',
      'pipeline-keys.yml',
      'pipeline.yml',
      'test.yml',
    ]);
    for (const { file, wf } of reusable) assert.deepEqual(Object.keys(wf.on), ['workflow_call'], file);
  });

  for (const { file, wf } of reusable) {
    it(`${file}: takes an optional slipway-ref for runners without job.workflow_* (GHES), passed on to nested calls`, () => {
      const call = wf.on.workflow_call as { inputs?: Record<string, { type?: string; default?: unknown }> };
      const input = call.inputs?.['slipway-ref'];
      assert.ok(input, 'no slipway-ref input');
      assert.equal(input.type, 'string');
      assert.equal(input.default, '');
      for (const [id, job] of Object.entries(wf.jobs)) {
        if (!job.uses?.startsWith('./.github/workflows/')) continue;
        assert.equal(
          job.with?.['slipway-ref'],
          '${{ inputs.slipway-ref }}',
          `${id} does not pass slipway-ref on`,
        );
      }
    });

    for (const [id, job] of Object.entries(wf.jobs)) {
      const steps = job.steps ?? [];
      it(`${file} ${id}: never uses ./actions (the caller's repository) or a moving Slipway tag`, () => {
        for (const s of steps) {
          assert.ok(!s.uses?.startsWith('./actions/'), s.uses);
          assert.ok(!/^slipway\/slipway\/actions\//i.test(s.uses ?? ''), s.uses);
        }
      });

      const slipwaySteps = steps
        .map((s, i) => [s, i] as const)
        .filter(([s]) => s.uses?.startsWith('./.slipway/'));
      if (slipwaySteps.length === 0) continue;

      it(`${file} ${id}: checks Slipway out at the commit Locate Slipway found before using its actions`, () => {
        const locate = steps.findIndex((s) => s.id === 'slipway');
        assert.ok(locate >= 0, 'no Locate Slipway step (id: slipway)');
        const env = steps[locate]?.env ?? {};
        assert.equal(env.WORKFLOW_REPOSITORY, '${{ job.workflow_repository }}');
        assert.equal(env.WORKFLOW_SHA, '${{ job.workflow_sha }}');
        assert.equal(env.SLIPWAY_REF, '${{ inputs.slipway-ref }}');
        const checkout = steps.findIndex(
          (s) =>
            s.uses?.startsWith('actions/checkout@') &&
            s.with?.repository === '${{ steps.slipway.outputs.repository }}' &&
            s.with.ref === '${{ steps.slipway.outputs.sha }}' &&
            s.with.path === '.slipway' &&
            s.with['persist-credentials'] === false,
        );
        assert.ok(
          checkout > locate,
          'no checkout of the located repository@sha into .slipway after locating it',
        );
        for (const [step, index] of slipwaySteps)
          assert.ok(index > checkout, `${step.uses} runs before the checkout`);
      });
    }
  }
});

describe('the -keys variants', () => {
  for (const name of ['build-push', 'deploy', 'pipeline']) {
    it(`${name}-keys.yml is ${name}.yml without id-token: write, calling -keys variants only`, () => {
      const original = must(reusable.find((r) => r.file === `${name}.yml`)).wf;
      const keys = must(reusable.find((r) => r.file === `${name}-keys.yml`)).wf;
      assert.deepEqual(Object.keys(keys.jobs), Object.keys(original.jobs));
      const text = readFileSync(join(dir, `${name}-keys.yml`), 'utf8');
      assert.doesNotMatch(text, /^\s*id-token:/m, 'no job requests an OIDC token');
      assert.match(readFileSync(join(dir, `${name}.yml`), 'utf8'), /^\s*id-token: write/m);
      for (const job of Object.values(keys.jobs as Record<string, { uses?: string }>)) {
        if (job.uses) assert.match(job.uses, /^\.\/\.github\/workflows\/(notify|test|[\w-]+-keys)\.yml$/);
      }
    });
  }
});

describe('build-push.yml', () => {
  const wf = must(reusable.find((r) => r.file === 'build-push.yml')).wf;
  const steps = must(must(wf.jobs.build).steps);

  it('builds an OCI layout and pushes that layout, after which it checks Slipway out', () => {
    const build = steps.findIndex((s) => s.run?.includes('docker buildx build'));
    assert.ok(build >= 0);
    assert.match(must(must(steps[build]).run), /type=oci,dest=\$RUNNER_TEMP\/slipway-image,tar=false/);
    const push = must(steps.find((s) => s.id === 'push'));
    assert.equal(push.uses, './.slipway/actions/ecr-push');
    assert.equal(push.with?.source, 'oci:${{ runner.temp }}/slipway-image');
    const checkout = steps.findIndex((s) => s.with?.path === '.slipway');
    assert.ok(checkout > build, 'the Slipway checkout must not be in the build context');
  });

  it('keeps the account ID unmasked so digest and image-ref survive as job outputs', () => {
    const creds = must(steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@')));
    assert.equal(creds.with?.['mask-aws-account-id'], false);
    assert.equal(must(wf.jobs.build).outputs?.digest, '${{ steps.push.outputs.digest }}');
    assert.equal(must(wf.jobs.build).outputs?.['image-ref'], '${{ steps.push.outputs.image-ref }}');
  });
});
