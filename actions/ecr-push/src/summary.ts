import { markdownTable } from '@slipway/action-kit';
import { type ScanFinding, type ScanReport, formatCounts } from '@slipway/aws/ecr-scan.ts';
import { formatBytes } from '@slipway/registry/util.ts';

/** What the summary and the outputs need from any kind of push. */
export interface PushSummary {
  digest: string;
  size: number;
  pushedBytes: number;
  reusedBytes: number;
  tags: { tag: string; status: 'created' | 'moved' | 'unchanged' }[];
}

const STATUS = { created: 'new', moved: 'moved', unchanged: 'unchanged' } as const;

/** The job summary: one table row for the image, then the failing findings, if any. */
export function summaryMarkdown(opts: {
  image: string;
  pushed: PushSummary;
  scan: ScanReport | undefined;
  threshold: string;
  failing: ScanFinding[];
}): string {
  const { image, pushed, scan, threshold, failing } = opts;
  const scanCell = !scan
    ? 'not checked'
    : `${failing.length ? `❌ ${failing.length} at or above ${threshold}` : `✅ none at or above ${threshold}`} (${formatCounts(scan.counts)})`;
  let md = `### ecr-push: \`${image}\`\n\n`;
  md += markdownTable(
    ['tags', 'digest', 'size', 'uploaded', 'reused', 'scan'],
    [
      [
        pushed.tags.map((t) => `\`${t.tag}\` (${STATUS[t.status]})`).join(', '),
        `\`${pushed.digest}\``,
        formatBytes(pushed.size),
        formatBytes(pushed.pushedBytes),
        formatBytes(pushed.reusedBytes),
        scanCell,
      ],
    ],
  );
  if (failing.length) {
    md +=
      '\n' +
      markdownTable(
        ['finding', 'severity', 'package'],
        failing.slice(0, 50).map((f) => [f.uri ? `[${f.id}](${f.uri})` : f.id, f.severity, f.package ?? '']),
      );
    if (failing.length > 50) md += `\n… and ${failing.length - 50} more\n`;
  }
  return md;
}

/** The failure message of the scan gate, listing the findings (the first 20). */
export function findingsMessage(ref: string, threshold: string, failing: ScanFinding[]): string {
  const listed = failing
    .slice(0, 20)
    .map((f) => `${f.severity} ${f.id}${f.package ? ` in ${f.package}` : ''}`)
    .join('; ');
  const more = failing.length > 20 ? `; … and ${failing.length - 20} more` : '';
  return `the scan of ${ref} found ${failing.length} vulnerabilit${failing.length === 1 ? 'y' : 'ies'} at or above ${threshold} (scan-severity-threshold): ${listed}${more}. The image was pushed; fix or accept them before deploying it.`;
}
