// Every failure a user or a server can cause is one `::error::` line saying what to change: never
// "failed unexpectedly … bug in Slipway" with a stack. Each case here used to end as a bug report.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { allText, awsEnv, runActionStep, testbed, type ActionRun } from '@slipway/testbed';
import { IMAGE, credentials, shopWorkspace } from '../render-manifest/helpers.ts';

/** Exactly one error line, matching `pattern`, and no trace of the bug path. */
function assertCleanError(run: ActionRun, pattern: RegExp): void {
  assert.equal(run.exitCode, 1, run.output);
  const errors = run.output.split('\n').filter((l) => l.startsWith('::error'));
  assert.equal(errors.length, 1, run.output);
  assert.match(errors[0] ?? '', pattern);
  assert.doesNotMatch(run.output, /failed unexpectedly|bug in Slipway|\n\s+at \S+ \(/);
}

/** An "AWS endpoint" answering every request with HTTP 200 and the body of the moment. */
let fakeAws: Server;
let fakeUrl = '';
let answer = '';
before(async () => {
  fakeAws = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(answer));
  });
  await new Promise<void>((done) => fakeAws.listen(0, '127.0.0.1', done));
  fakeUrl = `http://127.0.0.1:${(fakeAws.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((done) => fakeAws.close(() => done())));

const BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
  'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
].join('\n');

describe('failures are errors, not bug reports', () => {
  it('render-manifest: a YAML alias bomb in a values-files file is an input error naming the file', async () => {
    const workspace = shopWorkspace({ 'deploy/bomb.yaml': BOMB });
    const run = await runActionStep('render-manifest', {
      workspace,
      inputs: {
        templates: 'deploy/*.j2',
        'values-files': 'deploy/bomb.yaml',
        environment: 'staging',
        image: IMAGE,
        'dry-run': 'true',
      },
      env: credentials(),
    });
    assertCleanError(run, /^::error::render-manifest: input values-files: "deploy\/bomb\.yaml".*alias/i);
  });

  it('render-manifest: an output-dir naming an existing file is an input error', async () => {
    const workspace = shopWorkspace({ 'rendered.txt': 'not a folder\n' });
    const run = await runActionStep('render-manifest', {
      workspace,
      inputs: {
        templates: 'deploy/*.j2',
        'values-files': 'deploy/values.yaml',
        'output-dir': 'rendered.txt',
        environment: 'staging',
        image: IMAGE,
        'dry-run': 'true',
      },
      env: credentials(),
    });
    assertCleanError(
      run,
      /^::error::render-manifest: input output-dir: "rendered\.txt" is an existing file, not a folder; name a folder/,
    );
  });

  it('ecr-login: a credential helper printing garbage is an error naming the helper, its output unquoted', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'slw-helper-'));
    const garbage = `garbage-${randomBytes(8).toString('hex')}`;
    const helper = join(bin, 'docker-credential-garbled');
    writeFileSync(helper, `#!/bin/sh\ncat >/dev/null\necho '${garbage}'\n`);
    chmodSync(helper, 0o755);
    const config = mkdtempSync(join(tmpdir(), 'slw-dcfg-'));
    writeFileSync(join(config, 'config.json'), JSON.stringify({ credsStore: 'garbled' }));
    const run = await runActionStep('ecr-login', {
      env: { ...awsEnv(), DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH ?? ''}` },
      post: false,
    });
    assertCleanError(
      run,
      /^::error::ecr-login: docker-credential-garbled get printed \d+ characters that are not JSON for \S+; a credential helper prints \{"Username"/,
    );
    assert.ok(!allText(run).includes(garbage), 'what the helper printed may be a secret: it is not repeated');
  });

  it('ecr-login: an ECR answer whose proxy endpoint is not a URL is an error, not a crash', async () => {
    answer = JSON.stringify({
      authorizationData: [
        { authorizationToken: Buffer.from('AWS:pw').toString('base64'), proxyEndpoint: 'http://[not a url' },
      ],
    });
    const run = await runActionStep('ecr-login', {
      env: {
        ...awsEnv(),
        AWS_ENDPOINT_URL: fakeUrl,
        DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'slw-dcfg-')),
      },
      post: false,
    });
    assertCleanError(
      run,
      /^::error::ecr-login: ECR GetAuthorizationToken answered a proxy endpoint that is not a URL/,
    );
  });

  it('ecr-login: an authorizationData that is not a list is an error, not a crash', async () => {
    answer = JSON.stringify({ authorizationData: { authorizationToken: 'x' } });
    const run = await runActionStep('ecr-login', {
      env: {
        ...awsEnv(),
        AWS_ENDPOINT_URL: fakeUrl,
        DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'slw-dcfg-')),
      },
      post: false,
    });
    assertCleanError(run, /^::error::ecr-login: .*authorizationData is not a list/);
  });

  it('ecr-push: an ECR API answering HTTP 200 with a body that is not JSON is an error naming the call', async () => {
    answer = '<html><body>captive portal</body></html>';
    const workspace = mkdtempSync(join(tmpdir(), 'slw-ws-'));
    mkdirSync(join(workspace, 'x'));
    const run = await runActionStep('ecr-push', {
      workspace,
      inputs: { repository: 'shop/api', source: 'ecr:v1', 'registry-url': testbed().registry.url },
      env: { ...awsEnv(), AWS_ENDPOINT_URL: fakeUrl },
    });
    assertCleanError(
      run,
      /^::error::ecr-push: the ECR API at http:\/\/127\.0\.0\.1:\d+ answered ecr:\w+ with HTTP 200 and a body that is not a JSON object/,
    );
  });

  it('slack-notify: an unquoted {{ … }} fields value (a YAML mapping) is an input error with the fix, and nothing is posted', async () => {
    const path = `/services/T0SLIPWAY/B${randomBytes(4).toString('hex').toUpperCase()}/${randomBytes(12).toString('hex')}`;
    const run = await runActionStep('slack-notify', {
      inputs: {
        status: 'success',
        'webhook-url': `${testbed().slack.url}${path.slice(1)}`,
        fields: 'sha: {{ short_sha }}',
      },
    });
    assertCleanError(
      run,
      /^::error::slack-notify: input fields: the value of "sha" is a mapping \(\{"\{ short_sha \}":null\}\), not text: .*quote the value, e\.g\. sha: "\{\{ short_sha \}\}"/,
    );
    const res = await fetch(`${testbed().slack.url}_control/messages`);
    const stored = (await res.json()) as { webhook?: string }[];
    assert.equal(stored.filter((m) => m.webhook === path).length, 0);
  });

  it('slack-notify: an unknown placeholder in fields is an input error naming it', async () => {
    const path = `/services/T0SLIPWAY/B${randomBytes(4).toString('hex').toUpperCase()}/${randomBytes(12).toString('hex')}`;
    const run = await runActionStep('slack-notify', {
      inputs: {
        status: 'success',
        'webhook-url': `${testbed().slack.url}${path.slice(1)}`,
        fields: 'sha: "{{ shortsha }}"',
      },
    });
    assertCleanError(run, /^::error::slack-notify: input fields: .*unknown placeholder.*shortsha/);
  });
});
