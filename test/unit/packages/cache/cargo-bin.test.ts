import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { binStagingDir, listCargoBins, stageCargoBins, unstageCargoBins } from '@slipway/cache';

function cargoHome(bins: Record<string, string>): string {
  const home = mkdtempSync(join(tmpdir(), 'slw-cargo-home-'));
  mkdirSync(join(home, 'bin'));
  for (const [name, content] of Object.entries(bins)) {
    writeFileSync(join(home, 'bin', name), content);
    chmodSync(join(home, 'bin', name), 0o755);
  }
  return home;
}

describe('cargo bin additions', () => {
  it('stages only binaries the job added, with their mode and cargo install records', async () => {
    const home = cargoHome({ cargo: 'rustup proxy', rustc: 'rustup proxy' });
    const before = await listCargoBins(home);
    writeFileSync(join(home, 'bin', 'cargo-nextest'), 'nextest');
    chmodSync(join(home, 'bin', 'cargo-nextest'), 0o755);
    writeFileSync(join(home, '.crates2.json'), '{"installs":{}}');
    assert.deepEqual(await stageCargoBins(home, before), ['cargo-nextest']);
    const staging = binStagingDir(home);
    assert.deepEqual(readdirSync(join(staging, 'bin')), ['cargo-nextest']);
    assert.equal(statSync(join(staging, 'bin', 'cargo-nextest')).mode & 0o777, 0o755);
    assert.equal(readFileSync(join(staging, '.crates2.json'), 'utf8'), '{"installs":{}}');
  });

  it('restores staged binaries without replacing the runner own ones', async () => {
    const saved = cargoHome({ cargo: 'proxy' });
    writeFileSync(join(saved, 'bin', 'cargo-nextest'), 'nextest');
    writeFileSync(join(saved, 'bin', 'cargo'), 'old proxy from the cache');
    await stageCargoBins(saved, []);
    // A new runner: the cache restored the staging folder into a CARGO_HOME with its own cargo.
    const fresh = cargoHome({ cargo: 'runner proxy' });
    mkdirSync(binStagingDir(fresh));
    for (const d of ['bin']) {
      mkdirSync(join(binStagingDir(fresh), d));
      for (const f of readdirSync(join(binStagingDir(saved), d))) {
        writeFileSync(join(binStagingDir(fresh), d, f), readFileSync(join(binStagingDir(saved), d, f)));
      }
    }
    assert.deepEqual(await unstageCargoBins(fresh), ['cargo-nextest']);
    assert.equal(readFileSync(join(fresh, 'bin', 'cargo'), 'utf8'), 'runner proxy');
    assert.equal(readFileSync(join(fresh, 'bin', 'cargo-nextest'), 'utf8'), 'nextest');
  });

  it('stages nothing and leaves no folder when nothing was added', async () => {
    const home = cargoHome({ cargo: 'proxy' });
    assert.deepEqual(await stageCargoBins(home, await listCargoBins(home)), []);
    assert.equal(existsSync(binStagingDir(home)), false);
    assert.deepEqual(await listCargoBins(join(home, 'missing')), []);
  });
});
