import { existsSync } from 'node:fs';
import type * as CacheModule from '@actions/cache';
import { appendSummary, markdownTable, setOutputs, type Logger } from '@slipway/action-kit';
import {
  decideSave,
  formatBytes,
  formatDuration,
  fromCachePattern,
  isGlob,
  pruneCargoTarget,
  stageCargoBins,
  type PruneReport,
} from '@slipway/cache';
import { watchLibrary } from './cache-service.ts';
import { SAVE_ON_FAILURE_ENV, cacheState, type StoredEntry, type TestCacheState } from './state.ts';

interface SaveRow {
  entry: StoredEntry;
  saved: boolean;
  bytes?: number;
  ms?: number;
  reason: string;
  pruned?: PruneReport[];
}

async function pruneRust(entry: StoredEntry, state: TestCacheState, log: Logger): Promise<PruneReport[]> {
  const reports: PruneReport[] = [];
  if (!entry.rust) return reports;
  const added = await stageCargoBins(entry.rust.cargoHome, entry.rust.binsBefore);
  if (added.length) log.info(`Caching cargo binaries added by this job: ${added.join(', ')}`);
  if (!state.prune) return reports;
  for (const ws of entry.rust.workspaces) {
    if (!existsSync(ws.targetDir)) continue;
    const report = await pruneCargoTarget(
      {
        targetDir: ws.targetDir,
        workspacePackages: ws.packages,
        workspaceTargets: ws.targets,
        ...(state.readsRecorded ? { usedSince: state.startedAt } : {}),
      },
      log,
    );
    log.info(
      `Pruned ${ws.targetDir}: kept ${formatBytes(report.keptBytes)} (${report.keptUnits} third-party units), removed ` +
        `${formatBytes(report.removedBytes)} (workspace crates ${formatBytes(report.removed.workspace)}, ` +
        `incremental ${formatBytes(report.removed.incremental)}, unused in this run ${formatBytes(report.removed.unused)}, ` +
        `other ${formatBytes(report.removed.other)})`,
    );
    reports.push(report);
  }
  return reports;
}

/** The reason to save nothing at all, when this post step cannot tell whether the job failed. */
function failureUnknown(state: TestCacheState): string | undefined {
  if (state.saveOnFailure || process.env[SAVE_ON_FAILURE_ENV] !== 'true') return undefined;
  // Another test-cache step of this job asked for save-on-failure, which makes every test-cache
  // post step run even when the job failed. This one did not ask, and cannot tell which it is.
  return 'another test-cache step of this job set save-on-failure, so this post step also runs when the job failed and cannot tell; set save-on-failure the same on every test-cache step';
}

/** The post step: prunes, then saves each entry the policy allows. */
export async function saveStep(log: Logger): Promise<void> {
  const state = cacheState.get();
  if (!state) {
    // No cache service, or nothing to cache: main said so already.
    log.debug('test-cache: the main step left nothing to save');
    setOutputs({ 'saved-size': 0 });
    return;
  }
  if (process.cwd() !== state.workspace && existsSync(state.workspace)) process.chdir(state.workspace);
  const unknown = failureUnknown(state);
  const rows: SaveRow[] = state.entries.map((entry) => {
    if (unknown) return { entry, saved: false, reason: unknown };
    const decision = decideSave({
      mode: state.save,
      exactHit: entry.exactHit,
      ref: state.ref,
      event: state.event,
      defaultBranch: state.defaultBranch,
      saveBranches: state.saveBranches,
    });
    return { entry, saved: decision.save, reason: decision.reason };
  });

  let cache: typeof CacheModule | undefined;
  if (rows.some((r) => r.saved)) {
    try {
      cache = await import('@actions/cache');
    } catch (err) {
      // A cache never fails the job: without the library nothing is saved, and the job goes on.
      const reason = `loading @actions/cache failed: ${(err as Error).message}`;
      log.warning(`test-cache: ${reason}`);
      for (const row of rows.filter((r) => r.saved)) Object.assign(row, { saved: false, reason });
    }
  }
  if (cache) {
    const library = cache;
    for (const row of rows.filter((r) => r.saved)) {
      const { entry } = row;
      await log.group(`Saving the ${entry.ecosystem} cache`, async () => {
        try {
          row.pruned = await pruneRust(entry, state, log);
        } catch (err) {
          // Skipped rather than saved unpruned: a target directory that pruning could not finish
          // may be many gigabytes of this run's own crates, and saving it would evict other caches
          // of the repository. Not saving costs only a slower next run, which tries again.
          const reason = `preparing the Rust cache (staging cargo binaries, pruning the target directory) failed: ${(err as Error).message}`;
          Object.assign(row, { saved: false, reason });
          log.warning(`test-cache: not saving the ${entry.ecosystem} cache: ${reason}`);
          return;
        }
        const existing = entry.paths.filter(
          (p) => isGlob(p) || existsSync(fromCachePattern(p, state.workspace, state.home)),
        );
        if (existing.length === 0) {
          Object.assign(row, { saved: false, reason: 'none of the cached paths exist' });
          log.info(`Not saving ${entry.key}: ${row.reason}`);
          return;
        }
        const started = performance.now();
        try {
          const out = await watchLibrary(() => library.saveCache([...entry.paths], entry.key));
          row.ms = performance.now() - started;
          if (out.result === -1) {
            Object.assign(row, {
              saved: false,
              reason: `the cache service did not take it${out.problems[0] ? `: ${out.problems[0]}` : ''}`,
            });
            log.info(`Not saved: ${row.reason}`);
            return;
          }
          if (out.archiveBytes !== undefined) row.bytes = out.archiveBytes;
          log.info(
            `Saved ${entry.key}${row.bytes !== undefined ? `, ${formatBytes(row.bytes)}` : ''} in ${formatDuration(row.ms)}`,
          );
        } catch (err) {
          Object.assign(row, { saved: false, reason: `saving failed: ${(err as Error).message}` });
          log.warning(`test-cache: saving the ${entry.ecosystem} cache failed: ${(err as Error).message}`);
        }
      });
    }
  }
  for (const row of rows.filter((r) => !r.saved))
    log.info(`${row.entry.ecosystem}: not saved (${row.reason})`);

  const savedBytes = rows.reduce((sum, r) => sum + (r.saved ? (r.bytes ?? 0) : 0), 0);
  setOutputs({ 'saved-size': savedBytes });
  const pruneLines = rows
    .flatMap((r) => r.pruned ?? [])
    .map(
      (p) =>
        `Rust target pruned before saving: kept ${formatBytes(p.keptBytes)}, dropped ${formatBytes(p.removedBytes)} ` +
        `(workspace crates ${formatBytes(p.removed.workspace)}, incremental ${formatBytes(p.removed.incremental)}, ` +
        `unused in this run ${formatBytes(p.removed.unused)}).`,
    );
  await appendSummary(
    '### test-cache: save\n' +
      markdownTable(
        ['cache', 'key', 'saved', 'size', 'time', 'why'],
        rows.map((r) => [
          r.entry.ecosystem,
          `\`${r.entry.key}\``,
          r.saved ? 'yes' : 'no',
          r.bytes !== undefined ? formatBytes(r.bytes) : '-',
          r.ms !== undefined ? formatDuration(r.ms) : '-',
          r.reason,
        ]),
      ) +
      (pruneLines.length ? `\n${pruneLines.join('\n')}\n` : ''),
  );
}
