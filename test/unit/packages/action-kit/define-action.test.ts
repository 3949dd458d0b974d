// defineAction in one process per case, as the runner starts an action: the fixture action's
// source (test/fixtures/defined-action) run under tsx with INPUT_* variables and fresh command
// files. The bundled run is in test/integration/action-kit/define-action.itg.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const main = join(root, 'test/fixtures/defined-action/main.ts');
const SHA = '0123456789abcdef0123456789abcdef01234567';

interface Step {
  status: number | null;
  stdout: string;
  errors: string[];
  /** Raw GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. */
  output: string;
  summary: string;
}

function runStep(inputs: Record<string, string>): Step {
  const dir = mkdtempSync(join(tmpdir(), 'define-action-'));
  const files = {
    GITHUB_OUTPUT: 'output',
    GITHUB_STATE: 'state',
    GITHUB_ENV: 'env',
    GITHUB_STEP_SUMMARY: 'summary',
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    GITHUB_SHA: SHA,
    GITHUB_REPOSITORY: 'acme/shop',
  };
  for (const [variable, name] of Object.entries(files)) {
    writeFileSync(join(dir, name), '');
    env[variable] = join(dir, name);
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `(await import(${JSON.stringify(main)})).default()`],
    { cwd: root, env, encoding: 'utf8' },
  );
  return {
    status: run.status,
    stdout: run.stdout,
    errors: run.stdout.split('\n').filter((l) => l.startsWith('::error')),
    output: readFileSync(join(dir, 'output'), 'utf8'),
    summary: readFileSync(join(dir, 'summary'), 'utf8'),
  };
}

/** How many times `name` was written to GITHUB_OUTPUT. */
const writes = (step: Step, name: string) =>
  step.output.split('\n').filter((l) => l.startsWith(`${name}<<`)).length;

describe('defineAction', () => {
  it('writes every output and the summary once, from the work function’s result', () => {
    const step = runStep({ greeting: 'hello' });
    assert.equal(step.status, 0, step.stdout);
    assert.equal(writes(step, 'message'), 1);
    assert.equal(writes(step, 'greeted'), 1);
    assert.match(
      step.output,
      new RegExp(`^hello from ${SHA.slice(0, 7)}$`, 'm'),
      'the run context reached the work',
    );
    assert.equal(step.summary, '| greeting |\n| --- |\n| hello |\n');
    assert.deepEqual(step.errors, []);
  });

  it('turns an ActionError into one ::error:: line with the message alone, exit code 1, no stack, no outputs', () => {
    const step = runStep({ greeting: 'hi', 'fail-with': 'action' });
    assert.equal(step.status, 1);
    assert.deepEqual(step.errors, [
      '::error::defined-action: the registry refused the upload: grant ecr:PutImage',
    ]);
    assert.doesNotMatch(step.stdout, /\n\s+at |bug in Slipway/);
    assert.equal(step.output, '');
    assert.equal(step.summary, '');
  });

  it('writes the outputs an ActionFailure carries, then fails with its one ::error:: line', () => {
    const step = runStep({ greeting: 'hi', 'fail-with': 'failure' });
    assert.equal(step.status, 1);
    assert.deepEqual(step.errors, ['::error::defined-action: the release failed: stage Deploy']);
    assert.equal(writes(step, 'message'), 1);
    assert.match(step.summary, /\| hi \|/);
  });

  it('reports anything else as a bug in one ::error:: line, the stack only in the debug log', () => {
    const step = runStep({ greeting: 'hi', 'fail-with': 'bug' });
    assert.equal(step.status, 1);
    assert.equal(step.errors.length, 1, step.stdout);
    assert.match(
      step.errors[0] ?? '',
      /^::error::defined-action failed unexpectedly in its main step: cannot read properties of undefined\. This is a bug in Slipway/,
    );
    assert.match(step.stdout, /^::debug::TypeError: cannot read properties of undefined%0A\s+at /m);
    assert.equal(step.output, '');
  });
});
