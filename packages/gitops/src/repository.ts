/** Where the config repository is: its Git URL and, for the REST API, its owner and name. */
export interface RepositoryRef {
  /** The Git URL to fetch from and push to, never with credentials in it. */
  url: string;
  owner: string;
  name: string;
  /** `owner/name`, for messages. */
  fullName: string;
  /** `scheme://host[:port]/`: the prefix the auth header is scoped to. */
  origin: string;
}

const OWNER_NAME = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Why a repository value cannot be used, or the parsed reference. */
export type ParsedRepository = { ok: true; ref: RepositoryRef } | { ok: false; reason: string };

/**
 * Parses `owner/name` (on `serverUrl`, the GitHub server of the run) or a full Git URL: HTTPS
 * anywhere, plain HTTP only for loopback hosts (a local test server). URLs carrying credentials
 * are refused: the token goes in the token input, never in a URL that git would store and print.
 */
export function parseRepository(value: string, serverUrl: string): ParsedRepository {
  const accepted =
    'use owner/name (a repository on this GitHub server) or an https:// Git URL such as https://github.com/acme/config.git';
  const short = OWNER_NAME.exec(value);
  if (short && !value.endsWith('.git')) {
    const [, owner = '', name = ''] = short;
    const base = new URL(serverUrl || 'https://github.com');
    return { ok: true, ref: build(base, owner, name) };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: `is neither owner/name nor a URL; ${accepted}` };
  }
  if (url.username || url.password) {
    return {
      ok: false,
      reason: `carries credentials in the URL; remove them and pass the token in the token input (it is then never written to disk or shown)`,
    };
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    return {
      ok: false,
      reason: `uses plain http:// to ${url.hostname}, which would send the token unencrypted; use https:// (http:// is accepted only for 127.0.0.1 and localhost)`,
    };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return {
      ok: false,
      reason: `uses ${url.protocol.replace(/:$/, '')}; only HTTPS Git URLs are supported, ${accepted}`,
    };
  }
  if (url.search || url.hash) return { ok: false, reason: `has a query or fragment; ${accepted}` };
  const parts = url.pathname.replace(/\/+$/, '').split('/').filter(Boolean);
  const name = (parts.at(-1) ?? '').replace(/\.git$/, '');
  const owner = parts.at(-2) ?? '';
  if (!owner || !name) return { ok: false, reason: `does not end in /owner/name(.git); ${accepted}` };
  return {
    ok: true,
    ref: {
      url: url.href,
      owner,
      name,
      fullName: `${owner}/${name}`,
      origin: `${url.protocol}//${url.host}/`,
    },
  };
}

function build(base: URL, owner: string, name: string): RepositoryRef {
  const prefix = base.pathname.replace(/\/+$/, '');
  return {
    url: `${base.protocol}//${base.host}${prefix}/${owner}/${name}.git`,
    owner,
    name,
    fullName: `${owner}/${name}`,
    origin: `${base.protocol}//${base.host}/`,
  };
}
