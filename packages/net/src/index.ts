export { proxyFor, bypasses, parseProxyUrl, redactProxy, explainProxyRefusal } from './proxy.ts';
export type { AgentOptions } from './agent.ts';
export { ProxyAwareAgent, sharedAgent } from './agent.ts';
export type { HttpRequest, HttpResponse } from './http.ts';
export { sendRequest, readBody, discardBody, header } from './http.ts';
export { proxyFetch } from './fetch.ts';
export { explainTlsError } from './tls.ts';
