import type { ActionResult, Logger, RunContext } from '@slipway/action-kit';
import { detectCacheService } from './cache-service.ts';
import type { PathContext, TestCacheInputs } from './inputs.ts';
import type { TestCacheState } from './state.ts';

const MISS = { 'cache-hit': false, 'restored-key': '', key: '' };

/**
 * The main step's work: restores the caches the inputs describe and returns what the post step
 * needs to save them. Past input validation a cache never fails the job: a missing service or a
 * failed restore is a warning, and the job runs on uncached.
 */
export async function restoreTestCache(
  inputs: TestCacheInputs & PathContext,
  context: RunContext,
  log: Logger,
): Promise<ActionResult<TestCacheState>> {
  const startedAt = Date.now();
  const service = detectCacheService(process.env, context.serverUrl);
  if (!service.available) {
    // One warning, so a cache that silently never works shows on the run page: on GitHub
    // Enterprise Server the Actions cache needs storage set up by an administrator.
    log.warning(
      `test-cache: no cache service is configured on this runner (${service.missing} is not set), so nothing is restored or saved and the job runs uncached. GitHub-hosted runners and act provide one; on GitHub Enterprise Server an administrator enables the Actions cache (see docs/ghes.md).`,
    );
    return {
      outputs: MISS,
      summary: '### test-cache\nNo cache service on this runner: nothing restored or saved.\n',
    };
  }
  // Everything past validation loads now, keeping the start path to what validation needs.
  const { restoreStep } = await import('./restore-step.ts');
  try {
    return await restoreStep(
      inputs,
      { workspace: inputs.workspace, home: inputs.home, startedAt },
      context,
      log,
    );
  } catch (err) {
    log.warning(`test-cache: restoring failed, the job runs without the cache: ${(err as Error).message}`);
    return { outputs: MISS };
  }
}

/** The post step's work: saves what the main step restored or planned, as the save policy allows. */
export async function saveTestCache(
  state: TestCacheState | undefined,
  _context: RunContext,
  log: Logger,
): Promise<ActionResult> {
  const { saveStep } = await import('./save.ts');
  try {
    return await saveStep(state, log);
  } catch (err) {
    // Nothing the post step does may fail the job: an unsaved cache only makes the next run slower.
    log.warning(`test-cache: saving failed, nothing more is saved: ${(err as Error).message}`);
    return { outputs: {} };
  }
}
