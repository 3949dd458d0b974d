import { type ProxyAwareAgent, readBody, sendRequest } from '@slipway/net';
import { explainTlsError } from '@slipway/net/tls';
import { RegistryTlsError } from './errors.ts';

/** A user name and password (or token) for a registry; ECR's are `AWS` and the decoded token. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** One `WWW-Authenticate` challenge. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `WWW-Authenticate` (RFC 7235): `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export function parseChallenges(value: string | undefined): AuthChallenge[] {
  if (!value) return [];
  const challenges: AuthChallenge[] = [];
  const re = /([A-Za-z][\w-]*)(?:\s+((?:[\w-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?\s*)*))?/gy;
  let rest = value.trim();
  while (rest) {
    re.lastIndex = 0;
    const m = re.exec(rest);
    if (!m || m[0].length === 0) break;
    const params: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
      params[(p[1] ?? '').toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
    }
    challenges.push({ scheme: (m[1] ?? '').toLowerCase(), params });
    rest = rest.slice(m[0].length).replace(/^[\s,]+/, '');
  }
  return challenges;
}

/** Raised when a registry refuses the credentials or the token service fails. */
export class RegistryAuthError extends Error {
  override readonly name = 'RegistryAuthError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Authorization for one registry host: HTTP Basic (ECR, htpasswd registries) or the Docker token
 * flow (Docker Hub, ghcr.io, most public registries): on a `Bearer` challenge, fetch a token for
 * the scopes asked for from the realm, with the credentials when there are any, and retry.
 * https://distribution.github.io/distribution/spec/auth/token/
 */
export class RegistryAuth {
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private token: string | undefined;
  private tokenScopes = new Set<string>();
  private bearer: Record<string, string> | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    readonly host: string,
    private readonly credentials: RegistryCredentials | undefined,
    private readonly agent: ProxyAwareAgent,
  ) {
    // ECR and htpasswd registries take Basic on the first request: no round trip to learn it.
    if (credentials) this.scheme = 'basic';
  }

  /** Whether credentials were given (a 401 then means they are wrong, not missing). */
  get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** The Authorization header to send now, if any (call {@link ensureScopes} first for Bearer). */
  header(): string | undefined {
    if (this.scheme === 'basic' && this.credentials) {
      const { username, password } = this.credentials;
      return 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
    }
    return this.scheme === 'bearer' && this.token ? `Bearer ${this.token}` : undefined;
  }

  /**
   * Reacts to a 401: switches to the challenged scheme and fetches a token when it is Bearer.
   * Returns false when retrying cannot help (Basic credentials already sent were refused).
   */
  async challenge(wwwAuthenticate: string | undefined, scopes: string[]): Promise<boolean> {
    const challenges = parseChallenges(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer && bearer.params.realm) {
      this.bearer = bearer.params;
      this.scheme = 'bearer';
      const wanted = [...scopes, ...(bearer.params.scope ? bearer.params.scope.split(' ') : [])];
      await this.fetchToken(wanted);
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (this.scheme === 'basic' || !this.credentials) return false;
      this.scheme = 'basic';
      return true;
    }
    return false;
  }

  /** Makes sure the current token covers `scopes` (Bearer only). */
  async ensureScopes(scopes: string[]): Promise<void> {
    if (this.scheme === 'bearer' && scopes.some((s) => !this.tokenScopes.has(s)))
      await this.fetchToken(scopes);
  }

  private async fetchToken(scopes: string[]): Promise<void> {
    // One token request at a time: parallel uploads all hit their first 401 together.
    while (this.pending) await this.pending;
    if (this.token && scopes.every((s) => this.tokenScopes.has(s))) return;
    this.pending = this.requestToken(scopes).finally(() => (this.pending = undefined));
    await this.pending;
  }

  private async requestToken(scopes: string[]): Promise<void> {
    const params = this.bearer ?? {};
    const all = new Set([...this.tokenScopes, ...scopes]);
    const url = new URL(params.realm ?? '');
    if (params.service) url.searchParams.set('service', params.service);
    for (const s of all) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.credentials) {
      const { username, password } = this.credentials;
      headers.Authorization = 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
    }
    let res: Awaited<ReturnType<typeof sendRequest>>;
    try {
      res = await sendRequest({ method: 'GET', url, headers }, this.agent);
    } catch (err) {
      const tls = explainTlsError(err, url.host);
      if (tls)
        throw new RegistryTlsError(url.host, `the token service of ${this.host}: ${tls}`, { cause: err });
      throw err;
    }
    const body = await readBody(res, 1 << 20);
    if (res.status !== 200) {
      throw new RegistryAuthError(
        `the token service ${url.host} for ${this.host} answered HTTP ${res.status}${
          res.status === 401 || res.status === 403
            ? this.credentials
              ? ': the registry credentials were refused'
              : ': the image needs credentials (log in to the registry first)'
            : ''
        }`,
        res.status,
      );
    }
    let token: string | undefined;
    try {
      const doc = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
      token = doc.token ?? doc.access_token;
    } catch {
      token = undefined;
    }
    if (!token) throw new RegistryAuthError(`the token service ${url.host} returned no token`, res.status);
    this.token = token;
    this.tokenScopes = all;
  }
}
