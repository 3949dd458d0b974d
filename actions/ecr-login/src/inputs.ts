import { InputError, Inputs, asInput, quote } from '@slipway/action-kit';
import type { InputSource, RunContext } from '@slipway/action-kit';
import { parseRegistry, registryHostOf } from '@slipway/aws/ecr-auth.ts';
import { resolveRegion } from '@slipway/aws/region.ts';
import { readRegistryUrl } from '@slipway/aws/registry-url.ts';

/** One registry to log in to, and the region whose ECR API issues its token. */
export interface RegistryRequest {
  accountId: string;
  region: string;
}

/** The validated inputs of ecr-login. */
export interface EcrLoginInputs {
  region: string;
  /** Empty: the caller's own registry in `region`. */
  registries: RegistryRequest[];
  /** Host (and port) the Docker login is written for instead of the token's registry. */
  registryHost?: string;
  maskPassword: boolean;
  skipLogout: boolean;
}

/**
 * Reads and validates every input before anything else happens. The region comes from the
 * environment (`AWS_REGION`) when the inputs do not name one.
 */
export function readInputs(
  source: InputSource,
  _context: RunContext,
  env: NodeJS.ProcessEnv = process.env,
): EcrLoginInputs {
  const inputs = new Inputs(source);
  const regionInput = inputs.optional('region');
  const given = inputs.list('registries').map((value) => {
    const parsed = parseRegistry(value, undefined);
    if (!parsed) {
      const example = regionInput || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
      throw new InputError(
        'registries',
        `${quote(value)} is not an AWS account ID (12 digits) or an ECR registry host such as 123456789012.dkr.ecr.${example}.amazonaws.com`,
      );
    }
    return parsed;
  });
  // Registry hosts carry their own region; a region is needed only for account IDs and the default.
  const hostRegion = given.length > 0 && given.every((r) => r.region) ? given[0]?.region : undefined;
  const region =
    regionInput || !hostRegion ? asInput('region', () => resolveRegion(regionInput, env)) : hostRegion;
  const registries = given.map((r): RegistryRequest => ({
    accountId: r.accountId,
    region: r.region ?? region,
  }));
  const registryUrl = inputs.optional('registry-url');
  const registryHost =
    registryUrl === undefined
      ? undefined
      : registryHostOf(asInput('registry-url', () => readRegistryUrl(registryUrl)).href);
  if (registryHost !== undefined && registries.length > 1) {
    throw new InputError(
      'registry-url',
      `overrides the address of one registry, but registries lists ${registries.length}; log in to the others in another step`,
    );
  }
  return {
    region,
    registries,
    ...(registryHost !== undefined ? { registryHost } : {}),
    maskPassword: inputs.boolean('mask-password', true),
    skipLogout: inputs.boolean('skip-logout', false),
  };
}
