import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError, mapInputs, readRunContext, type InputSource } from '@slipway/action-kit';
import { readInputs } from '../../../../actions/gitops-publish/src/inputs.ts';

const readGitOpsPublishInputs = (source: InputSource, env: NodeJS.ProcessEnv) =>
  readInputs(source, readRunContext(env), env);

const TOKEN = 'ghs_s3cr3tt0k3n';

function renderedDir(): string {
  const temp = mkdtempSync(join(tmpdir(), 'slipway-runner-temp-'));
  const dir = join(temp, 'render-manifest', 'shop-staging');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'deployment.yaml'), 'kind: Deployment\n');
  writeFileSync(join(dir, 'sub', 'service.yaml'), 'kind: Service\n');
  return temp;
}

const baseEnv = (temp: string): NodeJS.ProcessEnv => ({
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_SHA: '8f3c2a1b9d7e6f5a4c3b2a1908f7e6d5c4b3a291',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_RUN_ID: '42',
  RUNNER_TEMP: temp,
});

const read = (values: Record<string, string>, env?: NodeJS.ProcessEnv) => {
  const temp = renderedDir();
  return readGitOpsPublishInputs(
    mapInputs({ repository: 'acme/k8s-config', token: TOKEN, environment: 'staging', ...values }),
    env ?? baseEnv(temp),
  );
};

function inputError(values: Record<string, string>, input: string, pattern: RegExp) {
  assert.throws(
    () => read(values),
    (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.equal(err.input, input);
      assert.match(err.message, pattern);
      assert.doesNotMatch(err.message, /s3cr3t/, 'an input error showed the token');
      return true;
    },
  );
}

describe('readGitOpsPublishInputs', () => {
  it('takes render-manifest’s default output-dir and its project and environment defaults', () => {
    const inputs = read({ version: 'v1.2.3' });
    assert.equal(inputs.project, 'shop');
    assert.equal(inputs.path, 'shop/staging');
    assert.equal(inputs.headBranch, 'slipway/shop/staging');
    assert.equal(inputs.mode, 'commit');
    assert.equal(inputs.prune, true);
    assert.equal(inputs.branch, undefined);
    assert.deepEqual(
      inputs.files.map((f) => f.name),
      ['deployment.yaml', 'sub/service.yaml'],
    );
    assert.equal(inputs.repository.url, 'https://github.com/acme/k8s-config.git');
    assert.equal(inputs.sameRepository, false);
    assert.match(
      inputs.message,
      /^Deploy shop v1\.2\.3 to staging\n\nSource: https:\/\/github\.com\/acme\/shop\/commit\/8f3c2a1/,
    );
    assert.match(inputs.message, /Run: https:\/\/github\.com\/acme\/shop\/actions\/runs\/42$/);
    assert.equal(inputs.author.name, 'github-actions[bot]');
  });

  it('reads author, auto-merge, path and the same repository', () => {
    const inputs = read({
      repository: 'acme/shop',
      author: 'Deploy Bot <deploy@example.com>',
      mode: 'pull-request',
      'auto-merge': 'squash',
      path: 'apps/shop/staging/',
    });
    assert.deepEqual(inputs.author, { name: 'Deploy Bot', email: 'deploy@example.com' });
    assert.equal(inputs.autoMerge, 'SQUASH');
    assert.equal(inputs.path, 'apps/shop/staging');
    assert.equal(inputs.sameRepository, true);
  });

  it('refuses bad values, naming the input and the accepted form', () => {
    inputError(
      { repository: 'https://x:ghs_s3cr3tt0k3n@github.com/acme/c.git' },
      'repository',
      /"https:\/\/\*\*\*@github.com.*credentials/,
    );
    inputError({ repository: 'http://git.example.com/acme/c.git' }, 'repository', /https:\/\//);
    inputError({ token: '' }, 'token', /is empty/);
    inputError({ environment: 'stag ing' }, 'environment', /letters, digits/);
    inputError({ path: '../escape' }, 'path', /relative path/);
    inputError({ path: '.git/hooks' }, 'path', /relative path/);
    inputError({ path: '/' }, 'path', /relative path/);
    inputError({ mode: 'push' }, 'mode', /use one of commit, pull-request/);
    inputError({ 'auto-merge': 'squash' }, 'auto-merge', /only applies with mode: pull-request/);
    inputError(
      { repository: 'https://gitlab.example.com/acme/config.git', mode: 'pull-request' },
      'mode',
      /is on gitlab\.example\.com; use mode: commit/,
    );
    inputError({ author: 'nobody' }, 'author', /"Name <email>"/);
    inputError({ branch: 'bad..branch' }, 'branch', /not a Git branch name/);
    inputError(
      { 'manifests-dir': '/nonexistent/slipway' },
      'manifests-dir',
      /run render-manifest before this step/,
    );
  });

  it('refuses symbolic links among the rendered files', () => {
    const temp = renderedDir();
    symlinkSync('/etc/passwd', join(temp, 'render-manifest', 'shop-staging', 'passwd.yaml'));
    assert.throws(
      () =>
        readGitOpsPublishInputs(
          mapInputs({ repository: 'acme/k8s-config', token: TOKEN, environment: 'staging' }),
          baseEnv(temp),
        ),
      /symbolic link/,
    );
  });
});
