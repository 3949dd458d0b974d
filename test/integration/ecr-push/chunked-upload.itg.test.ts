// The registry client's chunked upload against the real docker-registry (CNCF distribution 2.8):
// the action sends ECR single-request uploads, but other registries get chunks above 64 MiB, and
// what a retry can do depends on how the server treats a broken session. Library level, with a
// small chunk size, so no 64 MiB image is needed. (Resuming after the last acknowledged chunk is
// proven against the distribution-protocol double in test/unit/packages/registry/push.test.ts.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { collectingLogger } from '@slipway/action-kit';
import { ProxyAwareAgent } from '@slipway/net';
import { OciLayoutSource, RegistryClient, pushImage } from '@slipway/registry';
import { readOciLayout, testbed, uniqueName, writeOciLayout } from '@slipway/testbed';
import { CuttingProxy } from './cutting-proxy.ts';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'slw-chunked-itg-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a chunked upload cut mid-chunk starts over in a fresh session, as distribution cannot resume it', async () => {
  const { registry } = testbed();
  const [host, port] = registry.host.split(':');
  // The third chunk request (bytes 1 000 000 to 1 499 999 of the layer) dies 100 kB in.
  const proxy = await new CuttingProxy(
    { host: host ?? '127.0.0.1', port: Number(port) },
    { nth: 3, minBody: 400_000, after: 100_000 },
  ).start();
  const agent = new ProxyAwareAgent();
  try {
    const layout = join(work, 'layout');
    await writeOciLayout(layout, { layers: 1, layerSize: 2_000_000, seed: 'itg-chunked' });
    const info = readOciLayout(layout);
    const layer = info.layers[0];
    assert.ok(layer && layer.size > 1_600_000);
    const log = collectingLogger();
    const client = new RegistryClient({
      baseUrl: new URL(proxy.url),
      credentials: { username: 'AWS', password: registry.password },
      agent,
      log,
      chunkSize: 500_000,
      retryDelayMs: 50,
    });
    const repo = uniqueName('chunked');
    const result = await pushImage(new OciLayoutSource(layout), client, {
      repository: repo,
      tags: ['c'],
      concurrency: 1,
      isTagImmutable: () => false,
      log,
      progressEverySeconds: 0,
    });
    assert.equal(result.digest, info.manifestDigest);
    assert.equal(proxy.cuts, 1);
    const ranges = proxy.uploads.filter((u) => u.method === 'PATCH').map((u) => u.contentRange);
    const chunks = Math.ceil(layer.size / 500_000);
    const expected = Array.from(
      { length: chunks },
      (_, i) => `${i * 500_000}-${Math.min(layer.size, (i + 1) * 500_000) - 1}`,
    );
    // distribution keeps the cut chunk's partial bytes and then refuses the session ("upload
    // resumed at wrong offset"), so the client asks, is told no, and sends every chunk again in a
    // new session rather than build on a broken one.
    assert.deepEqual(ranges, [...expected.slice(0, 3), ...expected]);
    assert.ok(
      log.lines.some((l) => /upload of sha256:[0-9a-f]{12} failed .*retrying/.test(l)),
      log.lines.join('\n'),
    );
    assert.ok(!log.lines.some((l) => /resuming/.test(l)));
    // What landed is the whole layer: skopeo copies it out and verifies every digest.
    await run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      '--src-creds',
      `AWS:${registry.password}`,
      `docker://${registry.host}/${repo}:c`,
      `oci:${join(work, 'copied')}:c`,
    ]);
  } finally {
    agent.destroy();
    await proxy.stop();
  }
});
