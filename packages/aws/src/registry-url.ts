import { quote } from '@slipway/action-kit';
import { AwsParameterError } from './parameter-error.ts';

/**
 * A registry's data-plane base URL (LocalStack, a local registry; the `registry-url` input of
 * ecr-login and ecr-push): `http(s)://host[:port]` or `host[:port]` (https). No path, query or
 * credentials: Docker keys logins by host. Throws an AwsParameterError about `registryUrl`.
 */
export function readRegistryUrl(value: string): URL {
  const form = 'use a registry base URL such as http://127.0.0.1:5000 or localhost.localstack.cloud:4510';
  // Never echo a user:password@ part back into the log.
  const shown = quote(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, '$1…@'));
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`);
  } catch {
    throw new AwsParameterError('registryUrl', `${shown} is not a URL; ${form}`);
  }
  if (
    !/^https?:$/.test(url.protocol) ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search ||
    url.hash
  ) {
    throw new AwsParameterError(
      'registryUrl',
      `${shown} is not a registry base URL (no path or query); ${form}`,
    );
  }
  if (url.username || url.password)
    throw new AwsParameterError('registryUrl', `${shown} must not carry credentials; ${form}`);
  return new URL(`${url.protocol}//${url.host}`);
}
