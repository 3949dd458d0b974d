import type { Logger } from '@slipway/action-kit';
import { formatBytes, formatDuration, type CacheEntry } from '@slipway/cache';
import { watchLibrary } from './cache-service.ts';

/** How one restore went. */
export interface RestoreResult {
  restoredKey?: string;
  exactHit: boolean;
  archiveBytes?: number;
  ms: number;
}

/**
 * Restores each entry through `@actions/cache`, loaded only now (inputs are valid and a service
 * exists). A failing service is a warning and a miss: the job runs on, just slower.
 */
export async function restoreCaches(entries: readonly CacheEntry[], log: Logger): Promise<RestoreResult[]> {
  const cache = await import('@actions/cache');
  const results: RestoreResult[] = [];
  for (const entry of entries) {
    const result = await log.group(
      `Restoring the ${entry.ecosystem} cache`,
      async (): Promise<RestoreResult> => {
        log.info(`Key: ${entry.key}`);
        log.info(`Restore keys: ${entry.restoreKeys.join(', ')}`);
        log.info(`Paths: ${entry.paths.join(', ')}`);
        const started = performance.now();
        try {
          const out = await watchLibrary(() =>
            cache.restoreCache([...entry.paths], entry.key, [...entry.restoreKeys]),
          );
          const ms = performance.now() - started;
          const restoredKey = out.result;
          if (!restoredKey) {
            log.info(`No cache for this key or its restore keys (${formatDuration(ms)})`);
            return { exactHit: false, ms };
          }
          const exactHit = restoredKey === entry.key;
          log.info(
            `Restored ${exactHit ? 'the exact key' : `from ${restoredKey}`}` +
              `${out.archiveBytes !== undefined ? `, ${formatBytes(out.archiveBytes)}` : ''} in ${formatDuration(ms)}`,
          );
          return {
            restoredKey,
            exactHit,
            ms,
            ...(out.archiveBytes !== undefined ? { archiveBytes: out.archiveBytes } : {}),
          };
        } catch (err) {
          log.warning(`test-cache: restoring the ${entry.ecosystem} cache failed: ${(err as Error).message}`);
          return { exactHit: false, ms: performance.now() - started };
        }
      },
    );
    results.push(result);
  }
  return results;
}
