/**
 * test-cache on the Rust workspace fixture, pruned (the default) against caching `target/` whole
 * (`prune: false`), side by side in one run through the built bundle and the cache-service double:
 * the archive the post step saves after a cold `cargo test`, the time to restore it on a fresh
 * runner, and what `cargo test` recompiles after a one-line change in a workspace crate.
 * Targets (issue 5): the pruned archive ≥ 40% smaller, no third-party crate recompiled.
 *
 *   SLIPWAY_DIST=/tmp/dist npx tsx bench/test-cache.ts     (BENCH_ROUNDS=N warm runs, default 3)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TESTBED_ENV, startCacheDouble } from '@slipway/testbed';
import { freshRunner, runJob } from '../test/integration/test-cache/job.ts';
import { median, printTable } from './lib/measure.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const WORKSPACE_CRATES = new Set(['textkit', 'report']);
const rustEnv = {
  RUSTUP_HOME: process.env.RUSTUP_HOME ?? join(homedir(), '.rustup'),
  CARGO_TERM_COLOR: 'never',
};

const work = mkdtempSync(join(tmpdir(), 'slw-bench-cache-'));
const double = await startCacheDouble(join(work, 'cache-service'));
// The harness finds the cache service through the published test-bed endpoints.
process.env[TESTBED_ENV] = JSON.stringify({ cache: { url: double.url } });

function cargoTest(workspace: string, home: string): { compiled: string[]; ms: number } {
  const started = performance.now();
  const result = spawnSync('cargo', ['test', '--locked'], {
    cwd: workspace,
    env: { PATH: process.env.PATH ?? '', HOME: home, ...rustEnv },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`cargo test failed:\n${result.stderr}`);
  const compiled = [...result.stderr.matchAll(/^\s*Compiling (\S+) v/gm)].map((m) => m[1] as string);
  return { compiled, ms: performance.now() - started };
}

/** Back from the action's own log line: "Restored the exact key, 23.1 MB in 1.2 s". */
function restoreMs(output: string): number {
  const m = /Restored the exact key, .* in (?:(\d+) min )?([\d.]+) (ms|s)$/m.exec(output);
  if (!m) throw new Error(`no restore line in:\n${output}`);
  return Number(m[1] ?? 0) * 60_000 + Number(m[2]) * (m[3] === 's' ? 1000 : 1);
}

interface Variant {
  name: string;
  prune: boolean;
  prefix: string;
  root: string;
  savedBytes: number;
  restores: number[];
  warmBuilds: number[];
  compiled: string[];
}

const variants: Variant[] = [
  { name: 'target/ whole (prune: false)', prune: false },
  { name: 'pruned (prune: true, default)', prune: true },
].map((v, i) => ({
  ...v,
  prefix: `bench-${i}-${Date.now().toString(36)}`,
  root: mkdtempSync('/tmp/slw-bench-rust-'),
  savedBytes: 0,
  restores: [],
  warmBuilds: [],
  compiled: [],
}));

try {
  for (const v of variants) {
    const runner = freshRunner(v.root);
    const cold = await runJob({
      ...runner,
      cacheService: 'v2',
      inputs: { prefix: v.prefix, prune: String(v.prune) },
      env: rustEnv,
      between: async () => void cargoTest(runner.workspace, runner.home),
    });
    if (!cold.post || cold.post.exitCode !== 0)
      throw new Error(`cold run failed:\n${cold.main.output}\n${cold.post?.output}`);
    v.savedBytes = Number(cold.post.outputs['saved-size']);
    if (!(v.savedBytes > 0)) throw new Error(`nothing saved:\n${cold.post.output}`);
  }
  for (let round = 0; round < rounds; round++) {
    for (const v of round % 2 ? [...variants].reverse() : variants) {
      const runner = freshRunner(v.root);
      const warm = await runJob({
        ...runner,
        cacheService: 'v2',
        inputs: { prefix: v.prefix, prune: String(v.prune), save: 'never' },
        env: rustEnv,
        between: async () => {
          const lib = join(runner.workspace, 'crates', 'textkit', 'src', 'lib.rs');
          writeFileSync(
            lib,
            readFileSync(lib, 'utf8').replace('no words in the text', 'no words in this text'),
          );
          const build = cargoTest(runner.workspace, runner.home);
          v.warmBuilds.push(build.ms);
          v.compiled = build.compiled;
        },
      });
      if (warm.main.outputs['cache-hit'] !== 'true') throw new Error(`no exact hit:\n${warm.main.output}`);
      v.restores.push(restoreMs(warm.main.output));
    }
  }

  const [whole, pruned] = variants as [Variant, Variant];
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  printTable(
    `test-cache on test/fixtures/rust-workspace (2 crates with unit and integration tests; serde_json, regex, anyhow): cold cargo test, save; then ${rounds} fresh runners: restore, one-line change in textkit, cargo test (medians)`,
    ['cache', 'saved archive', 'restore', 'recompiled (third-party)', 'cargo test after the change'],
    variants.map((v) => [
      v.name,
      mb(v.savedBytes),
      s(median(v.restores)),
      `${v.compiled.length} (${v.compiled.filter((c) => !WORKSPACE_CRATES.has(c)).length})`,
      s(median(v.warmBuilds)),
    ]),
  );
  const smaller = 1 - pruned.savedBytes / whole.savedBytes;
  const thirdParty = pruned.compiled.filter((c) => !WORKSPACE_CRATES.has(c));
  console.log(
    `\npruned archive: ${(smaller * 100).toFixed(0)}% smaller than target/ whole (target ≥ 40%); ` +
      `restore ${(median(pruned.restores) / median(whole.restores)).toFixed(2)}× the time; ` +
      `third-party crates recompiled: ${thirdParty.length ? thirdParty.join(', ') : 'none'} (target: none); ` +
      `recompiled: ${pruned.compiled.join(', ')}`,
  );
  if (smaller < 0.4 || thirdParty.length > 0) process.exitCode = 1;
} finally {
  await double.stop();
  for (const v of variants) rmSync(v.root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
