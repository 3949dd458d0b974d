import http from 'node:http';
import https from 'node:https';
import { Agent, type AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { proxyFor } from './proxy.ts';

/** Pool settings of one {@link ProxyAwareAgent}. */
export interface AgentOptions {
  /** Connections per host (default 16). */
  maxSockets?: number;
  /** Keep connections open for the next request (default true); off for one-shot calls, so nothing holds the process open. */
  keepAlive?: boolean;
  /** Where the proxy variables come from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * One agent for HTTP and HTTPS that sends each connection through the proxy {@link proxyFor}
 * picks for it (CONNECT tunnels for HTTPS, absolute-URI requests for HTTP) or straight to the
 * host, with keep-alive pools for each route. Every client of a run shares one (the AWS SDK, the
 * registry client, Slack), so the proxy rules live in one place.
 */
export class ProxyAwareAgent extends Agent {
  private readonly env: NodeJS.ProcessEnv;
  private readonly maxSocketsPerRoute: number;
  private readonly reuse: boolean;
  private readonly direct: { http: http.Agent; https: https.Agent };
  private readonly viaProxy = new Map<string, http.Agent>();

  constructor(options: AgentOptions = {}) {
    const keepAlive = options.keepAlive ?? true;
    super({ keepAlive });
    this.env = options.env ?? process.env;
    this.reuse = keepAlive;
    this.maxSocketsPerRoute = options.maxSockets ?? 16;
    this.direct = {
      http: new http.Agent({ keepAlive, maxSockets: this.maxSocketsPerRoute }),
      https: new https.Agent({ keepAlive, maxSockets: this.maxSocketsPerRoute }),
    };
  }

  connect(_req: http.ClientRequest, options: AgentConnectOpts): http.Agent {
    const secure = options.secureEndpoint;
    const host = options.host ?? 'localhost';
    const target = new URL(`${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}`);
    target.port = String(options.port);
    const proxy = proxyFor(target, this.env);
    if (!proxy) return secure ? this.direct.https : this.direct.http;
    const key = `${secure ? 'tunnel' : 'forward'} ${proxy.href}`;
    let agent = this.viaProxy.get(key);
    if (!agent) {
      // Tunnels stay open for reuse; forwarded plain-HTTP requests get a connection each, since
      // proxies such as tinyproxy close it after one answer without saying so, and a reused
      // socket would hang up mid-upload.
      agent = secure
        ? new HttpsProxyAgent(proxy, { keepAlive: this.reuse, maxSockets: this.maxSocketsPerRoute })
        : new HttpProxyAgent(proxy, { keepAlive: false, maxSockets: this.maxSocketsPerRoute });
      this.viaProxy.set(key, agent);
    }
    return agent;
  }

  /** Closes every pooled connection so the process can exit. */
  override destroy(): void {
    this.direct.http.destroy();
    this.direct.https.destroy();
    for (const agent of this.viaProxy.values()) agent.destroy();
    super.destroy();
  }
}

let shared: ProxyAwareAgent | undefined;

/** The agent every client of this process shares (AWS SDK clients, Slack), created on first use. */
export function sharedAgent(): ProxyAwareAgent {
  shared ??= new ProxyAwareAgent();
  return shared;
}
