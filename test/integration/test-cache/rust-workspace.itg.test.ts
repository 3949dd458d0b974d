import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { testbed, uniqueName, type CacheEntryInfo } from '@slipway/testbed';
import { freshRunner, runJob } from './job.ts';

const WORKSPACE_CRATES = new Set(['textkit', 'report']);
const rustEnv = {
  RUSTUP_HOME: process.env.RUSTUP_HOME ?? join(homedir(), '.rustup'),
  CARGO_TERM_COLOR: 'never',
};

/** Runs cargo as the job's own step; returns the crates it compiled. */
function cargoTest(workspace: string, home: string): { compiled: string[]; log: string } {
  const result = spawnSync('cargo', ['test', '--locked'], {
    cwd: workspace,
    env: { PATH: process.env.PATH ?? '', HOME: home, ...rustEnv },
    encoding: 'utf8',
  });
  const log = `${result.stdout}\n${result.stderr}`;
  assert.equal(result.status, 0, log);
  const compiled = [...log.matchAll(/^\s*Compiling (\S+) v/gm)].map((m) => m[1] as string);
  return { compiled, log };
}

const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }) : [];

const roots: string[] = [];
after(() => {
  // The shell's rm: it also removes folders nested deeper than PATH_MAX, which Node's rm cannot.
  for (const root of roots) spawnSync('rm', ['-rf', root]);
});

