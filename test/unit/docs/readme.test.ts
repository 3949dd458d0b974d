// The README is the front door: it must keep what a new user needs (issue 7), and every local
// link and npm command it names must exist.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listActions, repoRoot } from '../../../scripts/lib/actions.ts';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const scripts = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

describe('README.md', () => {
  it('has the two-command quick start', () => {
    assert.match(readme, /npm run demo/);
    assert.match(readme, /npm test/);
  });

  it('shows a step of every action, the root action and the reusable-workflow call', () => {
    for (const { name } of listActions()) {
      const uses = name === 'slipway' ? 'slipway/slipway@v1' : `slipway/slipway/actions/${name}@v1`;
      assert.ok(readme.includes(`uses: ${uses}`), `no example step uses ${uses}`);
    }
    assert.match(readme, /uses: slipway\/slipway\/\.github\/workflows\/pipeline\.yml@v1/);
  });

  it('points at the IAM policies, the AWS setup and the act recipe', () => {
    for (const link of ['docs/iam', 'docs/aws-setup.md', 'docs/act.md', 'docs/workflows.md']) {
      assert.ok(readme.includes(`(${link})`), `no link to ${link}`);
    }
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)]
      .map((m) => m[1] ?? '')
      .filter((l) => !/^[a-z]+:/.test(l));
    assert.ok(links.length > 10);
    for (const link of links) assert.ok(existsSync(join(repoRoot, link)), `${link} does not exist`);
  });

  it('names only npm scripts that exist', () => {
    const named = [...readme.matchAll(/npm run ([a-z][a-z0-9:-]*)/g)].map((m) => m[1] ?? '');
    assert.ok(named.length >= 5);
    for (const name of named) assert.ok(name in scripts, `npm run ${name} is not a script`);
  });
});
