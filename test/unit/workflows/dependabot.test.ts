/**
 * .github/dependabot.yml against the repository it updates: every option is one Dependabot
 * documents (an unknown key makes GitHub reject the whole file, which silently stops every
 * update), each group catches the dependencies it is named for and nothing else catches them,
 * and the examples that Dependabot does not read are held to the workflows' pins.
 */
import assert from 'node:assert/strict';
import { readdirSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../../scripts/lib/actions.ts';
import { checkPinDrift, pinnedUses } from '../../../scripts/lib/workflow-pins.ts';

interface Group {
  patterns?: string[];
  'exclude-patterns'?: string[];
  'dependency-type'?: string;
}
interface Update {
  'package-ecosystem': string;
  directory?: string;
  directories?: string[];
  schedule: { interval: string; day?: string };
  groups?: Record<string, Group>;
  ignore?: { 'dependency-name'?: string; 'update-types'?: string[] }[];
  cooldown?: Record<string, unknown>;
  [key: string]: unknown;
}

const config = parse(readFileSync(join(repoRoot, '.github', 'dependabot.yml'), 'utf8')) as {
  version: number;
  updates: Update[];
  [key: string]: unknown;
};
const byEcosystem = (e: string) => {
  const u = config.updates.find((x) => x['package-ecosystem'] === e);
  assert.ok(u, `no ${e} updates`);
  return u;
};

/** Dependabot's `*` wildcard, as in group patterns and ignore names. */
const matches = (pattern: string, name: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\/@-]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name);

