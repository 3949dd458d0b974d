import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { collectingLogger, readRunContext, silentLogger } from '@slipway/action-kit';
import {
  classifyLockfile,
  decideSave,
  findLockfiles,
  hashLockfiles,
  planCaches,
  type PlanOptions,
} from '@slipway/cache';
import { realTool, toolDir } from './toolbox.ts';

const fixture = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'rust-workspace');

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'slw-detect-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

function options(workspace: string, home: string, over: Partial<PlanOptions>): PlanOptions {
  return {
    workspace,
    home,
    env: {},
    ecosystems: 'auto',
    extraPaths: [],
    prefix: 'slipway-v1',
    job: 'test',
    os: 'linux',
    arch: 'x64',
    ...over,
  };
}

const rustTools = () => {
  const rustc = realTool('rustc');
  const cargo = realTool('cargo');
  assert.ok(rustc && cargo, 'rustc and cargo are installed on the test machine');
  return { rustc, cargo };
};

describe('lockfile detection', () => {
  it('knows the lockfiles of each ecosystem and its package manager', () => {
    assert.deepEqual(classifyLockfile('Cargo.lock'), { ecosystem: 'rust' });
    assert.deepEqual(classifyLockfile('package-lock.json'), { ecosystem: 'node', packageManager: 'npm' });
    assert.deepEqual(classifyLockfile('npm-shrinkwrap.json'), { ecosystem: 'node', packageManager: 'npm' });
    assert.deepEqual(classifyLockfile('pnpm-lock.yaml'), { ecosystem: 'node', packageManager: 'pnpm' });
    assert.deepEqual(classifyLockfile('yarn.lock'), { ecosystem: 'node', packageManager: 'yarn' });
    assert.deepEqual(classifyLockfile('go.sum'), { ecosystem: 'go' });
    for (const name of [
      'requirements.txt',
      'requirements-dev.txt',
      'poetry.lock',
      'Pipfile.lock',
      'uv.lock',
    ]) {
      assert.deepEqual(classifyLockfile(name), { ecosystem: 'python' }, name);
    }
    for (const name of ['package.json', 'Cargo.toml', 'go.mod', 'requirements.in', 'notes.txt']) {
      assert.equal(classifyLockfile(name), undefined, name);
    }
  });

  it('finds lockfiles two folders deep, skipping installed dependencies, build output and hidden folders', async () => {
    const ws = tree({
      'Cargo.lock': '',
      'web/package-lock.json': '{}',
      'web/node_modules/left-pad/package-lock.json': '{}',
      'target/package/Cargo.lock': '',
      'services/api/go.sum': '',
      'services/api/deep/yarn.lock': '',
      '.venv/requirements.txt': '',
      'requirements-dev.txt': '',
    });
    const found = await findLockfiles(ws);
    assert.deepEqual(
      found.map((l) => `${l.ecosystem}:${l.path}`),
      [
        'rust:Cargo.lock',
        'python:requirements-dev.txt',
        'go:services/api/go.sum',
        'node:web/package-lock.json',
      ],
    );
  });

  it('hashes lockfile contents and paths, not the order they were listed in', async () => {
    const ws = tree({ 'a/Cargo.lock': 'one', 'b/Cargo.lock': 'two', 'c/Cargo.lock': 'one' });
    const h = await hashLockfiles(ws, ['a/Cargo.lock', 'b/Cargo.lock']);
    assert.match(h, /^[0-9a-f]{16}$/);
    assert.equal(await hashLockfiles(ws, ['b/Cargo.lock', 'a/Cargo.lock']), h);
    assert.notEqual(await hashLockfiles(ws, ['c/Cargo.lock', 'b/Cargo.lock']), h, 'same content, other path');
    writeFileSync(join(ws, 'a/Cargo.lock'), 'one changed');
    assert.notEqual(await hashLockfiles(ws, ['a/Cargo.lock', 'b/Cargo.lock']), h);
  });
});

