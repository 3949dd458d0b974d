// Path inputs stay in the workspace: every action refuses a path that leaves GITHUB_WORKSPACE
// (../, absolute, a symbolic link out, a sibling folder whose name starts with the workspace's)
// with one error line naming the input, before it does anything; allow-outside-workspace lifts it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runActionStep, testbed, uniqueName, writeOciLayout, type ActionRun } from '@slipway/testbed';
import { IMAGE, credentials, shopWorkspace } from '../render-manifest/helpers.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A workspace (the shop fixture) and, beside it, a folder the workflow should not reach. */
function layout(): { workspace: string; outside: string; sibling: string } {
  const workspace = shopWorkspace();
  const outside = mkdtempSync(join(tmpdir(), 'slw-outside-'));
  // Same name plus a suffix: a string-prefix check would take it for the workspace.
  const sibling = `${workspace}-evil`;
  mkdirSync(sibling);
  dirs.push(workspace, outside, sibling);
  for (const dir of [outside, sibling]) {
    writeFileSync(join(dir, 'values.yaml'), 'tier: stolen\n');
    writeFileSync(join(dir, 'payload.json'), '{"text": "from outside"}\n');
    writeFileSync(join(dir, 'policy.json'), '{"rules": []}\n');
  }
  symlinkSync(outside, join(workspace, 'linked'));
  return { workspace, outside, sibling };
}

function assertRefused(run: ActionRun, action: string, input: string): void {
  assert.equal(run.exitCode, 1, run.output);
  const errors = run.output.split('\n').filter((l) => l.startsWith('::error'));
  assert.equal(errors.length, 1, run.output);
  assert.match(
    errors[0] ?? '',
    new RegExp(
      `^::error::${action}: input ${input}: .* is outside the workspace .*; use a path inside GITHUB_WORKSPACE, or set allow-outside-workspace: true`,
    ),
  );
  assert.doesNotMatch(run.output, /bug in Slipway|\n\s+at /);
}

const escapes = (where: ReturnType<typeof layout>, file: string): [string, string][] => [
  ['a ../ path', `../${basename(where.outside)}/${file}`],
  ['an absolute path', join(where.outside, file)],
  ['a symbolic link out of the workspace', `linked/${file}`],
  ['a sibling folder named like the workspace', `../${basename(where.sibling)}/${file}`],
];

describe('render-manifest keeps values-files and output-dir in the workspace', () => {
  const where = layout();
  for (const [what, path] of escapes(where, 'values.yaml')) {
    it(`refuses values-files through ${what}`, async () => {
      const run = await runActionStep('render-manifest', {
        workspace: where.workspace,
        inputs: {
          templates: 'deploy/*.j2',
          'values-files': path,
          environment: 'staging',
          image: IMAGE,
          'dry-run': 'true',
        },
        env: credentials(),
      });
      assertRefused(run, 'render-manifest', 'values-files');
    });
  }
  for (const [what, path] of escapes(where, 'rendered')) {
    it(`refuses output-dir through ${what} and writes nothing`, async () => {
      const run = await runActionStep('render-manifest', {
        workspace: where.workspace,
        inputs: {
          templates: 'deploy/*.j2',
          'values-files': 'deploy/values.yaml',
          'output-dir': path,
          environment: 'staging',
          image: IMAGE,
          'dry-run': 'true',
        },
        env: credentials(),
      });
      assertRefused(run, 'render-manifest', 'output-dir');
      assert.equal(existsSync(join(where.outside, 'rendered')), false);
      assert.equal(existsSync(join(where.sibling, 'rendered')), false);
    });
  }
  it('accepts values-files and output-dir outside with allow-outside-workspace: true', async () => {
    const out = join(where.outside, `out-${randomBytes(3).toString('hex')}`);
    const run = await runActionStep('render-manifest', {
      workspace: where.workspace,
      inputs: {
        templates: 'deploy/*.j2',
        'values-files': `deploy/values.yaml\n${join(where.outside, 'values.yaml')}`,
        'output-dir': out,
        'allow-outside-workspace': 'true',
        environment: 'staging',
        image: IMAGE,
        'dry-run': 'true',
      },
      env: credentials(),
    });
    assert.equal(run.exitCode, 0, run.output);
    assert.ok(readdirSync(out).length > 0, 'the manifests were written outside, as asked');
  });
});

describe('slack-notify keeps payload-file in the workspace', () => {
  const where = layout();
  for (const [what, path] of escapes(where, 'payload.json')) {
    it(`refuses payload-file through ${what} and posts nothing`, async () => {
      const hookPath = `/services/T0SLIPWAY/B${randomBytes(4).toString('hex').toUpperCase()}/${randomBytes(12).toString('hex')}`;
      const run = await runActionStep('slack-notify', {
        workspace: where.workspace,
        inputs: {
          status: 'success',
          'webhook-url': `${testbed().slack.url}${hookPath.slice(1)}`,
          'payload-file': path,
        },
      });
      assertRefused(run, 'slack-notify', 'payload-file');
      const res = await fetch(`${testbed().slack.url}_control/messages`);
      const stored = (await res.json()) as { webhook?: string }[];
      assert.equal(stored.filter((m) => m.webhook === hookPath).length, 0);
    });
  }
});

describe('ecr-push keeps file sources and the lifecycle policy in the workspace', () => {
  const where = layout();
  const aws = () => credentials();
  it('builds a layout outside the workspace for the cases below', async () => {
    await writeOciLayout(join(where.outside, 'image'), {
      layers: 1,
      layerSize: 1000,
      seed: uniqueName('conf'),
    });
    await writeOciLayout(join(where.sibling, 'image'), {
      layers: 1,
      layerSize: 1000,
      seed: uniqueName('conf'),
    });
  });
  for (const [what, path] of escapes(where, 'image')) {
    it(`refuses source oci: through ${what} and creates no repository`, async () => {
      const repository = uniqueName('conf');
      const run = await runActionStep('ecr-push', {
        workspace: where.workspace,
        inputs: { repository, source: `oci:${path}`, 'registry-url': testbed().registry.url },
        env: aws(),
      });
      assertRefused(run, 'ecr-push', 'source');
      assert.doesNotMatch(run.output, /CreateRepository|created repository/i);
    });
  }
  for (const [what, path] of escapes(where, 'policy.json')) {
    it(`refuses a lifecycle-policy file through ${what}`, async () => {
      const run = await runActionStep('ecr-push', {
        workspace: where.workspace,
        inputs: {
          repository: uniqueName('conf'),
          source: 'ecr:v1',
          'lifecycle-policy': path,
          'registry-url': testbed().registry.url,
        },
        env: aws(),
      });
      assertRefused(run, 'ecr-push', 'lifecycle-policy');
    });
  }
});

describe('test-cache keeps relative paths in the workspace', () => {
  const where = layout();
  for (const [what, path] of escapes(where, '').filter(([w]) => w !== 'an absolute path')) {
    it(`refuses path through ${what} and touches no cache`, async () => {
      const run = await runActionStep('test-cache', {
        workspace: where.workspace,
        inputs: { path, prefix: uniqueName('conf') },
        post: false,
      });
      assertRefused(run, 'test-cache', 'path');
    });
  }
});
