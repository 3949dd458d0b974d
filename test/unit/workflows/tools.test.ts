import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runActionlint, validateAction, validateWorkflow } from '../../../scripts/lib/workflow-tools.ts';

/** The value, asserted present (keeps the non-null assertions out of the tests). */
function must<T>(value: T | undefined | null, what = 'value'): T {
  assert.ok(value !== undefined && value !== null, `missing ${what}`);
  return value;
}

const GOOD_WORKFLOW = `on:
  workflow_call:
    inputs:
      name:
        type: string
        required: true
permissions: {}
jobs:
  greet:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2
        with:
          repository: \${{ job.workflow_repository }}
          ref: \${{ job.workflow_sha }}
      - env:
          NAME: \${{ inputs.name }}
        run: echo "hello $NAME"
`;

describe('actionlint', () => {
  it('finds script injection, at the line of the Markdown file the example sits in', async () => {
    const text =
      'on: issues\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.issue.title }}"\n';
    const findings = await runActionlint({ file: 'README.md', text, lineOffset: 40 });
    assert.equal(findings.length, 1);
    assert.equal(must(findings[0]).line, 47);
    assert.equal(must(findings[0]).rule, 'actionlint');
    assert.match(must(findings[0]).message, /"github.event.issue.title" is potentially untrusted/);
  });

  it('finds an unknown job key and an undefined input', async () => {
    const text =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n    steps:\n      - run: echo ${{ inputs.nope }}\n';
    const messages = (await runActionlint({ file: 'x.yml', text, lineOffset: 0 })).map((f) => f.message);
    assert.ok(
      messages.some((m) => /unexpected key "stepz"/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /property "nope" is not defined/.test(m)),
      messages.join('\n'),
    );
  });

  it('accepts job.workflow_repository and job.workflow_sha, which it predates', async () => {
    assert.deepEqual(await runActionlint({ file: 'x.yml', text: GOOD_WORKFLOW, lineOffset: 0 }), []);
  });

  it('still rejects other unknown properties of the job context', async () => {
    const text = GOOD_WORKFLOW.replace('job.workflow_sha', 'job.workflow_shaa');
    const findings = await runActionlint({ file: 'x.yml', text, lineOffset: 0 });
    assert.equal(findings.length, 1);
    assert.match(must(findings[0]).message, /workflow_shaa/);
  });
});

describe("GitHub's workflow parser", () => {
  it('rejects values the schema does not allow, with their position', async () => {
    const text = GOOD_WORKFLOW.replace('type: string', 'type: text').replace(
      'contents: read',
      'contents: reed',
    );
    const findings = await validateWorkflow({ file: 'x.yml', text, lineOffset: 0 });
    assert.deepEqual(
      findings.map((f) => [f.line, f.message]),
      [
        [5, "Unexpected value 'text'"],
        [12, "Unexpected value 'reed'"],
      ],
    );
    assert.ok(findings.every((f) => f.rule === 'schema'));
  });

  it('accepts a valid workflow', async () => {
    assert.deepEqual(await validateWorkflow({ file: 'x.yml', text: GOOD_WORKFLOW, lineOffset: 0 }), []);
  });

  it('validates action.yml files against the action schema', () => {
    const bad = 'name: x\ndescription: y\nruns:\n  using: node99\n  main: index.js\n';
    const findings = validateAction({ file: 'actions/x/action.yml', text: bad, lineOffset: 0 });
    assert.deepEqual(
      findings.map((f) => [f.line, f.message]),
      [[4, "Unexpected value 'node99'"]],
    );
    const good =
      'name: x\ndescription: y\ninputs:\n  a:\n    description: A.\n    default: "1"\nruns:\n  using: node24\n  main: ../../dist/x/index.js\n  post: ../../dist/x/index.js\n';
    assert.deepEqual(validateAction({ file: 'actions/x/action.yml', text: good, lineOffset: 0 }), []);
  });
});
