import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomUUID } from '../../../scripts/lib/core-shims/crypto.ts';

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
