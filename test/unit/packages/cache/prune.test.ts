import assert from 'node:assert/strict';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { collectingLogger, silentLogger } from '@slipway/action-kit';
import { findProfiles, markFingerprintsUnused, pruneCargoTarget } from '@slipway/cache';

const LONG_AGO = new Date('2020-01-01T00:00:00Z');

/** A target directory shaped like cargo's, with real-looking unit names and sizes. */
function syntheticTarget(): string {
  const target = join(mkdtempSync(join(tmpdir(), 'slw-target-')), 'target');
  const file = (path: string, size = 100) => {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    writeFileSync(join(target, path), Buffer.alloc(size, 1));
    utimesSync(join(target, path), LONG_AGO, LONG_AGO);
  };
  const fingerprint = (profile: string, unit: string) => {
    file(`${profile}/.fingerprint/${unit}/lib-x`, 16);
    file(`${profile}/.fingerprint/${unit}/lib-x.json`, 300);
  };
  file('CACHEDIR.TAG', 50);
  file('.rustc_info.json', 50);
  file('doc/textkit/index.html', 1000);
  // Third-party: serde (lib + build script run), regex, and an old crate nothing uses any more.
  fingerprint('debug', 'serde-aaaaaaaaaaaaaaaa');
  file('debug/deps/libserde-aaaaaaaaaaaaaaaa.rlib', 5000);
  file('debug/deps/libserde-aaaaaaaaaaaaaaaa.rmeta', 4000);
  file('debug/deps/serde-aaaaaaaaaaaaaaaa.d', 100);
  fingerprint('debug', 'serde-bbbbbbbbbbbbbbbb');
  file('debug/build/serde-bbbbbbbbbbbbbbbb/out/private.rs', 200);
  file('debug/build/serde-bbbbbbbbbbbbbbbb/output', 30);
  fingerprint('debug', 'regex-cccccccccccccccc');
  file('debug/deps/libregex-cccccccccccccccc.rlib', 9000);
  fingerprint('debug', 'old_crate-dddddddddddddddd');
  file('debug/deps/libold_crate-dddddddddddddddd.rlib', 3000);
  // The workspace: textkit (lib and test binary), report (binary, uplifted by a hard link).
  fingerprint('debug', 'textkit-1111111111111111');
  file('debug/deps/libtextkit-1111111111111111.rlib', 700);
  file('debug/deps/textkit-1111111111111111.d', 100);
  fingerprint('debug', 'report-2222222222222222');
  file('debug/deps/report-2222222222222222', 16000);
  linkSync(join(target, 'debug/deps/report-2222222222222222'), join(target, 'debug/report'));
  file('debug/deps/textkit-4444444444444444', 15000);
  file('debug/build/textkit-3333333333333333/out/gen.rs', 100);
  file('debug/libtextkit.rlib', 700);
  file('debug/report.d', 100);
  file('debug/.cargo-lock', 0);
  file('debug/deps/stray.o', 10);
  file('debug/incremental/textkit-0abc/s-1/query-cache.bin', 8000);
  file('debug/examples/demo-5555555555555555', 100);
  // A cross build: target/<triple>/release.
  fingerprint('x86_64-unknown-linux-gnu/release', 'itoa-eeeeeeeeeeeeeeee');
  file('x86_64-unknown-linux-gnu/release/deps/libitoa-eeeeeeeeeeeeeeee.rlib', 800);
  fingerprint('x86_64-unknown-linux-gnu/release', 'report-6666666666666666');
  file('x86_64-unknown-linux-gnu/release/deps/report-6666666666666666', 9000);
  file('x86_64-unknown-linux-gnu/CACHEDIR.TAG', 50);
  return target;
}

