import { Inputs, appendSummary, log, runAction, runContext, setOutputs } from '@slipway/action-kit';
import { homeDir } from '@slipway/cache/paths.ts';
import { detectCacheService } from './cache-service.ts';
import { readTestCacheInputs } from './inputs.ts';

export default () =>
  runAction('test-cache', {
    async main() {
      const startedAt = Date.now();
      const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
      const home = homeDir();
      const inputs = readTestCacheInputs(new Inputs(), { workspace, home });

      const run = runContext();
      const service = detectCacheService(process.env, run.serverUrl);
      if (!service.available) {
        // One warning, so a cache that silently never works shows on the run page: on GitHub
        // Enterprise Server the Actions cache needs storage set up by an administrator.
        log.warning(
          `test-cache: no cache service is configured on this runner (${service.missing} is not set), so nothing is restored or saved and the job runs uncached. GitHub-hosted runners and act provide one; on GitHub Enterprise Server an administrator enables the Actions cache (see docs/ghes.md).`,
        );
        setOutputs({ 'cache-hit': false, 'restored-key': '', key: '' });
        await appendSummary('### test-cache\nNo cache service on this runner: nothing restored or saved.\n');
        return;
      }
      // Everything past validation loads now, keeping the start path to what validation needs.
      const { restoreStep } = await import('./restore-step.ts');
      try {
        await restoreStep(inputs, { workspace, home, startedAt, run }, log);
      } catch (err) {
        // Past input validation a cache never fails the job: the job runs on, uncached.
        log.warning(
          `test-cache: restoring failed, the job runs without the cache: ${(err as Error).message}`,
        );
        setOutputs({ 'cache-hit': false, 'restored-key': '', key: '' });
      }
    },
    async post() {
      const { saveStep } = await import('./save.ts');
      try {
        await saveStep(log);
      } catch (err) {
        // Nothing the post step does may fail the job: an unsaved cache only makes the next run slower.
        log.warning(`test-cache: saving failed, nothing more is saved: ${(err as Error).message}`);
      }
    },
  });
