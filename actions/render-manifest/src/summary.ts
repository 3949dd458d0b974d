import { markdownTable } from '@slipway/action-kit';
import type { ReleaseDiff } from '@slipway/render';

/** What the job summary reports about one run. */
export interface SummaryFacts {
  project: string;
  environment: string;
  version: string;
  previousVersion?: string;
  image?: string;
  files: string[];
  dryRun: boolean;
  /** `s3://…` locations, absent without a bucket. */
  release?: string;
  artifact?: string;
  artifactVersionId?: string;
  ledger?: string;
  /** Release files that were already stored with the same bytes. */
  unchanged?: number;
  diff?: ReleaseDiff;
}

/** The summary stays well below the runner's 1 MiB per step even with a large diff. */
export const MAX_DIFF_CHARS = 60_000;

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** The job summary: a table of what was published where, and the diff against the previous release. */
export function releaseSummary(f: SummaryFacts): string {
  const rows: string[][] = [
    ['version', code(f.version)],
    ['previous version', f.previousVersion ? code(f.previousVersion) : '—'],
  ];
  if (f.image) rows.push(['image', code(f.image)]);
  if (f.release) rows.push([f.dryRun ? 'release (planned)' : 'release', code(f.release)]);
  if (f.artifact) {
    const version = f.artifactVersionId ? ` (version ${code(f.artifactVersionId)})` : '';
    rows.push([f.dryRun ? 'artifact (planned)' : 'artifact', `${code(f.artifact)}${version}`]);
  }
  if (f.ledger) rows.push(['ledger', code(f.ledger)]);
  const unchanged = f.unchanged ? ` (${f.unchanged} already stored, unchanged)` : '';
  rows.push(['files', `${f.files.map(code).join(', ')}${unchanged}`]);
  const title = `### render-manifest: ${f.project} → ${f.environment}${f.dryRun ? ' (dry run: nothing was written to S3)' : ''}`;
  const parts = [title, '', markdownTable(['', ''], rows)];
  if (f.diff) parts.push(diffSection(f.diff, f.previousVersion));
  return parts.join('\n');
}

function diffSection(diff: ReleaseDiff, previous: string | undefined): string {
  const since = previous ? `since ${code(previous)}` : '(first release)';
  if (!diff.changed) return `#### No changes ${since}\n`;
  const counts = [
    diff.modified.length ? `${diff.modified.length} changed` : '',
    diff.added.length ? `${diff.added.length} added` : '',
    diff.removed.length ? `${diff.removed.length} removed` : '',
  ]
    .filter(Boolean)
    .join(', ');
  let patch = diff.patch;
  let cut = '';
  if (patch.length > MAX_DIFF_CHARS) {
    patch = patch.slice(0, patch.lastIndexOf('\n', MAX_DIFF_CHARS) + 1);
    cut = `\n_The diff is cut at ${MAX_DIFF_CHARS} characters; compare the releases in S3 for the rest._\n`;
  }
  // A fence longer than any run of backticks inside, so manifest text cannot close it.
  const longest = Math.max(2, ...[...patch.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `#### Changes ${since}: ${counts}\n\n<details open><summary>Unified diff</summary>\n\n${fence}diff\n${patch}${fence}\n\n</details>\n${cut}`;
}
