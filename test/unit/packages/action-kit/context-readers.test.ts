/**
 * One reader of the run context: only packages/action-kit/src/context.ts reads the runner's
 * run-context variables (`GITHUB_SHA`, `GITHUB_REF*`, `GITHUB_EVENT_*`, …); every other module of
 * the packages, the actions and the root action takes a `RunContext`. Variables that are not about the run
 * (`GITHUB_WORKSPACE`, `GITHUB_TOKEN`, the command files) stay free to read. The test bed plays
 * the runner, so it is not scanned.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../../scripts/lib/actions.ts';

const root = repoRoot;
const ALLOWED = 'packages/action-kit/src/context.ts';
const NOT_SCANNED = ['packages/testbed/'];

/** The run-context variables of https://docs.github.com/en/actions/reference/variables-reference. */
const CONTEXT_VARIABLE =
  'GITHUB_(?:SHA|REF|REF_NAME|REF_TYPE|REF_PROTECTED|HEAD_REF|BASE_REF|REPOSITORY|REPOSITORY_ID|REPOSITORY_OWNER|REPOSITORY_OWNER_ID|EVENT_NAME|EVENT_PATH|SERVER_URL|API_URL|GRAPHQL_URL|RUN_ID|RUN_NUMBER|RUN_ATTEMPT|ACTOR|ACTOR_ID|TRIGGERING_ACTOR|WORKFLOW|WORKFLOW_REF|WORKFLOW_SHA|JOB|ACTION)';

/** Reads of a variable: `env.X`, `env?.X`, `env['X']`, and `const { X } = env`. */
const READS = [
  new RegExp(`\\??\\.\\s*(${CONTEXT_VARIABLE})\\b`, 'g'),
  new RegExp(`\\[\\s*['"\`](${CONTEXT_VARIABLE})['"\`]\\s*\\]`, 'g'),
  new RegExp(`\\{[^{}]*?\\b(${CONTEXT_VARIABLE})\\b[^{}]*\\}\\s*=`, 'g'),
];

/** Each read of a run-context variable in TypeScript source, as `line: NAME`; comments are skipped. */
export function contextReads(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
  const found: string[] = [];
  for (const pattern of READS) {
    for (const match of code.matchAll(pattern)) {
      const line = code.slice(0, match.index).split('\n').length;
      found.push(`${line}: ${match[1]}`);
    }
  }
  return found.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

function scanned(): string[] {
  const files: string[] = [];
  for (const top of ['packages', 'actions']) {
    for (const name of readdirSync(join(root, top))) {
      const src = join(root, top, name, 'src');
      try {
        files.push(...sourceFiles(src));
      } catch {
        // A package without src/ has nothing to scan.
      }
    }
  }
  files.push(...sourceFiles(join(root, 'src')));
  return files.map((f) => relative(root, f)).filter((f) => !NOT_SCANNED.some((p) => f.startsWith(p)));
}

describe('the run context has one reader', () => {
  it('nothing in packages/*/src, actions/*/src or src but action-kit’s context.ts reads GITHUB_* run variables', () => {
    const files = scanned();
    assert.ok(files.length > 100, `scanned ${files.length} files`);
    const offenders = files
      .filter((f) => f !== ALLOWED)
      .flatMap((f) => contextReads(readFileSync(join(root, f), 'utf8')).map((r) => `${f}:${r}`));
    assert.deepEqual(offenders, [], 'take these from the RunContext (runContext() or a context parameter)');
  });

  it('sees the reads context.ts does make', () => {
    const reads = contextReads(readFileSync(join(root, ALLOWED), 'utf8')).map((r) => r.split(': ')[1]);
    assert.ok(reads.includes('GITHUB_HEAD_REF') && reads.includes('GITHUB_TRIGGERING_ACTOR'), reads.join());
  });

  it('fails on a deliberate violation, in each way of reading a variable', () => {
    const violating = [
      "const sha = process.env.GITHUB_SHA ?? '';",
      "const ref = env?.GITHUB_REF_NAME || 'main';",
      "const event = JSON.parse(readFileSync(env['GITHUB_EVENT_PATH']!, 'utf8'));",
      'const { GITHUB_RUN_ID, HOME } = process.env;',
      'const url = `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`;',
    ].join('\n');
    assert.deepEqual(contextReads(violating), [
      '1: GITHUB_SHA',
      '2: GITHUB_REF_NAME',
      '3: GITHUB_EVENT_PATH',
      '4: GITHUB_RUN_ID',
      '5: GITHUB_SERVER_URL',
      '5: GITHUB_REPOSITORY',
    ]);
  });

  it('leaves other variables, messages and comments alone', () => {
    const fine = [
      'const workspace = env.GITHUB_WORKSPACE || process.cwd();',
      'const token = process.env.GITHUB_TOKEN;',
      "throw new InputError('tags', 'GITHUB_SHA is not set, so the default tag cannot be made');",
      '// the merge commit is env.GITHUB_SHA on pull requests',
      '/** `GITHUB_REF`, e.g. refs/heads/main: env.GITHUB_REF */',
      "const url = 'https://example.com/x'; const actions = env.GITHUB_ACTIONS;",
    ].join('\n');
    assert.deepEqual(contextReads(fine), []);
  });
});
