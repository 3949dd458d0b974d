import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { isTransientNetworkError } from '@slipway/action-kit';
import { ProxyAwareAgent, discardBody, sendRequest } from '@slipway/net';

// Large enough that the body cannot all sit in the socket buffers: the cut comes mid-body.
const BODY_SIZE = 16 << 20;

describe('sendRequest when the registry cuts the connection mid-body', () => {
  let server: Server;
  let base: URL;
  const agent = new ProxyAwareAgent();
  let received = 0;

  before(async () => {
    server = createServer((req, res) => {
      if (req.method === 'GET') {
        res.end('hi');
        return;
      }
      // Take one chunk of the upload, then drop the connection without answering.
      req.once('data', (chunk: Buffer) => {
        received += chunk.length;
        req.pause();
        req.socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  });
  after(() => {
    agent.destroy();
    server.close();
  });

  /** A GET first, so the PUT goes over a reused keep-alive connection, as in a real push. */
  async function warmConnection(): Promise<void> {
    const res = await sendRequest({ method: 'GET', url: new URL('/v2/', base) }, agent);
    await discardBody(res);
  }

  test(
    'a PUT of a buffer rejects with a transient network error (not a hang, not a response)',
    { timeout: 30_000 },
    async () => {
      await warmConnection();
      received = 0;
      await assert.rejects(
        sendRequest({ method: 'PUT', url: new URL('/upload', base), body: Buffer.alloc(BODY_SIZE) }, agent),
        (err: Error) => {
          assert.ok(isTransientNetworkError(err), `${(err as NodeJS.ErrnoException).code}: ${err.message}`);
          return true;
        },
      );
      assert.ok(received > 0 && received < BODY_SIZE, `the server had ${received} of ${BODY_SIZE} bytes`);
    },
  );

  test(
    'a PUT of a stream rejects the same way and stops reading the source',
    { timeout: 30_000 },
    async () => {
      await warmConnection();
      received = 0;
      const chunk = Buffer.alloc(64 << 10, 7);
      let produced = 0;
      const body = new Readable({
        read() {
          produced += chunk.length;
          this.push(produced > BODY_SIZE ? null : chunk);
        },
      });
      await assert.rejects(
        sendRequest(
          { method: 'PUT', url: new URL('/upload', base), headers: { 'Content-Length': BODY_SIZE }, body },
          agent,
        ),
        (err: Error) => {
          assert.ok(isTransientNetworkError(err), `${(err as NodeJS.ErrnoException).code}: ${err.message}`);
          return true;
        },
      );
      assert.ok(body.destroyed, 'the source stream is closed, not left open');
      assert.ok(produced < BODY_SIZE, `the source was read ${produced} of ${BODY_SIZE} bytes`);
    },
  );
});
