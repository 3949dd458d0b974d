// scripts/release.ts against real git repositories: a bare "remote" and a clone in a temporary
// folder, driven through the command line as the release workflow drives it.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../../scripts/lib/actions.ts';
import { STALE_DIST, distChanges, staleDistMessage } from '../../../scripts/lib/dist-status.ts';
import { changelogSection, ciPassed, packageVersion, parseVersion } from '../../../scripts/release.ts';
import { releaseFixture as fixture } from './release-fixture.ts';

describe('release check', () => {
  it('accepts a clean commit whose version, changelog section and tag are ready', () => {
    const r = fixture();
    const out = r.release('check', '--version', 'v1.0.0');
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /release v1\.0\.0 of [0-9a-f]{40}: .* ready/);
  });

  it('refuses a modified bundle in dist/ with the stale-dist message naming the file', () => {
    const r = fixture();
    writeFileSync(join(r.work, 'dist', 'index.js'), 'console.log(2);\n');
    const out = r.release('tag');
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      /^release tag: dist\/ is stale: run npm run build and commit dist\/\n {3}M dist\/index\.js/,
    );
    assert.equal(r.remoteTag('v1.0.0'), undefined, 'nothing may be tagged');
    assert.equal(r.remoteTag('v1'), undefined);
  });

  it('refuses an untracked file in dist/ (a new chunk nobody committed)', () => {
    const r = fixture();
    mkdirSync(join(r.work, 'dist', 'shared'));
    writeFileSync(join(r.work, 'dist', 'shared', '1.index.js'), '1;\n');
    const out = r.release('check');
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      /dist\/ is stale: run npm run build and commit dist\/\n {2}\?\? dist\/shared\/1\.index\.js/,
    );
  });

  it('refuses a version without a CHANGELOG.md section and says what to add', () => {
    const r = fixture();
    r.commitRelease('1.1.0', ['1.0.0'], 'no section');
    const out = r.release('tag', '--version', '1.1.0');
    assert.equal(out.code, 1);
    assert.match(out.stderr, /CHANGELOG\.md has no section for 1\.1\.0: add "## \[1\.1\.0\] - YYYY-MM-DD"/);
    assert.equal(r.remoteTag('v1.1.0'), undefined);
  });

  it('refuses a version that is not the one in package.json, and one that is not X.Y.Z', () => {
    const r = fixture();
    const other = r.release('check', '--version', '1.0.1');
    assert.equal(other.code, 1);
    assert.match(other.stderr, /version 1\.0\.1 is not the version in package\.json \(1\.0\.0\)/);
    const malformed = r.release('check', '--version', '1.0');
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /version "1\.0" is not a release version: expected X\.Y\.Z/);
    const pre = r.release('check', '--version', '1.0.0-rc.1');
    assert.equal(pre.code, 1);
    assert.match(pre.stderr, /not a release version/);
  });
});

