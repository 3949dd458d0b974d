/**
 * The declared boundaries of the workspace packages, checked by reading every import in the tree:
 * - an import of `@slipway/<pkg>` or `@slipway/<pkg>/<entry>` names an entry point that
 *   `packages/<pkg>/package.json` exports, and every exported entry point exists;
 * - a package's sources import only npm packages and `@slipway/*` workspaces listed in its own
 *   `dependencies` (Node built-ins aside), and list nothing they do not import;
 * - a package's sources never reach into another package by a relative path;
 * - nothing imports a `*.test.ts` file (so no test file can be on an import cycle, which lets the
 *   lint's cycle check skip them).
 * Import specifiers come from TypeScript's own pre-processor (static imports, re-exports,
 * `import()` with a literal and `import x = require()`), not from regular expressions.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.testbed', 'target', 'coverage']);
const BUILTINS = new Set(builtinModules);

interface Manifest {
  name?: string;
  exports?: Record<string, string> | string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface WorkspacePackage {
  /** The folder under packages/, e.g. `aws`. */
  dir: string;
  name: string;
  manifest: Manifest;
}

/** Every source file under `root`, relative to it, skipping dependencies, builds and caches. */
export function sourceFiles(root: string, dir = root): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...sourceFiles(root, join(dir, entry.name)));
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
    }
  }
  return files.sort();
}

/** The module specifiers one file imports or re-exports. */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** `@aws-sdk/client-s3/dist/x` → `@aws-sdk/client-s3`; `yaml/util` → `yaml`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

export function workspacePackages(root: string): WorkspacePackage[] {
  const base = join(root, 'packages');
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, 'package.json')))
    .map((d) => {
      const manifest = JSON.parse(readFileSync(join(base, d.name, 'package.json'), 'utf8')) as Manifest;
      return { dir: d.name, name: manifest.name ?? d.name, manifest };
    });
}

function exportMap(m: Manifest): Record<string, string> {
  if (m.exports === undefined) return {};
  return typeof m.exports === 'string' ? { '.': m.exports } : m.exports;
}

const isBuiltin = (s: string) => s.startsWith('node:') || BUILTINS.has(packageOf(s));
const isRelative = (s: string) => s.startsWith('.') || s.startsWith('/');

/** Every breach of the rules above in the tree at `root`, one line each; empty when it keeps them. */
export function boundaryProblems(root: string): string[] {
  const problems: string[] = [];
  const packages = workspacePackages(root);
  const byName = new Map(packages.map((p) => [p.name, p]));

  for (const p of packages) {
    const exported = exportMap(p.manifest);
    if (Object.keys(exported).some((k) => k.includes('*'))) {
      problems.push(`packages/${p.dir}/package.json exports a pattern; name each entry point instead`);
    }
    for (const [key, target] of Object.entries(exported)) {
      if (!existsSync(join(root, 'packages', p.dir, target))) {
        problems.push(`packages/${p.dir}/package.json exports ${key} as ${target}, which does not exist`);
      }
    }
  }

  const used = new Map<string, Set<string>>(packages.map((p) => [p.dir, new Set()]));
  for (const file of sourceFiles(root)) {
    const owner = /^packages\/([^/]+)\/src\//.exec(file)?.[1];
    const pkg = packages.find((p) => p.dir === owner);
    for (const spec of importsOf(readFileSync(join(root, file), 'utf8'))) {
      if (/\.test\.[cm]?[jt]s$/.test(spec)) problems.push(`${file} imports the test file ${spec}`);
      if (spec.startsWith('@slipway/')) {
        const name = packageOf(spec);
        const target = byName.get(name);
        const entry = `.${spec.slice(name.length)}`;
        if (!target) problems.push(`${file} imports ${spec}, but no workspace package is named ${name}`);
        else if (!(entry in exportMap(target.manifest))) {
          problems.push(
            `${file} imports ${spec}, but packages/${target.dir}/package.json does not export ${entry}`,
          );
        }
      }
      if (!pkg) continue;
      if (isRelative(spec)) {
        const to = relative(join(root, 'packages'), resolve(dirname(join(root, file)), spec)).split(sep);
        if (to[0] !== pkg.dir)
          problems.push(`${file} reaches into ${spec} by a relative path; import the package`);
        continue;
      }
      if (isBuiltin(spec)) continue;
      const name = packageOf(spec);
      if (name === pkg.name) continue;
      used.get(pkg.dir)?.add(name);
      const listed = { ...pkg.manifest.peerDependencies, ...pkg.manifest.dependencies };
      if (!(name in listed)) {
        problems.push(
          `${file} imports ${name}, which packages/${pkg.dir}/package.json does not list in dependencies`,
        );
      }
    }
  }

  for (const p of packages) {
    for (const name of Object.keys(p.manifest.dependencies ?? {})) {
      if (!used.get(p.dir)?.has(name)) {
        problems.push(
          `packages/${p.dir}/package.json lists ${name}, which nothing in packages/${p.dir}/src imports`,
        );
      }
    }
  }
  return problems;
}
