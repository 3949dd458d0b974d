// The sample service the demo ships: answers every request with its version.
import { createServer } from 'node:http';
import { banner } from 'shop-banner';

export function greeting(version) {
  return banner('shop', version);
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const version = process.env.APP_VERSION ?? 'dev';
  createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(greeting(version)));
  }).listen(Number(process.env.PORT ?? 8080));
}
