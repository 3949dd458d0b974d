import { test } from 'node:test';
import { createServer } from 'node:http';
import { HttpAgents, sendRequest, discardBody } from '@slipway/registry';
test('dbg', async () => {
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.end('hi');
      return;
    }
    req.once('data', () => {
      setTimeout(() => req.socket.destroy(), 300);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const agents = new HttpAgents();
  const r0 = await sendRequest({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/x`) }, agents);
  await discardBody(r0);
  const t = setTimeout(() => console.log('hung'), 3000);
  try {
    const r = await sendRequest(
      {
        method: 'PUT',
        url: new URL(`http://127.0.0.1:${port}/x`),
        headers: { 'Content-Length': 40000 },
        body: Buffer.alloc(40000),
      },
      agents,
    );
    console.log('resolved', r.status);
  } catch (e) {
    console.log('rejected', (e as Error).message);
  }
  clearTimeout(t);
  server.close();
  agents.destroy();
});
