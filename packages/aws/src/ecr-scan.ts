/**
 * ECR image scan results: wait for the scan of a pushed image (basic or enhanced scanning) and
 * gate on a severity threshold, listing the findings that fail it.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
 */
import { ActionError, type Logger } from '@slipway/action-kit';
import { type EcrApi, explainEcrError } from './ecr-api.ts';
import { awsErrorCode } from './errors.ts';

/** The values of `scan-severity-threshold`. */
export const SEVERITY_THRESHOLDS = ['none', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
/** A `scan-severity-threshold` value. */
export type SeverityThreshold = (typeof SEVERITY_THRESHOLDS)[number];

const RANK: Record<string, number> = { INFORMATIONAL: 1, LOW: 2, MEDIUM: 3, HIGH: 4, CRITICAL: 5 };

/** Orders severities; UNDEFINED/UNTRIAGED rank 0 and never fail a gate. */
export function severityRank(severity: string | undefined): number {
  return RANK[(severity ?? '').toUpperCase()] ?? 0;
}

/** One finding, from basic (`findings`) or enhanced (`enhancedFindings`, Amazon Inspector) scanning. */
export interface ScanFinding {
  /** CVE or vulnerability ID. */
  id: string;
  severity: string;
  /** `name version` of the affected package, when known. */
  package?: string;
  uri?: string;
}

/** A finished scan. */
export interface ScanReport {
  status: string;
  counts: Record<string, number>;
  findings: ScanFinding[];
}

/** Findings at or above `threshold`, most severe first; none for `none`. */
export function findingsAtOrAbove(report: ScanReport, threshold: SeverityThreshold): ScanFinding[] {
  if (threshold === 'none') return [];
  const min = severityRank(threshold);
  return report.findings
    .filter((f) => severityRank(f.severity) >= min)
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id));
}

/** `2 CRITICAL, 1 HIGH` or `no findings`. */
export function formatCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => severityRank(b[0]) - severityRank(a[0]))
    .map(([s, n]) => `${n} ${s}`);
  return parts.length ? parts.join(', ') : 'no findings';
}

type RawFindings = {
  imageScanStatus?: { status?: string; description?: string };
  imageScanFindings?: {
    findingSeverityCounts?: Record<string, number>;
    findings?: {
      name?: string;
      severity?: string;
      uri?: string;
      attributes?: { key?: string; value?: string }[];
    }[];
    enhancedFindings?: {
      severity?: string;
      title?: string;
      packageVulnerabilityDetails?: {
        vulnerabilityId?: string;
        sourceUrl?: string;
        vulnerablePackages?: { name?: string; version?: string }[];
      };
    }[];
  };
  nextToken?: string;
};

function toFindings(raw: RawFindings): ScanFinding[] {
  const out: ScanFinding[] = [];
  for (const f of raw.imageScanFindings?.findings ?? []) {
    const attr = (k: string) => f.attributes?.find((a) => a.key === k)?.value;
    const pkg = [attr('package_name'), attr('package_version')].filter(Boolean).join(' ');
    out.push({
      id: f.name ?? '?',
      severity: f.severity ?? 'UNDEFINED',
      ...(pkg ? { package: pkg } : {}),
      ...(f.uri ? { uri: f.uri } : {}),
    });
  }
  for (const f of raw.imageScanFindings?.enhancedFindings ?? []) {
    const d = f.packageVulnerabilityDetails;
    const p = d?.vulnerablePackages?.[0];
    const pkg = p ? [p.name, p.version].filter(Boolean).join(' ') : '';
    out.push({
      id: d?.vulnerabilityId ?? f.title ?? '?',
      severity: f.severity ?? 'UNDEFINED',
      ...(pkg ? { package: pkg } : {}),
      ...(d?.sourceUrl ? { uri: d.sourceUrl } : {}),
    });
  }
  return out;
}

const DONE = new Set(['COMPLETE', 'ACTIVE']);
const WAITING = new Set(['IN_PROGRESS', 'PENDING']);

