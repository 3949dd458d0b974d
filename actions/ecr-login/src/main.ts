// ecr-login: an Amazon ECR login written into the Docker client config, undone by the post step.
import { appendSummary, defineState, log, markdownTable, runAction, setOutputs } from '@slipway/action-kit';
import {
  addDockerLogins,
  dockerConfigPath,
  restoreDockerLogins,
  saveUndoFile,
  undoIsTrivial,
} from '@slipway/aws/docker-config.ts';
import { readEcrLoginInputs } from './inputs.ts';
import { fetchLogins } from './login.ts';

/**
 * What the post step needs to log out: the config file and the hosts written. When an earlier
 * login or helper entry has to be put back, it sits in an owner-only file under RUNNER_TEMP
 * (`restore`); step state never holds a secret.
 */
interface LoggedIn {
  config: string;
  hosts: string[];
  restore?: string;
}

const loggedIn = defineState<LoggedIn>('logged-in');

export default () =>
  runAction('ecr-login', {
    async main() {
      const inputs = readEcrLoginInputs();
      const logins = await fetchLogins(inputs, log);

      const config = dockerConfigPath();
      const undo = await addDockerLogins(config, logins, log);
      if (inputs.skipLogout) {
        log.info('skip-logout is set: the post step will leave these logins in the Docker config');
      } else {
        loggedIn.set({
          config,
          hosts: logins.map((l) => l.host),
          ...(undoIsTrivial(undo) ? {} : { restore: saveUndoFile(undo) }),
        });
      }

      const expiresAt = new Date(Math.min(...logins.map((l) => l.expiresAt.getTime())));
      for (const l of logins) {
        const via = l.host === l.registry ? '' : ` (the token of ${l.registry})`;
        log.info(
          `Logged in to ${l.host}${via} in ${config}; the password is valid until ${l.expiresAt.toISOString()}`,
        );
      }
      const first = logins[0];
      setOutputs({
        registry: logins.map((l) => l.host).join(','),
        'docker-username': first?.username,
        'docker-password': first?.password,
        'expires-at': expiresAt.toISOString(),
      });
      await appendSummary(
        markdownTable(
          ['registry', 'valid until'],
          logins.map((l) => [l.host, l.expiresAt.toISOString()]),
        ),
      );
    },

    async post() {
      const state = loggedIn.get();
      if (!state) {
        log.info('No Docker login to remove');
        return;
      }
      await restoreDockerLogins(state.config, state.hosts, state.restore, log);
    },
  });
