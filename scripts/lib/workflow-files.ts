/**
 * Which YAML the workflow linter reads: the workflows, every action.yml, the example workflows,
 * the act recipe, and the YAML examples inside the documentation (README.md, docs/, the actions'
 * READMEs) — an example that does not work is a bug like any other.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import type { SourceKind } from './workflow-rules.ts';
import type { YamlSource } from './workflow-yaml.ts';

/** One YAML text to lint and how to lint it. */
export interface LintTarget extends YamlSource {
  kind: SourceKind;
  /** Whether `./` refers to this repository (false in documentation and caller examples). */
  localIsSlipway: boolean;
}

/** Put this comment on the line before a fenced block to keep the linter away from it (counter-examples). */
export const SKIP_MARKER = '<!-- lint-workflows: skip -->';

const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})\s*(ya?ml)\b.*$/i;

/** Only blocks that look like workflow or action material are linted (not values files or templates). */
const ACTIONS_MATERIAL = /^\s*(?:-\s+)?(?:uses|run|jobs|steps|runs|on)\s*:/m;

/** The fenced YAML blocks of a Markdown text that show workflow or action material. */
export function extractYamlBlocks(file: string, markdown: string): YamlSource[] {
  const lines = markdown.split('\n');
  const blocks: YamlSource[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const fence = open[2] ?? '```';
    let end = i + 1;
    while (end < lines.length) {
      const l = (lines[end] ?? '').trim();
      if (l.startsWith(fence.charAt(0).repeat(fence.length)) && l.replace(/[`~]/g, '') === '') break;
      end++;
    }
    const previous = lines
      .slice(0, i)
      .reverse()
      .find((l) => l.trim() !== '');
    const body = lines
      .slice(i + 1, end)
      .map((l) => (l.slice(0, indent).trim() === '' ? l.slice(indent) : l))
      .join('\n');
    if (previous?.trim() !== SKIP_MARKER && ACTIONS_MATERIAL.test(body)) {
      blocks.push({ file, text: `${body}\n`, lineOffset: i + 1 });
    }
    i = end;
  }
  return blocks;
}

/** What a YAML text is: a workflow (on + jobs), an action (runs) or a fragment (steps, a job …). */
export function classifyYaml(text: string): SourceKind {
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    return 'fragment';
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if ('jobs' in o && 'on' in o) return 'workflow';
    if ('runs' in o) return 'action';
  }
  return 'fragment';
}

function listFiles(dir: string, match: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && match(d.name))
    .map((d) => join(d.parentPath, d.name))
    .filter((p) => !p.split(sep).includes('node_modules'))
    .sort();
}

function actionFolders(root: string): string[] {
  const dir = join(root, 'actions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(dir, d.name))
    .sort();
}

const isYaml = (n: string) => /\.ya?ml$/.test(n);
const isMarkdown = (n: string) => n.endsWith('.md');

/** Builds the lint target(s) for one repository file. */
export function targetsForFile(root: string, path: string): LintTarget[] {
  const file = relative(root, path).split(sep).join('/');
  const text = readFileSync(path, 'utf8');
  if (isMarkdown(file)) {
    return extractYamlBlocks(file, text).map((b) => ({
      ...b,
      kind: classifyYaml(b.text),
      localIsSlipway: false,
    }));
  }
  const isActionYml = /(^|\/)action\.ya?ml$/.test(file);
  const kind: SourceKind = file.startsWith('.github/workflows/')
    ? 'workflow'
    : isActionYml
      ? 'action'
      : classifyYaml(text);
  return [{ file, text, lineOffset: 0, kind, localIsSlipway: !file.startsWith('examples/') }];
}

/** Every file the linter reads in a repository. */
export function repositoryFiles(root: string): string[] {
  const files = [
    ...listFiles(join(root, '.github', 'workflows'), isYaml),
    ...listFiles(join(root, 'examples'), isYaml),
    ...listFiles(join(root, 'test', 'fixtures', 'act'), isYaml),
    ...actionFolders(root).flatMap((d) =>
      ['action.yml', 'README.md'].map((f) => join(d, f)).filter((f) => existsSync(f)),
    ),
    ...listFiles(join(root, 'docs'), isMarkdown),
  ];
  for (const top of ['action.yml', 'README.md']) {
    if (existsSync(join(root, top))) files.push(join(root, top));
  }
  return files;
}

/** Every lint target of a repository. */
export function repositoryTargets(root: string): LintTarget[] {
  return repositoryFiles(root).flatMap((f) => targetsForFile(root, f));
}