/** The direct dependencies of the root package.json and of every workspace. */
function directDependencies(): string[] {
  const names = new Set<string>();
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dependencies?: object; devDependencies?: object; link?: boolean }>;
  };
  for (const [path, pkg] of Object.entries(lock.packages)) {
    if (path !== '' && path.includes('node_modules/')) continue;
    for (const n of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]) {
      names.add(n);
    }
  }
  return [...names].filter((n) => !n.startsWith('@slipway/')).sort();
}
const lockedPackages = Object.keys(
  (JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: object }).packages,
).map((p) => p.replace(/^.*node_modules\//, ''));

// The options of docs.github.com "Dependabot options reference" (configuration-options-for-the-dependabot.yml-file).
const TOP_LEVEL = ['version', 'updates', 'registries', 'enable-beta-ecosystems', 'multi-ecosystem-groups'];
const UPDATE_OPTIONS = [
  'package-ecosystem',
  'directory',
  'directories',
  'schedule',
  'allow',
  'assignees',
  'commit-message',
  'cooldown',
  'exclude-paths',
  'groups',
  'ignore',
  'insecure-external-code-execution',
  'labels',
  'milestone',
  'open-pull-requests-limit',
  'pull-request-branch-name',
  'rebase-strategy',
  'registries',
  'reviewers',
  'target-branch',
  'vendor',
  'versioning-strategy',
  'multi-ecosystem-group',
  'patterns',
];
const GROUP_OPTIONS = ['applies-to', 'dependency-type', 'patterns', 'exclude-patterns', 'update-types'];

describe('.github/dependabot.yml', () => {
  it('is version 2 with only documented options, weekly for npm and github-actions from the root', () => {
    assert.equal(config.version, 2);
    for (const key of Object.keys(config)) assert.ok(TOP_LEVEL.includes(key), `unknown top-level key ${key}`);
    assert.deepEqual(config.updates.map((u) => u['package-ecosystem']).sort(), ['github-actions', 'npm']);
    for (const u of config.updates) {
      for (const key of Object.keys(u)) assert.ok(UPDATE_OPTIONS.includes(key), `unknown option ${key}`);
      assert.equal(u.directory, '/');
      assert.equal(u.schedule.interval, 'weekly');
      for (const [name, group] of Object.entries(u.groups ?? {})) {
        for (const key of Object.keys(group)) assert.ok(GROUP_OPTIONS.includes(key), `group ${name}: ${key}`);
        assert.ok(group.patterns?.length, `group ${name} has no patterns`);
      }
      for (const key of Object.keys(u.cooldown ?? {})) {
        assert.match(key, /^(default|semver-(major|minor|patch))-days$|^(include|exclude)$/);
      }
      for (const rule of u.ignore ?? []) {
        for (const t of rule['update-types'] ?? [])
          assert.match(t, /^version-update:semver-(major|minor|patch)$/);
      }
    }
    assert.ok(existsSync(join(repoRoot, '.github', 'workflows')));
  });

  const npm = byEcosystem('npm');
  const groups = Object.entries(npm.groups ?? {});
  const groupOf = (dep: string) =>
    groups.filter(([, g]) => (g.patterns ?? []).some((p) => matches(p, dep))).map(([name]) => name);

  it('groups the AWS SDK, the Actions toolkit and the lint/type/build tooling, one group per dependency', () => {
    const deps = directDependencies();
    assert.ok(deps.length > 20, deps.join(', '));
    const expected = (dep: string) =>
      /^@aws-sdk\/|^@smithy\//.test(dep)
        ? 'aws-sdk'
        : dep.startsWith('@actions/')
          ? 'actions-toolkit'
          : /^(eslint|@eslint\/.*|typescript-eslint|prettier|typescript|tsx|@types\/.*)$/.test(dep)
            ? 'dev-tooling'
            : undefined;
    for (const dep of deps) {
      const found = groupOf(dep);
      assert.ok(found.length <= 1, `${dep} is in several groups: ${found.join(', ')}`);
      const want = expected(dep);
      if (want) assert.deepEqual(found, [want], `${dep} belongs in ${want}`);
    }
  });

  it('has no group pattern or ignore rule that matches no package', () => {
    for (const [name, g] of groups) {
      for (const p of g.patterns ?? []) {
        assert.ok(
          lockedPackages.some((pkg) => matches(p, pkg)),
          `group ${name}: pattern ${p} matches no package`,
        );
      }
    }
    const deps = directDependencies();
    for (const rule of npm.ignore ?? []) {
      const name = rule['dependency-name'] ?? '';
      assert.ok(
        deps.some((d) => matches(name, d)),
        `ignore: ${name} is not a dependency`,
      );
    }
  });

  it('updates the pinned actions of the workflows in one weekly pull request', () => {
    const actions = byEcosystem('github-actions');
    assert.deepEqual(actions.groups, { 'github-actions': { patterns: ['*'] } });
  });
});

describe('pin drift between the workflows and the examples', () => {
  const folders: string[] = [];
  after(() => {
    for (const f of folders) rmSync(f, { recursive: true, force: true });
  });

  /** A copy of the files the check reads, to break one of them. */
  function copy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'pins-'));
    folders.push(dir);
    for (const p of ['.github/workflows', 'examples', 'docs', 'actions', 'action.yml', 'README.md']) {
      cpSync(join(repoRoot, p), join(dir, p), { recursive: true });
    }
    return dir;
  }

  it('finds every SHA-pinned uses: with its position, repository and version comment', () => {
    const text = 'steps:\n  - uses: actions/checkout@' + 'a'.repeat(40) + ' # v6.0.2\n  - uses: ./local\n';
    assert.deepEqual(pinnedUses('x.yml', text), [
      { file: 'x.yml', line: 2, column: 5, repo: 'actions/checkout', sha: 'a'.repeat(40), comment: 'v6.0.2' },
    ]);
  });

  it('accepts the repository as it is', () => {
    assert.deepEqual(checkPinDrift(repoRoot), []);
  });

  it('flags an example left on the pin a Dependabot update replaced in the workflows', () => {
    const dir = copy();
    const ci = join(dir, '.github', 'workflows', 'ci.yml');
    const newSha = 'b'.repeat(40);
    // What a Dependabot pull request does: every workflow moves to the new pin, the examples do not.
    // Dependabot updates every workflow.
    for (const f of readdirSync(join(dir, '.github', 'workflows')).filter((n) => n.endsWith('.yml'))) {
      const p = join(dir, '.github', 'workflows', f);
      writeFileSync(
        p,
        readFileSync(p, 'utf8').replaceAll(
          'actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2',
          `actions/checkout@${newSha} # v6.0.3`,
        ),
      );
    }
    assert.ok(readFileSync(ci, 'utf8').includes(newSha));
    const findings = checkPinDrift(dir);
    assert.ok(findings.length > 0);
    for (const f of findings) {
      assert.equal(f.rule, 'pin-drift');
      assert.ok(!f.file.startsWith('.github/workflows/'), f.file);
      assert.match(
        f.message,
        /^actions\/checkout is pinned at de0fac2e4500… \(v6\.0\.2\) here but at bbbbbbbbbbbb… \(v6\.0\.3\) in \.github\/workflows\/\S+, which Dependabot keeps current/,
      );
    }
    assert.ok(findings.some((f) => f.file === 'actions/ecr-login/README.md'));
  });

  it('flags one action pinned at two SHAs across the workflows', () => {
    const dir = copy();
    const p = join(dir, '.github', 'workflows', 'test.yml');
    writeFileSync(
      p,
      readFileSync(p, 'utf8').replace(
        'actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2',
        `actions/checkout@${'c'.repeat(40)} # v6.0.1`,
      ),
    );
    const findings = checkPinDrift(dir).filter((f) => f.file.startsWith('.github/workflows/'));
    assert.ok(findings.some((f) => /pin one version of an action across the workflows/.test(f.message)));
  });
});