describe('release tag', () => {
  it('creates the annotated vX.Y.Z and the major tag at HEAD on the remote', () => {
    const r = fixture();
    const head = r.git('rev-parse', 'HEAD');
    const out = r.release('tag');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(r.remoteTag('v1.0.0'), head);
    assert.equal(r.remoteTag('v1'), head);
    assert.equal(r.remote('cat-file', '-t', 'refs/tags/v1.0.0'), 'tag', 'v1.0.0 is an annotated tag');
    assert.match(r.remote('cat-file', '-p', 'refs/tags/v1.0.0'), /\n\nSlipway v1\.0\.0\n?$/);
    assert.match(out.stdout, new RegExp(`created v1\\.0\\.0 at ${head}\ncreated v1 at ${head}`));
    assert.deepEqual(out.outputs, { latest: 'true' }, 'the first release is the latest');
  });

  it('moves the major tag to the next release and leaves the earlier vX.Y.Z where it was', () => {
    const r = fixture();
    const first = r.git('rev-parse', 'HEAD');
    assert.equal(r.release('tag').code, 0);
    const second = r.commitRelease('1.1.0', ['1.1.0', '1.0.0']);
    const out = r.release('tag', '--version', '1.1.0');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(r.remoteTag('v1.0.0'), first);
    assert.equal(r.remoteTag('v1.1.0'), second);
    assert.equal(r.remoteTag('v1'), second);
    assert.match(out.stdout, new RegExp(`moved v1 from ${first} to ${second}`));
  });

  it('starts a new major tag for v2.0.0, leaves v1 alone, and a later v1 fix moves v1 but is not Latest', () => {
    const r = fixture();
    const first = r.git('rev-parse', 'HEAD');
    assert.equal(r.release('tag').code, 0);
    const second = r.commitRelease('2.0.0', ['2.0.0', '1.0.0']);
    assert.equal(r.release('tag').code, 0);
    assert.equal(r.remoteTag('v1'), first);
    assert.equal(r.remoteTag('v2'), second);
    // A fix of v1 after v2.0.0: a new v1 release, never the Latest one.
    r.commitRelease('1.0.1', ['1.0.1', '1.0.0']);
    const fix = r.release('tag');
    assert.equal(fix.code, 0, fix.stderr);
    assert.notEqual(r.remoteTag('v1'), first, 'v1 moves to the fix');
    assert.deepEqual(fix.outputs, { latest: 'false' });
  });

  it('succeeds again on the same commit (a re-run) without changing a tag', () => {
    const r = fixture();
    assert.equal(r.release('tag').code, 0);
    const tagObject = r.remote('rev-parse', 'refs/tags/v1.0.0');
    // A fresh clone, as a re-run of the workflow has: the tag exists only on the remote.
    r.git('tag', '--delete', 'v1.0.0');
    const again = r.release('tag');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /v1\.0\.0 is already at/);
    assert.equal(r.remote('rev-parse', 'refs/tags/v1.0.0'), tagObject, 'the tag object is untouched');
  });

  it('refuses when vX.Y.Z already exists on the remote at another commit, and pushes nothing', () => {
    const r = fixture();
    const first = r.git('rev-parse', 'HEAD');
    assert.equal(r.release('tag').code, 0);
    // Someone tagged v1.1.0 elsewhere; this clone only learns it from the remote.
    const elsewhere = r.commitRelease('1.1.0', ['1.1.0', '1.0.0'], 'elsewhere');
    r.git('tag', 'v1.1.0', elsewhere);
    r.git('push', '--quiet', 'origin', 'refs/tags/v1.1.0');
    r.git('tag', '--delete', 'v1.1.0');
    r.commitRelease('1.1.0', ['1.1.0', '1.0.0'], 'here');
    const out = r.release('tag');
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      new RegExp(
        `tag v1\\.1\\.0 already exists on origin at ${elsewhere.slice(0, 12)}, not at HEAD .*: a released version is never moved`,
      ),
    );
    assert.equal(r.remoteTag('v1.1.0'), elsewhere);
    assert.equal(r.remoteTag('v1'), first, 'the major tag did not move');
  });

  it('refuses when vX.Y.Z exists locally at another commit', () => {
    const r = fixture();
    r.git('tag', 'v1.1.0');
    r.commitRelease('1.1.0');
    const out = r.release('check');
    assert.equal(out.code, 1);
    assert.match(out.stderr, /tag v1\.1\.0 already exists locally at [0-9a-f]{12}, not at HEAD/);
  });

  it('tags a fix on an older line without moving the major tag back', () => {
    const r = fixture();
    assert.equal(r.release('tag').code, 0);
    const latest = r.commitRelease('1.1.0', ['1.1.0', '1.0.0']);
    assert.equal(r.release('tag').code, 0);
    const fix = r.commitRelease('1.0.1', ['1.0.1', '1.0.0']);
    const out = r.release('tag');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(r.remoteTag('v1.0.1'), fix);
    assert.equal(r.remoteTag('v1'), latest);
    assert.match(out.stdout, /kept v1 where it is: v1\.1\.0 is a higher v1 release/);
    assert.deepEqual(out.outputs, { latest: 'false' }, 'v1.1.0 stays the Latest release');
  });
});

describe('release notes', () => {
  it('prints the CHANGELOG.md section of the version and nothing else', () => {
    const r = fixture();
    r.commitRelease('1.1.0', ['1.1.0', '1.0.0']);
    const out = r.release('notes', '--version', '1.1.0');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, '### Fixed\n\n- What 1.1.0 fixed.\n');
  });

  it('finds sections with and without brackets, and stops at link definitions', () => {
    assert.equal(changelogSection('## 1.2.3 - 2026-01-01\n\n- a\n\n## 1.2.2\n\n- b\n', '1.2.3'), '- a');
    assert.equal(changelogSection('## [1.2.2]\n- b\n\n[1.2.2]: https://x/1.2.2\n', '1.2.2'), '- b');
    assert.equal(changelogSection('## [1.2.30]\n- c\n', '1.2.3'), undefined, 'no prefix match');
    assert.equal(changelogSection('## [1.2.3]\n\n## [1.2.2]\n- b\n', '1.2.3'), undefined, 'empty section');
    assert.deepEqual(parseVersion('v10.0.7'), { text: '10.0.7', major: 10, minor: 0, patch: 7 });
  });
});

