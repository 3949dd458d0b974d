/**
 * Dependabot keeps the SHA pins of the workflows (and of the root action.yml) current, but it does
 * not read the examples: examples/, the act recipe and the YAML in the documentation. This check
 * holds each of those to the pin the workflows use for the same action, so a Dependabot update
 * fails `npm run lint-workflows` until the examples are updated with it (docs/releasing.md).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { repositoryFiles } from './workflow-files.ts';
import type { Finding } from './workflow-yaml.ts';

/** A `uses: owner/repo[/path]@<40 hex> # vX.Y.Z` reference in a file. */
export interface PinnedUse {
  file: string;
  line: number;
  column: number;
  repo: string;
  sha: string;
  comment: string;
}

const PINNED_USES =
  /uses:\s*['"]?([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(?:\/[^@\s'"]*)?@([0-9a-f]{40})['"]?(?:[ \t]*#[ \t]*(\S+))?/g;

/** Every SHA-pinned `uses:` of a text, with its 1-based position. */
export function pinnedUses(file: string, text: string): PinnedUse[] {
  const found: PinnedUse[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(PINNED_USES)) {
      found.push({
        file,
        line: i + 1,
        column: (m.index ?? 0) + 1,
        repo: (m[1] ?? '').toLowerCase(),
        sha: m[2] ?? '',
        comment: m[3] ?? '',
      });
    }
  });
  return found;
}

/** The files Dependabot's github-actions updates read with `directory: /`. */
export function dependabotFiles(root: string): string[] {
  const dir = join(root, '.github', 'workflows');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => join(dir, f))
    : [];
  for (const f of ['action.yml', 'action.yaml']) if (existsSync(join(root, f))) files.push(join(root, f));
  return files;
}

const rel = (root: string, p: string) => relative(root, p).split(sep).join('/');
const describe = (u: PinnedUse) => `${u.sha.slice(0, 12)}… (${u.comment || 'no version comment'})`;

/**
 * Findings for every pinned action of the examples and documentation whose SHA differs from the
 * pin of the same action in the workflows, and for any action the workflows pin at two SHAs.
 */
export function checkPinDrift(root: string): Finding[] {
  const findings: Finding[] = [];
  const canonical = new Map<string, PinnedUse>();
  const updated = dependabotFiles(root);
  for (const path of updated) {
    for (const use of pinnedUses(rel(root, path), readFileSync(path, 'utf8'))) {
      const first = canonical.get(use.repo);
      if (!first) canonical.set(use.repo, use);
      else if (first.sha !== use.sha) {
        findings.push({
          ...use,
          rule: 'pin-drift',
          message:
            `${use.repo} is pinned at ${describe(use)} here but at ${describe(first)} in ${first.file}: ` +
            'pin one version of an action across the workflows',
        });
      }
    }
  }
  const updatedSet = new Set(updated);
  for (const path of repositoryFiles(root).filter((p) => !updatedSet.has(p))) {
    for (const use of pinnedUses(rel(root, path), readFileSync(path, 'utf8'))) {
      const pin = canonical.get(use.repo);
      if (!pin || (pin.sha === use.sha && pin.comment === use.comment)) continue;
      findings.push({
        ...use,
        rule: 'pin-drift',
        message:
          `${use.repo} is pinned at ${describe(use)} here but at ${describe(pin)} in ${pin.file}, ` +
          'which Dependabot keeps current: use the same SHA and comment in this example',
      });
    }
  }
  return findings;
}
