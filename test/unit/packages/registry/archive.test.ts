import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DockerArchiveSource,
  OciLayoutSource,
  indexTar,
  resolveTarFile,
  selectFromIndex,
} from '@slipway/registry';
import type { ImageIndex, ImageManifest } from '@slipway/registry';
import { readOciLayout, writeDockerArchive, writeOciLayout } from '@slipway/testbed';
import { Layout, bytes, sha256 } from './layouts.ts';

const work = mkdtempSync(join(tmpdir(), 'slw-archive-test-'));
after(() => rmSync(work, { recursive: true, force: true }));
const read = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
};

describe('tar index', () => {
  test('finds members by offset through GNU long names, PAX headers and symlinks', async () => {
    const root = join(work, 'tar-src');
    const long = 'd'.repeat(120);
    mkdirSync(join(root, long), { recursive: true });
    writeFileSync(join(root, long, 'file.bin'), bytes('long', 3000));
    writeFileSync(join(root, 'small.txt'), 'hello');
    symlinkSync(`${long}/file.bin`, join(root, 'link.bin'));
    for (const format of ['gnu', 'pax']) {
      const tar = join(work, `t-${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '-C', root, '-cf', tar, '.']);
      const entries = await indexTar(tar);
      const file = resolveTarFile(entries, `${long}/file.bin`);
      assert.ok(file, `${format}: long name found`);
      const data = readFileSync(tar).subarray(file.offset, file.offset + file.size);
      assert.deepEqual(data, bytes('long', 3000));
      const viaLink = resolveTarFile(entries, './link.bin');
      assert.equal(viaLink?.offset, file.offset, `${format}: symlink resolved`);
      assert.equal(resolveTarFile(entries, 'small.txt')?.size, 5);
      assert.equal(resolveTarFile(entries, 'nope'), undefined);
    }
  });

  test('refuses a file that is not a tar', async () => {
    const f = join(work, 'not.tar');
    writeFileSync(f, Buffer.alloc(2048, 7));
    await assert.rejects(indexTar(f), /not a tar archive/);
  });
});

describe('docker save archives', () => {
  let archive: string;
  let imageId: string;
  before(async () => {
    archive = join(work, 'img.tar');
    imageId = await writeDockerArchive(archive, {
      layers: 3,
      layerSize: 50_000,
      seed: 'arch',
      repoTags: ['shop:test'],
    });
  });
  const sources: DockerArchiveSource[] = [];
  after(async () => {
    for (const s of sources) await s.close();
  });
  const open = (path: string, ref?: string) => {
    const s = new DockerArchiveSource(path, ref, { tempDir: work });
    sources.push(s);
    return s;
  };

  test('becomes a Docker v2 manifest: the config as it is, plain layers gzip-compressed', async () => {
    const source = open(archive);
    const m = await source.root();
    assert.equal(m.mediaType, DOCKER_MANIFEST);
    assert.equal(m.digest, sha256(m.bytes));
    const doc = m.parsed as ImageManifest;
    assert.equal(doc.config.digest, imageId, 'the config digest is the image ID');
    assert.equal(doc.config.mediaType, 'application/vnd.docker.container.image.v1+json');
    assert.equal(doc.layers.length, 3);
    const config = JSON.parse(
      (await read(await source.reader(doc.config).open(0, doc.config.size))).toString(),
    ) as {
      rootfs: { diff_ids: string[] };
    };
    for (const [i, layer] of doc.layers.entries()) {
      assert.equal(layer.mediaType, DOCKER_LAYER_GZIP);
      const gz = await read(await source.reader(layer).open(0, layer.size));
      assert.equal(gz.length, layer.size);
      assert.equal(sha256(gz), layer.digest);
      assert.equal(
        sha256(gunzipSync(gz)),
        config.rootfs.diff_ids[i],
        'the layer decompresses to its diff ID',
      );
    }
  });

  test('compresses the same way every time, so a re-push finds the same blobs', async () => {
    const a = await open(archive).root();
    const b = await open(archive, 'shop:test').root();
    assert.equal(a.digest, b.digest);
    assert.deepEqual(a.bytes, b.bytes);
  });

  test('reads a gzip-compressed archive (docker save | gzip)', async () => {
    const gz = join(work, 'img.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(archive)));
    const plain = await open(archive).root();
    assert.equal((await open(gz).root()).digest, plain.digest);
  });

  test('a layer that does not match the config diff ID is refused', async () => {
    const stage = join(work, 'tampered');
    mkdirSync(stage, { recursive: true });
    execFileSync('tar', ['-C', stage, '-xf', archive]);
    const layerDir = readdirSync(stage).find((d) => /^[0-9a-f]{64}$/.test(d));
    assert.ok(layerDir);
    const layerTar = join(stage, layerDir, 'layer.tar');
    const content = readFileSync(layerTar);
    content[1000] = (content[1000] ?? 0) ^ 0xff;
    writeFileSync(layerTar, content);
    const tampered = join(work, 'tampered.tar');
    execFileSync('tar', ['-C', stage, '-cf', tampered, ...readdirSync(stage)]);
    await assert.rejects(open(tampered).root(), /hashes to sha256:[0-9a-f]+, not to sha256:/);
  });

  test('a diff ID that is not a sha256 digest is refused, and nothing is written outside the work dir', async () => {
    const stage = join(work, 'traversal');
    mkdirSync(stage, { recursive: true });
    execFileSync('tar', ['-C', stage, '-xf', archive]);
    const [entry] = JSON.parse(readFileSync(join(stage, 'manifest.json'), 'utf8')) as { Config: string }[];
    assert.ok(entry);
    const configPath = join(stage, entry.Config);
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { rootfs: { diff_ids: string[] } };
    config.rootfs.diff_ids[0] = 'sha256:/../../x';
    writeFileSync(configPath, JSON.stringify(config));
    const crafted = join(work, 'traversal.tar');
    execFileSync('tar', ['-C', stage, '-cf', crafted, ...readdirSync(stage)]);
    // The temp dir is nested, so an escape from slipway-archive-* would land in a watched place.
    const outer = join(work, 'traversal-outer');
    const temp = join(outer, 'temp');
    mkdirSync(temp, { recursive: true });
    const source = new DockerArchiveSource(crafted, undefined, { tempDir: temp });
    await assert.rejects(source.root(), (err: Error) => {
      assert.equal(err.name, 'ActionError');
      assert.match(err.message, /layer 1 .*"sha256:\/\.\.\/\.\.\/x", which is not a sha256 digest/);
      return true;
    });
    await source.close();
    assert.deepEqual(readdirSync(outer), ['temp'], 'nothing written next to the temp dir');
    assert.deepEqual(readdirSync(temp), [], 'nothing left in the temp dir');
  });

  test('names one of several images by NAME:TAG or @INDEX, and lists them otherwise', async () => {
    const stage = join(work, 'multi');
    mkdirSync(stage, { recursive: true });
    execFileSync('tar', ['-C', stage, '-xf', archive]);
    const manifest = JSON.parse(readFileSync(join(stage, 'manifest.json'), 'utf8')) as {
      RepoTags: string[];
    }[];
    const second = { ...manifest[0], RepoTags: ['docker.io/library/shop:other'] };
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify([manifest[0], second]));
    const multi = join(work, 'multi.tar');
    execFileSync('tar', ['-C', stage, '-cf', multi, ...readdirSync(stage)]);
    await assert.rejects(
      open(multi).root(),
      /holds 2 images; name one as docker-archive:PATH:NAME:TAG .*shop:test, docker\.io\/library\/shop:other/,
    );
    assert.equal((await open(multi, 'shop:other').root()).digest, (await open(archive).root()).digest);
    assert.ok(await open(multi, '@1').root());
    await assert.rejects(open(multi, 'shop:nope').root(), /no image tagged "shop:nope"/);
    await assert.rejects(open(multi, '@5').root(), /no image @5/);
  });

  test('Docker 25+ archives with gzip blobs under blobs/sha256 are pushed as they are', async () => {
    const stage = join(work, 'd25');
    mkdirSync(join(stage, 'blobs', 'sha256'), { recursive: true });
    const layerTar = bytes('d25-tar', 4096);
    const gz = gzipSync(layerTar);
    const gzDigest = sha256(gz);
    writeFileSync(join(stage, 'blobs', 'sha256', gzDigest.slice(7)), gz);
    const config = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] } }));
    writeFileSync(join(stage, 'blobs', 'sha256', sha256(config).slice(7)), config);
    writeFileSync(
      join(stage, 'manifest.json'),
      JSON.stringify([
        {
          Config: `blobs/sha256/${sha256(config).slice(7)}`,
          RepoTags: ['x:1'],
          Layers: [`blobs/sha256/${gzDigest.slice(7)}`],
        },
      ]),
    );
    const tar = join(work, 'd25.tar');
    execFileSync('tar', ['-C', stage, '-cf', tar, 'manifest.json', 'blobs']);
    const m = await open(tar).root();
    const layer = (m.parsed as ImageManifest).layers[0];
    assert.equal(layer?.digest, gzDigest);
    assert.equal(layer?.size, gz.length);
    assert.equal(layer?.mediaType, DOCKER_LAYER_GZIP);
  });

  test('a zstd layer makes the manifest OCI, with the other layers as OCI gzip', async () => {
    const stage = join(work, 'zstd');
    mkdirSync(join(stage, 'blobs', 'sha256'), { recursive: true });
    const plain = bytes('zstd-plain', 4096);
    const zstdInput = join(work, 'layer.tar');
    writeFileSync(zstdInput, bytes('zstd-tar', 4096));
    execFileSync('zstd', ['-q', '-f', zstdInput, '-o', `${zstdInput}.zst`]);
    const zst = readFileSync(`${zstdInput}.zst`);
    const config = Buffer.from(
      JSON.stringify({
        rootfs: { type: 'layers', diff_ids: [sha256(plain), sha256(readFileSync(zstdInput))] },
      }),
    );
    const put = (data: Buffer) => {
      writeFileSync(join(stage, 'blobs', 'sha256', sha256(data).slice(7)), data);
      return `blobs/sha256/${sha256(data).slice(7)}`;
    };
    writeFileSync(
      join(stage, 'manifest.json'),
      JSON.stringify([{ Config: put(config), RepoTags: ['z:1'], Layers: [put(plain), put(zst)] }]),
    );
    const tar = join(work, 'zstd.tar');
    execFileSync('tar', ['-C', stage, '-cf', tar, 'manifest.json', 'blobs']);
    const m = await open(tar).root();
    const doc = m.parsed as ImageManifest;
    assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(doc.config.mediaType, 'application/vnd.oci.image.config.v1+json');
    assert.deepEqual(
      doc.layers.map((l) => l.mediaType),
      ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+zstd'],
    );
    assert.equal(doc.layers[1]?.digest, sha256(zst));
  });

  test('an archive without manifest.json is not a docker save archive', async () => {
    const tar = join(work, 'plain.tar');
    execFileSync('tar', ['-C', work, '-cf', tar, 'not.tar']);
    await assert.rejects(open(tar).root(), /has no manifest\.json/);
  });
});

describe('OCI image layouts', () => {
  test('reads the layout testbed images are made of, by tag or as the only image', async () => {
    const dir = join(work, 'oci');
    const digest = await writeOciLayout(dir, { layers: 2, layerSize: 10_000, seed: 'oci', tag: '1.0' });
    const info = readOciLayout(dir);
    for (const ref of ['1.0', undefined, digest]) {
      const m = await new OciLayoutSource(dir, ref).root();
      assert.equal(m.digest, digest);
      assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    }
    const layer = info.layers[0];
    assert.ok(layer);
    const source = new OciLayoutSource(dir);
    const part = await read(await source.reader({ ...layer, mediaType: '' }).open(100, 200));
    assert.deepEqual(
      part,
      readFileSync(join(dir, 'blobs', 'sha256', layer.digest.slice(7))).subarray(100, 200),
    );
    await assert.rejects(new OciLayoutSource(dir, '2.0').root(), /no image named "2.0"; refs: 1\.0/);
  });

  test('a layout with several images needs a ref; a manifest that does not hash to its digest is refused', async () => {
    const layout = new Layout();
    const a = layout.image('a', 1, 10);
    const b = layout.image('b', 1, 10);
    layout.tag(a, 'a').tag(b, 'b');
    await assert.rejects(
      new OciLayoutSource(layout.dir).root(),
      /holds 2 images; name one as oci:PATH:REF \(refs: a, b\)/,
    );
    assert.equal((await new OciLayoutSource(layout.dir, 'b').root()).digest, b.digest);
    writeFileSync(layout.path(a.digest), Buffer.from('{"schemaVersion":2}'));
    await assert.rejects(new OciLayoutSource(layout.dir, 'a').root(), /hashes to sha256:/);
  });

  test('an index entry is chosen by ref name or digest, and one ref naming two images is an error', () => {
    const d1 = {
      mediaType: 'x',
      digest: `sha256:${'1'.repeat(64)}`,
      size: 1,
      annotations: { 'org.opencontainers.image.ref.name': 'v' },
    };
    const d2 = { ...d1, digest: `sha256:${'2'.repeat(64)}` };
    const index: ImageIndex = { schemaVersion: 2, manifests: [d1, d2] };
    assert.throws(() => selectFromIndex(index, 'v', 'index.json'), /more than one image "v"/);
    assert.equal(selectFromIndex(index, d2.digest, 'index.json'), d2);
    assert.throws(
      () => selectFromIndex({ schemaVersion: 2, manifests: [] }, undefined, 'index.json'),
      /lists no image/,
    );
  });

  test('a blob missing from the layout fails when it has to be read, naming it', async () => {
    const layout = new Layout();
    const img = layout.image('missing', 1, 10);
    layout.tag(img);
    const layer = img.layers[0];
    assert.ok(layer);
    execFileSync('rm', [layout.path(layer.digest)]);
    await assert.rejects(new OciLayoutSource(layout.dir).reader(layer).open(0, layer.size), /is missing/);
  });
});
