// `@actions/cache` downloads and extracts in one call (restoreCache) and offers no hook between
// the two, while its extraction runs `tar -P`, which writes absolute and `..` names wherever they
// point. These are the library's own steps, taken from its internal modules (the same files the
// library runs, so the protocols and the archive format stay the library's), with a check of
// the archive's members between download and extraction.
import { join } from 'node:path';
import {
  getCacheEntry,
  downloadCache,
} from '../../../node_modules/@actions/cache/lib/internal/cacheHttpClient.js';
import {
  createTempDirectory,
  getArchiveFileSizeInBytes,
  getCacheFileName,
  getCacheVersion,
  getCompressionMethod,
  unlinkFile,
} from '../../../node_modules/@actions/cache/lib/internal/cacheUtils.js';
import {
  getCacheMode,
  getCacheServiceVersion,
  isCacheReadable,
} from '../../../node_modules/@actions/cache/lib/internal/config.js';
import { internalCacheTwirpClient } from '../../../node_modules/@actions/cache/lib/internal/shared/cacheTwirpClient.js';
import { extractTar } from '../../../node_modules/@actions/cache/lib/internal/tar.js';
import type { Logger } from '@slipway/action-kit';
import { findEscapingMembers } from '@slipway/cache';

/** How a checked restore went. */
export interface CheckedRestore {
  /** The key restored; undefined on a miss or when the archive was refused. */
  restoredKey?: string;
  archiveBytes?: number;
  /** Members that would have landed outside the cached paths; the archive was not extracted. */
  refused?: string[];
}

/** Where the archive of `keys` is, through the protocol the runner offers; undefined on a miss. */
async function locate(
  paths: string[],
  keys: string[],
  compression: Awaited<ReturnType<typeof getCompressionMethod>>,
): Promise<{ key: string; url: string; azure: boolean } | undefined> {
  if (getCacheServiceVersion() === 'v2') {
    const [key = '', ...restoreKeys] = keys;
    const response = await internalCacheTwirpClient().GetCacheEntryDownloadURL({
      key,
      restoreKeys,
      version: getCacheVersion(paths, compression),
    });
    if (!response.ok) return undefined;
    return { key: response.matchedKey, url: response.signedDownloadUrl, azure: true };
  }
  const entry = await getCacheEntry(keys, paths, { compressionMethod: compression });
  if (!entry?.archiveLocation || !entry.cacheKey) return undefined;
  return { key: entry.cacheKey, url: entry.archiveLocation, azure: false };
}

/**
 * Restores the first of `keys` found, like `restoreCache`, but lists the archive first and
 * extracts nothing when a member would land outside `roots` (see findEscapingMembers). Errors
 * are thrown; the caller turns them into a warning and a miss.
 */
export async function restoreChecked(
  paths: string[],
  keys: string[],
  check: { workspace: string; roots: readonly string[] },
  log: Logger,
): Promise<CheckedRestore> {
  const mode = getCacheMode();
  if (!isCacheReadable(mode)) {
    log.info(`The runner's cache mode ${mode} does not allow reads: nothing is restored.`);
    return {};
  }
  const compression = await getCompressionMethod();
  const found = await locate(paths, keys, compression);
  if (!found) return {};
  const archive = join(await createTempDirectory(), getCacheFileName(compression));
  try {
    await downloadCache(found.url, archive, found.azure ? { useAzureSdk: true } : {});
    const archiveBytes = getArchiveFileSizeInBytes(archive);
    const refused = await findEscapingMembers(archive, compression, check.workspace, check.roots);
    if (refused.length) return { archiveBytes, refused };
    await extractTar(archive, compression);
    return { restoredKey: found.key, archiveBytes };
  } finally {
    await unlinkFile(archive).catch(() => undefined);
  }
}
