import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures/manifests */
export const FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'fixtures',
  'manifests',
);

/** A fresh workspace holding a copy of a fixture folder (or nothing), plus extra files. */
export function workspace(fixture?: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'slw-render-'));
  if (fixture) cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** The built-in values of a typical run. */
export const BUILTINS = {
  project: 'shop',
  deploy_env: 'staging',
  namespace: 'shop',
  deploy_image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:' + 'a'.repeat(64),
  docker_tag: 'git-0123456',
  image_digest: 'sha256:' + 'a'.repeat(64),
  version: 'main-20260101-000000-0123456',
  git_sha: '0123456789abcdef0123456789abcdef01234567',
  git_ref: 'refs/heads/main',
  run_url: 'https://github.com/acme/shop/actions/runs/1',
};