describe('test-cache on a real Rust workspace', () => {
  it('saves a pruned target; after a restore a one-line change rebuilds only the workspace crates, and a dropped dependency leaves the cache', async () => {
    const prefix = uniqueName('tc-rust');
    const root = mkdtempSync('/tmp/slw-tcr-');
    roots.push(root);

    let cold = freshRunner(root);
    let coldBuild: ReturnType<typeof cargoTest> | undefined;
    const first = await runJob({
      ...cold,
      cacheService: 'v2',
      inputs: { prefix },
      env: rustEnv,
      between: async () => {
        coldBuild = cargoTest(cold.workspace, cold.home);
      },
    });
    assert.equal(first.main.exitCode, 0, first.main.output);
    assert.equal(first.main.outputs['cache-hit'], 'false');
    assert.match(first.main.outputs.key ?? '', new RegExp(`^${prefix}-rust-linux-x64-deploy-`));
    assert.ok(coldBuild?.compiled.includes('serde_json'), 'the cold build compiled the dependencies');
    assert.ok(first.post, 'post step ran');
    assert.equal(first.post.exitCode, 0, first.post.output);
    assert.match(
      first.post.output,
      /Pruned .*target: kept [\d.]+ MB \(\d+ third-party units\), removed [\d.]+ MB/,
    );
    assert.match(first.post.summary, /Rust target pruned before saving/);

    // What was saved: third-party units only.
    const deps = filesUnder(join(cold.workspace, 'target', 'debug', 'deps'));
    assert.ok(deps.some((f) => f.startsWith('libserde_json-')));
    assert.deepEqual(
      deps.filter((f) => /textkit|report/.test(f)),
      [],
    );
    assert.equal(existsSync(join(cold.workspace, 'target', 'debug', 'incremental')), false);
    const [entry] = (
      (await (await fetch(`${testbed().cache.url}_control/entries`)).json()) as CacheEntryInfo[]
    ).filter((e) => e.key === first.main.outputs.key);
    assert.ok(entry && entry.size > 0);
    assert.equal(Number(first.post.outputs['saved-size']), entry.size);

    // A new runner: clean checkout, empty home; restore, change one line, test again.
    cold = freshRunner(root);
    const warm = cold;
    let warmBuild: ReturnType<typeof cargoTest> | undefined;
    const second = await runJob({
      ...warm,
      cacheService: 'v2',
      inputs: { prefix },
      env: rustEnv,
      between: async () => {
        assert.ok(existsSync(join(warm.workspace, 'target', 'debug', '.fingerprint')), 'target restored');
        const lib = join(warm.workspace, 'crates', 'textkit', 'src', 'lib.rs');
        writeFileSync(
          lib,
          readFileSync(lib, 'utf8').replace('no words in the text', 'no words in this text'),
        );
        warmBuild = cargoTest(warm.workspace, warm.home);
      },
    });
    assert.equal(second.main.exitCode, 0, second.main.output);
    assert.equal(second.main.outputs['cache-hit'], 'true');
    assert.match(second.main.summary, /exact hit/);
    assert.ok(warmBuild);
    assert.deepEqual(
      warmBuild.compiled.filter((c) => !WORKSPACE_CRATES.has(c)),
      [],
      `no third-party crate recompiled:\n${warmBuild.log}`,
    );
    assert.deepEqual([...new Set(warmBuild.compiled)].sort(), ['report', 'textkit']);
    assert.match(second.post?.summary ?? '', /exact hit/);

    // A dependency goes: the lockfile changes, the old cache comes back through the restore key,
    // and the units of the crates no longer built are dropped before the new entry is saved.
    const third = freshRunner(root);
    const manifest = join(third.workspace, 'crates', 'textkit', 'Cargo.toml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('regex = "1"\n', ''));
    const lib = join(third.workspace, 'crates', 'textkit', 'src', 'lib.rs');
    writeFileSync(
      lib,
      readFileSync(lib, 'utf8')
        .replace('use regex::Regex;\n', '')
        .replace(
          /let words = Regex::new\(.*\)\?;\n\s*let count = words\.find_iter\(text\)\.count\(\);/,
          'let count = text.split_whitespace().count();',
        ),
    );
    const relock = spawnSync('cargo', ['generate-lockfile', '--offline'], {
      cwd: third.workspace,
      env: { PATH: process.env.PATH ?? '', HOME: third.home, ...rustEnv },
      encoding: 'utf8',
    });
    assert.equal(relock.status, 0, relock.stderr);
    let thirdBuild: ReturnType<typeof cargoTest> | undefined;
    const after = await runJob({
      ...third,
      cacheService: 'v2',
      inputs: { prefix },
      env: rustEnv,
      between: async () => {
        thirdBuild = cargoTest(third.workspace, third.home);
      },
    });
    assert.equal(after.main.outputs['cache-hit'], 'false');
    assert.equal(
      after.main.outputs['restored-key'],
      first.main.outputs.key,
      'restored through the restore key',
    );
    assert.deepEqual(
      thirdBuild?.compiled.filter((c) => !WORKSPACE_CRATES.has(c)),
      [],
    );
    assert.match(after.post?.output ?? '', /unused in this run [1-9][\d.]* MB/);
    const kept = filesUnder(join(third.workspace, 'target', 'debug', 'deps'));
    assert.ok(
      kept.some((f) => f.startsWith('libserde_json-')),
      'used dependencies stay',
    );
    assert.deepEqual(
      kept.filter((f) => /regex|aho_corasick/.test(f)),
      [],
      'the dropped dependency is not saved again',
    );
    const keys = ((await (await fetch(`${testbed().cache.url}_control/entries`)).json()) as CacheEntryInfo[])
      .filter((e) => e.key.startsWith(`${prefix}-`))
      .map((e) => e.key);
    assert.deepEqual(keys, [first.main.outputs.key, after.main.outputs.key]);
  });

  it('does not fail the job when pruning the target directory fails: a warning, and that cache is not saved', async () => {
    const prefix = uniqueName('tc-rust-prune-fail');
    const root = mkdtempSync('/tmp/slw-tcp-');
    roots.push(root);
    const runner = freshRunner(root);
    const job = await runJob({
      ...runner,
      cacheService: 'v2',
      inputs: { prefix },
      env: rustEnv,
      between: async () => {
        // A folder in target/ nested deeper than PATH_MAX: pruning has to remove it and cannot
        // (ENAMETOOLONG), as with a target directory the runner user may not read or delete.
        const name = 'd'.repeat(200);
        const made = spawnSync(
          'bash',
          [
            '-c',
            `mkdir -p target/stray && cd target/stray && for i in $(seq 25); do mkdir ${name} && cd ${name}; done`,
          ],
          { cwd: runner.workspace, encoding: 'utf8' },
        );
        assert.equal(made.status, 0, made.stderr);
      },
    });
    assert.equal(job.main.exitCode, 0, job.main.output);
    assert.ok(job.post, 'the post step ran');
    assert.equal(job.post.exitCode, 0, job.post.output);
    const warnings = job.post.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    assert.ok(
      warnings.some((m) => /not saving the rust cache: .*pruning the target directory.*ENAMETOOLONG/.test(m)),
      job.post.output,
    );
    assert.equal(job.post.outputs['saved-size'], '0');
    assert.match(job.post.summary, /\| rust \|.*\| no \|.*pruning the target directory/);
    const keys = ((await (await fetch(`${testbed().cache.url}_control/entries`)).json()) as CacheEntryInfo[])
      .filter((e) => e.key.startsWith(`${prefix}-`))
      .map((e) => e.key);
    assert.deepEqual(keys, []);
  });
});
