import type * as Net from 'node:net';

/**
 * node:net, loaded when an address is first compared: importing it at the top would add it to the
 * start of every action that reads proxy settings, which most runs never compare.
 */
const net = (): typeof Net => process.getBuiltinModule('node:net');

/**
 * The proxy a request to `url` goes through, from HTTPS_PROXY/HTTP_PROXY (lower case first, as
 * curl and the GitHub runner read them), or undefined when there is none or NO_PROXY bypasses the
 * host. Written here rather than taken from proxy-from-env because that library has no IP or CIDR
 * entries, which runners on private networks use (`NO_PROXY=10.0.0.0/8`).
 *
 * NO_PROXY entries, separated by commas or spaces: `*` (everything), a host (`example.com`, which
 * also covers its subdomains; a leading `.` or `*.` means the same), an IP (`127.0.0.1`, `::1`),
 * a CIDR block (`10.0.0.0/8`, `fd00::/8`), each optionally with `:port`. Host names are compared as
 * written, never resolved. An unset or empty NO_PROXY bypasses nothing, loopback included: a
 * runner that sets a proxy for everything gets it for everything.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const https = url.protocol === 'https:';
  const raw = https ? (env.https_proxy ?? env.HTTPS_PROXY) : (env.http_proxy ?? env.HTTP_PROXY);
  if (!raw?.trim()) return undefined;
  const port = Number(url.port || (https ? 443 : 80));
  if (bypasses(url.hostname, port, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined;
  return parseProxyUrl(raw.trim());
}

/** A proxy URL as the variables hold it; a bare `host:port` means plain HTTP to the proxy. */
export function parseProxyUrl(raw: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`the proxy ${redactProxy(raw)} is not a URL; use http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `the proxy ${redactProxy(raw)} uses ${url.protocol}; only http:// and https:// proxies work`,
    );
  }
  return url;
}

/** A proxy URL fit to print: its user name and password removed. */
export function redactProxy(proxy: string | URL): string {
  return String(proxy).replace(/\/\/[^/@]*@/, '//***@');
}

/** Whether NO_PROXY lets a request to `host:port` go direct. */
export function bypasses(host: string, port: number, noProxy: string): boolean {
  const target = host
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  const ipVersion = net().isIP(target);
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const { pattern, entryPort } = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (ipVersion && matchesAddress(target, ipVersion, pattern)) return true;
    if (!ipVersion) {
      const domain = pattern.replace(/^\*?\./, '').replace(/\.$/, '');
      if (domain && (target === domain || target.endsWith(`.${domain}`))) return true;
    }
  }
  return false;
}

/** `host:port`, `[v6]:port`, a bare IPv6 address, or a CIDR block, with the port apart. */
function splitPort(entry: string): { pattern: string; entryPort?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { pattern: bracketed[1] ?? '', entryPort: portOf(bracketed[2]) };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [pattern = '', port] = entry.split(':');
    return { pattern, entryPort: portOf(port) };
  }
  return { pattern: entry };
}

function portOf(text: string | undefined): number | undefined {
  return text && /^\d+$/.test(text) ? Number(text) : undefined;
}

function matchesAddress(target: string, version: number, pattern: string): boolean {
  const family = version === 6 ? 'ipv6' : 'ipv4';
  const [address = '', bits] = pattern.split('/');
  const { BlockList, isIP } = net();
  if (isIP(address) !== version) return false;
  if (bits === undefined) {
    const list = new BlockList();
    list.addAddress(address, family);
    return list.check(target, family);
  }
  const prefix = Number(bits);
  if (!/^\d+$/.test(bits) || prefix > (version === 6 ? 128 : 32)) return false;
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return list.check(target, family);
}

/** What to tell the user when a proxy, not the server, refused the request (HTTP 407). */
export function explainProxyRefusal(status: number): string | undefined {
  if (status !== 407) return undefined;
  return 'the proxy refused the request (HTTP 407 Proxy Authentication Required); give its user and password in HTTPS_PROXY / HTTP_PROXY as http://user:password@host:port';
}
