// The cache as an attacker sees it: events that run a fork's code with the default branch's cache
// scope must not save under save: auto, and an entry crafted to write outside the cached paths
// must never be extracted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { testbed, uniqueName, type CacheEntryInfo, type RecordedRequest } from '@slipway/testbed';
import { runJob } from './job.ts';

const RUNTIME_TOKEN = 'slipway-test-runtime-token';
const TWIRP = 'twirp/github.actions.results.api.v1.CacheService/';
const LOCK = '{"name":"shop","lockfileVersion":3,"packages":{"node_modules/left-pad":{"version":"1.3.0"}}}\n';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const control = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${testbed().cache.url}_control/${path}`);
  assert.equal(res.status, 200);
  return (await res.json()) as T;
};
const entries = async (prefix: string) =>
  (await control<CacheEntryInfo[]>('entries')).filter((e) => e.key.startsWith(`${prefix}-`) && e.committed);

/** A fresh runner: workspace and home side by side, as on GitHub, with a Node project. */
function runner(): { root: string; workspace: string; home: string } {
  const root = mkdtempSync('/tmp/slw-tcp-');
  roots.push(root);
  const workspace = join(root, 'workspace');
  const home = join(root, 'home');
  mkdirSync(workspace);
  mkdirSync(home);
  writeFileSync(join(workspace, 'package.json'), '{"name":"shop","version":"1.0.0"}\n');
  writeFileSync(join(workspace, 'package-lock.json'), LOCK);
  return { root, workspace, home };
}

function npmDownload(home: string, content: string): void {
  const dir = join(home, '.npm', '_cacache', 'content-v2', 'sha512', 'aa');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'aa11'), content);
}

async function job(opts: { prefix: string; env?: Record<string, string>; inputs?: Record<string, string> }) {
  const { root, workspace, home } = runner();
  const run = await runJob({
    workspace,
    home,
    cacheService: 'v2',
    inputs: { prefix: opts.prefix, ...opts.inputs },
    ...(opts.env ? { env: opts.env } : {}),
    between: async () => npmDownload(home, 'built by this run'),
  });
  assert.equal(run.main.exitCode, 0, run.main.output);
  return { ...run, root, workspace, home };
}

/** The attacker's upload: a crafted archive stored under the key and version a job will ask for. */
async function plant(key: string, version: string, archive: Buffer): Promise<void> {
  const url = testbed().cache.url;
  const twirp = async (method: string, body: unknown) => {
    const res = await fetch(`${url}${TWIRP}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${RUNTIME_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { ok: boolean; signed_upload_url?: string };
  };
  const created = await twirp('CreateCacheEntry', { key, version });
  assert.ok(created.ok && created.signed_upload_url);
  const put = await fetch(created.signed_upload_url, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob', 'content-length': String(archive.length) },
    body: new Uint8Array(archive),
  });
  assert.equal(put.status, 201, await put.text());
  assert.ok((await twirp('FinalizeCacheEntryUpload', { key, version, size_bytes: archive.length })).ok);
}

/** The key and cache version a job asked the service for (from the double's request log). */
async function askedFor(prefix: string): Promise<{ key: string; version: string }> {
  const asked = (await control<RecordedRequest[]>('requests'))
    .filter((r) => r.path.includes('GetCacheEntryDownloadURL'))
    .map((r) => r.body as { key?: string; version?: string })
    .find((b) => b.key?.startsWith(`${prefix}-`));
  assert.ok(asked?.key && asked.version, 'the job looked its key up');
  return { key: asked.key, version: asked.version };
}

/**
 * A zstd tar in @actions/cache's layout (names relative to the workspace, kept with -P) holding a
 * harmless file inside the cached npm folder followed by the attacker's members.
 */
function craftArchive(dir: string, members: { name: string; link?: string }[]): Buffer {
  const staging = join(dir, 'staging');
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'payload'), 'planted by the attacker\n');
  const tar = join(dir, 'cache.tar');
  const add = (source: string, name: string, first: boolean) =>
    execFileSync('tar', [
      '-P',
      '--posix',
      first ? '-cf' : '-rf',
      tar,
      '-C',
      staging,
      '--transform',
      `s,^${source}$,${name.replace(/,/g, '\\,')},`,
      source,
    ]);
  add('payload', '../home/.npm/_cacache/content-v2/sha512/aa/aa11', true);
  for (const [i, member] of members.entries()) {
    if (member.link !== undefined) {
      const source = `link${i}`;
      symlinkSync(member.link, join(staging, source));
      add(source, member.name, false);
    } else {
      add('payload', member.name, false);
    }
  }
  execFileSync('zstd', ['-q', '-f', tar, '-o', `${tar}.zst`]);
  return readFileSync(`${tar}.zst`);
}