describe('planning caches', () => {
  it('detects Rust from Cargo.lock and runs only the Rust toolchain', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'slw-ws-'));
    cpSync(fixture, ws, { recursive: true });
    const home = mkdtempSync(join(tmpdir(), 'slw-home-'));
    const { rustc, cargo } = rustTools();
    const tools = toolDir({
      rustc,
      cargo,
      node: realTool('node') as string,
      npm: realTool('npm') as string,
      python: realTool('python3') as string,
    });
    const plan = await planCaches(options(ws, home, { env: tools.env() }), silentLogger);
    assert.deepEqual(
      plan.entries.map((e) => e.ecosystem),
      ['rust'],
    );
    assert.deepEqual(
      tools.calls().map((c) => c.split(' ')[0]),
      ['rustc', 'cargo'],
      'node, npm and python were not run',
    );
    const [entry] = plan.entries;
    assert.ok(entry);
    assert.match(entry.key, /^slipway-v1-rust-linux-x64-test-[0-9a-f]{12}-[0-9a-f]{16}$/);
    assert.deepEqual(entry.paths, [
      '~/.cargo/registry/index',
      '~/.cargo/registry/cache',
      '~/.cargo/git/db',
      '~/.cargo/.slipway-cache-bin',
      'target',
    ]);
    assert.deepEqual(entry.lockfiles, ['Cargo.lock']);
    assert.match(entry.toolchain, /^rustc \d+\.\d+/);
    assert.deepEqual(entry.rust?.workspaces[0]?.packages, ['report', 'textkit']);
    assert.deepEqual(
      entry.rust?.workspaces[0]?.targets,
      ['cli', 'report', 'stats', 'textkit'],
      'integration tests too',
    );
  });

  it('changes the key with RUSTFLAGS but not with CARGO_HOME, and the lockfile part with Cargo.lock', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'slw-ws-'));
    cpSync(fixture, ws, { recursive: true });
    const home = mkdtempSync(join(tmpdir(), 'slw-home-'));
    const tools = toolDir(rustTools());
    const keyWith = async (env: Record<string, string>) =>
      (await planCaches(options(ws, home, { env: tools.env(env) }), silentLogger)).entries[0]?.key ?? '';
    const base = await keyWith({});
    const movedHome = await keyWith({ CARGO_HOME: join(home, 'elsewhere') });
    assert.equal(movedHome, base);
    const flags = await keyWith({ RUSTFLAGS: '-C debuginfo=0' });
    assert.notEqual(flags, base);
    assert.equal(flags.split('-').at(-1), base.split('-').at(-1), 'same lockfile part');
    writeFileSync(join(ws, 'Cargo.lock'), '# changed\n', { flag: 'a' });
    const relocked = await keyWith({});
    assert.notEqual(relocked, base);
    assert.equal(relocked.split('-').slice(0, -1).join('-'), base.split('-').slice(0, -1).join('-'));
  });

  it('still caches the registry when cargo cannot read the workspace, and says why', async () => {
    const ws = tree({ 'Cargo.lock': '', 'Cargo.toml': '[package\nname = ' });
    const tools = toolDir(rustTools());
    const log = collectingLogger();
    const plan = await planCaches(
      options(ws, mkdtempSync(join(tmpdir(), 'slw-home-')), { env: tools.env() }),
      log,
    );
    assert.deepEqual(plan.entries[0]?.paths, [
      '~/.cargo/registry/index',
      '~/.cargo/registry/cache',
      '~/.cargo/git/db',
      '~/.cargo/.slipway-cache-bin',
    ]);
    assert.deepEqual(plan.entries[0]?.rust?.workspaces, []);
    assert.ok(
      log.lines.some((l) =>
        /warning: test-cache \(rust\): cannot read the cargo workspace in .*`cargo metadata/.test(l),
      ),
      log.lines.join('\n'),
    );
  });

  it('names the missing toolchain when an ecosystem is asked for and its tool is not installed', async () => {
    const ws = tree({ 'go.sum': '', 'package-lock.json': '{}' });
    const tools = toolDir({});
    const plan = await planCaches(
      options(ws, mkdtempSync(join(tmpdir(), 'slw-home-')), { ecosystems: ['go', 'node'], env: tools.env() }),
      silentLogger,
    );
    assert.deepEqual(plan.entries, []);
    assert.deepEqual(
      plan.skipped.map((s) => [s.ecosystem, s.requested]),
      [
        ['node', true],
        ['go', true],
      ],
    );
    assert.match(plan.skipped[0]?.message ?? '', /node is not on PATH: set up Node\.js before this step/);
    assert.match(plan.skipped[1]?.message ?? '', /go is not on PATH: set up Go before this step/);
  });

  it('gives up on a toolchain command that hangs, after the timeout', async () => {
    const ws = tree({ 'Cargo.lock': '' });
    const tools = toolDir({ rustc: 'hang' });
    const plan = await planCaches(
      options(ws, mkdtempSync(join(tmpdir(), 'slw-home-')), { env: tools.env(), timeoutMs: 500 }),
      silentLogger,
    );
    // The stand-in sleeps 30 s and then exits 0: only a kill at the timeout gives this message.
    assert.deepEqual(tools.calls(), ['rustc -vV']);
    assert.equal(plan.skipped[0]?.requested, false, 'detected, not requested');
    assert.match(plan.skipped[0]?.message ?? '', /`rustc -vV` did not finish within 1 s/);
  });

  it("caches npm's _cacache where npm config says, never node_modules", async () => {
    const ws = tree({ 'package-lock.json': '{}', 'node_modules/x/index.js': '' });
    const home = mkdtempSync(join(tmpdir(), 'slw-home-'));
    const tools = toolDir({ node: realTool('node') as string, npm: realTool('npm') as string });
    const plan = await planCaches(
      options(ws, home, { env: tools.env({ HOME: home, npm_config_cache: join(home, 'npm-cache') }) }),
      silentLogger,
    );
    assert.deepEqual(plan.entries[0]?.paths, ['~/npm-cache/_cacache']);
    assert.match(plan.entries[0]?.toolchain ?? '', /^node v\d+\.\d+\.\d+ with npm$/);
    assert.ok(tools.calls().includes('npm config get cache'));
    assert.deepEqual([...new Set(tools.calls().map((c) => c.split(' ')[0]))].sort(), ['node', 'npm']);
  });

  it("caches pip's cache folder for requirements files", async () => {
    const ws = tree({ 'requirements.txt': 'requests==2.31.0\n' });
    const home = mkdtempSync(join(tmpdir(), 'slw-home-'));
    const python = realTool('python3');
    assert.ok(python);
    const tools = toolDir({ python });
    const plan = await planCaches(
      options(ws, home, { env: tools.env({ HOME: home, PIP_CACHE_DIR: join(home, 'pip-cache') }) }),
      silentLogger,
    );
    assert.deepEqual(plan.entries[0]?.paths, ['~/pip-cache']);
    assert.match(plan.entries[0]?.toolchain ?? '', /^Python 3\./);
  });

  it('warns about a package manager that is missing but keeps the rest of the Node cache', async () => {
    const ws = tree({ 'package-lock.json': '{}', 'web/pnpm-lock.yaml': '' });
    const home = mkdtempSync(join(tmpdir(), 'slw-home-'));
    const tools = toolDir({ node: realTool('node') as string, npm: realTool('npm') as string });
    const log = collectingLogger();
    const plan = await planCaches(
      options(ws, home, { env: tools.env({ HOME: home, npm_config_cache: join(home, '.npm') }) }),
      log,
    );
    assert.deepEqual(plan.entries[0]?.paths, ['~/.npm/_cacache']);
    assert.ok(log.lines.some((l) => /warning: .*pnpm-lock\.yaml found but pnpm is not on PATH/.test(l)));
  });

  it('keys a paths-only cache by run, so a later run misses the exact key, restores the newest and can save anew', async () => {
    const ws = tree({ 'README.md': '' });
    const home = mkdtempSync(join(tmpdir(), 'slw-home-'));
    const plan = (env: NodeJS.ProcessEnv) =>
      planCaches(
        options(ws, home, { env, run: readRunContext(env), extraPaths: [join(ws, '.cache', 'tool')] }),
        silentLogger,
      );
    const [first] = (await plan({ GITHUB_RUN_ID: '1001', GITHUB_RUN_ATTEMPT: '1' })).entries;
    const [later] = (await plan({ GITHUB_RUN_ID: '1002', GITHUB_RUN_ATTEMPT: '1' })).entries;
    const [rerun] = (await plan({ GITHUB_RUN_ID: '1002', GITHUB_RUN_ATTEMPT: '2' })).entries;
    assert.ok(first && later && rerun);
    assert.match(first.key, /^slipway-v1-files-linux-x64-test-any-[0-9a-f]{16}-1001$/);
    const listed = first.key.slice(0, -'1001'.length);
    assert.equal(later.key, `${listed}1002`);
    assert.equal(rerun.key, `${listed}1002.2`);
    // The restore keys are prefixes of the earlier run's key: the service returns the newest match.
    assert.deepEqual(later.restoreKeys, [listed, 'slipway-v1-files-linux-x64-test-any-']);
    assert.ok(later.restoreKeys.every((k) => first.key.startsWith(k)));
    // The save policy sees no exact hit, so the later run may save its own entry.
    assert.equal(
      decideSave({
        mode: 'auto',
        exactHit: later.key === first.key,
        ref: 'refs/heads/main',
        event: 'push',
        defaultBranch: 'main',
        saveBranches: [],
      }).save,
      true,
    );
  });

  it('caches given paths alone under a files entry, or adds them to the first ecosystem', async () => {
    const ws = tree({ 'README.md': '' });
    const home = mkdtempSync(join(tmpdir(), 'slw-home-'));
    const alone = await planCaches(
      options(ws, home, { extraPaths: [join(ws, '.cache', 'tool'), join(home, '.m2')] }),
      silentLogger,
    );
    assert.equal(alone.entries[0]?.ecosystem, 'files');
    assert.deepEqual(alone.entries[0]?.paths, ['.cache/tool', '~/.m2']);
    assert.match(
      alone.entries[0]?.key ?? '',
      /^slipway-v1-files-linux-x64-test-any-[0-9a-f]{16}-t[0-9a-z]+$/,
    );

    const rustWs = mkdtempSync(join(tmpdir(), 'slw-ws-'));
    cpSync(fixture, rustWs, { recursive: true });
    const tools = toolDir(rustTools());
    const added = await planCaches(
      options(rustWs, home, { env: tools.env(), extraPaths: [join(rustWs, 'generated')] }),
      silentLogger,
    );
    assert.equal(added.entries.length, 1);
    assert.equal(added.entries[0]?.paths.at(-1), 'generated');
  });
});
