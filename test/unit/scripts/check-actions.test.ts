import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../scripts/lib/actions.ts';
import { checkAction, readmeTable } from '../../../scripts/check-actions.ts';

/** A copy of the fixture action that a test may break; dist-path findings are not under test here. */
function fixtureCopy(edit?: (files: { yml: string; main: string; readme: string }) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'check-actions-'));
  cpSync(join(repoRoot, 'test/fixtures/kit-fixture'), dir, { recursive: true });
  const files = { yml: join(dir, 'action.yml'), main: join(dir, 'main.ts'), readme: join(dir, 'README.md') };
  edit?.(files);
  const problems = checkAction({
    name: 'kit-fixture',
    actionYml: files.yml,
    mainSource: files.main,
    readme: files.readme,
    sourceDir: dir,
  }).filter((p) => !p.includes('runs.'));
  return problems;
}

const replaceIn = (file: string, from: string, to: string) =>
  writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));

describe('check-actions', () => {
  it('accepts an action whose action.yml, code and README agree', () => {
    assert.deepEqual(fixtureCopy(), []);
  });

  it('flags an input that is declared but never read, and one read but not declared', () => {
    const problems = fixtureCopy((f) => replaceIn(f.main, "'fail-with'", "'failure'"));
    assert.ok(
      problems.some((p) => /input fail-with is declared but never read/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /reads input failure, which is not declared/.test(p)),
      problems.join('\n'),
    );
  });

  it('flags an output that is never written', () => {
    const problems = fixtureCopy((f) => replaceIn(f.main, 'multiline:', 'other:'));
    assert.ok(
      problems.some((p) => /output multiline is declared but never written/.test(p)),
      problems.join('\n'),
    );
  });

  it('flags README tables that drift from action.yml: missing row, wrong default, wrong required', () => {
    const problems = fixtureCopy((f) => {
      replaceIn(f.readme, '| `count` | no | `1` |', '| `count` | no | `2` |');
      replaceIn(f.readme, '| `greeting` | yes |', '| `greeting` | no |');
      replaceIn(f.readme, '| `multiline` | A value over several lines. |\n', '');
    });
    assert.ok(
      problems.some((p) => /input count default is "1" in action.yml, "2" in the README/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /input greeting is required: true in action.yml/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /output multiline is not in the outputs table/.test(p)),
      problems.join('\n'),
    );
  });

  it('flags names that are not kebab-case', () => {
    const problems = fixtureCopy((f) => replaceIn(f.yml, '  fail-with:', '  failWith:'));
    assert.ok(
      problems.some((p) => /input failWith is not kebab-case/.test(p)),
      problems.join('\n'),
    );
  });

  it('reads a Markdown table with escaped pipes in cells', () => {
    assert.deepEqual(readmeTable('| input | x |\n| --- | --- |\n| `a` | b \\| c |\n\nafter', 'input'), [
      ['`a`', 'b \\| c'],
    ]);
  });
});
