// await-release: follows one release until it is live or has failed, and says which.
import {
  ActionError,
  appendSummary,
  envInputs,
  exportVariable,
  log,
  runAction,
  setOutputs,
  setSecret,
} from '@slipway/action-kit';
import { RELEASE_VARIABLE, formatDuration, toHandoff } from '@slipway/release';
import { awaitRelease } from './await-release.ts';
import { readAwaitReleaseInputs, readToken } from './inputs.ts';

export default () =>
  runAction('await-release', {
    async main() {
      const token = readToken(envInputs());
      if (token) setSecret(token);
      const inputs = readAwaitReleaseInputs(envInputs());
      const { outcome, outputs, summary } = await awaitRelease(inputs, log);
      setOutputs({ ...outputs });
      appendSummary(summary);
      // For later steps of the job: slack-notify's default message says what became of the release.
      exportVariable(RELEASE_VARIABLE, JSON.stringify(toHandoff(outcome)));
      const line = `release ${outcome.status} after ${formatDuration(outcome.durationMs)}: ${outcome.detail}`;
      if (inputs.failOn.includes(outcome.status)) throw new ActionError(line);
      if (outcome.status === 'live') log.info(`✅ ${line}`);
      else log.warning(`${line} (fail-on does not include ${outcome.status}, so the step succeeds)`);
    },
  });