describe('the repository itself', () => {
  it('has a CHANGELOG.md section for the version in package.json, under an Unreleased section', () => {
    const { text } = packageVersion(repoRoot);
    const log = readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8');
    assert.ok(changelogSection(log, text), `CHANGELOG.md has no section for ${text}`);
    assert.ok(log.indexOf('## [Unreleased]') < log.indexOf(`## [${text}]`));
  });

  it('keeps the version in the root package.json only: no workspace package has one', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; link?: boolean }>;
    };
    const workspaces = Object.keys(lock.packages).filter((p) => /^(packages|actions)\/[^/]+$/.test(p));
    assert.ok(workspaces.length > 0);
    for (const dir of workspaces) {
      const pkg = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as {
        version?: string;
      };
      assert.equal(pkg.version, undefined, `${dir}/package.json has a version of its own`);
    }
  });
});

describe('dist status', () => {
  it('says "dist/ is stale: run npm run build and commit dist/" and names each file that differs', () => {
    const r = fixture();
    assert.deepEqual(distChanges(r.work), []);
    writeFileSync(join(r.work, 'dist', 'index.js'), 'changed;\n');
    writeFileSync(join(r.work, 'dist', 'new.js'), 'new;\n');
    const message = staleDistMessage(distChanges(r.work));
    assert.equal(message.split('\n')[0], STALE_DIST);
    assert.equal(STALE_DIST, 'dist/ is stale: run npm run build and commit dist/');
    assert.deepEqual(message.split('\n').slice(1), ['   M dist/index.js', '  ?? dist/new.js']);
    assert.match(staleDistMessage(Array.from({ length: 25 }, (_, i) => `?? dist/${i}.js`)), /… and 5 more$/);
  });
});

describe('release ci', () => {
  const sha = 'a'.repeat(40);
  const requests: { url: string; authorization: string | undefined }[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  const server = createServer((req: IncomingMessage, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  const ready = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
  after(() => server.close());

  const ask = async (body: unknown, status = 200) => {
    answer = { status, body };
    return ciPassed({ sha, repository: 'slipway/slipway', apiUrl: await ready, token: 'ghs_secret' });
  };
  const run = (conclusion: string | null, status = 'completed', head = sha) => ({
    head_sha: head,
    status,
    conclusion,
    html_url: `https://github.com/slipway/slipway/actions/runs/${conclusion ?? status}`,
  });

  it('passes when the ci workflow has a successful run on the commit, asking with the token', async () => {
    const url = await ask({ workflow_runs: [run('failure'), run('success')] });
    assert.equal(url, 'https://github.com/slipway/slipway/actions/runs/success');
    const last = requests.at(-1);
    assert.equal(
      last?.url,
      `/repos/slipway/slipway/actions/workflows/ci.yml/runs?head_sha=${sha}&per_page=100`,
    );
    assert.equal(last?.authorization, 'Bearer ghs_secret');
  });

  it('refuses a failed run, a running one, a run of another commit, and no run at all', async () => {
    await assert.rejects(
      ask({ workflow_runs: [run('failure')] }),
      /ci\.yml did not pass on aaaaaaaaaaaa \(failure/,
    );
    await assert.rejects(ask({ workflow_runs: [run(null, 'in_progress')] }), /ci\.yml is still running/);
    await assert.rejects(
      ask({ workflow_runs: [run('success', 'completed', 'b'.repeat(40))] }),
      /ci\.yml has no run on/,
    );
    await assert.rejects(
      ask({ workflow_runs: [] }),
      /has no run on aaaaaaaaaaaa: release a commit ci\.yml ran on/,
    );
  });

  it('names the permission when GitHub refuses the token, without printing the token', async () => {
    await assert.rejects(ask({ message: 'Resource not accessible by integration' }, 403), (e: Error) => {
      assert.match(e.message, /HTTP 403\): the job needs permissions: actions: read/);
      assert.ok(!e.message.includes('ghs_secret'));
      return true;
    });
  });

  it('refuses a SHA that is not a full commit SHA before asking anything', async () => {
    const before = requests.length;
    await assert.rejects(
      ciPassed({ sha: 'main', repository: 'slipway/slipway', apiUrl: await ready, token: 't' }),
      /--sha "main" is not a full commit SHA/,
    );
    assert.equal(requests.length, before);
  });
});
