import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../scripts/lib/actions.ts';
import { repositoryTargets } from '../../../scripts/lib/workflow-files.ts';
import { formatFinding, lintRepository } from '../../../scripts/lib/workflow-lint.ts';

describe('the repository', () => {
  it('covers every workflow, action.yml and documented example', () => {
    const files = new Set(repositoryTargets(repoRoot).map((t) => t.file));
    for (const f of [
      '.github/workflows/ci.yml',
      '.github/workflows/pipeline.yml',
      'examples/pipeline-caller.yml',
    ]) {
      assert.ok(files.has(f), `${f} is not linted`);
    }
  });

  it('has no workflow lint findings', async () => {
    const { findings } = await lintRepository(repoRoot);
    assert.deepEqual(findings.map(formatFinding), []);
  });
});
