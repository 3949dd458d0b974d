/**
 * Checks every action.yml against its code and README:
 * - runs: node24, main (and post) paths exist and reach dist/<name>/index.js;
 * - input and output names are kebab-case;
 * - every declared input is read and every declared output is written by the action's sources;
 *   every input the sources read is declared;
 * - the README's input and output tables match action.yml (names, required, defaults).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { listActions, repoRoot, type ActionInfo } from './lib/actions.ts';
import { PARTS, rootActionYml } from './generate-root-action.ts';
import { renderReadme } from './readme.ts';

interface ActionYml {
  name?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string; post?: string };
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const READ_CALL = /\.(?:string|optional|boolean|list|enum|integer|duration|map)\(\s*['"]([^'"]+)['"]/g;

function sourcesOf(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/** Rows of the Markdown table whose header starts with `firstColumn`. */
export function readmeTable(markdown: string, firstColumn: string): string[][] | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\|\\s*${firstColumn}\\s*\\|`, 'i').test(l));
  if (start < 0) return undefined;
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, '').replace(/\\\|/g, '|');

export function checkAction(action: ActionInfo): string[] {
  const problems: string[] = [];
  const where = relative(repoRoot, action.actionYml);
  const yml = parse(readFileSync(action.actionYml, 'utf8')) as ActionYml;
  const expected = resolve(repoRoot, 'dist', action.name, 'index.js');
  if (yml.runs?.using !== 'node24') problems.push(`${where}: runs.using must be node24`);
  for (const step of ['main', 'post'] as const) {
    const path = yml.runs?.[step];
    if (!path) {
      if (step === 'main') problems.push(`${where}: runs.main is missing`);
      continue;
    }
    const target = resolve(dirname(action.actionYml), path);
    if (target !== expected) problems.push(`${where}: runs.${step} must reach dist/${action.name}/index.js`);
    else if (!existsSync(target))
      problems.push(`${where}: runs.${step} ${path} does not exist (npm run build)`);
  }
  // The root action runs the code of the actions it composes: their sources read and write for it.
  const source = [
    sourcesOf(action.sourceDir),
    ...(action.name === 'slipway'
      ? PARTS.map((p) => sourcesOf(join(repoRoot, 'actions', p.action, 'src')))
      : []),
  ].join('\n');
  const inputs = yml.inputs ?? {};
  const outputs = yml.outputs ?? {};
  for (const name of Object.keys(inputs)) {
    if (!KEBAB.test(name)) problems.push(`${where}: input ${name} is not kebab-case`);
    if (!source.includes(`'${name}'`) && !source.includes(`"${name}"`)) {
      problems.push(
        `${where}: input ${name} is declared but never read by ${relative(repoRoot, action.sourceDir)}`,
      );
    }
  }
  // Inputs of a part the root supplies itself or renames (await-release's mode, timeout) are read under the part's name.
  const supplied = new Set(
    action.name === 'slipway'
      ? PARTS.flatMap((p) => {
          if (!p.inputs) return [];
          const yml = parse(
            readFileSync(join(repoRoot, 'actions', p.action, 'action.yml'), 'utf8'),
          ) as ActionYml;
          return Object.keys(yml.inputs ?? {}).filter((n) => p.inputs?.[n] !== n);
        })
      : [],
  );
  for (const [, name] of source.matchAll(READ_CALL)) {
    if (name && !(name in inputs) && !supplied.has(name))
      problems.push(`${where}: the code reads input ${name}, which is not declared`);
  }
  for (const name of Object.keys(outputs)) {
    if (!KEBAB.test(name)) problems.push(`${where}: output ${name} is not kebab-case`);
    const written = new RegExp(`['"\`]${name}['"\`]|[{,\\s]${name}\\s*[:,}]`).test(source);
    if (!written) problems.push(`${where}: output ${name} is declared but never written`);
  }
  // The root action's tables are the generated reference in README.md, checked below as a whole.
  if (action.name === 'slipway') return problems;
  if (!existsSync(action.readme)) {
    problems.push(`${where}: ${relative(repoRoot, action.readme)} is missing`);
    return problems;
  }
  const readme = readFileSync(action.readme, 'utf8');
  const readmeName = relative(repoRoot, action.readme);
  const inputRows = readmeTable(readme, 'input');
  if (!inputRows) {
    if (Object.keys(inputs).length)
      problems.push(`${readmeName}: no "| input | required | default | description |" table`);
  } else {
    const documented = new Map(inputRows.map((r) => [unquote(r[0] ?? ''), r]));
    for (const [name, spec] of Object.entries(inputs)) {
      const row = documented.get(name);
      if (!row) {
        problems.push(`${readmeName}: input ${name} is not in the inputs table`);
        continue;
      }
      const required = /^(yes|true)$/i.test(row[1] ?? '');
      if (required !== Boolean(spec.required)) {
        problems.push(`${readmeName}: input ${name} is required: ${Boolean(spec.required)} in action.yml`);
      }
      const def = spec.default === undefined ? '' : String(spec.default);
      const cell = unquote(row[2] ?? '');
      if (def !== (cell === '—' || cell === '-' ? '' : cell)) {
        problems.push(
          `${readmeName}: input ${name} default is ${JSON.stringify(def)} in action.yml, ${JSON.stringify(cell)} in the README`,
        );
      }
      documented.delete(name);
    }
    for (const name of documented.keys())
      problems.push(`${readmeName}: input ${name} is not declared in action.yml`);
  }
  const outputRows = readmeTable(readme, 'output');
  if (!outputRows) {
    if (Object.keys(outputs).length) problems.push(`${readmeName}: no "| output | description |" table`);
  } else {
    const documented = new Set(outputRows.map((r) => unquote(r[0] ?? '')));
    for (const name of Object.keys(outputs)) {
      if (!documented.delete(name))
        problems.push(`${readmeName}: output ${name} is not in the outputs table`);
    }
    for (const name of documented)
      problems.push(`${readmeName}: output ${name} is not declared in action.yml`);
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = listActions().flatMap(checkAction);
  if (!existsSync(join(repoRoot, 'dist'))) problems.push('dist/ is missing: npm run build');
  if (readFileSync(join(repoRoot, 'action.yml'), 'utf8') !== rootActionYml()) {
    problems.push(
      'action.yml: out of date with the actions it composes; run npx tsx scripts/generate-root-action.ts',
    );
  }
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  if (renderReadme(readme) !== readme) {
    problems.push('README.md: the action reference is out of date; run npx tsx scripts/readme.ts');
  }
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log(`${listActions().length} actions: action.yml, code and README agree`);
}
