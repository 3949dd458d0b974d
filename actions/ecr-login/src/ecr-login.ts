import { markdownTable, type ActionResult, type Logger, type RunContext } from '@slipway/action-kit';
import {
  addDockerLogins,
  dockerConfigPath,
  restoreDockerLogins,
  saveUndoFile,
  undoIsTrivial,
} from '@slipway/aws/docker-config.ts';
import type { EcrLoginInputs } from './inputs.ts';
import { fetchLogins } from './login.ts';

/**
 * What the post step needs to log out: the config file and the hosts written. When an earlier
 * login or helper entry has to be put back, it sits in an owner-only file under RUNNER_TEMP
 * (`restore`); step state never holds a secret.
 */
export interface LoggedIn {
  config: string;
  hosts: string[];
  restore?: string;
}

/**
 * Logs in to every requested registry in the Docker client config and returns the outputs, the
 * summary and, unless skip-logout, what the post step needs to undo it.
 */
export async function ecrLogin(
  inputs: EcrLoginInputs,
  _context: RunContext,
  log: Logger,
): Promise<ActionResult<LoggedIn>> {
  const logins = await fetchLogins(inputs, log);

  const config = dockerConfigPath();
  const undo = await addDockerLogins(config, logins, log);
  let state: LoggedIn | undefined;
  if (inputs.skipLogout) {
    log.info('skip-logout is set: the post step will leave these logins in the Docker config');
  } else {
    state = {
      config,
      hosts: logins.map((l) => l.host),
      ...(undoIsTrivial(undo) ? {} : { restore: saveUndoFile(undo) }),
    };
  }

  const expiresAt = new Date(Math.min(...logins.map((l) => l.expiresAt.getTime())));
  for (const l of logins) {
    const via = l.host === l.registry ? '' : ` (the token of ${l.registry})`;
    log.info(
      `Logged in to ${l.host}${via} in ${config}; the password is valid until ${l.expiresAt.toISOString()}`,
    );
  }
  const first = logins[0];
  return {
    outputs: {
      registry: logins.map((l) => l.host).join(','),
      'docker-username': first?.username,
      'docker-password': first?.password,
      'expires-at': expiresAt.toISOString(),
    },
    summary: markdownTable(
      ['registry', 'valid until'],
      logins.map((l) => [l.host, l.expiresAt.toISOString()]),
    ),
    ...(state ? { state } : {}),
  };
}

/** The post step: removes the logins the main step wrote and puts back what they replaced. */
export async function ecrLogout(
  state: LoggedIn | undefined,
  _context: RunContext,
  log: Logger,
): Promise<ActionResult> {
  if (!state) {
    log.info('No Docker login to remove');
    return { outputs: {} };
  }
  await restoreDockerLogins(state.config, state.hosts, state.restore, log);
  return { outputs: {} };
}
