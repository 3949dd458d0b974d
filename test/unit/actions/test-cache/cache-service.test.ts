import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectCacheService, watchLibrary } from '../../../../actions/test-cache/src/cache-service.ts';

describe('cache service detection', () => {
  it('chooses v2 on github.com when the runner enables it', () => {
    assert.deepEqual(
      detectCacheService({
        ACTIONS_CACHE_SERVICE_V2: 'true',
        ACTIONS_RESULTS_URL: 'http://x/',
        GITHUB_SERVER_URL: 'https://github.com',
      }),
      { available: true, protocol: 'v2' },
    );
  });

  it('chooses v1 on GHES even when v2 is enabled, as @actions/cache does', () => {
    assert.deepEqual(
      detectCacheService({
        ACTIONS_CACHE_SERVICE_V2: 'true',
        ACTIONS_CACHE_URL: 'http://x/',
        GITHUB_SERVER_URL: 'https://ghes.acme.internal',
      }),
      { available: true, protocol: 'v1' },
    );
  });

  it('chooses v1 under act (ACTIONS_CACHE_URL only)', () => {
    assert.deepEqual(detectCacheService({ ACT: 'true', ACTIONS_CACHE_URL: 'http://x/' }), {
      available: true,
      protocol: 'v1',
    });
  });

  it('reports the missing variable when there is no service', () => {
    assert.deepEqual(detectCacheService({}), {
      available: false,
      protocol: 'v1',
      missing: 'ACTIONS_CACHE_URL',
    });
    assert.deepEqual(detectCacheService({ ACTIONS_CACHE_SERVICE_V2: 'true' }), {
      available: false,
      protocol: 'v2',
      missing: 'ACTIONS_RESULTS_URL',
    });
  });
});

describe('watching @actions/cache output', () => {
  async function captured(
    fn: () => void,
  ): Promise<{ printed: string; out: Awaited<ReturnType<typeof watchLibrary>> }> {
    const original = process.stdout.write.bind(process.stdout);
    let printed = '';
    process.stdout.write = ((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      const out = await watchLibrary(async () => fn());
      return { printed, out };
    } finally {
      process.stdout.write = original;
    }
  }

  it('turns the library error annotation for a failing service into a warning', async () => {
    const { printed, out } = await captured(() => {
      process.stdout.write('::error::Failed to save: Cache service responded with 503\n');
    });
    assert.equal(printed, '::warning::Failed to save: Cache service responded with 503\n');
    assert.deepEqual(out.problems, ['Failed to save: Cache service responded with 503']);
  });

  it('reads the archive size from restore and save logs, across split writes', async () => {
    const restore = await captured(() => {
      process.stdout.write('Cache Size: ~12 MB (12');
      process.stdout.write('582912 B)\nCache restored successfully\n');
    });
    assert.equal(restore.out.archiveBytes, 12582912);
    assert.equal(restore.printed, 'Cache Size: ~12 MB (12582912 B)\nCache restored successfully\n');
    const save = await captured(() => {
      process.stdout.write('::debug::File Size: 4096\n');
    });
    assert.equal(save.out.archiveBytes, 4096);
  });

  it('puts stdout back even when the call throws', async () => {
    const before = process.stdout.write;
    await assert.rejects(
      watchLibrary(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(process.stdout.write, before);
  });
});
