import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  explainGitFailure,
  gitEnvironment,
  isNonFastForward,
  isProtectedBranch,
  parseRepository,
} from '@slipway/gitops';

const facts = { repository: 'acme/config', sameRepository: false };
const where = { repository: 'acme/config', branch: 'main' };
const failed = (stderr: string, stdout = '') => ({ code: 1, stdout, stderr });

describe('parseRepository', () => {
  it('reads owner/name on the run’s GitHub server, GHES included', () => {
    const ref = parseRepository('acme/config', 'https://ghe.example.com');
    assert.ok(ref.ok);
    assert.equal(ref.ref.url, 'https://ghe.example.com/acme/config.git');
    assert.equal(ref.ref.origin, 'https://ghe.example.com/');
    assert.equal(ref.ref.fullName, 'acme/config');
  });

  it('reads an HTTPS URL and plain HTTP only on loopback', () => {
    const https = parseRepository('https://git.example.com/team/acme/config.git', 'https://github.com');
    assert.ok(https.ok);
    assert.equal(https.ref.owner, 'acme');
    assert.equal(https.ref.name, 'config');
    assert.ok(parseRepository('http://127.0.0.1:8080/acme/config.git', '').ok);
    const plain = parseRepository('http://git.example.com/acme/config.git', '');
    assert.ok(!plain.ok);
    assert.match(plain.reason, /unencrypted/);
  });

  it('refuses credentials in the URL, ssh and garbage', () => {
    const creds = parseRepository('https://x-access-token:ghs_secret@github.com/acme/config.git', '');
    assert.ok(!creds.ok);
    assert.match(creds.reason, /credentials/);
    assert.doesNotMatch(creds.reason, /ghs_secret/);
    assert.ok(!parseRepository('git@github.com:acme/config.git', '').ok);
    assert.ok(!parseRepository('ssh://git@github.com/acme/config.git', '').ok);
    assert.ok(!parseRepository('just-a-name', '').ok);
  });
});

describe('gitEnvironment', () => {
  it('puts the token in GIT_CONFIG_* scoped to the origin, after entries already there', () => {
    const env = gitEnvironment(
      { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' },
      { token: 'ghs_abc', scheme: 'basic', origin: 'https://github.com/' },
    );
    assert.equal(env.GIT_CONFIG_KEY_0, 'safe.directory');
    const count = Number(env.GIT_CONFIG_COUNT);
    const entries = Array.from({ length: count }, (_, i) => [
      env[`GIT_CONFIG_KEY_${i}`],
      env[`GIT_CONFIG_VALUE_${i}`],
    ]);
    const header = entries.find(([k]) => k === 'http.https://github.com/.extraHeader');
    assert.deepEqual(header, [
      'http.https://github.com/.extraHeader',
      `Authorization: Basic ${Buffer.from('x-access-token:ghs_abc').toString('base64')}`,
    ]);
    assert.ok(entries.some(([k, v]) => k === 'credential.helper' && v === ''));
    assert.equal(env.GIT_TERMINAL_PROMPT, '0');
    assert.equal(env.GIT_TRACE_REDACT, '1');
  });

  it('is what git itself reads: the header applies to the origin only and lands in no file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-gitenv-'));
    execFileSync('git', ['init', '-q', dir]);
    const env = gitEnvironment(process.env, {
      token: 'ghs_abc',
      scheme: 'bearer',
      origin: 'https://git.example.com/',
    });
    const get = (url: string) => {
      try {
        return execFileSync('git', ['config', '--get-urlmatch', 'http.extraHeader', url], {
          cwd: dir,
          env,
          encoding: 'utf8',
        }).trim();
      } catch {
        return '';
      }
    };
    assert.equal(get('https://git.example.com/acme/config.git'), 'Authorization: Bearer ghs_abc');
    assert.equal(get('https://evil.example.net/acme/config.git'), '');
    assert.doesNotMatch(readFileSync(join(dir, '.git', 'config'), 'utf8'), /ghs_abc/);
  });
});

describe('explainGitFailure', () => {
  it('names contents: write and the fine-grained permission for a 403 push', () => {
    const err = explainGitFailure(
      failed(
        "remote: Permission to acme/config.git denied to github-actions[bot].\nfatal: unable to access 'https://github.com/acme/config.git/': The requested URL returned error: 403",
      ),
      'push',
      where,
      facts,
    );
    assert.match(err.message, /denied the push to main \(403\)/);
    assert.match(err.message, /contents: write/);
    assert.match(err.message, /"Contents: Read and write"/);
  });

  it('says a protected branch is protected and suggests mode: pull-request (GH006 and rulesets)', () => {
    for (const stderr of [
      'remote: error: GH006: Protected branch update failed for refs/heads/main.\n ! [remote rejected] main -> main (protected branch hook declined)',
      'remote: error: GH013: Repository rule violations found for refs/heads/main.',
    ]) {
      const result = failed(stderr);
      assert.ok(isProtectedBranch(result));
      const err = explainGitFailure(result, 'push', where, facts);
      assert.match(err.message, /the branch is protected/);
      assert.match(err.message, /mode: pull-request/);
    }
  });

  it('tells 401, 404 and other failures apart', () => {
    assert.match(
      explainGitFailure(
        failed("fatal: could not read Username for 'https://github.com': terminal prompts disabled"),
        'read',
        where,
        facts,
      ).message,
      /refused the token \(401\).*job token reaches only/,
    );
    assert.match(
      explainGitFailure(
        failed(
          "remote: Repository not found.\nfatal: repository 'https://github.com/acme/config.git/' not found",
        ),
        'read',
        where,
        facts,
      ).message,
      /was not found \(404\)/,
    );
    assert.match(
      explainGitFailure(failed('fatal: early EOF'), 'read', where, facts).message,
      /fetch from acme\/config failed: fatal: early EOF/,
    );
  });
});

describe('isNonFastForward', () => {
  it('recognises refusals a retry on the new tip fixes, and nothing else', () => {
    assert.ok(isNonFastForward(failed('', '!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone')));
    assert.ok(isNonFastForward(failed('', '!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)')));
    assert.ok(
      isNonFastForward(failed('', '!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)')),
    );
    assert.ok(
      !isNonFastForward(failed('', '!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)')),
    );
  });
});
