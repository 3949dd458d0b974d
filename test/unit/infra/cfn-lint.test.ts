import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { templateYaml } from '../../../infra/template.ts';

const templatesDir = fileURLToPath(new URL('../../../infra/cloudformation/', import.meta.url));

/** Runs AWS's cfn-lint; a missing binary fails the test (CI installs it: `pip install cfn-lint`). */
function cfnLint(files: string[]): { status: number; output: string } {
  const run = spawnSync('cfn-lint', ['--', ...files], { encoding: 'utf8' });
  if (run.error) {
    assert.fail(`cfn-lint could not run (${run.error.message}): install it with \`pip install cfn-lint\``);
  }
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

test('cfn-lint reports nothing on every shipped template, nor on templates generated for other environment lists', () => {
  const shipped = readdirSync(templatesDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(templatesDir, f));
  assert.ok(shipped.length > 0, 'infra/cloudformation holds at least one template');
  const dir = mkdtempSync(join(tmpdir(), 'slw-cfn-'));
  const variants = {
    'one-env.yaml': { environments: ['dev'], approvalEnvironments: [] },
    'four-envs.yaml': {
      environments: ['dev', 'qa', 'staging', 'eu-prod'],
      approvalEnvironments: ['staging', 'eu-prod'],
    },
  };
  const generated = Object.entries(variants).map(([name, opts]) => {
    const file = join(dir, name);
    writeFileSync(file, templateYaml(opts));
    return file;
  });
  // one run for all files: cfn-lint spends most of its time loading its schemas
  const { status, output } = cfnLint([...shipped, ...generated]);
  assert.equal(output.trim(), '', 'no findings');
  assert.equal(status, 0);
});

test('cfn-lint is live: it flags a broken template (so a silent pass means something)', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'slw-cfn-')), 'broken.yaml');
  writeFileSync(file, templateYaml().replace('PipelineType: V2', 'PipelineType: V9'));
  const { status, output } = cfnLint([file]);
  assert.notEqual(status, 0);
  assert.match(output, /V9/);
});
