import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../scripts/lib/actions.ts';
import { boundaryProblems, importsOf } from '../../support/package-boundaries.ts';

/** A tree of files in a fresh temporary folder. */
function tree(files: Record<string, string | object>): string {
  const root = mkdtempSync(join(tmpdir(), 'slw-boundaries-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

/** Two packages, `core` and `domain`, that keep the rules; each case below breaks one. */
const CLEAN = {
  'packages/core/package.json': {
    name: '@slipway/core',
    exports: { '.': './src/index.ts', './handoff': './src/handoff.ts' },
  },
  'packages/core/src/index.ts': "export const one = 1;\nexport { two } from './handoff.ts';\n",
  'packages/core/src/handoff.ts': 'export const two = 2;\n',
  'packages/domain/package.json': {
    name: '@slipway/domain',
    exports: { '.': './src/index.ts' },
    dependencies: { '@slipway/core': '*', yaml: '^2.9.1' },
  },
  'packages/domain/src/index.ts': [
    "import { readFileSync } from 'node:fs';",
    "import { join } from 'path';",
    "import { one } from '@slipway/core';",
    "import type { two } from '@slipway/core/handoff';",
    "export const load = async () => (await import('yaml')).parse(String(readFileSync(join('x'))));",
    'export type Two = typeof two;',
    'export const n = one;',
  ].join('\n'),
  'actions/act/src/main.ts': "import { load } from '@slipway/domain';\nawait load();\n",
};

describe('declared package boundaries', () => {
  it('hold in this repository: every @slipway import is an exported entry point, every npm import is listed', () => {
    assert.deepEqual(boundaryProblems(repoRoot), []);
  });

  it('hold in a clean tree', () => {
    assert.deepEqual(boundaryProblems(tree(CLEAN)), []);
  });

  it('reports an import of an entry point the package does not export', () => {
    const root = tree({
      ...CLEAN,
      'actions/act/src/main.ts': "import { two } from '@slipway/core/src/handoff.ts';\n",
    });
    assert.deepEqual(boundaryProblems(root), [
      'actions/act/src/main.ts imports @slipway/core/src/handoff.ts, but packages/core/package.json does not export ./src/handoff.ts',
    ]);
  });

  it('reports an npm package a package imports without listing it, and a workspace likewise', () => {
    const root = tree({
      ...CLEAN,
      'packages/core/src/index.ts':
        "import 'diff';\nimport type { n } from '@slipway/domain';\nexport type N = typeof n;\n",
    });
    assert.deepEqual(boundaryProblems(root), [
      'packages/core/src/index.ts imports diff, which packages/core/package.json does not list in dependencies',
      'packages/core/src/index.ts imports @slipway/domain, which packages/core/package.json does not list in dependencies',
    ]);
  });

  it('reports a dependency nothing imports, an export pattern, a missing entry file, a relative reach and an imported test file', () => {
    const root = tree({
      ...CLEAN,
      'packages/core/package.json': {
        name: '@slipway/core',
        exports: {
          '.': './src/index.ts',
          './handoff': './src/handoff.ts',
          './*': './src/*',
          './gone': './src/gone.ts',
        },
        dependencies: { fflate: '^0.8.3' },
      },
      'packages/core/src/handoff.ts': "export { n as two } from '../../domain/src/index.ts';\n",
      'test/a.test.ts': "import { cases } from './b.test.ts';\ncases();\n",
    });
    assert.deepEqual(boundaryProblems(root), [
      'packages/core/package.json exports a pattern; name each entry point instead',
      'packages/core/package.json exports ./* as ./src/*, which does not exist',
      'packages/core/package.json exports ./gone as ./src/gone.ts, which does not exist',
      'packages/core/src/handoff.ts reaches into ../../domain/src/index.ts by a relative path; import the package',
      'test/a.test.ts imports the test file ./b.test.ts',
      'packages/core/package.json lists fflate, which nothing in packages/core/src imports',
    ]);
  });

  it('reads static imports, re-exports, type imports and import() with a literal', () => {
    assert.deepEqual(
      importsOf(
        "import a from 'a';\nexport * from 'b';\nimport type { C } from 'c';\nconst d = await import('d');\nconst s = \"import x from 'not-an-import'\";\n",
      ),
      ['a', 'b', 'c', 'd'],
    );
  });
});
