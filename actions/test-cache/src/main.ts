import { Inputs, appendSummary, issueCommand, log, runAction, setOutputs } from '@slipway/action-kit';
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

      const service = detectCacheService(process.env);
      if (!service.available) {
        issueCommand(
          'notice',
          `test-cache: no cache service here (${service.missing} is not set), so nothing is restored or saved. GitHub-hosted runners, GHES and act provide one.`,
        );
        setOutputs({ 'cache-hit': false, 'restored-key': '', key: '' });
        appendSummary('### test-cache\nNo cache service on this runner: nothing restored or saved.\n');
        return;
      }
      // Everything past validation loads now, keeping the start path to what validation needs.
      const { restoreStep } = await import('./restore-step.ts');
      await restoreStep(inputs, { workspace, home, startedAt }, log);
    },
    async post() {
      const { saveStep } = await import('./save.ts');
      await saveStep(log);
    },
  });
