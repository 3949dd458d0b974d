/**
 * What `@actions/core` sees as `@actions/http-client` in the bundle. Core imports the HTTP client
 * only for `getIDToken`, and loading it (with undici and tunnel) would triple every action's start;
 * this stand-in loads the real client on the first request.
 */
import type { HttpClient as RealHttpClient } from '@actions/http-client';

type Args = ConstructorParameters<typeof RealHttpClient>;

export class HttpClient {
  private readonly args: Args;
  constructor(...args: Args) {
    this.args = args;
  }

  async getJson<T>(...request: Parameters<RealHttpClient['getJson']>) {
    const { HttpClient: Real } = await import('@actions/http-client');
    return new Real(...this.args).getJson<T>(...request);
  }
}
