import { Readable } from 'node:stream';
import { sharedAgent } from './agent.ts';
import { sendRequest } from './http.ts';

/**
 * `fetch` over node:http with the process's proxy-aware agent, for clients that take a fetch
 * function (`@slack/web-api`) or would otherwise call the global one, which ignores HTTPS_PROXY
 * and NO_PROXY. The request is serialised by the platform's own `Request` (form bodies, JSON,
 * headers), so only the transport is ours. Redirects are not followed (`redirect: 'error'` and
 * `'manual'` behave as the platform does; `'follow'` answers the 3xx as it is).
 */
export async function proxyFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  const url = new URL(request.url);
  const res = await sendRequest(
    { method: request.method, url, headers, body, signal: init?.signal ?? undefined },
    sharedAgent(),
  );
  if (res.status >= 300 && res.status < 400 && request.redirect === 'error') {
    res.body.resume();
    throw new TypeError(`redirect from ${url.host} refused (HTTP ${res.status})`);
  }
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
  }
  const noBody = request.method === 'HEAD' || res.status === 204 || res.status === 304;
  if (noBody) res.body.resume();
  return new Response(noBody ? null : (Readable.toWeb(res.body) as ReadableStream<Uint8Array>), {
    status: res.status,
    statusText: res.body.statusMessage ?? '',
    headers: responseHeaders,
  });
}