/**
 * Waits for the scan of `digest` to finish and returns its findings (every page). A scan that
 * was never started (scan on push off) is started once. A scan that cannot give findings
 * (FAILED, UNSUPPORTED_IMAGE …) or does not finish within `timeoutMs` is an ActionError: the
 * gate cannot be decided.
 */
export async function waitForScanFindings(
  api: EcrApi,
  opts: { repository: string; digest: string; log: Logger; timeoutMs?: number; pollMs?: number },
): Promise<ScanReport> {
  const { registryId } = api;
  const { repository, digest, log } = opts;
  const timeoutMs = opts.timeoutMs ?? 15 * 60_000;
  const pollMs = opts.pollMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const base = {
    repositoryName: repository,
    ...(registryId ? { registryId } : {}),
    imageId: { imageDigest: digest },
  };
  let started = false;
  /** StartImageScan's LimitExceededException, when ECR refused to start the scan. */
  let refused: string | undefined;
  let lastStatus = '';
  // Basic scans take seconds to a minute: look again soon, then less often.
  let delay = Math.min(1000, pollMs);
  for (;;) {
    let first: RawFindings | undefined;
    try {
      first = await api.send<RawFindings>('DescribeImageScanFindings', { ...base, maxResults: 1000 });
    } catch (err) {
      const code = awsErrorCode(err);
      if (code === 'ScanNotFoundException' && refused !== undefined) {
        // Still no scan after ECR refused to start one: no scan will come, so no waiting out the deadline.
        throw new ActionError(
          `ECR refused to start a scan of ${repository}@${digest} (LimitExceededException: ${refused}), so scan-severity-threshold cannot be checked: basic scanning scans an image at most once every 24 hours and each account has a daily scan quota. Turn on scan-on-push for the repository, or push a new image, or raise the quota`,
        );
      }
      if (code === 'ScanNotFoundException' && !started) {
        started = true;
        log.info(`no scan of ${digest} yet: starting one`);
        try {
          await api.send('StartImageScan', base);
        } catch (startErr) {
          const startCode = awsErrorCode(startErr);
          if (startCode !== 'LimitExceededException') {
            throw explainEcrError(startErr, 'ecr:StartImageScan', `${repository}@${digest}`);
          }
          // A scan-on-push scan may have registered meanwhile: look once more before failing.
          refused = ((startErr as { message?: string }).message ?? '').split('\n')[0] || 'no reason given';
        }
        continue;
      } else if (code !== 'ScanNotFoundException' && code !== 'ImageNotFoundException') {
        throw explainEcrError(err, 'ecr:DescribeImageScanFindings', `${repository}@${digest}`);
      }
    }
    const status = first?.imageScanStatus?.status ?? 'PENDING';
    if (first && DONE.has(status)) {
      const findings = toFindings(first);
      let token = first.nextToken;
      while (token) {
        const page = await api
          .send<RawFindings>('DescribeImageScanFindings', { ...base, maxResults: 1000, nextToken: token })
          .catch((err: unknown) => {
            throw explainEcrError(err, 'ecr:DescribeImageScanFindings', `${repository}@${digest}`);
          });
        findings.push(...toFindings(page));
        token = page.nextToken;
      }
      const counts = first.imageScanFindings?.findingSeverityCounts ?? {};
      return { status, counts, findings };
    }
    if (first && !WAITING.has(status)) {
      throw new ActionError(
        `the scan of ${repository}@${digest} ended ${status}${first.imageScanStatus?.description ? ` (${first.imageScanStatus.description})` : ''}, so scan-severity-threshold cannot be checked`,
      );
    }
    if (Date.now() >= deadline) {
      throw new ActionError(
        `the scan of ${repository}@${digest} did not finish within ${Math.round(timeoutMs / 60_000)} minutes (last status ${status})`,
      );
    }
    if (status !== lastStatus) log.info(`waiting for the scan of ${digest} (${status})`);
    lastStatus = status;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, pollMs);
  }
}
