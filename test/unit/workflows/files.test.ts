import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyYaml, extractYamlBlocks, SKIP_MARKER } from '../../../scripts/lib/workflow-files.ts';
import { lintTarget } from '../../../scripts/lib/workflow-lint.ts';

/** The value, asserted present (keeps the non-null assertions out of the tests). */
function must<T>(value: T | undefined | null, what = 'value'): T {
  assert.ok(value !== undefined && value !== null, `missing ${what}`);
  return value;
}

const README = [
  '# Title', // 1
  '', // 2
  '```yaml', // 3
  'jobs:', // 4
  '  x:', // 5
  '    runs-on: ubuntu-latest', // 6
  '```', // 7
  '', // 8
  '```yaml', // 9
  'replicas: 2', // 10: a values file, not workflow material
  '```', // 11
  SKIP_MARKER, // 12
  '```yaml', // 13
  '- run: echo ${{ github.event.issue.title }}', // 14: a counter-example
  '```', // 15
  '1. In a list:', // 16
  '   ```yml', // 17
  '   - uses: actions/checkout@v6', // 18
  '   ```', // 19
].join('\n');

describe('YAML examples in Markdown', () => {
  it('extracts workflow material with the line offset of its fence, and skips the rest', () => {
    const blocks = extractYamlBlocks('README.md', README);
    assert.deepEqual(
      blocks.map((b) => [b.lineOffset, b.text]),
      [
        [3, 'jobs:\n  x:\n    runs-on: ubuntu-latest\n'],
        [17, '- uses: actions/checkout@v6\n'],
      ],
    );
  });

  it('reports a finding of an example at the line of the .md file', async () => {
    const [, listBlock] = extractYamlBlocks('README.md', README);
    assert.ok(listBlock);
    const findings = await lintTarget(
      { ...listBlock, kind: 'fragment', localIsSlipway: false },
      { actions: new Map(), workflows: new Map() },
    );
    assert.equal(findings.length, 1);
    assert.equal(must(findings[0]).file, 'README.md');
    assert.equal(must(findings[0]).line, 18);
    assert.equal(must(findings[0]).rule, 'pin');
  });

  it('reports an example that is not valid YAML', async () => {
    const [block] = extractYamlBlocks('docs/x.md', '```yaml\njobs:\n  a: [\n```\n');
    assert.ok(block);
    const findings = await lintTarget(
      { ...block, kind: 'fragment', localIsSlipway: false },
      { actions: new Map(), workflows: new Map() },
    );
    assert.equal(findings[0]?.rule, 'yaml');
    assert.equal(findings[0]?.file, 'docs/x.md');
  });
});

describe('classifyYaml', () => {
  it('tells workflows, actions and fragments apart', () => {
    assert.equal(classifyYaml('on: push\njobs: {}\n'), 'workflow');
    assert.equal(classifyYaml('name: x\nruns:\n  using: node24\n'), 'action');
    assert.equal(classifyYaml('jobs:\n  x: {}\n'), 'fragment');
    assert.equal(classifyYaml('- uses: a/b@c\n'), 'fragment');
  });
});
