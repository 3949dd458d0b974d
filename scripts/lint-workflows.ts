/**
 * `npm run lint-workflows`: actionlint, GitHub's workflow parser and Slipway's workflow rules over
 * every workflow, every action.yml, the example workflows and the YAML examples of the
 * documentation; and the generated workflow reference in docs/workflows.md. Exits 1 with
 * `file:line:col` findings.
 *
 *   npm run lint-workflows                       the whole repository
 *   npm run lint-workflows -- path/to/file.yml   only these files (.yml, action.yml or .md)
 *   npm run lint-workflows -- --write-docs       regenerate the reference in docs/workflows.md first
 *
 * The rules are described in scripts/lib/workflow-rules.ts and docs/workflows.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KEYS_VARIANTS, keysVariant } from './generate-workflows.ts';
import { repoRoot } from './lib/actions.ts';
import { DOCS_FILE, writeWorkflowDocs } from './lib/workflow-docs.ts';
import { targetsForFile } from './lib/workflow-files.ts';
import { formatFinding, lintRepository } from './lib/workflow-lint.ts';

const root = repoRoot;
const args = process.argv.slice(2);
if (args.includes('--write-docs')) {
  if (!writeWorkflowDocs(root)) {
    console.error(
      `lint-workflows: ${DOCS_FILE} has no workflows:start/workflows:end markers to write between`,
    );
    process.exit(1);
  }
  console.log(`lint-workflows: wrote the workflow reference into ${DOCS_FILE}`);
}
const files = args.filter((a) => !a.startsWith('-'));
const { findings, targets } = await lintRepository(
  root,
  files.length ? files.flatMap((f) => targetsForFile(root, resolve(f))) : undefined,
);

const fileCount = new Set(targets.map((t) => t.file)).size;
const counts = { workflow: 0, action: 0, fragment: 0 };
for (const t of targets) counts[t.kind]++;

for (const f of findings) {
  console.log(formatFinding(f));
  if (process.env.GITHUB_ACTIONS === 'true') {
    const escape = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    console.log(
      `::error file=${f.file},line=${f.line},col=${f.column},title=lint-workflows ${f.rule}::${escape(f.message)}`,
    );
  }
}
console.log(
  `${findings.length ? '\n' : ''}lint-workflows: ${fileCount} files (${counts.workflow} workflows, ${counts.action} action.yml, ` +
    `${counts.fragment} example fragments): ${findings.length === 0 ? 'no findings' : `${findings.length} finding(s)`}`,
);
// The -keys variants are generated: a hand edit, or a change of the original, shows here.
const stale = KEYS_VARIANTS.filter((name) => {
  const dir = join(root, '.github', 'workflows');
  const target = join(dir, `${name}-keys.yml`);
  return (
    !existsSync(target) ||
    readFileSync(target, 'utf8') !== keysVariant(name, readFileSync(join(dir, `${name}.yml`), 'utf8'))
  );
});
for (const name of stale) {
  console.log(
    `.github/workflows/${name}-keys.yml: out of date with ${name}.yml; run npm run generate-workflows`,
  );
}
process.exitCode = findings.length || stale.length ? 1 : 0;
