import type { Logger } from '@slipway/action-kit';
import {
  type CredentialHelperClient,
  type DockerConfig,
  dockerConfigPath,
  processCredentialHelpers,
  readDockerConfig,
} from '@slipway/aws/docker-config.ts';
import type { RegistryCredentials } from '@slipway/registry/auth.ts';

/** The keys Docker may have stored a login for `host` under. */
export function configKeys(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/`];
  if (host === 'registry-1.docker.io' || host === 'docker.io' || host === 'index.docker.io') {
    keys.unshift('https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io');
  }
  return keys;
}

/**
 * The login the Docker client config holds for a source registry (what `docker login`,
 * docker/login-action or ecr-login wrote): a `credHelpers` entry, an `auths` entry, or the global
 * `credsStore`, in Docker's own order. Undefined means anonymous (public images).
 */
export async function sourceCredentials(
  host: string,
  log: Logger,
  opts: { config?: DockerConfig; helpers?: CredentialHelperClient } = {},
): Promise<RegistryCredentials | undefined> {
  const config = opts.config ?? readDockerConfig(dockerConfigPath());
  const helpers = opts.helpers ?? processCredentialHelpers;
  const keys = configKeys(host);
  const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean);
  if (helper) {
    const got = await helpers.get(helper, keys[0] as string);
    if (got) {
      log.debug(`credentials for ${host} from docker-credential-${helper}`);
      return { username: got.username, password: got.secret };
    }
  }
  for (const key of keys) {
    const entry = config.auths?.[key];
    if (entry?.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        log.debug(`credentials for ${host} from the Docker config (${key})`);
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
    }
    if (entry?.identitytoken) {
      log.warning(
        `the Docker config holds an identity token for ${host}, which Slipway cannot use; pulling anonymously`,
      );
    }
  }
  if (config.credsStore) {
    for (const key of [keys[0] as string, `https://${host}`]) {
      const got = await helpers.get(config.credsStore, key);
      if (got) return { username: got.username, password: got.secret };
    }
  }
  return undefined;
}
