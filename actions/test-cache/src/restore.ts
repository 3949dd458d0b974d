import type { Logger } from '@slipway/action-kit';
import { cacheRoots, formatBytes, formatDuration, type CacheEntry } from '@slipway/cache';
import { untrustedCacheService, watchLibrary } from './cache-service.ts';

/** How one restore went. */
export interface RestoreResult {
  restoredKey?: string;
  exactHit: boolean;
  archiveBytes?: number;
  ms: number;
  /** Set when the cache service's certificate is not trusted: nothing can be restored or saved. */
  untrusted?: string;
}

/** Where relative and `~` cache paths point. */
export interface RestoreContext {
  workspace: string;
  home: string;
}

/**
 * Restores each entry through `@actions/cache`'s own steps, loaded only now (inputs are valid and
 * a service exists), checking each archive before extracting it. A failing service, or an archive
 * with members outside the cached paths, is a warning and a miss: the job runs on, just slower.
 */
export async function restoreCaches(
  entries: readonly CacheEntry[],
  ctx: RestoreContext,
  log: Logger,
): Promise<RestoreResult[]> {
  const { restoreChecked } = await import('./checked-restore.ts');
  const results: RestoreResult[] = [];
  for (const entry of entries) {
    const untrusted = results.find((r) => r.untrusted)?.untrusted;
    if (untrusted) {
      log.info(`Not restoring the ${entry.ecosystem} cache: ${untrusted}`);
      results.push({ exactHit: false, ms: 0, untrusted });
      continue;
    }
    const result = await log.group(
      `Restoring the ${entry.ecosystem} cache`,
      async (): Promise<RestoreResult> => {
        log.info(`Key: ${entry.key}`);
        log.info(`Restore keys: ${entry.restoreKeys.join(', ')}`);
        log.info(`Paths: ${entry.paths.join(', ')}`);
        const started = performance.now();
        try {
          const out = await watchLibrary(() =>
            restoreChecked(
              [...entry.paths],
              [entry.key, ...entry.restoreKeys],
              { workspace: ctx.workspace, roots: cacheRoots(entry.paths, ctx.workspace, ctx.home) },
              log,
            ),
          );
          const ms = performance.now() - started;
          if (out.result.refused) {
            log.warning(
              `test-cache: the ${entry.ecosystem} cache archive was not extracted, so this is a miss: it holds members outside the cached paths, which only a tampered entry does (${out.result.refused.join('; ')})`,
            );
            return { exactHit: false, ms };
          }
          const restoredKey = out.result.restoredKey;
          const archiveBytes = out.result.archiveBytes ?? out.archiveBytes;
          if (!restoredKey) {
            log.info(`No cache for this key or its restore keys (${formatDuration(ms)})`);
            return { exactHit: false, ms };
          }
          const exactHit = restoredKey === entry.key;
          log.info(
            `Restored ${exactHit ? 'the exact key' : `from ${restoredKey}`}` +
              `${archiveBytes !== undefined ? `, ${formatBytes(archiveBytes)}` : ''} in ${formatDuration(ms)}`,
          );
          return {
            restoredKey,
            exactHit,
            ms,
            ...(archiveBytes !== undefined ? { archiveBytes } : {}),
          };
        } catch (err) {
          const untrusted = await untrustedCacheService(process.env);
          log.warning(
            `test-cache: Failed to restore the ${entry.ecosystem} cache, so this is a miss: ${untrusted ? `${untrusted}; nothing is saved at the end of the job either` : (err as Error).message}`,
          );
          return { exactHit: false, ms: performance.now() - started, ...(untrusted ? { untrusted } : {}) };
        }
      },
    );
    results.push(result);
  }
  return results;
}
