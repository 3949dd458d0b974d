import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { testbed, uniqueName, writeDockerArchive, dockerCli } from '@slipway/testbed';

const exec = promisify(execFile);

const docker = dockerCli;

test('dockerd loads a hand-written docker archive and pushes it to the registry after docker login', async () => {
  const { registry } = testbed();
  const dir = mkdtempSync(join(tmpdir(), 'slipway-docker-'));
  const config = join(dir, 'config');
  const archive = join(dir, 'image.tar');
  const name = uniqueName('loaded');
  const imageId = await writeDockerArchive(archive, {
    layers: 2,
    layerSize: 32 * 1024,
    seed: name,
    repoTags: [`${name}:test`],
  });

  const load = await docker(config, ['load', '-i', archive]);
  assert.equal(load.code, 0, load.out);
  assert.match(load.out, new RegExp(`Loaded image: ${name}:test`));
  const inspect = await docker(config, ['image', 'inspect', '--format', '{{.Id}}', `${name}:test`]);
  assert.equal(inspect.out.trim(), imageId);

  const refused = await docker(
    config,
    ['login', registry.host, '-u', 'AWS', '--password-stdin'],
    'wrong-password',
  );
  assert.notEqual(refused.code, 0, 'login with a wrong password must fail');

  const login = await docker(
    config,
    ['login', registry.host, '-u', 'AWS', '--password-stdin'],
    registry.password,
  );
  assert.equal(login.code, 0, login.out);
  const target = `${registry.host}/${name}:v1`;
  assert.equal((await docker(config, ['tag', `${name}:test`, target])).code, 0);
  const push = await docker(config, ['push', target]);
  assert.equal(push.code, 0, push.out);
  const pushed = push.out.match(/digest: (sha256:[0-9a-f]{64})/)?.[1];
  assert.ok(pushed, push.out);

  const { stdout } = await exec('skopeo', [
    'inspect',
    '--tls-verify=false',
    '--creds',
    `AWS:${registry.password}`,
    `docker://${target}`,
  ]);
  const inspected = JSON.parse(stdout) as { Digest: string; Layers: string[] };
  assert.equal(inspected.Digest, pushed);
  assert.equal(inspected.Layers.length, 2);
});
