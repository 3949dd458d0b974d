/**
 * The repository's ESLint configuration, run through ESLint's Node API on deliberate violations:
 * a domain package taking a runner function from action-kit, a floating promise, a promise where
 * a void callback is expected, and an import cycle. Each must be reported under its rule, and the
 * clean variant of each must pass, so removing or weakening a rule fails this test.
 *
 * The probes are real files (the type-aware rules need them in the TypeScript project, the cycle
 * check follows imports on disk), written before the first lint into two temporary folders that
 * the configuration's globs treat like the real thing: a domain package `packages/tmp-lint-…/src`
 * and a folder under test/unit. Both are removed afterwards.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { repoRoot } from '../../../scripts/lib/actions.ts';

/** A domain package reaching the runner or the run context; the first line is the import. */
const RUNNER_IMPORTS = [
  "import { setOutput } from '@slipway/action-kit';\nsetOutput('x', 'y');",
  "import { saveState } from '@slipway/action-kit';\nsaveState('x', 'y');",
  "import { appendSummary as summary } from '@slipway/action-kit';\nexport const write = summary;",
  "import * as kit from '@slipway/action-kit';\nexport const write = kit.exportVariable;",
  "export { runAction } from '@slipway/action-kit';",
  "import { setOutput } from '@actions/core';\nsetOutput('x', 'y');",
  "import { context } from '@actions/github';\nexport const sha = context.sha;",
];

const WORK = ['export async function work(): Promise<number> {', '  return 1;', '}'];

/** Domain-package probes, by file name. */
const DOMAIN: Record<string, string> = {
  ...Object.fromEntries(RUNNER_IMPORTS.map((line, i) => [`runner-${i}.ts`, `${line}\n`])),
  'allowed.ts': [
    "import { ActionError, InputError, type Logger, isTransientNetworkError, quote, withRetry } from '@slipway/action-kit';",
    'export async function probe(log: Logger): Promise<string> {',
    "  log.info(quote('x'));",
    "  if (isTransientNetworkError(new Error('x'))) throw new InputError('x', 'y');",
    "  return withRetry(() => Promise.resolve('ok'), { attempts: 1, retryable: () => false }).catch((err: unknown) => {",
    '    throw new ActionError(String(err));',
    '  });',
    '}',
    '',
  ].join('\n'),
  'floating.ts': [...WORK, 'work();', ''].join('\n'),
};

/** Probes elsewhere in the repository (the runner side, scripts, tests), by file name. */
const OTHER: Record<string, string> = {
  'runner-side.ts': "import { setOutput } from '@slipway/action-kit';\nsetOutput('x', 'y');\n",
  'misused.ts': [
    ...WORK,
    '[1].forEach(async () => { await work(); });',
    'if (work()) work().catch(() => 0);',
    '',
  ].join('\n'),
  'handled.ts': [
    "import { describe, it } from 'node:test';",
    ...WORK,
    'export async function both(): Promise<number> {',
    '  void work();',
    '  await work();',
    '  return work();',
    '}',
    "describe('x', () => { it('y', async () => { await both(); }); });",
    '',
  ].join('\n'),
  'cycle-a.ts': "import { b } from './cycle-b.ts';\nexport const a = (): string => b;\n",
  'cycle-b.ts': "import { a } from './cycle-a.ts';\nexport const b = 'b';\nexport const c = a;\n",
  'acyclic-c.ts': "import { d } from './acyclic-d.ts';\nexport const c = (): string => d;\n",
  'acyclic-d.ts':
    "import type { c } from './acyclic-c.ts';\nexport const d = 'd';\nexport type C = typeof c;\n",
};

let domainDir: string;
let otherDir: string;
let eslint: ESLint;

before(() => {
  domainDir = mkdtempSync(join(repoRoot, 'packages', 'tmp-lint-'));
  mkdirSync(join(domainDir, 'src'));
  for (const [name, code] of Object.entries(DOMAIN)) writeFileSync(join(domainDir, 'src', name), code);
  otherDir = mkdtempSync(join(repoRoot, 'test', 'unit', 'boundaries', 'tmp-lint-'));
  for (const [name, code] of Object.entries(OTHER)) writeFileSync(join(otherDir, name), code);
  eslint = new ESLint({ cwd: repoRoot });
});

after(() => {
  rmSync(domainDir, { recursive: true, force: true });
  rmSync(otherDir, { recursive: true, force: true });
});

/** `file:rule-id@line` for every message ESLint gives for the named probes. */
async function lint(...paths: string[]): Promise<string[]> {
  const results = await eslint.lintFiles(paths);
  assert.equal(results.length, paths.length, 'ESLint linted every probe');
  return results
    .flatMap((r) => r.messages.map((m) => `${basename(r.filePath)}:${m.ruleId ?? m.message}@${m.line}`))
    .sort();
}
const domain = (name: string) => join(domainDir, 'src', name);
const other = (name: string) => join(otherDir, name);

describe('lint: what a domain package may take from @slipway/action-kit', () => {
  it('reports a runner function imported into a domain package (no-restricted-imports)', async () => {
    assert.deepEqual(
      await lint(...RUNNER_IMPORTS.map((_, i) => domain(`runner-${i}.ts`))),
      RUNNER_IMPORTS.map((_, i) => `runner-${i}.ts:no-restricted-imports@1`),
    );
  });

  it('lets a domain package take the Logger, errors, retry and pure helpers', async () => {
    assert.deepEqual(await lint(domain('allowed.ts')), []);
  });

  it('lets code outside the domain packages use the runner', async () => {
    assert.deepEqual(await lint(other('runner-side.ts')), []);
  });
});

describe('lint: promises', () => {
  it('reports a floating promise (no-floating-promises)', async () => {
    assert.deepEqual(await lint(domain('floating.ts')), [
      'floating.ts:@typescript-eslint/no-floating-promises@4',
    ]);
  });

  it('reports a promise where a void callback or a condition is expected (no-misused-promises)', async () => {
    assert.deepEqual(await lint(other('misused.ts')), [
      'misused.ts:@typescript-eslint/no-misused-promises@4',
      'misused.ts:@typescript-eslint/no-misused-promises@5',
    ]);
  });

  it('passes awaited, returned and explicitly ignored promises, and node:test suites', async () => {
    assert.deepEqual(await lint(other('handled.ts')), []);
  });
});

describe('lint: import cycles', () => {
  it('reports two modules that import each other (import-x/no-cycle)', async () => {
    assert.deepEqual(await lint(other('cycle-a.ts'), other('cycle-b.ts')), [
      'cycle-a.ts:import-x/no-cycle@1',
      'cycle-b.ts:import-x/no-cycle@1',
    ]);
  });

  it('passes the same shape when one module only imports a type from the other', async () => {
    assert.deepEqual(await lint(other('acyclic-c.ts'), other('acyclic-d.ts')), []);
  });
});