describe('test-cache against cache poisoning', () => {
  for (const event of ['pull_request_target', 'workflow_run', 'issue_comment']) {
    it(`does not save under save: auto on ${event} on the default branch, and says why in one line`, async () => {
      const prefix = uniqueName('tc-evt');
      const run = await job({ prefix, env: { GITHUB_EVENT_NAME: event, GITHUB_REF: 'refs/heads/main' } });
      assert.ok(run.post, 'the post step ran');
      assert.equal(run.post.exitCode, 0);
      assert.equal(run.post.outputs['saved-size'], '0');
      const why = run.main.output
        .split('\n')
        .filter((l) => l.includes(`event ${event} may run code that is not the repository's own`));
      assert.equal(why.length, 1, run.main.output);
      assert.match(why[0] ?? '', /only push, schedule, workflow_dispatch, merge_group, release save/);
      assert.match(run.post.summary, new RegExp(`\\| no \\|.*event ${event} may run code`));
      assert.equal((await entries(prefix)).length, 0);
    });
  }

  it('still saves on pull_request_target when save: always asks for it', async () => {
    const prefix = uniqueName('tc-evt-always');
    const run = await job({
      prefix,
      env: { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_REF: 'refs/heads/main' },
      inputs: { save: 'always' },
    });
    assert.ok(run.post && Number(run.post.outputs['saved-size']) > 0);
    assert.equal((await entries(prefix)).length, 1);
  });

  const attacks: { name: string; members: (root: string) => { name: string; link?: string }[] }[] = [
    { name: 'a ../ path out of the cached folders', members: () => [{ name: '../outside/pwned' }] },
    { name: 'an absolute path', members: (root) => [{ name: `${root}/outside/pwned` }] },
    {
      name: 'a .. inside a name that stays lexically within the cache',
      members: () => [{ name: '../home/.npm/_cacache/../../outside/pwned' }],
    },
    {
      name: 'a symbolic link out of the cached folders and a file written through it',
      members: () => [
        { name: '../home/.npm/_cacache/escape', link: '../../outside' },
        { name: '../home/.npm/_cacache/escape/pwned' },
      ],
    },
  ];
  for (const attack of attacks) {
    it(`refuses a restored entry holding ${attack.name}: a warning, a miss, nothing extracted`, async () => {
      const prefix = uniqueName('tc-poison');
      // A first run tells which key and cache version the default branch asks for.
      const probe = await job({ prefix, inputs: { save: 'never' } });
      const { key, version } = await askedFor(prefix);
      assert.equal(probe.main.outputs.key, key);

      const victim = runner();
      const archive = craftArchive(mkdtempSync(join(victim.root, 'attacker-')), attack.members(victim.root));
      await plant(key, version, archive);

      const run = await runJob({
        workspace: victim.workspace,
        home: victim.home,
        cacheService: 'v2',
        inputs: { prefix, save: 'never' },
      });
      assert.equal(run.main.exitCode, 0, run.main.output);
      assert.equal(existsSync(join(victim.root, 'outside')), false, 'nothing landed outside the cache');
      assert.equal(
        existsSync(join(victim.home, '.npm', '_cacache', 'content-v2')),
        false,
        'not even the harmless member was extracted',
      );
      assert.equal(run.main.outputs['cache-hit'], 'false');
      assert.equal(run.main.outputs['restored-key'], '');
      const warnings = run.main.annotations.filter((a) => a.level === 'warning');
      assert.equal(warnings.length, 1, run.main.output);
      assert.match(
        warnings[0]?.message ?? '',
        /the node cache archive was not extracted, so this is a miss: it holds members outside the cached paths/,
      );
      assert.equal(run.main.annotations.filter((a) => a.level === 'error').length, 0);
    });
  }

  it('restores an honest entry whose members sit under home through ../ names', async () => {
    const prefix = uniqueName('tc-honest');
    const first = await job({ prefix });
    assert.ok(first.post && Number(first.post.outputs['saved-size']) > 0);
    const again = runner();
    const run = await runJob({
      workspace: again.workspace,
      home: again.home,
      cacheService: 'v2',
      inputs: { prefix, save: 'never' },
    });
    assert.equal(run.main.outputs['cache-hit'], 'true', run.main.output);
    assert.equal(
      readFileSync(join(again.home, '.npm', '_cacache', 'content-v2', 'sha512', 'aa', 'aa11'), 'utf8'),
      'built by this run',
    );
    assert.deepEqual(
      run.main.annotations.filter((a) => a.level !== 'notice'),
      [],
    );
  });
});
