import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { randomUUID } from '../../../scripts/lib/core-shims/crypto.ts';
import { constants, promises } from '../../../scripts/lib/core-shims/fs.ts';

describe("the bundle's stand-in for core's node:crypto", () => {
  it('gives version 4 UUIDs, each new', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const uuid = randomUUID();
      assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(uuid);
    }
    assert.equal(seen.size, 500);
  });
});

describe("the bundle's stand-in for the fs of core's job summary", () => {
  it('writes, appends and checks files as fs.promises does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slw-fs-shim-'));
    const file = join(dir, 'summary.md');
    await promises.writeFile(file, '# one\n', { encoding: 'utf8' });
    await promises.appendFile(file, 'two\n', { encoding: 'utf8' });
    assert.equal(readFileSync(file, 'utf8'), '# one\ntwo\n');
    await promises.access(file, constants.R_OK | constants.W_OK);
    await assert.rejects(promises.access(join(dir, 'missing.md'), constants.R_OK), { code: 'ENOENT' });
  });
});
