/**
 * The reference part of docs/workflows.md — every input, secret and output of every reusable
 * workflow — generated from the workflow files, so the documentation cannot drift from them.
 * lint-workflows reports a stale reference; `npm run lint-workflows -- --write-docs` rewrites it.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Finding } from './workflow-yaml.ts';

export const DOCS_FILE = 'docs/workflows.md';
const START =
  '<!-- workflows:start (generated from .github/workflows by `npm run lint-workflows -- --write-docs`) -->';
const END = '<!-- workflows:end -->';

interface Def {
  description?: string;
  type?: string;
  required?: boolean;
  default?: unknown;
  value?: string;
}

const cell = (s: unknown) =>
  String(s ?? '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .trim();
const code = (s: unknown) => (s === undefined || s === null || s === '' ? '' : `\`${cell(s)}\``);

/** The comment block at the top of a workflow file, without the pointer back to this document. */
function summaryOf(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    lines.push(line.replace(/^#\s?/, ''));
  }
  return lines
    .filter((l) => !/docs\/workflows\.md/.test(l))
    .join('\n')
    .trim();
}

/** The generated reference of every reusable workflow of a repository. */
export function renderWorkflowReference(root: string): string {
  const dir = join(root, '.github', 'workflows');
  const parts: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    const wf = parse(text) as { on?: Record<string, unknown> };
    const call =
      wf.on && typeof wf.on === 'object'
        ? (wf.on.workflow_call as Record<string, Record<string, Def>> | null | undefined)
        : undefined;
    if (call === undefined) continue;
    parts.push(
      `### ${file}`,
      '',
      '```',
      summaryOf(text),
      '```',
      '',
      `Call: \`uses: slipway/slipway/.github/workflows/${file}@v1\``,
      '',
    );
    const inputs = Object.entries(call?.inputs ?? {});
    if (inputs.length) {
      parts.push('| input | type | required | default | description |', '| --- | --- | --- | --- | --- |');
      for (const [name, d] of inputs) {
        parts.push(
          `| \`${name}\` | ${d.type ?? ''} | ${d.required ? 'yes' : 'no'} | ${code(d.default)} | ${cell(d.description)} |`,
        );
      }
      parts.push('');
    }
    const secrets = Object.entries(call?.secrets ?? {});
    if (secrets.length) {
      parts.push('| secret | required | description |', '| --- | --- | --- |');
      for (const [name, d] of secrets)
        parts.push(`| \`${name}\` | ${d?.required ? 'yes' : 'no'} | ${cell(d?.description)} |`);
      parts.push('');
    }
    const outputs = Object.entries(call?.outputs ?? {});
    if (outputs.length) {
      parts.push('| output | description |', '| --- | --- |');
      for (const [name, d] of outputs) parts.push(`| \`${name}\` | ${cell(d.description)} |`);
      parts.push('');
    }
  }
  return `${START}\n\n${parts.join('\n').trimEnd()}\n\n${END}`;
}

function currentSection(markdown: string): { start: number; end: number } | undefined {
  const start = markdown.indexOf(START);
  const end = markdown.indexOf(END);
  return start >= 0 && end > start ? { start, end: end + END.length } : undefined;
}

/** A finding when docs/workflows.md lacks the generated reference or holds a stale one. */
export function checkWorkflowDocs(root: string): Finding[] {
  const path = join(root, DOCS_FILE);
  const problem = (line: number, message: string): Finding[] => [
    { file: DOCS_FILE, line, column: 1, rule: 'docs', message },
  ];
  if (!existsSync(path)) return problem(1, `${DOCS_FILE} is missing`);
  const markdown = readFileSync(path, 'utf8');
  const section = currentSection(markdown);
  if (!section) return problem(1, `${DOCS_FILE} has no generated workflow reference (${START} … ${END})`);
  if (markdown.slice(section.start, section.end) === renderWorkflowReference(root)) return [];
  const line = markdown.slice(0, section.start).split('\n').length;
  return problem(
    line,
    'the workflow reference does not match the workflows: run `npm run lint-workflows -- --write-docs`',
  );
}

/** Rewrites the generated reference in docs/workflows.md; returns false when the markers are missing. */
export function writeWorkflowDocs(root: string): boolean {
  const path = join(root, DOCS_FILE);
  const markdown = readFileSync(path, 'utf8');
  const section = currentSection(markdown);
  if (!section) return false;
  writeFileSync(
    path,
    markdown.slice(0, section.start) + renderWorkflowReference(root) + markdown.slice(section.end),
  );
  return true;
}