function listAll(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

const workspace = { workspacePackages: ['report', 'textkit'], workspaceTargets: ['report', 'textkit'] };

describe('Rust target pruning', () => {
  it('keeps only third-party units in deps, build and .fingerprint', async () => {
    const target = syntheticTarget();
    const report = await pruneCargoTarget({ targetDir: target, ...workspace }, silentLogger);
    assert.deepEqual(listAll(target), [
      'CACHEDIR.TAG',
      'debug/.fingerprint/old_crate-dddddddddddddddd/lib-x',
      'debug/.fingerprint/old_crate-dddddddddddddddd/lib-x.json',
      'debug/.fingerprint/regex-cccccccccccccccc/lib-x',
      'debug/.fingerprint/regex-cccccccccccccccc/lib-x.json',
      'debug/.fingerprint/serde-aaaaaaaaaaaaaaaa/lib-x',
      'debug/.fingerprint/serde-aaaaaaaaaaaaaaaa/lib-x.json',
      'debug/.fingerprint/serde-bbbbbbbbbbbbbbbb/lib-x',
      'debug/.fingerprint/serde-bbbbbbbbbbbbbbbb/lib-x.json',
      'debug/build/serde-bbbbbbbbbbbbbbbb/out/private.rs',
      'debug/build/serde-bbbbbbbbbbbbbbbb/output',
      'debug/deps/libold_crate-dddddddddddddddd.rlib',
      'debug/deps/libregex-cccccccccccccccc.rlib',
      'debug/deps/libserde-aaaaaaaaaaaaaaaa.rlib',
      'debug/deps/libserde-aaaaaaaaaaaaaaaa.rmeta',
      'debug/deps/serde-aaaaaaaaaaaaaaaa.d',
      'x86_64-unknown-linux-gnu/release/.fingerprint/itoa-eeeeeeeeeeeeeeee/lib-x',
      'x86_64-unknown-linux-gnu/release/.fingerprint/itoa-eeeeeeeeeeeeeeee/lib-x.json',
      'x86_64-unknown-linux-gnu/release/deps/libitoa-eeeeeeeeeeeeeeee.rlib',
    ]);
    assert.equal(report.keptUnits, 5);
    assert.equal(report.profiles.length, 2);
    // report-2222… and its uplifted hard link are one file: counted once.
    assert.equal(report.removed.workspace, 316 * 2 + 700 + 100 + 16000 + 15000 + 100 + 316 + 9000);
    assert.equal(report.removed.incremental, 8000);
    assert.equal(report.removed.unused, 0);
    assert.ok(report.removed.other > 0);
    assert.equal(report.keptBytes, 316 * 5 + 230 + 5000 + 4000 + 100 + 9000 + 3000 + 800);
  });

  it('drops units this run did not use when asked, by their fingerprint times', async () => {
    const target = syntheticTarget();
    const startedAt = Date.now() - 60_000;
    const now = new Date();
    // serde's lib and build-script run were read, regex was rebuilt; old_crate was not touched.
    utimesSync(join(target, 'debug/.fingerprint/serde-aaaaaaaaaaaaaaaa/lib-x'), now, LONG_AGO);
    utimesSync(join(target, 'debug/.fingerprint/serde-bbbbbbbbbbbbbbbb/lib-x.json'), now, LONG_AGO);
    utimesSync(join(target, 'debug/.fingerprint/regex-cccccccccccccccc/lib-x'), LONG_AGO, now);
    utimesSync(
      join(target, 'x86_64-unknown-linux-gnu/release/.fingerprint/itoa-eeeeeeeeeeeeeeee/lib-x'),
      now,
      now,
    );
    const report = await pruneCargoTarget(
      { targetDir: target, ...workspace, usedSince: startedAt },
      silentLogger,
    );
    assert.equal(existsSync(join(target, 'debug/deps/libold_crate-dddddddddddddddd.rlib')), false);
    assert.equal(existsSync(join(target, 'debug/.fingerprint/old_crate-dddddddddddddddd')), false);
    assert.equal(
      existsSync(join(target, 'debug/deps/libserde-aaaaaaaaaaaaaaaa.rlib')),
      true,
      'read, not rewritten',
    );
    assert.equal(existsSync(join(target, 'debug/build/serde-bbbbbbbbbbbbbbbb/output')), true);
    assert.equal(existsSync(join(target, 'debug/deps/libregex-cccccccccccccccc.rlib')), true, 'rebuilt');
    assert.equal(report.removed.unused, 316 + 3000);
    assert.equal(report.keptUnits, 4);
  });

  it('keeps a profile as restored when nothing in it was used (cargo did not run there)', async () => {
    const target = syntheticTarget();
    const log = collectingLogger();
    const report = await pruneCargoTarget({ targetDir: target, ...workspace, usedSince: Date.now() }, log);
    assert.equal(existsSync(join(target, 'debug/deps/libold_crate-dddddddddddddddd.rlib')), true);
    assert.equal(report.removed.unused, 0);
    assert.match(report.unusedRuleSkipped ?? '', /no unit in .* was used in this run/);
    assert.ok(log.lines.some((l) => /kept them all/.test(l)));
    assert.equal(
      existsSync(join(target, 'debug/deps/report-2222222222222222')),
      false,
      'workspace still goes',
    );
  });

  it('finds profiles at target/<profile> and target/<triple>/<profile>', async () => {
    const target = syntheticTarget();
    const profiles = await findProfiles(target);
    assert.deepEqual(
      profiles.map((p) => relative(target, p)),
      ['debug', 'x86_64-unknown-linux-gnu/release'],
    );
    assert.deepEqual(await findProfiles(join(target, 'missing')), []);
  });

  it('sees a read after the restore through the access time', async () => {
    const target = syntheticTarget();
    const startedAt = Date.now();
    // A restore leaves access times at extraction time; marking puts them before the start.
    utimesSync(join(target, 'debug/.fingerprint/regex-cccccccccccccccc/lib-x'), new Date(), LONG_AGO);
    assert.ok((await markFingerprintsUnused(target, startedAt)) >= 10);
    const marked = statSync(join(target, 'debug/.fingerprint/regex-cccccccccccccccc/lib-x'));
    assert.ok(marked.atimeMs < startedAt);
    assert.equal(marked.mtimeMs, LONG_AGO.getTime(), 'modification time kept');
    // What cargo does for a fresh unit: read its fingerprint. The read is simulated by setting the
    // access time the kernel would give it, so the test does not depend on the mount's atime mode.
    const readAt = new Date(startedAt + 1000);
    utimesSync(join(target, 'debug/.fingerprint/regex-cccccccccccccccc/lib-x'), readAt, LONG_AGO);
    utimesSync(join(target, 'debug/.fingerprint/serde-aaaaaaaaaaaaaaaa/lib-x'), readAt, LONG_AGO);
    await pruneCargoTarget({ targetDir: target, ...workspace, usedSince: startedAt }, silentLogger);
    assert.equal(existsSync(join(target, 'debug/deps/libregex-cccccccccccccccc.rlib')), true);
    assert.equal(existsSync(join(target, 'debug/deps/libserde-aaaaaaaaaaaaaaaa.rlib')), true);
    assert.equal(existsSync(join(target, 'debug/deps/libold_crate-dddddddddddddddd.rlib')), false);
    assert.equal(existsSync(join(target, 'debug/build/serde-bbbbbbbbbbbbbbbb')), false, 'not read: unused');
  });

  it('leaves a missing target directory alone', async () => {
    const report = await pruneCargoTarget(
      { targetDir: join(tmpdir(), 'slw-no-such-target'), ...workspace },
      silentLogger,
    );
    assert.equal(report.removedBytes, 0);
    assert.deepEqual(report.profiles, []);
  });
});
