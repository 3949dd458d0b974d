import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  SourceSpecError,
  isValidRepositoryName,
  isValidTag,
  parseChallenges,
  parseImageReference,
  parseSourceSpec,
  resolveSourcePath,
} from '@slipway/registry';

describe('image references', () => {
  test('a one-component name is a Docker Hub library image at latest', () => {
    assert.deepEqual(parseImageReference('alpine'), {
      domain: 'docker.io',
      apiHost: 'registry-1.docker.io',
      repository: 'library/alpine',
      tag: 'latest',
    });
  });

  test('a first component with a dot, a port or localhost is the registry', () => {
    assert.equal(parseImageReference('ghcr.io/org/app:1.2').domain, 'ghcr.io');
    assert.equal(parseImageReference('127.0.0.1:5000/a/b').apiHost, '127.0.0.1:5000');
    assert.equal(parseImageReference('localhost/app').domain, 'localhost');
    assert.equal(parseImageReference('org/app').domain, 'docker.io');
    assert.equal(parseImageReference('org/app').repository, 'org/app');
    assert.equal(parseImageReference('index.docker.io/library/x').apiHost, 'registry-1.docker.io');
  });

  test('tag and digest are split off; a port is not a tag', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseImageReference(`public.ecr.aws/docker/library/postgres:17@${d}`), {
      domain: 'public.ecr.aws',
      apiHost: 'public.ecr.aws',
      repository: 'docker/library/postgres',
      tag: '17',
      digest: d,
    });
    const byDigest = parseImageReference(`reg:5000/app@${d}`);
    assert.equal(byDigest.tag, undefined);
    assert.equal(byDigest.domain, 'reg:5000');
  });

  test('refuses upper-case paths, bad tags and short digests', () => {
    assert.throws(() => parseImageReference('Org/App'), /not a valid repository path component/);
    assert.throws(() => parseImageReference('app:-bad'), /not a valid tag/);
    assert.throws(() => parseImageReference('app@sha256:abc'), /not a sha256 digest/);
    assert.throws(() => parseImageReference(''), /empty/);
  });
});

describe('tags and repository names', () => {
  test('tags follow the registry grammar: 128 word characters, dots and dashes, no leading . or -', () => {
    for (const ok of ['latest', 'git-1a2b3c4', 'v1.2.3', '_x', 'A'.repeat(128)])
      assert.ok(isValidTag(ok), ok);
    for (const bad of ['', '.x', '-x', 'a/b', 'a:b', 'a b', 'A'.repeat(129), 'ü'])
      assert.ok(!isValidTag(bad), bad);
  });

  test('repository names follow ECR: lowercase components separated by /', () => {
    for (const ok of ['shop', 'team/service', 'a.b_c-d/e']) assert.ok(isValidRepositoryName(ok), ok);
    for (const bad of ['a', 'Shop', '/x', 'x/', 'a//b', 'a..b', '-a'])
      assert.ok(!isValidRepositoryName(bad), bad);
  });
});

describe('source transports', () => {
  test('parses each transport the way skopeo writes it', () => {
    assert.deepEqual(parseSourceSpec('oci:./out:1.0'), { transport: 'oci', path: './out', ref: '1.0' });
    assert.deepEqual(parseSourceSpec('oci:/abs/layout'), { transport: 'oci', path: '/abs/layout' });
    assert.deepEqual(parseSourceSpec('docker-archive:img.tar'), {
      transport: 'docker-archive',
      path: 'img.tar',
    });
    assert.deepEqual(parseSourceSpec('docker-archive:img.tar:shop:test'), {
      transport: 'docker-archive',
      path: 'img.tar',
      ref: 'shop:test',
    });
    assert.deepEqual(parseSourceSpec('docker-daemon:shop:1'), {
      transport: 'docker-daemon',
      image: 'shop:1',
    });
    assert.deepEqual(parseSourceSpec('ecr:git-abc1234'), { transport: 'ecr', tag: 'git-abc1234' });
    const d = `sha256:${'b'.repeat(64)}`;
    assert.deepEqual(parseSourceSpec(`ecr:${d}`), { transport: 'ecr', digest: d });
    const docker = parseSourceSpec('docker://alpine:3.20');
    assert.equal(docker.transport, 'docker');
    assert.equal(docker.transport === 'docker' && docker.reference.repository, 'library/alpine');
  });

  test('an unknown or missing transport names the accepted forms', () => {
    assert.throws(
      () => parseSourceSpec('s3:bucket/x'),
      (e: Error) =>
        e instanceof SourceSpecError &&
        /unknown transport "s3"/.test(e.message) &&
        /docker-daemon:IMAGE/.test(e.message),
    );
    assert.throws(() => parseSourceSpec('alpine'), /names no transport/);
    assert.throws(() => parseSourceSpec('docker:alpine'), /docker:\/\/REFERENCE/);
    assert.throws(() => parseSourceSpec('oci:'), /needs a path/);
    assert.throws(() => parseSourceSpec('ecr:sha256:123'), /not a sha256 digest/);
    assert.throws(() => parseSourceSpec('ecr:bad tag'), /a tag or a digest/);
  });

  test('file sources are resolved in the workspace and must exist in the right shape', () => {
    const ws = mkdtempSync(join(tmpdir(), 'slw-ws-'));
    mkdirSync(join(ws, 'layout'));
    writeFileSync(join(ws, 'layout', 'index.json'), '{}');
    mkdirSync(join(ws, 'not-a-layout'));
    writeFileSync(join(ws, 'img.tar'), 'x');
    assert.deepEqual(resolveSourcePath(parseSourceSpec('oci:layout:1'), ws), {
      transport: 'oci',
      path: join(ws, 'layout'),
      ref: '1',
    });
    assert.throws(() => resolveSourcePath(parseSourceSpec('oci:missing'), ws), /does not exist/);
    assert.throws(
      () => resolveSourcePath(parseSourceSpec('oci:not-a-layout'), ws),
      /not an OCI image layout/,
    );
    assert.throws(() => resolveSourcePath(parseSourceSpec('oci:img.tar'), ws), /not an OCI image layout/);
    assert.throws(() => resolveSourcePath(parseSourceSpec('docker-archive:layout'), ws), /not a file/);
    assert.equal(
      resolveSourcePath(parseSourceSpec('docker-archive:img.tar'), ws).transport,
      'docker-archive',
    );
  });
});

describe('WWW-Authenticate', () => {
  test('reads Bearer parameters with quoted commas and several challenges', () => {
    assert.deepEqual(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push"',
      ),
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/alpine:pull,push',
          },
        },
      ],
    );
    assert.deepEqual(parseChallenges('Basic realm="basic-realm"'), [
      { scheme: 'basic', params: { realm: 'basic-realm' } },
    ]);
    assert.deepEqual(parseChallenges(undefined), []);
  });
});
