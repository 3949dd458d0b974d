import { existsSync } from 'node:fs';
import { notice, markdownTable, type ActionResult, type Logger, type RunContext } from '@slipway/action-kit';
import {
  decideSave,
  formatBytes,
  formatDuration,
  listCargoBins,
  markFingerprintsUnused,
  planCaches,
  recordsAccessTimes,
  unstageCargoBins,
  type CacheEntry,
} from '@slipway/cache';
import type { TestCacheInputs } from './inputs.ts';
import { restoreCaches, type RestoreResult } from './restore.ts';
import { SAVE_ON_FAILURE_ENV, type StoredEntry, type TestCacheState } from './state.ts';

/** Where the step runs. */
export interface StepContext {
  workspace: string;
  home: string;
  /** Epoch ms the main step started. */
  startedAt: number;
}

function restoreSummary(entries: readonly CacheEntry[], restored: readonly RestoreResult[]): string {
  return (
    '### test-cache: restore\n' +
    markdownTable(
      ['cache', 'toolchain', 'key', 'restored', 'size', 'time'],
      entries.map((entry, i) => {
        const r = restored[i];
        return [
          entry.ecosystem,
          entry.toolchain,
          `\`${entry.key}\``,
          !r?.restoredKey ? 'miss' : r.exactHit ? 'exact hit' : `from \`${r.restoredKey}\``,
          r?.archiveBytes !== undefined ? formatBytes(r.archiveBytes) : '-',
          r ? formatDuration(r.ms) : '-',
        ];
      }),
    )
  );
}

/**
 * After a Rust restore: puts cached `cargo install` binaries back, and marks the restored units
 * as not used yet so the post step can tell what this run used (see markFingerprintsUnused).
 */
async function afterRustRestore(
  entry: CacheEntry,
  restored: boolean,
  ctx: StepContext,
  log: Logger,
): Promise<boolean> {
  if (!entry.rust) return false;
  const { cargoHome, workspaces } = entry.rust;
  const probeDir = workspaces.map((w) => w.targetDir).find((d) => existsSync(d)) ?? ctx.workspace;
  const readsRecorded = await recordsAccessTimes(probeDir);
  if (!restored) return readsRecorded;
  const bins = await unstageCargoBins(cargoHome);
  if (bins.length) log.info(`Restored cargo binaries: ${bins.join(', ')}`);
  if (readsRecorded) {
    for (const w of workspaces) await markFingerprintsUnused(w.targetDir, ctx.startedAt);
  } else {
    log.info(
      'This file system does not record reads (noatime): units this run does not use cannot be told apart, so pruning keeps them.',
    );
  }
  return readsRecorded;
}

/**
 * The main step once inputs are valid and a cache service exists: plan, restore, and return the
 * outputs, the summary and what the post step needs to save.
 */
export async function restoreStep(
  inputs: TestCacheInputs,
  ctx: StepContext,
  context: RunContext,
  log: Logger,
): Promise<ActionResult<TestCacheState>> {
  // @actions/cache resolves relative paths from the working directory but writes archive entries
  // relative to GITHUB_WORKSPACE; they must be the same folder.
  if (process.cwd() !== ctx.workspace && existsSync(ctx.workspace)) process.chdir(ctx.workspace);

  const plan = await planCaches(
    {
      workspace: ctx.workspace,
      home: ctx.home,
      env: process.env,
      ecosystems: inputs.ecosystems,
      extraPaths: inputs.paths,
      prefix: inputs.prefix,
      run: context,
      job: [context.job || 'job', inputs.key].filter(Boolean).join('-'),
      os: (process.env.RUNNER_OS || process.platform).toLowerCase(),
      arch: (process.env.RUNNER_ARCH || process.arch).toLowerCase(),
    },
    log,
  );
  for (const skipped of plan.skipped) {
    const message = `test-cache: not caching ${skipped.ecosystem}: ${skipped.message}`;
    if (skipped.requested) log.warning(message);
    else log.info(message);
  }
  if (plan.entries.length === 0) {
    notice('test-cache: nothing to cache: no ecosystem was found or set up, and no path was given.');
    return {
      outputs: { 'cache-hit': false, 'restored-key': '', key: '' },
      summary: '### test-cache\nNothing to cache: no usable ecosystem and no `path`.\n',
    };
  }

  // What the job starts with, before anything is restored: the post step caches only additions.
  const binsBefore = new Map<string, string[]>();
  for (const entry of plan.entries) {
    if (entry.rust)
      binsBefore.set(entry.rust.cargoHome, await listCargoBins(entry.rust.cargoHome).catch(() => []));
  }

  const restored = await restoreCaches(plan.entries, { workspace: ctx.workspace, home: ctx.home }, log);

  const untrusted = restored.find((r) => r.untrusted)?.untrusted;
  let readsRecorded = false;
  const stored: StoredEntry[] = [];
  for (const [i, entry] of plan.entries.entries()) {
    const result = restored[i] ?? { exactHit: false, ms: 0 };
    if (entry.rust) {
      try {
        readsRecorded = await afterRustRestore(entry, Boolean(result.restoredKey), ctx, log);
      } catch (err) {
        // A cache never fails the job. Without the access-time baseline the post step cannot tell
        // used units from unused ones, so it keeps them all (readsRecorded stays false).
        readsRecorded = false;
        log.warning(
          `test-cache: after restoring the ${entry.ecosystem} cache, putting back cargo binaries or marking the restored units failed: ${(err as Error).message}`,
        );
      }
    }
    stored.push({
      ecosystem: entry.ecosystem,
      key: entry.key,
      restoreKeys: entry.restoreKeys,
      paths: entry.paths,
      exactHit: result.exactHit,
      ...(result.restoredKey ? { restoredKey: result.restoredKey } : {}),
      ...(entry.rust
        ? { rust: { ...entry.rust, binsBefore: binsBefore.get(entry.rust.cargoHome) ?? [] } }
        : {}),
    });
  }

  const defaultBranch = context.defaultBranch;
  const ref = context.ref || undefined;
  const event = context.eventName || undefined;
  for (const item of stored) {
    const decision = decideSave({
      mode: inputs.save,
      exactHit: item.exactHit,
      ref,
      event,
      defaultBranch,
      saveBranches: inputs.saveBranches,
    });
    log.info(
      `${item.ecosystem}: ${decision.save ? 'will save at the end of the job' : 'will not save'} (${decision.reason})`,
    );
  }

  return {
    outputs: {
      'cache-hit': stored.every((e) => e.exactHit),
      'restored-key': stored.map((e) => e.restoredKey ?? '').join('\n'),
      key: stored.map((e) => e.key).join('\n'),
    },
    summary: restoreSummary(plan.entries, restored),
    ...(inputs.saveOnFailure ? { env: { [SAVE_ON_FAILURE_ENV]: 'true' } } : {}),
    state: {
      entries: stored,
      save: inputs.save,
      saveBranches: inputs.saveBranches,
      saveOnFailure: inputs.saveOnFailure,
      prune: inputs.prune,
      ...(ref ? { ref } : {}),
      ...(event ? { event } : {}),
      ...(defaultBranch ? { defaultBranch } : {}),
      startedAt: ctx.startedAt,
      readsRecorded,
      workspace: ctx.workspace,
      home: ctx.home,
      ...(untrusted ? { untrusted } : {}),
    },
  };
}
