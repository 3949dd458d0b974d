import { ActionError } from '@slipway/action-kit';

/** One file of a release as stored in S3. */
export interface LedgerFile {
  /** Name in the release (`deployment.yaml`). */
  name: string;
  /** Full S3 key. */
  key: string;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  size: number;
  /** S3 version id, when the bucket is versioned. */
  versionId?: string;
}

/** One published release in `releases.json`. */
export interface LedgerRelease {
  version: string;
  /** The image deployed (pinned by digest when known). */
  image?: string;
  digest?: string;
  gitSha?: string;
  gitRef?: string;
  actor?: string;
  runUrl?: string;
  /** ISO 8601 time of publication. */
  publishedAt: string;
  files: LedgerFile[];
  /** The stable key CodePipeline watches, as written for this release. */
  artifact?: { key: string; format: string; sha256: string; versionId?: string; etag?: string };
}

/** `releases.json`: every release of one project and environment, newest first. */
export interface Ledger {
  schema: 1;
  releases: LedgerRelease[];
}

/** How many releases the ledger keeps; older ones stay in the bucket's version history. */
export const LEDGER_LIMIT = 200;

/** Parses `releases.json`; anything else is an ActionError saying where the file is. */
export function parseLedger(text: string, where: string): Ledger {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ActionError(
      `${where} is not valid JSON (${(err as Error).message}): restore a good version of it from the bucket's version history or delete it`,
    );
  }
  const ledger = parsed as Partial<Ledger>;
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(ledger.releases)) {
    throw new ActionError(
      `${where} is not a Slipway release ledger (no "releases" list): move it away or delete it`,
    );
  }
  if (ledger.schema !== 1) {
    throw new ActionError(
      `${where} has schema ${String(ledger.schema)}, which this version of Slipway does not know: update the action`,
    );
  }
  return { schema: 1, releases: ledger.releases };
}

/** The ledger as stored: stable key order, two-space indent, final newline. */
export function serializeLedger(ledger: Ledger): string {
  return `${JSON.stringify(ledger, null, 2)}\n`;
}

/**
 * The ledger with `release` added as the newest entry. A release of the same version (a re-run
 * republishing identical files) replaces its earlier entry instead of being listed twice; every
 * other entry is kept as it was, so concurrent publishers merging into the latest copy lose
 * nothing. The oldest entries beyond `limit` are dropped.
 */
export function addRelease(ledger: Ledger | undefined, release: LedgerRelease, limit = LEDGER_LIMIT): Ledger {
  const others = (ledger?.releases ?? []).filter((r) => r.version !== release.version);
  return { schema: 1, releases: [release, ...others].slice(0, limit) };
}

/** The release a new `version` follows: the newest entry with another version. */
export function previousRelease(ledger: Ledger | undefined, version: string): LedgerRelease | undefined {
  return ledger?.releases.find((r) => r.version !== version);
}

/** The entry of `version`, when it was published before. */
export function findRelease(ledger: Ledger | undefined, version: string): LedgerRelease | undefined {
  return ledger?.releases.find((r) => r.version === version);
}

/**
 * Why publishing `files` as `version` would change a release that is already in the ledger (a
 * release is immutable), or undefined when it would not.
 */
export function immutabilityConflict(
  published: LedgerRelease | undefined,
  files: readonly { name: string; sha256: string }[],
): string | undefined {
  if (!published) return undefined;
  const before = new Map(published.files.map((f) => [f.name, f.sha256]));
  const after = new Map(files.map((f) => [f.name, f.sha256]));
  const changed = [...new Set([...before.keys(), ...after.keys()])]
    .filter((name) => before.get(name) !== after.get(name))
    .sort();
  if (changed.length === 0) return undefined;
  const what = changed
    .slice(0, 5)
    .map((n) => `${n} ${!before.has(n) ? '(new)' : !after.has(n) ? '(gone)' : '(changed)'}`)
    .join(', ');
  return `release ${published.version} was already published (${published.publishedAt}) with other content: ${what}${changed.length > 5 ? ', …' : ''}`;
}
