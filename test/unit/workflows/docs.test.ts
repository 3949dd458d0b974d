import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  checkWorkflowDocs,
  renderWorkflowReference,
  writeWorkflowDocs,
} from '../../../scripts/lib/workflow-docs.ts';

const root = mkdtempSync(join(tmpdir(), 'slw-docs-'));
after(() => rmSync(root, { recursive: true, force: true }));

const WORKFLOW = `# Reusable: says hello.
# Inputs, outputs and the versioning of the actions it uses: docs/workflows.md.
name: hello
on:
  workflow_call:
    inputs:
      name:
        description: Who to greet (a | b).
        type: string
        required: true
      loud:
        description: Shout.
        type: boolean
        default: false
    secrets:
      token:
        description: A token.
    outputs:
      greeting:
        description: What was said.
        value: \${{ jobs.hello.outputs.greeting }}
permissions: {}
jobs:
  hello:
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - run: echo hi
`;

function setUp(docs: string): void {
  mkdirSync(join(root, '.github', 'workflows'), { recursive: true });
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, '.github', 'workflows', 'hello.yml'), WORKFLOW);
  writeFileSync(join(root, '.github', 'workflows', 'ci.yml'), 'on: push\njobs: {}\n');
  writeFileSync(join(root, 'docs', 'workflows.md'), docs);
}

const MARKERS =
  '# Workflows\n\nIntro.\n\n<!-- workflows:start (generated from .github/workflows by `npm run lint-workflows -- --write-docs`) -->\n<!-- workflows:end -->\n\nAfter.\n';

describe('the generated workflow reference', () => {
  it('documents every input, secret and output of the callable workflows only', () => {
    setUp(MARKERS);
    const reference = renderWorkflowReference(root);
    assert.match(reference, /### hello\.yml/);
    assert.doesNotMatch(reference, /ci\.yml/);
    assert.doesNotMatch(reference, /docs\/workflows\.md/);
    assert.match(reference, /\| `name` \| string \| yes \| {2}\| Who to greet \(a \\\| b\)\. \|/);
    assert.match(reference, /\| `loud` \| boolean \| no \| `false` \| Shout\. \|/);
    assert.match(reference, /\| `token` \| no \| A token\. \|/);
    assert.match(reference, /\| `greeting` \| What was said\. \|/);
  });

  it('is reported when missing, written between the markers, and then accepted', () => {
    setUp(MARKERS);
    assert.match(checkWorkflowDocs(root)[0]?.message ?? '', /does not match the workflows/);
    assert.equal(writeWorkflowDocs(root), true);
    const docs = readFileSync(join(root, 'docs', 'workflows.md'), 'utf8');
    assert.ok(docs.startsWith('# Workflows\n\nIntro.\n\n'));
    assert.ok(docs.endsWith('\n\nAfter.\n'));
    assert.deepEqual(checkWorkflowDocs(root), []);
  });

  it('is reported at its line when a workflow changes', () => {
    setUp(MARKERS);
    writeWorkflowDocs(root);
    writeFileSync(
      join(root, '.github', 'workflows', 'hello.yml'),
      WORKFLOW.replace('Shout.', 'Shout louder.'),
    );
    const findings = checkWorkflowDocs(root);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.line, 5);
    assert.equal(findings[0]?.rule, 'docs');
  });

  it('is reported when the document has no markers', () => {
    setUp('# Workflows\n');
    assert.match(checkWorkflowDocs(root)[0]?.message ?? '', /has no generated workflow reference/);
    assert.equal(writeWorkflowDocs(root), false);
  });
});
