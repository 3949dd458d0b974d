// A registry or its token service behind a certificate this process does not trust: the error
// names the host and NODE_EXTRA_CA_CERTS.
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProxyAwareAgent } from '@slipway/net';
import { RegistryClient, RegistryTlsError } from '@slipway/registry';
import { createTestCertificates } from '@slipway/testbed';

const dir = mkdtempSync(join(tmpdir(), 'slw-reg-tls-'));
const servers: Server[] = [];
let requests = 0;

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let httpsHost: string;
let bearerHost: string;

before(async () => {
  const certs = createTestCertificates(dir);
  const tls = { cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) };
  // A registry on HTTPS (any answer would do: the handshake fails first).
  httpsHost = await listen(
    createHttpsServer(tls, (_req, res) => {
      requests++;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
    }),
  );
  // A plain-HTTP registry whose Bearer token service is on HTTPS.
  const tokenHost = await listen(createHttpsServer(tls, (_req, res) => res.end('{"token":"t"}')));
  bearerHost = await listen(
    createServer((_req, res) => {
      requests++;
      res
        .writeHead(401, { 'www-authenticate': `Bearer realm="https://${tokenHost}/token",service="reg"` })
        .end();
    }),
  );
});
after(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function client(base: string): RegistryClient {
  return new RegistryClient({
    baseUrl: new URL(base),
    credentials: { username: 'AWS', password: 'pw' },
    agent: new ProxyAwareAgent({ env: {}, keepAlive: false }),
    attempts: 3,
    retryDelayMs: 1,
  });
}

describe('registry TLS errors', () => {
  it('names the registry host, the untrusted certificate and NODE_EXTRA_CA_CERTS', async () => {
    await assert.rejects(client(`https://${httpsHost}`).ping(), (err: Error) => {
      assert.ok(err instanceof RegistryTlsError, String(err));
      assert.equal(err.host, httpsHost);
      assert.match(
        err.message,
        new RegExp(`^the TLS certificate of ${httpsHost} is not trusted \\(\\w+\\); .*NODE_EXTRA_CA_CERTS`),
      );
      return true;
    });
    assert.equal(requests, 0, 'no request got through the failed handshake');
  });

  it('names the token service when only it is behind the untrusted certificate', async () => {
    await assert.rejects(client(`http://${bearerHost}`).ping(), (err: Error) => {
      assert.ok(err instanceof RegistryTlsError, String(err));
      assert.match(
        err.message,
        new RegExp(
          `^the token service of ${bearerHost}: the TLS certificate of 127\\.0\\.0\\.1:\\d+ is not trusted .*NODE_EXTRA_CA_CERTS`,
        ),
      );
      return true;
    });
  });
});
