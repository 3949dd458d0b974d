// What the committed bundle holds (CI's dist check keeps it equal to a fresh build of the sources):
// no path ncc fixed at build time, and a license notice for every package bundled into it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../scripts/lib/actions.ts';

const shared = join(repoRoot, 'dist', 'shared');
const chunks = readdirSync(shared).filter((f) => f.endsWith('.js'));

describe('the built bundle', () => {
  it('resolves no path at build time: no reference to an asset ncc relocated', () => {
    // ncc's runtime defines `<require>.ab` (the asset folder) once; a relocated expression reads it.
    const relocated: string[] = [];
    for (const file of chunks) {
      const code = readFileSync(join(shared, file), 'utf8');
      for (const m of code.matchAll(/\b[\w$]+\.ab\s*\+\s*"[^"]*"/g)) relocated.push(`${file}: ${m[0]}`);
    }
    assert.deepEqual(relocated, []);
    const folders = readdirSync(shared, { withFileTypes: true }).filter((e) => e.isDirectory());
    assert.deepEqual(
      folders.map((e) => e.name),
      [],
    );
  });

  it('keeps the tool runner resolving a relative tool path against the working directory at run time', () => {
    const runner = chunks
      .map((f) => readFileSync(join(shared, f), 'utf8'))
      .find((code) => code.includes("Parameter 'toolPath' cannot be null or empty."));
    assert.ok(runner, '@actions/exec is bundled');
    const resolved = /this\.toolPath=[\w$]+\.resolve\(globalThis\.process\.cwd\(\),this\.options\.cwd\|\|/;
    assert.ok(resolved.test(runner), "the tool runner's path.resolve(process.cwd(), …) was rewritten");
  });

  it('carries the license notice of every runtime dependency', () => {
    const licenses = new Set(readFileSync(join(shared, 'licenses.txt'), 'utf8').split('\n'));
    const manifests = [
      join(repoRoot, 'package.json'),
      ...readdirSync(join(repoRoot, 'packages'))
        .filter((p) => p !== 'testbed')
        .map((p) => join(repoRoot, 'packages', p, 'package.json')),
    ];
    const missing = new Set<string>();
    for (const manifest of manifests) {
      const deps = (JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> })
        .dependencies;
      for (const name of Object.keys(deps ?? {})) {
        if (!name.startsWith('@slipway/') && !licenses.has(name)) missing.add(name);
      }
    }
    assert.deepEqual([...missing], []);
  });
});
