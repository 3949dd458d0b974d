/**
 * The workflow linter: actionlint and GitHub's parser where they apply, then Slipway's rules,
 * over one YAML source or the whole repository. Findings are sorted by file and line.
 */
import { loadCatalog, loadLocalAction, type Catalog } from './workflow-catalog.ts';
import { checkWorkflowDocs } from './workflow-docs.ts';
import { repositoryTargets, type LintTarget } from './workflow-files.ts';
import { checkPinDrift } from './workflow-pins.ts';
import { checkSlipwayRules, type RuleContext } from './workflow-rules.ts';
import { runActionlint, validateAction, validateWorkflow } from './workflow-tools.ts';
import { parseYaml, type Finding } from './workflow-yaml.ts';

/** Lints one source. `catalog` describes Slipway's actions and workflows; `root` reads local actions. */
export async function lintTarget(target: LintTarget, catalog: Catalog, root?: string): Promise<Finding[]> {
  const { parsed, findings } = parseYaml(target);
  if (!parsed) return findings;
  const ctx: RuleContext = {
    catalog,
    localIsSlipway: target.localIsSlipway,
    ...(root ? { localAction: (dir: string) => loadLocalAction(root, dir) } : {}),
  };
  if (target.kind === 'workflow') {
    findings.push(...(await runActionlint(target)), ...(await validateWorkflow(target)));
  } else if (target.kind === 'action') {
    findings.push(...validateAction(target));
  }
  findings.push(...checkSlipwayRules(parsed, target.kind, ctx));
  return findings;
}

/** Sorts findings by file, line, column and drops exact duplicates. */
export function sortFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings
    .filter((f) => {
      const key = `${f.file}:${f.line}:${f.column}:${f.rule}:${f.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/**
 * Lints every target of a repository against the repository's own catalog. Without an explicit
 * list of targets (a whole-repository run) it also checks that docs/workflows.md documents the
 * workflows as they are, and that the examples pin actions as the workflows do.
 */
export async function lintRepository(
  root: string,
  targets?: LintTarget[],
): Promise<{
  findings: Finding[];
  targets: LintTarget[];
}> {
  const catalog = loadCatalog(root);
  const findings: Finding[] = targets ? [] : [...checkWorkflowDocs(root), ...checkPinDrift(root)];
  const all = targets ?? repositoryTargets(root);
  for (const target of all) findings.push(...(await lintTarget(target, catalog, root)));
  return { findings: sortFindings(findings), targets: all };
}

/** `file:line:col: message [rule]` — the format editors and CI logs link. */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.message} [${f.rule}]`;
}
