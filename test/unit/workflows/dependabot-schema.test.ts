/**
 * .github/dependabot.yml against Dependabot's published configuration schema (SchemaStore's
 * dependabot-2.0.json, as the `@schemastore/dependabot-2.0` package publishes it in TypeScript form):
 * the file, read as YAML, is type-checked as a `GitHubDependabotV2Config` by the TypeScript
 * compiler, and every key of every object is one the schema declares. GitHub rejects a file with
 * an unknown key or a wrong value, and a rejected file silently stops every update.
 *
 * The validators on npm download the schema from json.schemastore.org at run time, which CI cannot
 * reach; the published types are the schema's offline form. They check keys, value types, enums
 * and required keys; patterns and numeric ranges are not part of them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { parse } from 'yaml';
import { repoRoot } from '../../../scripts/lib/actions.ts';

const configPath = join(repoRoot, '.github', 'dependabot.yml');
const config = parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;

/** The problems the schema finds in a configuration, as `path: message` lines. */
function schemaProblems(value: unknown): string[] {
  const fileName = join(repoRoot, 'test', '__dependabot-config__.ts');
  const source =
    "import type { GitHubDependabotV2Config } from '@schemastore/dependabot-2.0';\n" +
    `export const config: GitHubDependabotV2Config = ${JSON.stringify(value, null, 2)};\n`;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => (f === fileName ? source : readFile(f));
  host.fileExists = (f) => f === fileName || fileExists(f);
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName);
  assert.ok(file);
  const problems = ts
    .getPreEmitDiagnostics(program, file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0] ?? '');

  // The schema's types let any extra key through where a union carries an index signature, so
  // keys are checked against the properties the schema declares for each object: an object type
  // that declares properties accepts only those; a pure map (group names, registries) any key.
  const checker = program.getTypeChecker();
  const visit = (node: ts.Node, path: string): void => {
    if (ts.isObjectLiteralExpression(node)) {
      const type = checker.getContextualType(node);
      const declared = type ? declaredProperties(checker, type) : new Set<string>();
      for (const prop of node.properties) {
        if (!ts.isPropertyAssignment(prop)) continue;
        const name = ts.isStringLiteral(prop.name) ? prop.name.text : prop.name.getText(file);
        if (declared.size > 0 && !declared.has(name)) {
          problems.push(`${path}: unknown key '${name}' (the schema declares ${[...declared].join(', ')})`);
        }
        visit(prop.initializer, `${path}.${name}`);
      }
    } else if (ts.isArrayLiteralExpression(node)) {
      node.elements.forEach((e, i) => visit(e, `${path}[${i}]`));
    }
  };
  const statement = file.statements.find(ts.isVariableStatement);
  const init = statement?.declarationList.declarations[0]?.initializer;
  assert.ok(init);
  visit(init, 'config');
  return problems;
}

function declaredProperties(checker: ts.TypeChecker, type: ts.Type): Set<string> {
  const names = new Set<string>();
  const parts = type.isUnion() ? type.types : [type];
  for (const part of parts) {
    const target = checker.getNonNullableType(part);
    for (const p of checker.getPropertiesOfType(target)) names.add(p.getName());
  }
  return names;
}

const clone = (): Record<string, unknown> & { updates: Record<string, unknown>[] } =>
  structuredClone(config) as Record<string, unknown> & { updates: Record<string, unknown>[] };

/** The first update entry (npm), to break on purpose. */
function npm(c: ReturnType<typeof clone>): Record<string, unknown> {
  const update = c.updates[0];
  assert.ok(update);
  return update;
}

describe('.github/dependabot.yml against the dependabot-2.0 schema', () => {
  it('has no problem', () => {
    assert.deepEqual(schemaProblems(config), []);
  });

  const broken: [string, (c: ReturnType<typeof clone>) => void, RegExp][] = [
    [
      'a misspelt group key',
      (c) => (npm(c)['groups'] = { all: { pattern: ['*'] } }),
      /unknown key 'pattern'/,
    ],
    ['a misspelt update key', (c) => (npm(c)['scheduel'] = { interval: 'weekly' }), /unknown key 'scheduel'/],
    [
      'a misspelt schedule key',
      (c) => ((npm(c)['schedule'] as Record<string, unknown>)['dya'] = 'monday'),
      /unknown key 'dya'/,
    ],
    [
      'an interval the schema does not list',
      (c) => (npm(c)['schedule'] = { interval: 'weekley' }),
      /ScheduleInterval/,
    ],
    ['an unknown ecosystem', (c) => (npm(c)['package-ecosystem'] = 'npmm'), /"npmm"/],
    ['no directory', (c) => delete npm(c)['directory'], /PackageEcosystem/],
    ['a version other than 2', (c) => (c['version'] = 1), /ConfigFileVersion|not assignable to type '2'/],
    [
      'cooldown days as text',
      (c) => (npm(c)['cooldown'] = { 'default-days': 'three' }),
      /'string' is not assignable to type 'number'/,
    ],
    [
      'group patterns as a string',
      (c) => (npm(c)['groups'] = { all: { patterns: '*' } }),
      /not assignable to type '\[string, \.\.\.string\[\]\]'/,
    ],
  ];
  for (const [what, change, expected] of broken) {
    it(`finds ${what}`, () => {
      const c = clone();
      change(c);
      const problems = schemaProblems(c);
      assert.ok(
        problems.some((p) => expected.test(p)),
        `expected a problem matching ${expected}, got:\n${problems.join('\n')}`,
      );
    });
  }
});
