// gitops-publish: the rendered release written into a GitOps config repository, as a commit or a pull request.
import {
  ActionError,
  appendSummary,
  envInputs,
  log,
  runAction,
  setOutputs,
  setSecret,
} from '@slipway/action-kit';
import { GitOpsError } from '@slipway/gitops';
import { readGitOpsPublishInputs, readToken } from './inputs.ts';
import { gitopsPublish, tokenSecrets } from './publish.ts';

/** Removes every secret from a message, in case a server echoed one. */
function redactor(secrets: string[]): (text: string) => string {
  return (text) => secrets.reduce((t, s) => (s ? t.split(s).join('***') : t), text);
}

export default () =>
  runAction('gitops-publish', {
    async main() {
      // The token first: masked before any other input is even looked at.
      const token = readToken(envInputs());
      const secrets = token ? tokenSecrets(token) : [];
      for (const secret of secrets) setSecret(secret);
      const redact = redactor(secrets);
      const inputs = readGitOpsPublishInputs();
      try {
        const { outputs, summary } = await gitopsPublish(inputs, log);
        setOutputs({ ...outputs });
        appendSummary(summary);
      } catch (err) {
        if (err instanceof GitOpsError) throw new ActionError(redact(err.message));
        if (err instanceof Error) err.message = redact(err.message);
        throw err;
      }
    },
  });
