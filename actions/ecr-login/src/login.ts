import type { Logger } from '@slipway/action-kit';
import { ActionError, setSecret } from '@slipway/action-kit';
import { getEcrAuthorization } from '@slipway/aws/ecr-auth.ts';
import type { EcrAuthorization } from '@slipway/aws/ecr-auth.ts';
import { basicAuth } from '@slipway/aws/docker-config.ts';
import type { EcrLoginInputs } from './inputs.ts';

/** A registry login ready for the Docker config: the ECR authorization and the host it is written for. */
export interface RegistryLogin extends EcrAuthorization {
  /** The Docker config key: the registry host, or the registry-url override's host. */
  host: string;
}

/**
 * Gets an ECR authorization for every requested registry (one GetAuthorizationToken call per
 * region) and registers each secret with the runner the moment it arrives, before anything else
 * can print it: the password (unless mask-password is false) and always the base64 token, which is
 * exactly the `auth` value in the Docker config.
 */
export async function fetchLogins(inputs: EcrLoginInputs, log: Logger): Promise<RegistryLogin[]> {
  const byRegion = new Map<string, string[]>();
  for (const r of inputs.registries) {
    const ids = byRegion.get(r.region) ?? [];
    if (!ids.includes(r.accountId)) ids.push(r.accountId);
    byRegion.set(r.region, ids);
  }
  if (byRegion.size === 0) byRegion.set(inputs.region, []);

  const answers = await Promise.all(
    [...byRegion].map(async ([region, registryIds]) => {
      const auths = await getEcrAuthorization({ region, registryIds, log });
      for (const auth of auths) {
        if (inputs.maskPassword) setSecret(auth.password);
        setSecret(basicAuth(auth.username, auth.password));
      }
      return { region, auths };
    }),
  );

  const host = (auth: EcrAuthorization) => inputs.registryHost ?? auth.registry;
  if (inputs.registries.length === 0) {
    const auth = answers[0]?.auths[0];
    if (!auth)
      throw new ActionError(`ECR GetAuthorizationToken in ${inputs.region} returned no authorization`);
    return [{ ...auth, host: host(auth) }];
  }
  // In the order the registries were given, once each.
  const logins: RegistryLogin[] = [];
  for (const { region, accountId } of inputs.registries) {
    const auths = answers.find((a) => a.region === region)?.auths ?? [];
    const auth = auths.find((a) => a.registry.startsWith(`${accountId}.`));
    if (!auth) {
      throw new ActionError(
        `ECR GetAuthorizationToken in ${region} returned no authorization for registry ${accountId}`,
      );
    }
    if (!logins.some((l) => l.registry === auth.registry)) logins.push({ ...auth, host: host(auth) });
  }
  return logins;
}
